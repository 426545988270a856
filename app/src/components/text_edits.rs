//! Which changes to the page's copy of a supervision touch texts only. A keystroke in a
//! finding changes that finding's text and nothing the page's lists are made of (which
//! findings each unit holds, their kinds, which are deleted): the page then wakes the
//! finding's own card (`RecordSignals`) and the readers of texts ([`TextEdits`]), not every
//! list and memo built from the whole supervision (five units' lists, the set-up, the
//! cards' budget, on each remote keystroke).

use std::collections::HashMap;

use leptos::prelude::*;
use shared::RecordId;
use shared::finding::{Finding, FindingKind};
use shared::reading::{Delta, Supervision};

/// Notified when a change touched texts only. What reads a text through the whole
/// supervision (an excerpt, a search hit) tracks it besides the supervision.
#[derive(Clone, Copy)]
pub struct TextEdits(pub Trigger);

impl TextEdits {
    /// The page's, for a component that may also be drawn outside a supervision's page.
    pub fn here() -> Option<TextEdits> {
        use_context::<TextEdits>()
    }
}

/// Track the page's text edits (nothing outside a supervision's page).
pub fn track(texts: Option<TextEdits>) {
    if let Some(t) = texts {
        t.0.track();
    }
}

/// What a finding is to the page's lists: its unit, its kind, whether it is deleted.
type Shape = (RecordId, FindingKind, bool);

fn shape(f: &Finding) -> Shape {
    (f.unit.clone(), f.kind, f.deleted)
}

/// Each finding's shape as the page last saw it.
#[derive(Default)]
pub struct Shapes(HashMap<RecordId, Shape>);

impl Shapes {
    pub fn of(s: &Supervision) -> Self {
        Shapes(
            s.findings
                .iter()
                .map(|f| (f.id.clone(), shape(f)))
                .collect(),
        )
    }

    /// `s` is the copy after `delta`: whether `delta` changed texts only (findings read
    /// again, each of the same shape). Either way the shapes follow `s` afterwards.
    pub fn only_texts(&mut self, s: &Supervision, delta: &Delta) -> bool {
        if delta.everything
            || !delta.parts.is_empty()
            || !delta.recommendations.is_empty()
            || !delta.paragraphs.is_empty()
        {
            *self = Shapes::of(s);
            return false;
        }
        let mut same = true;
        for key in &delta.findings {
            let id = RecordId::from_key(key);
            match s.finding(&id).map(shape) {
                Some(now) if self.0.get(&id) == Some(&now) => {}
                Some(now) => {
                    same = false;
                    self.0.insert(id, now);
                }
                None => {
                    same = false;
                    self.0.remove(&id);
                }
            }
        }
        same
    }
}
