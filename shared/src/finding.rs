//! Findings (nhận xét): what the delegation found about a unit — a strength, a shortcoming,
//! or a cause — written by one member and edited by any.
//!
//! Shape: `findings: { <RecordId>: { unit, kind, text: Text, author, created_at } }` and
//! `finding_order: [RecordId]`. The text is Automerge Text, merged character by character.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ReadDoc};

use crate::error::ModelError;
use crate::ids::RecordId;
use crate::schema;
use crate::supervision::{attribute, Stamp};
use crate::text::{self, Splice};

/// What a finding says about the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FindingKind {
    /// Ưu điểm, kết quả đạt được.
    #[default]
    Strength,
    /// Hạn chế, tồn tại.
    Shortcoming,
    /// Nguyên nhân (of a shortcoming).
    Cause,
}

impl FindingKind {
    pub const ALL: [FindingKind; 3] = [FindingKind::Strength, FindingKind::Shortcoming, FindingKind::Cause];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Strength => "strength",
            FindingKind::Shortcoming => "shortcoming",
            FindingKind::Cause => "cause",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        FindingKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One finding, read for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub id: RecordId,
    /// The unit it is about.
    pub unit: RecordId,
    pub kind: FindingKind,
    pub text: String,
    /// The member who wrote it first.
    pub author: String,
    pub created_at: i64,
}

/// Add a finding about `unit`, with the id the caller drew.
pub fn add(
    doc: &mut Automerge,
    id: &RecordId,
    unit: &RecordId,
    kind: FindingKind,
    content: &str,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let actor = doc.get_actor().to_hex_string();
    let mut tx = doc.transaction();
    let units = schema::root_object(&tx, "units")?;
    if schema::object(&tx, &units, unit.as_str()).is_none() {
        return Err(ModelError::NoSuchRecord(unit.to_string()));
    }
    let findings = schema::root_object(&tx, "findings")?;
    let order = schema::root_object(&tx, "finding_order")?;
    let f = tx.put_object(&findings, id.as_str(), ObjType::Map)?;
    tx.put(&f, "unit", unit.as_str())?;
    tx.put(&f, "kind", kind.as_str())?;
    let t = tx.put_object(&f, "text", ObjType::Text)?;
    tx.splice_text(&t, 0, 0, content)?;
    tx.put(&f, "author", stamp.member)?;
    tx.put(&f, "created_at", stamp.now_ms)?;
    let end = tx.length(&order);
    tx.insert(&order, end, id.as_str())?;
    attribute(&mut tx, &actor, stamp)?;
    tx.commit_with(schema::commit_options("thêm nhận xét", stamp.now_ms));
    Ok(())
}

/// The Text object holding a finding's words (for carets and splices).
pub fn text_object(doc: &impl ReadDoc, id: &RecordId) -> Result<ObjId, ModelError> {
    let findings = schema::root_object(doc, "findings")?;
    let f = schema::object(doc, &findings, id.as_str()).ok_or_else(|| ModelError::NoSuchRecord(id.to_string()))?;
    schema::object(doc, &f, "text").ok_or(ModelError::Missing("text"))
}

/// Apply one splice to a finding's text.
pub fn splice(doc: &mut Automerge, id: &RecordId, edit: &Splice, stamp: Stamp<'_>) -> Result<(), ModelError> {
    let t = text_object(doc, id)?;
    let len = doc.length(&t);
    if edit.pos > len || edit.pos + edit.delete > len {
        return Err(ModelError::BadValue { field: "text" });
    }
    let actor = doc.get_actor().to_hex_string();
    let mut tx = doc.transaction();
    tx.splice_text(&t, edit.pos, edit.delete as isize, &edit.insert)?;
    attribute(&mut tx, &actor, stamp)?;
    tx.commit_with(schema::commit_options("sửa nhận xét", stamp.now_ms));
    Ok(())
}

/// Make a finding's text read `new`, as the smallest splice from what it reads now.
/// Returns whether anything changed.
pub fn set_text(doc: &mut Automerge, id: &RecordId, new: &str, stamp: Stamp<'_>) -> Result<bool, ModelError> {
    let t = text_object(doc, id)?;
    let old = doc.text(&t)?;
    match text::diff(&old, new) {
        None => Ok(false),
        Some(edit) => splice(doc, id, &edit, stamp).map(|()| true),
    }
}

/// Change a finding's kind.
pub fn set_kind(doc: &mut Automerge, id: &RecordId, kind: FindingKind, stamp: Stamp<'_>) -> Result<(), ModelError> {
    let findings = schema::root_object(doc, "findings")?;
    let f = schema::object(doc, &findings, id.as_str()).ok_or_else(|| ModelError::NoSuchRecord(id.to_string()))?;
    let actor = doc.get_actor().to_hex_string();
    let mut tx = doc.transaction();
    tx.put(&f, "kind", kind.as_str())?;
    attribute(&mut tx, &actor, stamp)?;
    tx.commit_with(schema::commit_options("đổi loại nhận xét", stamp.now_ms));
    Ok(())
}

/// All findings in document order (records missing from the order list come last, by id).
pub fn read_all(doc: &impl ReadDoc) -> Result<Vec<Finding>, ModelError> {
    let findings = schema::root_object(doc, "findings")?;
    let order = schema::root_object(doc, "finding_order")?;
    let mut ids = schema::id_list(doc, &order);
    let mut rest: Vec<String> = doc.keys(&findings).filter(|k| !ids.contains(k)).collect();
    rest.sort();
    ids.extend(rest);
    Ok(ids
        .into_iter()
        .filter_map(|id| {
            let obj = schema::object(doc, &findings, &id)?;
            Some(Finding {
                unit: RecordId::from_key(&schema::string(doc, &obj, "unit").unwrap_or_default()),
                kind: schema::string(doc, &obj, "kind")
                    .and_then(|k| FindingKind::parse(&k))
                    .unwrap_or_default(),
                text: schema::string(doc, &obj, "text").unwrap_or_default(),
                author: schema::string(doc, &obj, "author").unwrap_or_default(),
                created_at: schema::int(doc, &obj, "created_at").unwrap_or_default(),
                id: RecordId::from_key(&id),
            })
        })
        .collect())
}
