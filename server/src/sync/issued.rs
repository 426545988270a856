//! The check codes of issued versions, for `/verify` ([`crate::verify`]): derived from the
//! documents and rebuilt from them, never a second source of truth.
//!
//! A document's task files its issued versions when it loads, and with every write whose
//! document has a different set of `issued/…` and `superseded/…` keys than last filed: in
//! the write's own transaction, so a member is told a version is stored only once its code
//! answers (and a write that fails files nothing). At start,
//! a database whose index was never built (made before it existed) has every stored
//! document read once, in the background.

use std::sync::Arc;

use automerge::{Automerge, ROOT, ReadDoc};
use shared::DocumentId;
use shared::official::issue::{self, Shown};

use super::store::{DocStore, StoreError};

/// The issuance keys of `doc` as last filed by its task.
pub type Filed = Option<Vec<String>>;

/// `doc`'s issuance keys and what `/verify` should show of it, if the keys changed since
/// `filed` (reading a root's keys is cheap; checking fingerprints is done only then).
pub fn changed(
    id: &DocumentId,
    doc: &Automerge,
    filed: &Filed,
) -> Option<(Vec<String>, Vec<Shown>)> {
    let keys: Vec<String> = doc
        .keys(ROOT)
        .filter(|k| k.starts_with("issued/") || k.starts_with("superseded/"))
        .collect();
    if filed.as_ref() == Some(&keys) {
        return None;
    }
    match issue::shown_all(doc, id) {
        Ok(shown) => Some((keys, shown)),
        Err(e) => {
            tracing::error!(document = %id, "its issued versions do not read: {e}");
            None
        }
    }
}

/// On load: file `doc`'s issued versions if they differ from what this task last filed
/// (nothing yet: so every load files them again, healing an index that lost anything).
/// The store call runs on the blocking pool; a failure is logged and tried at the next
/// change or load.
pub fn refresh(store: &Arc<dyn DocStore>, id: DocumentId, doc: &Automerge, filed: &mut Filed) {
    let Some((keys, shown)) = changed(&id, doc, filed) else {
        return;
    };
    if keys.is_empty() && filed.is_none() {
        // Nothing issued, and nothing filed by this task: nothing to replace.
        *filed = Some(keys);
        return;
    }
    *filed = Some(keys);
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = store.index_issued(&id, &shown) {
            tracing::error!(document = %id, "filing its check codes failed: {e}");
        }
    });
}

/// Read every stored document once and file its issued versions. Returns how many
/// documents had any.
pub fn rebuild(store: &dyn DocStore) -> Result<usize, StoreError> {
    let mut with_versions = 0;
    for id in store.document_ids()? {
        let stored = store.load(&id)?;
        let mut doc = Automerge::new();
        for chunk in &stored.chunks {
            // A chunk that does not load is the document task's to report; the rest still
            // holds whatever versions it can.
            let _ = doc.load_incremental(chunk);
        }
        let shown = match issue::shown_all(&doc, &id) {
            Ok(s) => s,
            Err(_) => continue,
        };
        if !shown.is_empty() {
            with_versions += 1;
            store.index_issued(&id, &shown)?;
        }
    }
    Ok(with_versions)
}
