//! Recommendations (kiến nghị, đề xuất, yêu cầu) to the unit: text, the findings they answer,
//! addressee, due date, and the follow-up — status and the unit's response.
//!
//! Shape: `recommendations: { <RecordId>: { kind, text: Text, addressee, due, status,
//! response: Text, answers: { <finding id>: true }, deleted, author, created_at } }` and
//! `recommendation_order`. "Overdue" is not stored: it is read from the due date and today.
//! The unit's written reply, once it comes, is one JSON scalar `reply` ([`Reply`]: date,
//! document number, the scan's blob), so two members recording it apart offline leave two
//! values side by side, shown as a conflict, never a field-by-field mix of both.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ReadDoc};

use crate::change::{Stamp, change};
use crate::error::ModelError;
use crate::field;
use crate::ids::RecordId;
use crate::schema::{self, Choice, Fields};

/// Kiến nghị, đề xuất or yêu cầu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum RecommendationKind {
    #[default]
    Recommendation,
    Proposal,
    Requirement,
}

impl RecommendationKind {
    pub const ALL: [RecommendationKind; 3] = [
        RecommendationKind::Recommendation,
        RecommendationKind::Proposal,
        RecommendationKind::Requirement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecommendationKind::Recommendation => "kien_nghi",
            RecommendationKind::Proposal => "de_xuat",
            RecommendationKind::Requirement => "yeu_cau",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Follow-up status as members set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum FollowUp {
    #[default]
    Open,
    InProgress,
    Remedied,
}

impl FollowUp {
    pub const ALL: [FollowUp; 3] = [FollowUp::Open, FollowUp::InProgress, FollowUp::Remedied];

    pub fn as_str(self) -> &'static str {
        match self {
            FollowUp::Open => "open",
            FollowUp::InProgress => "in_progress",
            FollowUp::Remedied => "remedied",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The unit's written reply to a recommendation (văn bản trả lời).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// ISO date of the reply document.
    pub date: String,
    /// Its number, as written on it ("15/BC-UBND"); may be empty.
    #[serde(default)]
    pub number: String,
    /// The SHA-256 (hex) of its scan among the supervision's evidence blobs, if attached.
    #[serde(default)]
    pub scan: Option<String>,
}

/// One recommendation, read for display.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recommendation {
    pub id: RecordId,
    pub kind: RecommendationKind,
    pub text: String,
    pub addressee: String,
    /// ISO date, or empty.
    pub due: Choice,
    pub status: FollowUp,
    pub status_choice: Choice,
    pub response: String,
    /// The unit's written reply, if recorded.
    pub reply: Option<Reply>,
    /// Other replies recorded concurrently (members apart offline): a conflict to resolve.
    pub reply_alternatives: Vec<Reply>,
    pub answers: Vec<RecordId>,
    pub deleted: bool,
    pub author: String,
    pub created_at: i64,
}

impl Recommendation {
    /// Past its due date (ISO `today`) and not remedied.
    pub fn is_overdue(&self, today: &str) -> bool {
        self.status != FollowUp::Remedied
            && !self.due.value.is_empty()
            && self.due.value.as_str() < today
    }
}

/// What a new recommendation says.
#[derive(Debug, Clone, Default)]
pub struct NewRecommendation<'a> {
    pub kind: RecommendationKind,
    pub text: &'a str,
    pub addressee: &'a str,
    pub due: &'a str,
    pub answers: &'a [RecordId],
}

pub fn add(
    doc: &mut Automerge,
    id: &RecordId,
    new: &NewRecommendation<'_>,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    for f in new.answers {
        schema::record(doc, "findings", f.as_str())?;
    }
    change(doc, stamp, "thêm kiến nghị", |tx| {
        let r = schema::new_record(tx, "recommendations", "recommendation_order", id.as_str())?;
        tx.put(&r, "kind", new.kind.as_str())?;
        let t = tx.put_object(&r, "text", ObjType::Text)?;
        tx.splice_text(&t, 0, 0, new.text)?;
        tx.put(&r, "addressee", new.addressee.trim())?;
        tx.put(&r, "due", new.due)?;
        tx.put(&r, "status", FollowUp::Open.as_str())?;
        tx.put_object(&r, "response", ObjType::Text)?;
        let answers = tx.put_object(&r, "answers", ObjType::Map)?;
        for f in new.answers {
            tx.put(&answers, f.as_str(), true)?;
        }
        tx.put(&r, "deleted", false)?;
        tx.put(&r, "author", stamp.member)?;
        tx.put(&r, "created_at", stamp.now_ms)?;
        Ok(())
    })
}

