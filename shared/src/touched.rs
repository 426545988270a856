//! What a merge touched, for a reading to read again (`crate::reading::Reading::follow`):
//! the objects the merged changes' operations wrote, each with its path from the root.
//!
//! Automerge's patches say the same, but to build a patch's path Automerge lists every
//! sibling of each object on it: all 500 findings of a big supervision, for one remote
//! keystroke in one of them (about a tenth of that keystroke's work on a tablet). Here an
//! object's parents are found by id, one step per level.
//!
//! A touch may name more than a patch would (an operation that lost a conflict, one inside an
//! object since deleted): the reading then reads a record that did not change, never misses
//! one. When the document did not move by exactly the changes of the message (a change held
//! back for a missing dependency, or one held back before and applied now), [`expect`] or
//! [`touched`] says so and the reading reads everything.

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::{Automerge, Change, ChangeHash, ObjId, Prop, ReadDoc};

/// What an operation did to its object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Touch {
    /// Set a key of a map (a value or a new object).
    Put(String),
    /// Anything else: text or a list spliced, a key deleted, a counter incremented, a mark.
    Other,
}

/// One object written, by its path from the root (the key or index of each object on the
/// way, as a patch's path), and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touched {
    pub path: Vec<Prop>,
    pub touch: Touch,
}

/// The changes a sync message brings, checked against the document before they are applied.
#[derive(Debug, Clone, Default)]
pub struct Incoming {
    /// The changes the document lacked, in the message's order.
    changes: Vec<Change>,
    /// The heads the document will have once they are applied.
    heads: BTreeSet<ChangeHash>,
}

/// What `doc` will be once the changes in `chunks` (a sync message's) are applied to it:
/// `None` when a chunk is not one change (a whole document) or a change depends on one
/// neither the document nor the message has (it would be held back).
pub fn expect<'a>(doc: &Automerge, chunks: impl Iterator<Item = &'a [u8]>) -> Option<Incoming> {
    let mut changes = Vec::new();
    for chunk in chunks {
        changes.push(Change::from_bytes(chunk.to_vec()).ok()?);
    }
    let has = |h: &ChangeHash| doc.get_change_meta_by_hash(h).is_some();
    let brought: BTreeSet<ChangeHash> = changes.iter().map(Change::hash).collect();
    let mut heads: BTreeSet<ChangeHash> = doc.get_heads().into_iter().collect();
    let mut lacked = Vec::new();
    for change in changes {
        if has(&change.hash()) {
            continue;
        }
        if !change.deps().iter().all(|d| has(d) || brought.contains(d)) {
            return None;
        }
        for dep in change.deps() {
            heads.remove(dep);
        }
        heads.insert(change.hash());
        lacked.push(change);
    }
    Some(Incoming {
        changes: lacked,
        heads,
    })
}

/// What applying `incoming` wrote in `doc`, now merged; `None` if `doc` did not end at the
/// heads `incoming` leads to (something else moved it: read everything).
pub fn touched(doc: &Automerge, incoming: &Incoming) -> Option<Vec<Touched>> {
    let now: BTreeSet<ChangeHash> = doc.get_heads().into_iter().collect();
    if now != incoming.heads {
        return None;
    }
    // Each object's path is looked up once, and each (object, touch) noted once: a pasted
    // paragraph is thousands of operations on one text.
    let mut paths: HashMap<ObjectId, Option<Vec<Prop>>> = HashMap::new();
    let mut seen: HashSet<(ObjectId, Touch)> = HashSet::new();
    let mut out = Vec::new();
    for change in &incoming.changes {
        for op in change.decode().operations {
            let touch = match (&op.key, &op.action) {
                (Key::Map(k), OpType::Put(_) | OpType::Make(_)) => Touch::Put(k.to_string()),
                _ => Touch::Other,
            };
            if !seen.insert((op.obj.clone(), touch.clone())) {
                continue;
            }
            let path = paths
                .entry(op.obj.clone())
                .or_insert_with(|| path_of(doc, &op.obj))
                .clone()?;
            out.push(Touched { path, touch });
        }
    }
    Some(out)
}

/// The path from the root to `obj` (`None` if the document does not have it).
fn path_of(doc: &Automerge, obj: &ObjectId) -> Option<Vec<Prop>> {
    let id = match obj {
        ObjectId::Root => return Some(Vec::new()),
        // The actor's index in this document is looked up by Automerge from its id.
        ObjectId::Id(op) => ObjId::Id(op.0, op.1.clone(), usize::MAX),
    };
    let mut path: Vec<Prop> = doc.parents(&id).ok()?.map(|p| p.prop).collect();
    path.reverse();
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{self, RecordKind, TextField};
    use crate::finding::{self, FindingKind};
    use crate::supervision::{self, Stamp};
    use crate::{RecordId, unit};

    #[test]
    fn a_keystroke_in_a_finding_touches_its_text_by_the_path_a_patch_would_give() {
        let s = |t| Stamp {
            member: "Lan",
            now_ms: t,
        };
        let (u, f) = (RecordId::from_bytes([1; 8]), RecordId::from_bytes([2; 8]));
        let mut lan = supervision::create(&crate::fixtures::thanh_khe_tay(), s(1)).unwrap();
        unit::add(&mut lan, &u, "Đảng ủy phường Thanh Khê Tây", s(2)).unwrap();
        finding::add(&mut lan, &f, &u, FindingKind::Strength, "Quán triệt.", s(3)).unwrap();
        let mut minh = lan.fork();
        let before = minh.get_heads();
        let text = TextField::new(RecordKind::Finding, &f, "text");
        field::set(&mut minh, &text, "Quán triệt kịp thời.", s(4)).unwrap();
        let chunks: Vec<Vec<u8>> = minh
            .get_changes(&before)
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();

        let incoming = expect(&lan, chunks.iter().map(Vec::as_slice)).unwrap();
        lan.load_incremental(&chunks.concat()).unwrap();
        let written = touched(&lan, &incoming).unwrap();
        let findings = |rest: &[&str]| -> Vec<Prop> {
            std::iter::once("findings")
                .chain(rest.iter().copied())
                .map(|k| Prop::Map(k.into()))
                .collect()
        };
        let inside_text: Vec<&Touched> = written
            .iter()
            .filter(|t| t.path == findings(&[f.as_str(), "text"]))
            .collect();
        assert_eq!(inside_text.len(), 1, "{written:?}");
        assert_eq!(inside_text[0].touch, Touch::Other);
        assert!(
            written
                .iter()
                .all(|t| t.path.first() != Some(&Prop::Map("units".into()))),
            "nothing of the units: {written:?}"
        );
        // Applied twice, the same changes bring nothing new.
        assert!(
            expect(&lan, chunks.iter().map(Vec::as_slice))
                .unwrap()
                .changes
                .is_empty()
        );
    }
}
