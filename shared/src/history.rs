//! The history of one text field (a conclusion paragraph, a finding): who wrote which part of
//! it now, the texts it had over time and who wrote each, and restoring one earlier text.
//!
//! Everything is read from the document itself, never from a name typed into it: each
//! character is an Automerge operation whose actor the server registered to one account (see
//! [`crate::authorship`]), so "who wrote it" is an actor here, named by the app's registry.
//! Restoring is an ordinary edit of this one field, the smallest splice from today's text to
//! the earlier one: every other field, and whatever anyone writes meanwhile elsewhere, stays.

use std::collections::BTreeSet;

use automerge::{Automerge, ChangeHash, ObjId, ReadDoc};

use crate::change::Stamp;
use crate::error::ModelError;
use crate::field::{self, TextField};

/// A run of consecutive characters of today's text written by one actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub text: String,
    /// The writing actor, hex; `None` only for characters of no actor (never in practice).
    pub actor: Option<String>,
}

/// One text the field had: what it read after one member's sitting (their changes in a row,
/// no pause longer than [`SITTING_GAP_S`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub text: String,
    /// The actor (hex) whose changes ended with this text.
    pub actor: String,
    /// When the last of those changes was made (seconds since the epoch, the tablet's clock).
    pub at_s: i64,
}

/// A pause longer than this (seconds) starts a new version even when the same member goes on.
pub const SITTING_GAP_S: i64 = 300;

/// At most this many versions are read back (the newest); reading one costs a historical read.
pub const MAX_VERSIONS: usize = 100;

/// Today's text in runs by writer.
pub fn parts(doc: &impl ReadDoc, obj: &ObjId) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    for item in doc.list_range(obj, ..) {
        let actor = crate::authorship::creator(&item.id());
        let ch = match &item.value {
            automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => s.as_ref(),
            _ => "",
        };
        match out.last_mut() {
            Some(last) if last.actor == actor => last.text.push_str(ch),
            _ => out.push(Part {
                text: ch.to_owned(),
                actor,
            }),
        }
    }
    out
}

/// The field's texts over time, oldest first: one per sitting of one member that changed it.
/// Changes are taken in the order the document holds them (each after what it depends on), so
/// a text is what the field read with everything merged up to that change.
pub fn versions(doc: &Automerge, obj: &ObjId) -> Vec<Version> {
    let metas = doc.get_changes_meta(&[]);
    // Where each sitting ends: the document's heads there, the sitting's actor, its last time.
    let mut heads: BTreeSet<ChangeHash> = BTreeSet::new();
    let mut ends: Vec<(Vec<ChangeHash>, String, i64)> = Vec::new();
    // A historical read of an object that did not exist yet gives "": start where it was made.
    let born = match obj {
        ObjId::Id(counter, actor, _) => metas
            .iter()
            .position(|m| m.actor.as_ref() == actor && (m.start_op..=m.max_op).contains(counter)),
        ObjId::Root => Some(0),
    };
    let Some(born) = born else {
        return Vec::new();
    };
    for (i, m) in metas.iter().enumerate() {
        for d in &m.deps {
            heads.remove(d);
        }
        heads.insert(m.hash);
        let actor = m.actor.to_hex_string();
        let next_same = metas.get(i + 1).is_some_and(|n| {
            n.actor.as_ref() == m.actor.as_ref() && n.timestamp - m.timestamp <= SITTING_GAP_S
        });
        if !next_same && i >= born {
            ends.push((heads.iter().copied().collect(), actor, m.timestamp));
        }
    }
    let skip = ends.len().saturating_sub(MAX_VERSIONS * 4);
    let mut out: Vec<Version> = Vec::new();
    let mut last_text: Option<String> = None;
    for (h, actor, at_s) in ends.into_iter().skip(skip) {
        let Ok(text) = doc.text_at(obj, &h) else {
            continue;
        };
        // Unchanged, or made empty and not yet written in.
        if last_text.as_deref().unwrap_or("") == text {
            continue;
        }
        last_text = Some(text.clone());
        out.push(Version { text, actor, at_s });
    }
    let extra = out.len().saturating_sub(MAX_VERSIONS);
    out.drain(..extra);
    out
}

/// Make `field` read `earlier` again, as the smallest splice from what it reads now. Other
/// fields are not touched. Returns whether anything changed.
pub fn restore(
    doc: &mut Automerge,
    field: &TextField,
    earlier: &str,
    stamp: Stamp<'_>,
) -> Result<bool, ModelError> {
    field::set(doc, field, earlier, stamp)
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