/// Set the follow-up status (resolves a status conflict too).
pub fn set_status(
    doc: &mut Automerge,
    id: &RecordId,
    status: FollowUp,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let r = schema::record(doc, "recommendations", id.as_str())?;
    field::put_scalar(
        doc,
        &r,
        "status",
        status.as_str(),
        "cập nhật theo dõi kiến nghị",
        stamp,
    )
}

/// Record the unit's written reply (resolves a reply conflict too). A reply to a
/// recommendation still open moves it to in progress, in the same change: the unit has
/// answered; a member marks it remedied when the remedy is seen.
pub fn record_reply(
    doc: &mut Automerge,
    id: &RecordId,
    reply: &Reply,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let date = crate::dates::parse_vn(&reply.date).ok_or(ModelError::BadValue {
        field: "reply date",
    })?;
    if reply
        .scan
        .as_ref()
        .is_some_and(|h| h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(ModelError::BadValue {
            field: "reply scan",
        });
    }
    let reply = Reply {
        date,
        number: reply.number.trim().to_owned(),
        scan: reply.scan.clone(),
    };
    let json =
        serde_json::to_string(&reply).map_err(|_| ModelError::BadValue { field: "reply" })?;
    let r = schema::record(doc, "recommendations", id.as_str())?;
    let open = schema::string(doc, &r, "status").as_deref() == Some(FollowUp::Open.as_str());
    change(
        doc,
        stamp,
        "ghi văn bản trả lời kiến nghị",
        |tx| {
            tx.put(&r, "reply", json)?;
            if open {
                tx.put(&r, "status", FollowUp::InProgress.as_str())?;
            }
            Ok(())
        },
    )
}

/// Set the due date (ISO; resolves a due-date conflict too).
pub fn set_due(
    doc: &mut Automerge,
    id: &RecordId,
    due: &str,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let r = schema::record(doc, "recommendations", id.as_str())?;
    field::put_scalar(doc, &r, "due", due, "đổi thời hạn kiến nghị", stamp)
}

pub fn set_addressee(
    doc: &mut Automerge,
    id: &RecordId,
    addressee: &str,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let r = schema::record(doc, "recommendations", id.as_str())?;
    field::put_scalar(
        doc,
        &r,
        "addressee",
        addressee.trim(),
        "đổi nơi nhận kiến nghị",
        stamp,
    )
}

pub fn read_all(doc: &impl ReadDoc) -> Result<Vec<Recommendation>, ModelError> {
    Ok(
        schema::ordered_records(doc, "recommendations", "recommendation_order")?
            .into_iter()
            .map(|(id, r)| from_fields(doc, id, &Fields::of(doc, &r)))
            .collect(),
    )
}

/// One recommendation of the `recommendations` map.
pub(crate) fn read_record(doc: &impl ReadDoc, map: &ObjId, id: String) -> Option<Recommendation> {
    let r = schema::object(doc, map, &id)?;
    Some(from_fields(doc, id, &Fields::of(doc, &r)))
}

/// A recommendation from its fields, read in one pass.
fn from_fields(doc: &impl ReadDoc, id: String, r: &Fields) -> Recommendation {
    let status_choice = r.choice(doc, "status");
    let reply_choice = r.choice(doc, "reply");
    let parse = |json: &str| serde_json::from_str::<Reply>(json).ok();
    Recommendation {
        kind: r
            .string(doc, "kind")
            .and_then(|k| RecommendationKind::parse(&k))
            .unwrap_or_default(),
        text: r.string(doc, "text").unwrap_or_default(),
        addressee: r.string(doc, "addressee").unwrap_or_default(),
        due: r.choice(doc, "due"),
        status: FollowUp::parse(&status_choice.value).unwrap_or_default(),
        status_choice,
        response: r.string(doc, "response").unwrap_or_default(),
        reply: parse(&reply_choice.value),
        reply_alternatives: reply_choice
            .alternatives
            .iter()
            .filter_map(|a| parse(a))
            .collect(),
        answers: r
            .id_set(doc, "answers")
            .into_iter()
            .map(|s| RecordId::from_key(&s))
            .collect(),
        deleted: r.flag("deleted"),
        author: r.string(doc, "author").unwrap_or_default(),
        created_at: r.int("created_at").unwrap_or_default(),
        id: RecordId::from_key(&id),
    }
}
