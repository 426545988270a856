//! Tests of a text field's history: each writer's part, the versions, restoring one.

use super::*;
use crate::conclusion::{self, Section};
use crate::field::RecordKind;
use crate::finding::{self, FindingKind};
use crate::supervision::{self, Setup};
use crate::text::Splice;
use crate::{RecordId, unit};
use automerge::ActorId;

fn stamp(member: &str, now_ms: i64) -> Stamp<'_> {
    Stamp { member, now_ms }
}

fn actor(byte: u8) -> ActorId {
    ActorId::from(&[byte; 16][..])
}

fn hex(byte: u8) -> String {
    actor(byte).to_hex_string()
}

const MINUTE_MS: i64 = 60_000;

/// A supervision made by the head (actor 0xaa) with one paragraph in the shortcomings section
/// and one in the recommendations, both written by the head at minute 0.
fn draft() -> (Automerge, RecordId, RecordId) {
    let mut doc = supervision::create(&Setup::default(), stamp("Trưởng đoàn", 0))
        .unwrap()
        .with_actor(actor(0xaa));
    let p1 = RecordId::from_bytes([1; 8]);
    let p2 = RecordId::from_bytes([2; 8]);
    conclusion::add_paragraph(
        &mut doc,
        &p1,
        Section::Shortcomings,
        None,
        "Việc lưu trữ hồ sơ chưa đầy đủ.",
        stamp("Trưởng đoàn", 0),
    )
    .unwrap();
    conclusion::add_paragraph(
        &mut doc,
        &p2,
        Section::Recommendations,
        None,
        "Đề nghị bổ sung hồ sơ.",
        stamp("Trưởng đoàn", 0),
    )
    .unwrap();
    (doc, p1, p2)
}

fn paragraph(id: &RecordId) -> TextField {
    TextField::new(RecordKind::Paragraph, id, "text")
}

fn text_of(doc: &Automerge, id: &RecordId) -> String {
    paragraph(id).read(doc).unwrap()
}

/// `member` on `doc` types `insert` at the end of paragraph `id`, one keystroke a change.
fn type_at_end(doc: &mut Automerge, id: &RecordId, insert: &str, member: &str, now_ms: i64) {
    let field = paragraph(id);
    for ch in insert.chars() {
        let pos = field.read(doc).unwrap().chars().count();
        let edit = Splice {
            pos,
            delete: 0,
            insert: ch.to_string(),
        };
        field::splice(doc, &field, &edit, stamp(member, now_ms)).unwrap();
    }
}

#[test]
fn a_paragraph_written_by_two_members_offline_shows_each_ones_part() {
    let (mut head, p1, _) = draft();
    // Two members take the draft onto their tablets and write offline, apart.
    let mut lan = head.fork().with_actor(actor(0xbb));
    let mut minh = head.fork().with_actor(actor(0xcc));
    type_at_end(
        &mut lan,
        &p1,
        " Sổ thụ lý thiếu 12 trang.",
        "Lan",
        MINUTE_MS,
    );
    type_at_end(&mut minh, &p1, " Chưa số hoá.", "Minh", MINUTE_MS);
    head.merge(&mut lan).unwrap();
    head.merge(&mut minh).unwrap();

    let obj = paragraph(&p1).object(&head).unwrap();
    let parts = parts(&head, &obj);
    let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(
        joined,
        text_of(&head, &p1),
        "the parts are today's text, in order"
    );
    let by = |a: u8| -> String {
        parts
            .iter()
            .filter(|p| p.actor.as_deref() == Some(hex(a).as_str()))
            .map(|p| p.text.as_str())
            .collect()
    };
    assert_eq!(by(0xaa), "Việc lưu trữ hồ sơ chưa đầy đủ.");
    assert_eq!(by(0xbb), " Sổ thụ lý thiếu 12 trang.");
    assert_eq!(by(0xcc), " Chưa số hoá.");
    assert_eq!(parts.len(), 3, "each member's words are one run: {parts:?}");
}

#[test]
fn versions_follow_each_members_sittings_and_say_who_and_when() {
    let (mut doc, p1, p2) = draft();
    let mut lan = doc.fork().with_actor(actor(0xbb));
    type_at_end(&mut lan, &p1, " Thiếu sổ.", "Lan", MINUTE_MS);
    doc.merge(&mut lan).unwrap();
    // Lan's edit of the other paragraph is not a version of this one.
    type_at_end(&mut lan, &p2, " Ngay.", "Lan", 2 * MINUTE_MS);
    doc.merge(&mut lan).unwrap();
    // The head, an hour later: a second sitting.
    let field = paragraph(&p1);
    field::set(
        &mut doc,
        &field,
        "Việc lưu trữ hồ sơ còn thiếu sổ.",
        stamp("Trưởng đoàn", 60 * MINUTE_MS),
    )
    .unwrap();

    let obj = field.object(&doc).unwrap();
    let v = versions(&doc, &obj);
    let texts: Vec<&str> = v.iter().map(|v| v.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Việc lưu trữ hồ sơ chưa đầy đủ.",
            "Việc lưu trữ hồ sơ chưa đầy đủ. Thiếu sổ.",
            "Việc lưu trữ hồ sơ còn thiếu sổ.",
        ]
    );
    let who: Vec<String> = v.iter().map(|v| v.actor.clone()).collect();
    assert_eq!(who, [hex(0xaa), hex(0xbb), hex(0xaa)]);
    // Her sitting ended with her last keystroke, in the other paragraph (seconds).
    assert_eq!(v[1].at_s, 120);
    assert_eq!(v[2].at_s, 3600);
}

