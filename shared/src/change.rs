//! What every operation on a document shares: the [`Stamp`] saying who makes a change and
//! when, and [`attribute`], which records that the change's actor writes for that member.
//! The record modules (finding, unit, conclusion…) build on this and on `schema`, never on
//! `supervision`, so modules stack without cycles: ids/schema → change → field/text →
//! records → supervision (the set-up and the whole read) → reading.

use automerge::transaction::Transactable;

use crate::error::ModelError;
use crate::schema;

/// Who makes a change and when: every operation is stamped with both.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    /// The member's name as they gave it (accounts come later).
    pub member: &'a str,
    /// Wall time of the edit, milliseconds since the Unix epoch.
    pub now_ms: i64,
}

/// Record that this document's actor writes for `stamp.member`, so every change is attributed.
/// Written only when it is new or different, so it costs nothing on later edits.
pub(crate) fn attribute(
    tx: &mut automerge::transaction::Transaction<'_>,
    actor: &str,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let actors = schema::root_object(tx, "actors")?;
    if schema::string(tx, &actors, actor).as_deref() != Some(stamp.member) {
        tx.put(&actors, actor, stamp.member)?;
    }
    Ok(())
}
