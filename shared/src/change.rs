//! What every operation on a document shares: the [`Stamp`] saying who makes a change and
//! when, [`change`], the one way an operation makes its change, and [`attribute`], which
//! records that the change's actor writes for that member.
//! The record modules (finding, unit, conclusion…) build on this and on `schema`, never on
//! `supervision`, so modules stack without cycles: ids/schema → change → field/text →
//! records → supervision (the set-up and the whole read) → reading.

use automerge::Automerge;
use automerge::transaction::{Transactable, Transaction};

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

/// Make one change to `doc`, the way every operation does: `ops` writes into one transaction,
/// the change's actor is attributed to `stamp.member`, and it commits with `message` at the
/// stamp's time — or, if `ops` fails, nothing is committed and the document is as it was.
pub(crate) fn change<T>(
    doc: &mut Automerge,
    stamp: Stamp<'_>,
    message: &str,
    ops: impl FnOnce(&mut Transaction<'_>) -> Result<T, ModelError>,
) -> Result<T, ModelError> {
    let actor = doc.get_actor().to_hex_string();
    let mut tx = doc.transaction();
    let out = match ops(&mut tx) {
        Ok(out) => out,
        Err(e) => {
            tx.rollback();
            return Err(e);
        }
    };
    attribute(&mut tx, &actor, stamp)?;
    tx.commit_with(schema::commit_options(message, stamp.now_ms));
    Ok(out)
}
