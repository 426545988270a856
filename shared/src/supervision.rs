//! The supervision (đợt giám sát / kiểm tra): its set-up, and reading a whole document back.
//!
//! Shape in the document (see [`crate::schema`]): `setup` is a map of scalars
//! `{ title, kind, basis_number, basis_date, basis_issuer, period_from, period_to,
//! created_at, created_by }`; units and findings live in their own maps.

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc};

pub use crate::change::Stamp;
use crate::change::change;
use crate::error::ModelError;
use crate::schema::{self, DocKind};

/// Giám sát (supervision) or kiểm tra (inspection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum SupervisionKind {
    #[default]
    Supervision,
    Inspection,
}

impl SupervisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SupervisionKind::Supervision => "giam_sat",
            SupervisionKind::Inspection => "kiem_tra",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "giam_sat" => Some(SupervisionKind::Supervision),
            "kiem_tra" => Some(SupervisionKind::Inspection),
            _ => None,
        }
    }
}

/// The set-up of a supervision: what a decision establishes.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Setup {
    /// "Giám sát việc thực hiện Quyết định 217-QĐ/TW tại Đảng ủy phường …"
    pub title: String,
    pub kind: SupervisionKind,
    /// The basis decision's number, e.g. "1175-QĐ/QU".
    pub basis_number: String,
    /// The basis decision's date, ISO `yyyy-mm-dd` (shown dd/mm/yyyy).
    pub basis_date: String,
    /// The body that issued the decision, e.g. "Quận ủy Thanh Khê". Data, never an enum:
    /// administrative levels change.
    pub basis_issuer: String,
    /// The period under review, free text as written ("6/2020").
    pub period_from: String,
    pub period_to: String,
    /// The schedule of the delegation's work, ISO dates ("2017-08-02" – "2017-08-11").
    pub schedule_from: String,
    pub schedule_to: String,
}

/// Create a new supervision document with its set-up, as one change by `stamp.member`.
pub fn create(setup: &Setup, stamp: Stamp<'_>) -> Result<Automerge, ModelError> {
    create_as(Automerge::new(), setup, stamp)
}

/// Create a new supervision in `doc`, an empty document whose actor the caller chose (the
/// app uses one actor per device, so every change is attributed to that device's member).
pub fn create_as(
    mut doc: Automerge,
    setup: &Setup,
    stamp: Stamp<'_>,
) -> Result<Automerge, ModelError> {
    change(&mut doc, stamp, "tạo đợt giám sát", |tx| {
        schema::skeleton(tx, DocKind::Supervision)?;
        let s = schema::root_object(&*tx, "setup")?;
        write_setup(tx, &s, setup)?;
        tx.put(&s, "created_at", stamp.now_ms)?;
        tx.put(&s, "created_by", stamp.member)?;
        Ok(())
    })?;
    Ok(doc)
}

/// Change the set-up. Only fields that differ are written, so an unchanged field never
/// overwrites another member's concurrent edit.
pub fn update_setup(
    doc: &mut Automerge,
    setup: &Setup,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let current = read_setup(doc)?;
    if &current == setup {
        return Ok(());
    }
    change(doc, stamp, "sửa thông tin đợt giám sát", |tx| {
        let s = schema::root_object(&*tx, "setup")?;
        let pairs = [
            ("title", &current.title, &setup.title),
            ("basis_number", &current.basis_number, &setup.basis_number),
            ("basis_date", &current.basis_date, &setup.basis_date),
            ("basis_issuer", &current.basis_issuer, &setup.basis_issuer),
            ("period_from", &current.period_from, &setup.period_from),
            ("period_to", &current.period_to, &setup.period_to),
            (
                "schedule_from",
                &current.schedule_from,
                &setup.schedule_from,
            ),
            ("schedule_to", &current.schedule_to, &setup.schedule_to),
        ];
        for (key, old, new) in pairs {
            if old != new {
                tx.put(&s, key, new.as_str())?;
            }
        }
        if current.kind != setup.kind {
            tx.put(&s, "kind", setup.kind.as_str())?;
        }
        Ok(())
    })
}

fn write_setup(
    tx: &mut impl Transactable,
    s: &automerge::ObjId,
    setup: &Setup,
) -> Result<(), ModelError> {
    tx.put(s, "title", setup.title.as_str())?;
    tx.put(s, "kind", setup.kind.as_str())?;
    tx.put(s, "basis_number", setup.basis_number.as_str())?;
    tx.put(s, "basis_date", setup.basis_date.as_str())?;
    tx.put(s, "basis_issuer", setup.basis_issuer.as_str())?;
    tx.put(s, "period_from", setup.period_from.as_str())?;
    tx.put(s, "period_to", setup.period_to.as_str())?;
    tx.put(s, "schedule_from", setup.schedule_from.as_str())?;
    tx.put(s, "schedule_to", setup.schedule_to.as_str())?;
    Ok(())
}

