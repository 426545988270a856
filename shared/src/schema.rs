//! How giamsat documents sit in Automerge, and the schema version every document carries.
//!
//! Two kinds of document exist:
//!
//! ```text
//! supervision (one per đợt giám sát / kiểm tra)
//! ROOT {
//!   schema: 1                      uint, see SCHEMA_VERSION
//!   doc_kind: "supervision"
//!   setup: { title, kind, basis_number, basis_date, basis_issuer, period_from, period_to,
//!            schedule_from, schedule_to, created_at (ms), created_by }
//!   topics: [string]                the regulations and topics examined (a free list)
//!   members: { <RecordId>: { name, role, title } }, member_order: [RecordId]
//!   units: { <RecordId>: { name, created_by, created_at } }
//!   unit_order: [RecordId]          the display order, ids only
//!   sessions: { <RecordId>: { unit, date, place, attendees: Text, created_by } }, session_order
//!   remarks: { <RecordId>: { session, kind, text: Text, answers?, author, created_at } }, remark_order
//!   findings: { <RecordId>: { unit, kind, topic, text: Text, figures: Text, status,
//!               explains: { <shortcoming id>: true }, evidence: { <sha256>: {…} },
//!               deleted, author, created_at } }
//!   finding_order: [RecordId]
//!   recommendations: { <RecordId>: { kind, text: Text, addressee, due, status, response: Text,
//!                      answers: { <finding id>: true }, deleted, author, created_at } }
//!   recommendation_order: [RecordId]
//!   conclusion: { paragraphs: { <RecordId>: { section, text: Text, source? } }, order: [RecordId] }
//!   actors: { <actor hex>: member name }   who wrote each change
//! }
//! ```
//!
//! (Deployments before accounts also held a `doc_kind: "catalogue"` document listing every
//! supervision; the server's membership database replaced it and nothing reads it now.)
//!
//! Every container is made when the document is created, never later: two members creating
//! the same map offline would make two maps under one key, and one would hide the other.
//! A migration that needs a new container must therefore write it as a deterministic change
//! (fixed actor, fixed time) so that every replica makes the very same change.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use crate::error::ModelError;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u64 = 1;

/// What a document is, read from its `doc_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Supervision,
}

impl DocKind {
    fn as_str(self) -> &'static str {
        match self {
            DocKind::Supervision => "supervision",
        }
    }
}

/// The record maps of a supervision and their order lists.
pub(crate) const RECORD_MAPS: [(&str, &str); 6] = [
    ("members", "member_order"),
    ("units", "unit_order"),
    ("sessions", "session_order"),
    ("remarks", "remark_order"),
    ("findings", "finding_order"),
    ("recommendations", "recommendation_order"),
];

/// Make the empty skeleton of a document of `kind`, as one change at `now_ms`.
pub(crate) fn skeleton(tx: &mut impl Transactable, kind: DocKind) -> Result<(), ModelError> {
    tx.put(ROOT, "schema", SCHEMA_VERSION)?;
    tx.put(ROOT, "doc_kind", kind.as_str())?;
    match kind {
        DocKind::Supervision => {
            tx.put_object(ROOT, "setup", ObjType::Map)?;
            tx.put_object(ROOT, "topics", ObjType::List)?;
            for (map, order) in RECORD_MAPS {
                tx.put_object(ROOT, map, ObjType::Map)?;
                tx.put_object(ROOT, order, ObjType::List)?;
            }
            let conclusion = tx.put_object(ROOT, "conclusion", ObjType::Map)?;
            tx.put_object(&conclusion, "paragraphs", ObjType::Map)?;
            tx.put_object(&conclusion, "order", ObjType::List)?;
            tx.put_object(ROOT, "actors", ObjType::Map)?;
        }
    }
    Ok(())
}

/// Read the kind of a document, checking its schema version first.
pub fn doc_kind(doc: &Automerge) -> Result<DocKind, ModelError> {
    let version = schema_version(doc)?;
    if version > SCHEMA_VERSION {
        return Err(ModelError::TooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    match string(doc, &ROOT, "doc_kind").as_deref() {
        Some("supervision") => Ok(DocKind::Supervision),
        _ => Err(ModelError::Missing("doc_kind")),
    }
}

/// The document's schema version.
pub fn schema_version(doc: &Automerge) -> Result<u64, ModelError> {
    match doc.get(ROOT, "schema")? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Uint(v) => Ok(*v),
            ScalarValue::Int(v) if *v >= 0 => Ok(*v as u64),
            _ => Err(ModelError::BadValue { field: "schema" }),
        },
        _ => Err(ModelError::Missing("schema")),
    }
}

