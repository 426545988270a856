//! One signal per record (a finding, a paragraph…), so a change to one record wakes only the
//! card showing it. Cards that each read the whole supervision made every change wake all of
//! them: on a 500-finding supervision a remote keystroke cost ~250 ms of script
//! (BENCHMARKS.md, "The tablet's data path"). The page hands [`RecordSignals::refresh`] what
//! changed (`shared::reading::Delta`), and only those records' signals are set. What many
//! cards read of the whole supervision (a unit's shortcomings) is [`settled`] for the same
//! reason.

use std::collections::{BTreeSet, HashMap};

use leptos::prelude::*;
use shared::RecordId;
use shared::reading::{Delta, Supervision};

/// The records of one kind in a supervision, each behind its own signal.
pub struct RecordSignals<T: Send + Sync + 'static> {
    signals: StoredValue<HashMap<RecordId, RwSignal<Option<T>>>>,
    supervision: Signal<Option<Supervision>>,
    kind: Kind<T>,
    owner: Owner,
}

/// How to find the records of one kind in a supervision and in a delta.
struct Kind<T> {
    /// Every record of the kind, with its id.
    all: fn(&Supervision) -> Vec<(&RecordId, &T)>,
    /// One record.
    find: fn(&Supervision, &RecordId) -> Option<T>,
    /// The ids a delta names one by one; `None` when it reads the whole kind again.
    touched: fn(&Delta) -> Option<&BTreeSet<String>>,
}

impl<T> Clone for Kind<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Kind<T> {}

impl<T: Send + Sync + 'static> Clone for RecordSignals<T> {
    fn clone(&self) -> Self {
        Self {
            signals: self.signals,
            supervision: self.supervision,
            kind: self.kind,
            owner: self.owner.clone(),
        }
    }
}

impl<T: Clone + PartialEq + Send + Sync + 'static> RecordSignals<T> {
    /// Signals for the records of one kind in `supervision`.
    pub fn new(
        supervision: Signal<Option<Supervision>>,
        all: fn(&Supervision) -> Vec<(&RecordId, &T)>,
        find: fn(&Supervision, &RecordId) -> Option<T>,
        touched: fn(&Delta) -> Option<&BTreeSet<String>>,
    ) -> Self {
        Self {
            signals: StoredValue::new(HashMap::new()),
            supervision,
            kind: Kind { all, find, touched },
            // Signals live as long as the page, not the card that first asked (a card
            // unmounted by a tab switch must not take its record's signal with it).
            owner: Owner::current().unwrap_or_default(),
        }
    }

    /// `s` is the supervision after `delta`: set the signals of the records it changed (of
    /// every record of the kind when the delta reads them all again).
    pub fn refresh(&self, s: &Supervision, delta: &Delta) {
        let touched = if delta.everything {
            None
        } else {
            (self.kind.touched)(delta)
        };
        let mut changed = Vec::new();
        self.signals.with_value(|map| match touched {
            Some(ids) => {
                for id in ids {
                    let id = RecordId::from_key(id);
                    if let Some(sig) = map.get(&id) {
                        changed.push((*sig, (self.kind.find)(s, &id)));
                    }
                }
            }
            None => {
                for (id, record) in (self.kind.all)(s) {
                    if let Some(sig) = map.get(id)
                        && sig.with_untracked(|old| old.as_ref() != Some(record))
                    {
                        changed.push((*sig, Some(record.clone())));
                    }
                }
            }
        });
        for (sig, record) in changed {
            sig.set(record);
        }
    }

    /// The signal of record `id` (made on first use, from the supervision as it stands).
    pub fn of(&self, id: &RecordId) -> Signal<Option<T>> {
        if let Some(sig) = self.signals.with_value(|m| m.get(id).copied()) {
            return sig.into();
        }
        let now = self
            .supervision
            .with_untracked(|s| s.as_ref().and_then(|s| (self.kind.find)(s, id)));
        let sig = self.owner.with(|| RwSignal::new(now));
        self.signals.update_value(|m| {
            m.insert(id.clone(), sig);
        });
        sig.into()
    }
}

/// A value computed from the page's copy of the supervision that wakes its readers only when
/// it changes. A `Memo` compares its value too, but each change to the copy would still mark
/// every reader to be checked again (Leptos' graph pushes "check" down before it pulls), and a
/// unit's shortcomings are read by every cause card of the unit: on each remote keystroke.
pub fn settled<T>(compute: impl Fn() -> T + 'static) -> Signal<T>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let value = RwSignal::new(untrack(&compute));
    Effect::new(move |_| {
        let next = compute();
        if value.with_untracked(|v| v != &next) {
            value.set(next);
        }
    });
    value.into()
}

/// One field of a record, as a memo over the record's signal: a card's controls each read
/// their own field, so a keystroke in the text re-runs none of the others. It matters beyond
/// our own script: Chromium's autofill answers every `<select>` value set by script (even to
/// the value it had) by reading the page's form controls again, ~6 ms of the renderer on a
/// 500-finding supervision, per remote keystroke (BENCHMARKS.md, seventeenth session).
pub fn field_of<T, F>(
    record: Signal<Option<T>>,
    read: impl Fn(&T) -> F + Send + Sync + 'static,
) -> Memo<F>
where
    T: Send + Sync + 'static,
    F: Clone + Default + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| record.with(|r| r.as_ref().map(&read).unwrap_or_default()))
}