/// Read the set-up alone (cheap: the list screen needs only this).
pub fn read_setup(doc: &impl ReadDoc) -> Result<Setup, ModelError> {
    let s = schema::root_object(doc, "setup")?;
    let text = |key| schema::string(doc, &s, key).unwrap_or_default();
    Ok(Setup {
        title: text("title"),
        kind: schema::string(doc, &s, "kind")
            .and_then(|k| SupervisionKind::parse(&k))
            .unwrap_or_default(),
        basis_number: text("basis_number"),
        basis_date: text("basis_date"),
        basis_issuer: text("basis_issuer"),
        period_from: text("period_from"),
        period_to: text("period_to"),
        schedule_from: text("schedule_from"),
        schedule_to: text("schedule_to"),
    })
}

/// The topics examined, in order.
pub fn read_topics(doc: &impl ReadDoc) -> Result<Vec<String>, ModelError> {
    let t = schema::root_object(doc, "topics")?;
    Ok(schema::id_list(doc, &t))
}

/// Add a topic or regulation examined ("QĐ 217-QĐ/TW"); an existing one is not repeated.
pub fn add_topic(doc: &mut Automerge, topic: &str, stamp: Stamp<'_>) -> Result<(), ModelError> {
    let topic = topic.trim();
    if topic.is_empty() || read_topics(doc)?.iter().any(|t| t == topic) {
        return Ok(());
    }
    let t = schema::root_object(doc, "topics")?;
    change(doc, stamp, "thêm nội dung giám sát", |tx| {
        let end = tx.length(&t);
        tx.insert(&t, end, topic)?;
        Ok(())
    })
}

/// Remove a topic (every copy of it, should two members have added it concurrently).
pub fn remove_topic(doc: &mut Automerge, topic: &str, stamp: Stamp<'_>) -> Result<(), ModelError> {
    let t = schema::root_object(doc, "topics")?;
    let positions: Vec<usize> = doc
        .list_range(&t, ..)
        .filter(|i| matches!(&i.value, automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) if s.as_ref() == topic))
        .map(|i| i.index)
        .collect();
    if positions.is_empty() {
        return Ok(());
    }
    change(doc, stamp, "bớt nội dung giám sát", |tx| {
        for pos in positions.into_iter().rev() {
            tx.delete(&t, pos)?;
        }
        Ok(())
    })
}

/// Who wrote with a given actor (hex), if the document knows.
pub fn member_of_actor(doc: &Automerge, actor_hex: &str) -> Option<String> {
    let actors = schema::object(doc, &ROOT, "actors")?;
    schema::string(doc, &actors, actor_hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn setup() -> Setup {
        crate::fixtures::thanh_khe_tay()
    }

    #[test]
    fn a_created_supervision_reads_back_as_written() {
        let doc = create(
            &setup(),
            Stamp {
                member: "Lan",
                now_ms: 5_000,
            },
        )
        .unwrap();
        let s = crate::reading::read(&doc).unwrap();
        assert_eq!(s.setup, setup());
        assert_eq!(s.created_by, "Lan");
        assert_eq!(s.created_at, 5_000);
        assert!(s.units.is_empty() && s.findings.is_empty());
        let actor = doc.get_actor().to_hex_string();
        assert_eq!(member_of_actor(&doc, &actor).as_deref(), Some("Lan"));
    }

    #[test]
    fn concurrent_setup_edits_of_different_fields_both_survive() {
        let mut a = create(
            &setup(),
            Stamp {
                member: "Lan",
                now_ms: 0,
            },
        )
        .unwrap();
        let mut b = a.fork();
        let mut sa = setup();
        sa.period_to = "12/2022".into();
        update_setup(
            &mut a,
            &sa,
            Stamp {
                member: "Lan",
                now_ms: 1,
            },
        )
        .unwrap();
        let mut sb = setup();
        sb.basis_issuer = "Thành ủy Đà Nẵng".into();
        update_setup(
            &mut b,
            &sb,
            Stamp {
                member: "Minh",
                now_ms: 1,
            },
        )
        .unwrap();
        a.merge(&mut b).unwrap();
        let merged = read_setup(&a).unwrap();
        assert_eq!(merged.period_to, "12/2022");
        assert_eq!(merged.basis_issuer, "Thành ủy Đà Nẵng");
    }
}
