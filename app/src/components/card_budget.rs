//! How many finding cards the units tab draws: a screenful at once, then twice as many at
//! each animation frame until every card is there (six frames for 500). A 500-finding
//! supervision thus shows its first screen about as fast as an empty one (BENCHMARKS.md,
//! "The tablet's data path"), and the member can read and type while the rest is drawn.
//! A page drawn from the reading the tablet kept draws the rest once its document is
//! loaded, so typing waits for the document alone.

use std::collections::HashMap;

use leptos::prelude::*;
use shared::reading::Supervision;

/// Cards drawn with the page: more than a tablet or a phone shows at once.
const FIRST: usize = 8;
/// Cards added at the first animation frame after that; each later frame adds twice as many
/// as the one before, so a long supervision is whole after a few frames.
const STEP: usize = 32;

/// Shared by the page with its unit sections through context.
#[derive(Clone, Copy)]
pub struct CardBudget {
    /// How many cards, counted across units in their order, may be drawn now.
    budget: RwSignal<usize>,
    /// For each unit, how many findings the units before it hold.
    before: Memo<HashMap<String, usize>>,
}

impl CardBudget {
    /// Start drawing `supervision`'s cards: [`FIRST`] now, then more at each frame once
    /// `loaded` (the documents are loaded) holds.
    pub fn start(supervision: Signal<Option<Supervision>>, loaded: Signal<bool>) -> Self {
        let before = Memo::new(move |_| {
            supervision.with(|s| {
                let mut out = HashMap::new();
                let mut sum = 0;
                for unit in s.iter().flat_map(|s| s.units.iter()) {
                    out.insert(unit.id.as_str().to_owned(), sum);
                    sum += s
                        .as_ref()
                        .map_or(0, |s| s.findings_of(unit.id.as_str()).count());
                }
                out
            })
        });
        let total = Memo::new(move |_| {
            supervision.with(|s| {
                s.as_ref()
                    .map_or(0, |s| s.findings.iter().filter(|f| !f.deleted).count())
            })
        });
        let budget = RwSignal::new(FIRST);
        // Not in the first frame: that one paints the first screen alone. Nor before the
        // documents are loaded (a page drawn from a kept reading): the member waits to type
        // for the document, not for the cards below the screen.
        Effect::new(move |started: Option<bool>| {
            if started == Some(true) {
                return true;
            }
            if !loaded.get() {
                return false;
            }
            request_animation_frame(move || draw_more(budget, total, STEP));
            true
        });
        CardBudget { budget, before }
    }

    /// Of `unit`'s findings `ids` (in order), those to draw now.
    pub fn drawn<T: Clone>(&self, unit: &str, ids: &[T]) -> Vec<T> {
        let budget = self.budget.get();
        if budget == usize::MAX {
            return ids.to_vec();
        }
        let before = self.before.with(|b| b.get(unit).copied().unwrap_or(0));
        ids[..budget.saturating_sub(before).min(ids.len())].to_vec()
    }
}

/// At the next frame, allow `step` more cards, until all of them are drawn (the budget is
/// then unbounded, so cards added later show at once). Stops when the page is gone.
fn draw_more(budget: RwSignal<usize>, total: Memo<usize>, step: usize) {
    request_animation_frame(move || {
        let (Some(now), Some(all)) = (budget.try_get_untracked(), total.try_get_untracked()) else {
            return;
        };
        if now.saturating_add(step) >= all {
            budget.set(usize::MAX);
        } else {
            budget.set(now + step);
            draw_more(budget, total, step.saturating_mul(2));
        }
    });
}
