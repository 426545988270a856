//! Findings (nhận xét): what the delegation found about a unit — a strength, a shortcoming,
//! or a cause linked to the shortcomings it explains — with the figures found, a status
//! (draft, or agreed by the delegation), evidence, and who wrote it when.
//!
//! Shape: `findings: { <RecordId>: { unit, kind, topic, text: Text, figures: Text, status,
//! explains: { <shortcoming id>: true }, evidence: { <sha256>: { name, mime, size, added_by } },
//! deleted, author, created_at } }` and `finding_order: [RecordId]`.
//!
//! Deleting is a flag, never a removal: a member offline may still be editing the finding,
//! and a removal would silently drop their words. A cause that explains a deleted shortcoming
//! keeps the link; readers show the cause and leave the deleted shortcoming out of
//! [`Finding::explains`] until it is restored (tested in `tests/merge_rules.rs`).

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ReadDoc};

use crate::change::{Stamp, change};
use crate::error::ModelError;
use crate::field::{self, RecordKind, TextField};
use crate::ids::RecordId;
use crate::schema::{self, Choice, Fields};

/// What a finding says about the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
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
    pub const ALL: [FindingKind; 3] = [
        FindingKind::Strength,
        FindingKind::Shortcoming,
        FindingKind::Cause,
    ];

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

/// Draft, or agreed by the delegation (only agreed findings go into the conclusion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum FindingStatus {
    #[default]
    Draft,
    Agreed,
}

impl FindingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Draft => "draft",
            FindingStatus::Agreed => "agreed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(FindingStatus::Draft),
            "agreed" => Some(FindingStatus::Agreed),
            _ => None,
        }
    }
}

/// A photo or document attached to a finding, by content hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// Lowercase hex SHA-256 of the bytes: the blob's address.
    pub sha256: String,
    pub name: String,
    pub mime: String,
    pub size: u64,
    pub added_by: String,
}

/// One finding, read for display.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    pub id: RecordId,
    /// The unit it is about.
    pub unit: RecordId,
    pub kind: FindingKind,
    /// The kind as stored, with values members set concurrently.
    pub kind_choice: Choice,
    /// The topic or regulation it concerns ("QĐ 217-QĐ/TW").
    pub topic: String,
    pub text: String,
    /// Figures found: "02 chuyên đề giám sát, 03 buổi đối thoại".
    pub figures: String,
    pub status: FindingStatus,
    pub status_choice: Choice,
    /// For a cause: the (not deleted) shortcomings it explains.
    pub explains: Vec<RecordId>,
    pub evidence: Vec<Evidence>,
    pub deleted: bool,
    /// The member who wrote it first, as their tablet typed it (see [`crate::authorship`]:
    /// shown only when the registry does not know `author_actor`).
    pub author: String,
    /// The Automerge actor (hex) whose change created it: whose it really is.
    pub author_actor: Option<String>,
    pub created_at: i64,
}

/// What a new finding says.
#[derive(Debug, Clone, Default)]
pub struct NewFinding<'a> {
    pub kind: FindingKind,
    pub topic: &'a str,
    pub text: &'a str,
    pub figures: &'a str,
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
    add_full(
        doc,
        id,
        unit,
        &NewFinding {
            kind,
            text: content,
            ..NewFinding::default()
        },
        stamp,
    )
}

/// Add a finding with its topic and figures.
pub fn add_full(
    doc: &mut Automerge,
    id: &RecordId,
    unit: &RecordId,
    new: &NewFinding<'_>,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    schema::record(doc, "units", unit.as_str())?;
    change(doc, stamp, "thêm nhận xét", |tx| {
        let f = schema::new_record(tx, "findings", "finding_order", id.as_str())?;
        tx.put(&f, "unit", unit.as_str())?;
        tx.put(&f, "kind", new.kind.as_str())?;
        tx.put(&f, "topic", new.topic.trim())?;
        let t = tx.put_object(&f, "text", ObjType::Text)?;
        tx.splice_text(&t, 0, 0, new.text)?;
        let fig = tx.put_object(&f, "figures", ObjType::Text)?;
        tx.splice_text(&fig, 0, 0, new.figures)?;
        tx.put(&f, "status", FindingStatus::Draft.as_str())?;
        tx.put_object(&f, "explains", ObjType::Map)?;
        tx.put_object(&f, "evidence", ObjType::Map)?;
        tx.put(&f, "deleted", false)?;
        tx.put(&f, "author", stamp.member)?;
        tx.put(&f, "created_at", stamp.now_ms)?;
        Ok(())
    })
}

fn obj(doc: &impl ReadDoc, id: &RecordId) -> Result<ObjId, ModelError> {
    schema::record(doc, "findings", id.as_str())
}

/// The Text object holding a finding's words (for carets and splices).
pub fn text_object(doc: &impl ReadDoc, id: &RecordId) -> Result<ObjId, ModelError> {
    TextField::new(RecordKind::Finding, id, "text").object(doc)
}

/// The address of a finding's words, for `field::set`, `field::splice` and `field::Focus`:
/// the one way any text field is edited.
pub fn text_field(id: &RecordId) -> TextField {
    TextField::new(RecordKind::Finding, id, "text")
}

/// Change a finding's kind (resolves a kind conflict too).
pub fn set_kind(
    doc: &mut Automerge,
    id: &RecordId,
    kind: FindingKind,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let f = obj(doc, id)?;
    field::put_scalar(doc, &f, "kind", kind.as_str(), "đổi loại nhận xét", stamp)
}

