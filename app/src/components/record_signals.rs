//! One signal per record (a finding, a paragraph…), so a change to one record wakes only the
//! card showing it. Cards that each read the whole supervision's memo made every change wake
//! all of them: on a 500-finding supervision a remote keystroke cost ~40 ms of reactive
//! bookkeeping (BENCHMARKS.md, "The tablet's data path"). Here one effect per page walks the
//! new reading and sets only the signals whose record differs.

use std::collections::HashMap;

use leptos::prelude::*;
use shared::RecordId;
use shared::reading::Supervision;

/// The records of one kind in a supervision, each behind its own signal.
pub struct RecordSignals<T: Send + Sync + 'static> {
    /// Each record's signal, and the value last given to it (compared here, not through the
    /// signal: a signal read per record per change cost more than the comparison).
    signals: StoredValue<HashMap<RecordId, (Option<T>, RwSignal<Option<T>>)>>,
    supervision: Memo<Option<Supervision>>,
    find: fn(&Supervision, &RecordId) -> Option<T>,
    owner: Owner,
}

impl<T: Send + Sync + 'static> Clone for RecordSignals<T> {
    fn clone(&self) -> Self {
        Self {
            signals: self.signals,
            supervision: self.supervision,
            find: self.find,
            owner: self.owner.clone(),
        }
    }
}

impl<T: Clone + PartialEq + Send + Sync + 'static> RecordSignals<T> {
    /// Follow `supervision`; `all` lists a reading's records of this kind, `find` one of them.
    pub fn new(
        supervision: Memo<Option<Supervision>>,
        all: fn(&Supervision) -> Vec<(&RecordId, &T)>,
        find: fn(&Supervision, &RecordId) -> Option<T>,
    ) -> Self {
        let this = Self {
            signals: StoredValue::new(HashMap::new()),
            supervision,
            find,
            // Signals live as long as the page, not the card that first asked (a card
            // unmounted by a tab switch must not take its record's signal with it).
            owner: Owner::current().unwrap_or_default(),
        };
        let signals = this.signals;
        Effect::new(move |_| {
            supervision.with(|s| {
                let Some(s) = s else { return };
                let mut changed = Vec::new();
                signals.update_value(|map| {
                    for (id, record) in all(s) {
                        if let Some((last, sig)) = map.get_mut(id)
                            && last.as_ref() != Some(record)
                        {
                            *last = Some(record.clone());
                            changed.push((*sig, record.clone()));
                        }
                    }
                });
                for (sig, record) in changed {
                    sig.set(Some(record));
                }
            });
        });
        this
    }

    /// The signal of record `id` (made on first use, from the reading as it stands).
    pub fn of(&self, id: &RecordId) -> Signal<Option<T>> {
        if let Some(sig) = self.signals.with_value(|m| m.get(id).map(|(_, sig)| *sig)) {
            return sig.into();
        }
        let now = self
            .supervision
            .with_untracked(|s| s.as_ref().and_then(|s| (self.find)(s, id)));
        let sig = self.owner.with(|| RwSignal::new(now.clone()));
        self.signals.update_value(|m| {
            m.insert(id.clone(), (now, sig));
        });
        sig.into()
    }
}
