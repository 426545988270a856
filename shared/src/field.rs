//! Text fields of any record, addressed uniformly: a finding's text or figures, a remark, a
//! session's attendees, a recommendation's text or the unit's response, a conclusion
//! paragraph. The app edits every one of them the same way (a keystroke becomes a splice)
//! and keeps the caret in whichever one is being typed in.

use automerge::{Automerge, ObjId, ReadDoc};

use crate::error::ModelError;
use crate::ids::RecordId;
use crate::schema;
use crate::supervision::{Stamp, attribute};
use crate::text::{self, Splice};

/// Which kind of record holds the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Finding,
    Remark,
    Session,
    Recommendation,
    Paragraph,
}

impl RecordKind {
    fn map(self) -> &'static str {
        match self {
            RecordKind::Finding => "findings",
            RecordKind::Remark => "remarks",
            RecordKind::Session => "sessions",
            RecordKind::Recommendation => "recommendations",
            RecordKind::Paragraph => "paragraphs",
        }
    }
}

/// One text field of one record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextField {
    pub record: RecordKind,
    pub id: RecordId,
    /// "text", "figures", "attendees", "response".
    pub field: &'static str,
}

impl TextField {
    pub fn new(record: RecordKind, id: &RecordId, field: &'static str) -> Self {
        Self {
            record,
            id: id.clone(),
            field,
        }
    }

    /// The Text object.
    pub fn object(&self, doc: &impl ReadDoc) -> Result<ObjId, ModelError> {
        let map = match self.record {
            RecordKind::Paragraph => {
                let c = schema::root_object(doc, "conclusion")?;
                schema::object(doc, &c, "paragraphs").ok_or(ModelError::Missing("paragraphs"))?
            }
            other => schema::root_object(doc, other.map())?,
        };
        let rec = schema::object(doc, &map, self.id.as_str())
            .ok_or_else(|| ModelError::NoSuchRecord(self.id.to_string()))?;
        schema::object(doc, &rec, self.field).ok_or(ModelError::Missing(self.field))
    }

    /// The field's text now.
    pub fn read(&self, doc: &impl ReadDoc) -> Result<String, ModelError> {
        let obj = self.object(doc)?;
        Ok(doc.text(&obj)?)
    }
}

/// Apply one splice to a text field.
pub fn splice(
    doc: &mut Automerge,
    field: &TextField,
    edit: &Splice,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let t = field.object(doc)?;
    let len = doc.length(&t);
    if edit.pos > len || edit.pos + edit.delete > len {
        return Err(ModelError::BadValue { field: "text" });
    }
    let actor = doc.get_actor().to_hex_string();
    let mut tx = doc.transaction();
    automerge::transaction::Transactable::splice_text(
        &mut tx,
        &t,
        edit.pos,
        edit.delete as isize,
        &edit.insert,
    )?;
    attribute(&mut tx, &actor, stamp)?;
    tx.commit_with(schema::commit_options("sửa nội dung", stamp.now_ms));
    Ok(())
}

/// Make a text field read `new`, as the smallest splice. Returns whether anything changed.
pub fn set(
    doc: &mut Automerge,
    field: &TextField,
    new: &str,
    stamp: Stamp<'_>,
) -> Result<bool, ModelError> {
    let old = field.read(doc)?;
    match text::diff(&old, new) {
        None => Ok(false),
        Some(edit) => splice(doc, field, &edit, stamp).map(|()| true),
    }
}

/// Put one scalar string on a record (a status, a date, a kind), attributed.
pub(crate) fn put_scalar(
    doc: &mut Automerge,
    obj: &ObjId,
    key: &'static str,
    value: &str,
    message: &str,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let actor = doc.get_actor().to_hex_string();
    let mut tx = doc.transaction();
    automerge::transaction::Transactable::put(&mut tx, obj, key, value)?;
    attribute(&mut tx, &actor, stamp)?;
    tx.commit_with(schema::commit_options(message, stamp.now_ms));
    Ok(())
}

/// Read a text field of `obj` (helper for record readers).
pub(crate) fn text_of(doc: &impl ReadDoc, obj: &ObjId, key: &str) -> String {
    schema::string(doc, obj, key).unwrap_or_default()
}