#[test]
fn a_pause_splits_one_members_writing_into_two_versions() {
    let (mut doc, p1, _) = draft();
    type_at_end(&mut doc, &p1, " A", "Trưởng đoàn", 10 * MINUTE_MS);
    type_at_end(&mut doc, &p1, "B", "Trưởng đoàn", 10 * MINUTE_MS + 1000);
    type_at_end(&mut doc, &p1, " C", "Trưởng đoàn", 30 * MINUTE_MS);
    let obj = paragraph(&p1).object(&doc).unwrap();
    let texts: Vec<String> = versions(&doc, &obj).into_iter().map(|v| v.text).collect();
    assert_eq!(
        texts,
        [
            "Việc lưu trữ hồ sơ chưa đầy đủ.",
            "Việc lưu trữ hồ sơ chưa đầy đủ. AB",
            "Việc lưu trữ hồ sơ chưa đầy đủ. AB C",
        ]
    );
}

#[test]
fn restoring_an_earlier_text_keeps_a_third_members_later_edit_in_another_paragraph() {
    let (mut head, p1, p2) = draft();
    let mut lan = head.fork().with_actor(actor(0xbb));
    type_at_end(&mut lan, &p1, " Lan thêm.", "Lan", MINUTE_MS);
    head.merge(&mut lan).unwrap();
    let obj = paragraph(&p1).object(&head).unwrap();
    let first = versions(&head, &obj)[0].text.clone();

    // A third member edits the other paragraph, offline, after the versions were read.
    let mut minh = head.fork().with_actor(actor(0xcc));
    type_at_end(&mut minh, &p2, " Trong 30 ngày.", "Minh", 2 * MINUTE_MS);
    // And Lan, offline too, goes on in the same paragraph that is being restored.
    type_at_end(&mut lan, &p1, " Còn nữa.", "Lan", 2 * MINUTE_MS);

    assert!(
        restore(
            &mut head,
            &paragraph(&p1),
            &first,
            stamp("Trưởng đoàn", 3 * MINUTE_MS)
        )
        .unwrap()
    );
    assert_eq!(text_of(&head, &p1), "Việc lưu trữ hồ sơ chưa đầy đủ.");
    head.merge(&mut minh).unwrap();
    head.merge(&mut lan).unwrap();

    assert_eq!(text_of(&head, &p2), "Đề nghị bổ sung hồ sơ. Trong 30 ngày.");
    // Lan's words written after the restore was made are hers to keep: merged, not lost.
    assert_eq!(
        text_of(&head, &p1),
        "Việc lưu trữ hồ sơ chưa đầy đủ. Còn nữa."
    );
    // Restoring is itself a version, by the one who restored.
    let v = versions(&head, &obj);
    assert!(
        v.iter()
            .any(|v| v.actor == hex(0xaa) && v.text == "Việc lưu trữ hồ sơ chưa đầy đủ."),
        "{v:?}"
    );
    // Restoring the text it already has changes nothing.
    let now = text_of(&head, &p1);
    assert!(
        !restore(
            &mut head,
            &paragraph(&p1),
            &now,
            stamp("Trưởng đoàn", 4 * MINUTE_MS)
        )
        .unwrap()
    );
}

#[test]
fn a_findings_text_has_the_same_history() {
    let (mut doc, _, _) = draft();
    let unit_id = RecordId::from_bytes([3; 8]);
    unit::add(
        &mut doc,
        &unit_id,
        "Phường Thanh Khê Tây",
        stamp("Trưởng đoàn", 0),
    )
    .unwrap();
    let id = RecordId::from_bytes([4; 8]);
    finding::add(
        &mut doc,
        &id,
        &unit_id,
        FindingKind::Strength,
        "Làm tốt.",
        stamp("Trưởng đoàn", 0),
    )
    .unwrap();
    let mut lan = doc.fork().with_actor(actor(0xbb));
    let field = TextField::new(RecordKind::Finding, &id, "text");
    field::set(
        &mut lan,
        &field,
        "Làm tốt công tác hoà giải.",
        stamp("Lan", MINUTE_MS),
    )
    .unwrap();
    doc.merge(&mut lan).unwrap();
    let obj = field.object(&doc).unwrap();
    let parts = parts(&doc, &obj);
    assert_eq!(
        parts,
        [
            Part {
                text: "Làm tốt".into(),
                actor: Some(hex(0xaa))
            },
            Part {
                text: " công tác hoà giải".into(),
                actor: Some(hex(0xbb))
            },
            Part {
                text: ".".into(),
                actor: Some(hex(0xaa))
            },
        ]
    );
    let texts: Vec<String> = versions(&doc, &obj).into_iter().map(|v| v.text).collect();
    assert_eq!(texts, ["Làm tốt.", "Làm tốt công tác hoà giải."]);
}
