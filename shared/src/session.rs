//! Working sessions (buổi làm việc) with a unit, and what was said in them: members' remarks
//! (ý kiến phát biểu) and the unit's explanations (ý kiến giải trình), an explanation able to
//! answer one finding.
//!
//! Shape: `sessions: { <RecordId>: { unit, date, place, attendees: Text, created_by } }` and
//! `remarks: { <RecordId>: { session, kind, text: Text, answers?, author, created_at } }`,
//! each with its order list.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc};

use crate::change::{Stamp, change};
use crate::error::ModelError;
use crate::ids::RecordId;
use crate::schema;

/// One working session with a unit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkingSession {
    pub id: RecordId,
    pub unit: RecordId,
    /// ISO date.
    pub date: String,
    pub place: String,
    /// Who attended, as written.
    pub attendees: String,
    pub created_by: String,
}

/// A remark by a member, or an explanation by the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum RemarkKind {
    #[default]
    Remark,
    Explanation,
}

impl RemarkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RemarkKind::Remark => "remark",
            RemarkKind::Explanation => "explanation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "remark" => Some(RemarkKind::Remark),
            "explanation" => Some(RemarkKind::Explanation),
            _ => None,
        }
    }
}

/// What was said in a session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Remark {
    pub id: RecordId,
    pub session: RecordId,
    pub kind: RemarkKind,
    pub text: String,
    /// The finding an explanation answers.
    pub answers: Option<RecordId>,
    pub author: String,
    pub created_at: i64,
}

/// Record a working session with `unit`.
pub fn add(
    doc: &mut Automerge,
    id: &RecordId,
    unit: &RecordId,
    date: &str,
    place: &str,
    attendees: &str,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    schema::record(doc, "units", unit.as_str())?;
    change(doc, stamp, "thêm buổi làm việc", |tx| {
        let s = schema::new_record(tx, "sessions", "session_order", id.as_str())?;
        tx.put(&s, "unit", unit.as_str())?;
        tx.put(&s, "date", date)?;
        tx.put(&s, "place", place.trim())?;
        let a = tx.put_object(&s, "attendees", ObjType::Text)?;
        tx.splice_text(&a, 0, 0, attendees)?;
        tx.put(&s, "created_by", stamp.member)?;
        Ok(())
    })
}

/// Add a remark or an explanation to a session.
pub fn add_remark(
    doc: &mut Automerge,
    id: &RecordId,
    session: &RecordId,
    kind: RemarkKind,
    text: &str,
    answers: Option<&RecordId>,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    schema::record(doc, "sessions", session.as_str())?;
    if let Some(f) = answers {
        schema::record(doc, "findings", f.as_str())?;
    }
    change(doc, stamp, "ghi ý kiến", |tx| {
        let r = schema::new_record(tx, "remarks", "remark_order", id.as_str())?;
        tx.put(&r, "session", session.as_str())?;
        tx.put(&r, "kind", kind.as_str())?;
        let t = tx.put_object(&r, "text", ObjType::Text)?;
        tx.splice_text(&t, 0, 0, text)?;
        if let Some(f) = answers {
            tx.put(&r, "answers", f.as_str())?;
        }
        tx.put(&r, "author", stamp.member)?;
        tx.put(&r, "created_at", stamp.now_ms)?;
        Ok(())
    })
}

pub fn read_all(doc: &impl ReadDoc) -> Result<Vec<WorkingSession>, ModelError> {
    Ok(schema::ordered_records(doc, "sessions", "session_order")?
        .into_iter()
        .map(|(id, obj)| {
            let s = schema::Fields::of(doc, &obj);
            WorkingSession {
                unit: RecordId::from_key(&s.string(doc, "unit").unwrap_or_default()),
                date: s.string(doc, "date").unwrap_or_default(),
                place: s.string(doc, "place").unwrap_or_default(),
                attendees: s.string(doc, "attendees").unwrap_or_default(),
                created_by: s.string(doc, "created_by").unwrap_or_default(),
                id: RecordId::from_key(&id),
            }
        })
        .collect())
}

pub fn read_remarks(doc: &impl ReadDoc) -> Result<Vec<Remark>, ModelError> {
    Ok(schema::ordered_records(doc, "remarks", "remark_order")?
        .into_iter()
        .map(|(id, obj)| {
            let r = schema::Fields::of(doc, &obj);
            Remark {
                session: RecordId::from_key(&r.string(doc, "session").unwrap_or_default()),
                kind: r
                    .string(doc, "kind")
                    .and_then(|k| RemarkKind::parse(&k))
                    .unwrap_or_default(),
                text: r.string(doc, "text").unwrap_or_default(),
                answers: r.string(doc, "answers").map(|a| RecordId::from_key(&a)),
                author: r.string(doc, "author").unwrap_or_default(),
                created_at: r.int("created_at").unwrap_or_default(),
                id: RecordId::from_key(&id),
            }
        })
        .collect())
}