/// Mark a finding draft or agreed (resolves a status conflict too).
pub fn set_status(
    doc: &mut Automerge,
    id: &RecordId,
    status: FindingStatus,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let f = obj(doc, id)?;
    field::put_scalar(
        doc,
        &f,
        "status",
        status.as_str(),
        "đổi trạng thái nhận xét",
        stamp,
    )
}

/// Change the topic a finding concerns.
pub fn set_topic(
    doc: &mut Automerge,
    id: &RecordId,
    topic: &str,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let f = obj(doc, id)?;
    field::put_scalar(doc, &f, "topic", topic.trim(), "đổi chủ đề nhận xét", stamp)
}

/// Link (or unlink) a cause to a shortcoming it explains.
pub fn link_cause(
    doc: &mut Automerge,
    cause: &RecordId,
    shortcoming: &RecordId,
    linked: bool,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let c = obj(doc, cause)?;
    obj(doc, shortcoming)?;
    let set = schema::object(doc, &c, "explains").ok_or(ModelError::Missing("explains"))?;
    change(doc, stamp, "liên kết nguyên nhân", |tx| {
        if linked {
            tx.put(&set, shortcoming.as_str(), true)?;
        } else {
            tx.delete(&set, shortcoming.as_str())?;
        }
        Ok(())
    })
}

/// Delete (or restore) a finding. Its words stay in the document.
pub fn set_deleted(
    doc: &mut Automerge,
    id: &RecordId,
    deleted: bool,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let f = obj(doc, id)?;
    let message = if deleted {
        "xóa nhận xét"
    } else {
        "khôi phục nhận xét"
    };
    change(doc, stamp, message, |tx| {
        tx.put(&f, "deleted", deleted)?;
        Ok(())
    })
}

/// Attach evidence (already stored by hash) to a finding.
pub fn attach(
    doc: &mut Automerge,
    id: &RecordId,
    evidence: &Evidence,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    if evidence.sha256.len() != 64 || !evidence.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ModelError::BadValue { field: "sha256" });
    }
    let f = obj(doc, id)?;
    let ev = schema::object(doc, &f, "evidence").ok_or(ModelError::Missing("evidence"))?;
    change(doc, stamp, "đính kèm tài liệu", |tx| {
        let e = tx.put_object(&ev, evidence.sha256.as_str(), ObjType::Map)?;
        tx.put(&e, "name", evidence.name.as_str())?;
        tx.put(&e, "mime", evidence.mime.as_str())?;
        tx.put(&e, "size", evidence.size)?;
        tx.put(&e, "added_by", stamp.member)?;
        Ok(())
    })
}

/// All findings in document order, deleted ones included (flagged). Each finding's fields
/// are read in one pass ([`schema::Fields`]).
pub fn read_all(doc: &impl ReadDoc) -> Result<Vec<Finding>, ModelError> {
    let records: Vec<(String, Fields)> = schema::ordered_records(doc, "findings", "finding_order")?
        .into_iter()
        .map(|(id, o)| (id, Fields::of(doc, &o)))
        .collect();
    let deleted: std::collections::BTreeSet<String> = records
        .iter()
        .filter(|(_, f)| f.flag("deleted"))
        .map(|(id, _)| id.clone())
        .collect();
    Ok(records
        .into_iter()
        .map(|(id, f)| from_fields(doc, id, &f, &deleted))
        .collect())
}

/// One finding of the `findings` map; `deleted` holds the ids of deleted findings (a cause
/// never shows as explaining a deleted shortcoming).
pub(crate) fn read_record(
    doc: &impl ReadDoc,
    map: &ObjId,
    id: String,
    deleted: &std::collections::BTreeSet<String>,
) -> Option<Finding> {
    let o = schema::object(doc, map, &id)?;
    Some(from_fields(doc, id, &Fields::of(doc, &o), deleted))
}

/// A finding from its fields, read in one pass.
fn from_fields(
    doc: &impl ReadDoc,
    id: String,
    f: &Fields,
    deleted: &std::collections::BTreeSet<String>,
) -> Finding {
    let kind_choice = f.choice(doc, "kind");
    let status_choice = f.choice(doc, "status");
    let evidence = f
        .object("evidence")
        .map(|ev| {
            doc.map_range(&ev, ..)
                .filter(|e| matches!(e.value, automerge::ValueRef::Object(_)))
                .map(|e| {
                    let item = Fields::of(doc, &e.id());
                    Evidence {
                        name: item.string(doc, "name").unwrap_or_default(),
                        mime: item.string(doc, "mime").unwrap_or_default(),
                        size: item.int("size").unwrap_or_default().max(0) as u64,
                        added_by: item.string(doc, "added_by").unwrap_or_default(),
                        sha256: e.key.into_owned(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Finding {
        unit: RecordId::from_key(&f.string(doc, "unit").unwrap_or_default()),
        kind: FindingKind::parse(&kind_choice.value).unwrap_or_default(),
        kind_choice,
        topic: f.string(doc, "topic").unwrap_or_default(),
        text: f.string(doc, "text").unwrap_or_default(),
        figures: f.string(doc, "figures").unwrap_or_default(),
        status: FindingStatus::parse(&status_choice.value).unwrap_or_default(),
        status_choice,
        explains: f
            .id_set(doc, "explains")
            .into_iter()
            .filter(|s| !deleted.contains(s))
            .map(|s| RecordId::from_key(&s))
            .collect(),
        evidence,
        deleted: deleted.contains(&id),
        author: f.string(doc, "author").unwrap_or_default(),
        author_actor: crate::authorship::creator(f.obj()),
        created_at: f.int("created_at").unwrap_or_default(),
        id: RecordId::from_key(&id),
    }
}