/// Bring a document up to [`SCHEMA_VERSION`]. Returns whether anything changed.
///
/// Version 1 is the first: there is nothing to migrate yet. The next version adds its step
/// here, as a deterministic change (see the module comment).
pub fn migrate(doc: &mut Automerge) -> Result<bool, ModelError> {
    let version = schema_version(doc)?;
    if version > SCHEMA_VERSION {
        return Err(ModelError::TooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(false)
}

/// Commit options carrying a human-readable message and the wall time (seconds) of the edit.
pub(crate) fn commit_options(message: &str, now_ms: i64) -> CommitOptions {
    CommitOptions::default()
        .with_message(message.to_owned())
        .with_time(now_ms / 1000)
}

/// The object stored at `key` in map `obj`, if it is one.
pub(crate) fn object(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(obj, key) {
        Ok(Some((Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

/// The required container at `key` of the root.
pub(crate) fn root_object(doc: &impl ReadDoc, key: &'static str) -> Result<ObjId, ModelError> {
    object(doc, &ROOT, key).ok_or(ModelError::Missing(key))
}

/// A string stored at `key`: a scalar string, or the content of a Text object.
pub(crate) fn string(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        Ok(Some((Value::Object(ObjType::Text), id))) => doc.text(&id).ok(),
        _ => None,
    }
}

/// An integer stored at `key`.
pub(crate) fn int(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Option<i64> {
    match doc.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Int(v) => Some(*v),
            ScalarValue::Uint(v) => i64::try_from(*v).ok(),
            ScalarValue::Timestamp(v) => Some(*v),
            _ => None,
        },
        _ => None,
    }
}

/// The ids in an order list, skipping anything that is not a string, and each id once
/// (two members can append the same id only by a bug, but a reader must not show it twice).
pub(crate) fn id_list(doc: &impl ReadDoc, list: &ObjId) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    doc.list_range(list, ..)
        .filter_map(|item| match item.value {
            automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => Some(s.to_string()),
            _ => None,
        })
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

/// A scalar that members may have set differently while apart: the value Automerge picked,
/// and the others, kept visible until someone chooses (DESIGN.md decision 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Choice {
    pub value: String,
    /// The concurrent values that lost; empty when there is no conflict.
    pub alternatives: Vec<String>,
}

impl Choice {
    pub fn is_conflict(&self) -> bool {
        !self.alternatives.is_empty()
    }
}

/// Read a string scalar with its conflicting values.
pub(crate) fn choice(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> Choice {
    let value = string(doc, obj, key).unwrap_or_default();
    let mut alternatives: Vec<String> = doc
        .get_all(obj, key)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(v, _)| match v {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(s) => Some(s.to_string()),
                _ => None,
            },
            _ => None,
        })
        .filter(|v| *v != value)
        .collect();
    alternatives.sort();
    alternatives.dedup();
    Choice {
        value,
        alternatives,
    }
}

/// A map object's entries, read in one pass: one seek into the document for the whole
/// object, where reading key by key seeks once per key. Reading a 500-finding supervision
/// spent most of its time in those seeks (BENCHMARKS.md, "The tablet's data path").
pub(crate) struct Fields {
    obj: ObjId,
    entries: Vec<automerge::iter::MapRangeItem<'static>>,
}

impl Fields {
    pub(crate) fn of(doc: &impl ReadDoc, obj: &ObjId) -> Fields {
        Fields {
            obj: obj.clone(),
            entries: doc.map_range(obj, ..).map(|e| e.into_owned()).collect(),
        }
    }

    /// The object these fields were read from.
    pub(crate) fn obj(&self) -> &ObjId {
        &self.obj
    }

    fn entry(&self, key: &str) -> Option<&automerge::iter::MapRangeItem<'static>> {
        self.entries.iter().find(|e| e.key.as_ref() == key)
    }

    fn scalar(&self, key: &str) -> Option<&automerge::ScalarValueRef<'static>> {
        match &self.entry(key)?.value {
            automerge::ValueRef::Scalar(s) => Some(s),
            automerge::ValueRef::Object(_) => None,
        }
    }

    /// The object at `key`, if it is one (see [`object`]).
    pub(crate) fn object(&self, key: &str) -> Option<ObjId> {
        let e = self.entry(key)?;
        matches!(e.value, automerge::ValueRef::Object(_)).then(|| e.id())
    }

    /// A scalar string, or the content of a Text object (see [`string`]).
    pub(crate) fn string(&self, doc: &impl ReadDoc, key: &str) -> Option<String> {
        let e = self.entry(key)?;
        match &e.value {
            automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => Some(s.to_string()),
            automerge::ValueRef::Object(ObjType::Text) => doc.text(e.id()).ok(),
            _ => None,
        }
    }

    /// An integer (see [`int`]).
    pub(crate) fn int(&self, key: &str) -> Option<i64> {
        match self.scalar(key)? {
            automerge::ScalarValueRef::Int(v) | automerge::ScalarValueRef::Timestamp(v) => Some(*v),
            automerge::ScalarValueRef::Uint(v) => i64::try_from(*v).ok(),
            _ => None,
        }
    }

    /// A boolean flag.
    pub(crate) fn flag(&self, key: &str) -> bool {
        matches!(
            self.scalar(key),
            Some(automerge::ScalarValueRef::Boolean(true))
        )
    }

    /// A string scalar with its conflicting values (see [`choice`]); the document is asked
    /// again only when the key holds a conflict.
    pub(crate) fn choice(&self, doc: &impl ReadDoc, key: &str) -> Choice {
        if self.entry(key).is_some_and(|e| e.conflict) {
            return choice(doc, &self.obj, key);
        }
        Choice {
            value: self.string(doc, key).unwrap_or_default(),
            alternatives: Vec::new(),
        }
    }

    /// The keys of the set at `key` whose value is `true` (a set of ids, safe under
    /// concurrent adds).
    pub(crate) fn id_set(&self, doc: &impl ReadDoc, key: &str) -> Vec<String> {
        let Some(set) = self.object(key) else {
            return Vec::new();
        };
        doc.map_range(&set, ..)
            .filter(|e| {
                matches!(
                    e.value,
                    automerge::ValueRef::Scalar(automerge::ScalarValueRef::Boolean(true))
                )
            })
            .map(|e| e.key.into_owned())
            .collect()
    }
}

/// The record `id` of root map `map`.
pub(crate) fn record(doc: &impl ReadDoc, map: &'static str, id: &str) -> Result<ObjId, ModelError> {
    let m = root_object(doc, map)?;
    object(doc, &m, id).ok_or_else(|| ModelError::NoSuchRecord(id.to_owned()))
}

/// The records of root map `map` with their objects: those `order` lists first, in its
/// order, then any others (made concurrently with an order that lost them) by id. The map
/// is read in one pass.
pub(crate) fn ordered_records(
    doc: &impl ReadDoc,
    map: &'static str,
    order: &'static str,
) -> Result<Vec<(String, ObjId)>, ModelError> {
    let m = root_object(doc, map)?;
    let o = root_object(doc, order)?;
    Ok(records_in(doc, &m, &o))
}

/// The records (objects) of map `map` with their ids: those list `order` names first, in its
/// order, then any others by id. The map is read in one pass.
pub(crate) fn records_in(doc: &impl ReadDoc, map: &ObjId, order: &ObjId) -> Vec<(String, ObjId)> {
    let mut objects: std::collections::HashMap<String, ObjId> = doc
        .map_range(map, ..)
        .filter(|e| matches!(e.value, automerge::ValueRef::Object(_)))
        .map(|e| (e.key.to_string(), e.id()))
        .collect();
    let mut out = Vec::with_capacity(objects.len());
    for id in id_list(doc, order) {
        if let Some(obj) = objects.remove(&id) {
            out.push((id, obj));
        }
    }
    let mut rest: Vec<(String, ObjId)> = objects.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(rest);
    out
}

/// Create record `id` in root map `map` and append it to `order`; returns the new map.
pub(crate) fn new_record(
    tx: &mut automerge::transaction::Transaction<'_>,
    map: &'static str,
    order: &'static str,
    id: &str,
) -> Result<ObjId, ModelError> {
    let m = root_object(tx, map)?;
    let o = root_object(tx, order)?;
    let obj = tx.put_object(&m, id, ObjType::Map)?;
    let end = tx.length(&o);
    tx.insert(&o, end, id)?;
    Ok(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_supervision() -> Automerge {
        crate::supervision::create(
            &crate::supervision::Setup::default(),
            crate::supervision::Stamp {
                member: "Lan",
                now_ms: 1_700_000_000_000,
            },
        )
        .unwrap()
    }

    #[test]
    fn a_new_supervision_carries_the_schema_version_and_its_kind() {
        let doc = new_supervision();
        assert_eq!(schema_version(&doc).unwrap(), SCHEMA_VERSION);
        assert_eq!(doc_kind(&doc).unwrap(), DocKind::Supervision);
    }

    #[test]
    fn a_document_from_a_newer_app_is_refused_not_misread() {
        let mut doc = new_supervision();
        let mut tx = doc.transaction();
        tx.put(ROOT, "schema", SCHEMA_VERSION + 1).unwrap();
        tx.commit();
        assert!(matches!(doc_kind(&doc), Err(ModelError::TooNew { .. })));
        assert!(matches!(migrate(&mut doc), Err(ModelError::TooNew { .. })));
    }

    #[test]
    fn an_empty_document_is_not_a_giamsat_document() {
        let doc = Automerge::new();
        assert!(matches!(doc_kind(&doc), Err(ModelError::Missing("schema"))));
    }

    #[test]
    fn migrating_a_current_document_changes_nothing() {
        let mut doc = new_supervision();
        let heads = doc.get_heads();
        assert!(!migrate(&mut doc).unwrap());
        assert_eq!(doc.get_heads(), heads);
    }
}
