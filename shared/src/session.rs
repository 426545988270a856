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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    let map = schema::root_object(doc, "sessions")?;
    Ok(schema::ordered_ids(doc, "sessions", "session_order")?
        .into_iter()
        .filter_map(|id| {
            let s = schema::object(doc, &map, &id)?;
            Some(WorkingSession {
                unit: RecordId::from_key(&schema::string(doc, &s, "unit").unwrap_or_default()),
                date: schema::string(doc, &s, "date").unwrap_or_default(),
                place: schema::string(doc, &s, "place").unwrap_or_default(),
                attendees: schema::string(doc, &s, "attendees").unwrap_or_default(),
                created_by: schema::string(doc, &s, "created_by").unwrap_or_default(),
                id: RecordId::from_key(&id),
            })
        })
        .collect())
}

pub fn read_remarks(doc: &impl ReadDoc) -> Result<Vec<Remark>, ModelError> {
    let map = schema::root_object(doc, "remarks")?;
    Ok(schema::ordered_ids(doc, "remarks", "remark_order")?
        .into_iter()
        .filter_map(|id| {
            let r = schema::object(doc, &map, &id)?;
            Some(Remark {
                session: RecordId::from_key(
                    &schema::string(doc, &r, "session").unwrap_or_default(),
                ),
                kind: schema::string(doc, &r, "kind")
                    .and_then(|k| RemarkKind::parse(&k))
                    .unwrap_or_default(),
                text: schema::string(doc, &r, "text").unwrap_or_default(),
                answers: schema::string(doc, &r, "answers").map(|a| RecordId::from_key(&a)),
                author: schema::string(doc, &r, "author").unwrap_or_default(),
                created_at: schema::int(doc, &r, "created_at").unwrap_or_default(),
                id: RecordId::from_key(&id),
            })
        })
        .collect())
}
