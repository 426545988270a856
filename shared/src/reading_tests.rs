//! A reading kept up to date from what each merge wrote (`crate::touched`, as the app's sync
//! client notes it) or from Automerge's patches reads the same as reading the document afresh,
//! whatever another member did: typed in a finding, a recommendation or a paragraph, agreed
//! a finding, deleted a shortcoming a cause explained, added records, changed the set-up.

use automerge::{Automerge, PatchLog};

use super::Reading;
use crate::conclusion::{self, Section};
use crate::field::{self, RecordKind, TextField};
use crate::finding::{self, FindingKind, FindingStatus};
use crate::reading;
use crate::recommendation::{self, NewRecommendation, RecommendationKind};
use crate::supervision::{self, Stamp};
use crate::touched;
use crate::{RecordId, unit};

/// One thing Minh does to his copy.
type Step = Box<dyn Fn(&mut Automerge)>;

fn stamp(member: &str, now_ms: i64) -> Stamp<'_> {
    Stamp { member, now_ms }
}

fn id(n: u8) -> RecordId {
    RecordId::from_bytes([n; 8])
}

/// Lan's tablet holds a supervision with two units, a shortcoming and the cause explaining
/// it, a recommendation and a conclusion paragraph; Minh's holds a copy.
fn two_tablets() -> (Automerge, Automerge) {
    let lan = stamp("Lan", 1_000);
    let mut doc = supervision::create(&crate::fixtures::thanh_khe_tay(), lan).unwrap();
    unit::add(&mut doc, &id(1), "Đảng ủy phường Thanh Khê Tây", lan).unwrap();
    unit::add(&mut doc, &id(2), "Đảng ủy phường Xuân Hà", lan).unwrap();
    finding::add(
        &mut doc,
        &id(3),
        &id(1),
        FindingKind::Shortcoming,
        "Hồ sơ chưa đầy đủ.",
        lan,
    )
    .unwrap();
    finding::add(
        &mut doc,
        &id(4),
        &id(1),
        FindingKind::Cause,
        "Cán bộ kiêm nhiệm.",
        lan,
    )
    .unwrap();
    finding::link_cause(&mut doc, &id(4), &id(3), true, lan).unwrap();
    let new = NewRecommendation {
        kind: RecommendationKind::ALL[0],
        text: "Hoàn thiện hồ sơ.",
        addressee: "Đảng ủy phường Thanh Khê Tây",
        due: "2022-09-30",
        answers: &[id(3)],
    };
    recommendation::add(&mut doc, &id(5), &new, lan).unwrap();
    conclusion::add_paragraph(
        &mut doc,
        &id(6),
        Section::Overview,
        None,
        "Đoàn đã làm việc.",
        lan,
    )
    .unwrap();
    let mut minh = doc.fork();
    minh.set_actor(automerge::ActorId::from([9; 16]));
    (doc, minh)
}

/// Bring `mine` up to `theirs` and feed `reading` what the merge wrote, as the app's sync
/// client notes it; it must then read as `mine` read afresh. The same merge followed from
/// Automerge's patches, on copies, must read the same.
fn receive(reading: &mut Reading, mine: &mut Automerge, theirs: &Automerge) {
    let before = mine.get_heads();
    let changes = theirs.get_changes(&before);

    let (mut by_patches, mut patched) = (reading.clone(), mine.clone());
    let mut log = PatchLog::active();
    patched
        .apply_changes_log_patches(changes.clone(), &mut log)
        .unwrap();
    let patches = patched.make_patches(&mut log);
    by_patches.apply(&patched, &before, &patches).unwrap();

    let chunks: Vec<Vec<u8>> = changes.iter().map(|c| c.raw_bytes().to_vec()).collect();
    let incoming = touched::expect(mine, chunks.iter().map(Vec::as_slice))
        .expect("every chunk is a change whose dependencies are known");
    mine.apply_changes(changes).unwrap();
    let written = touched::touched(mine, &incoming).expect("the merge brought those changes");
    reading.follow(mine, &before, Some(&written)).unwrap();

    assert_eq!(reading.heads(), mine.get_heads().as_slice());
    assert_eq!(reading.supervision, reading::read(mine).unwrap());
    assert_eq!(by_patches.supervision, reading.supervision);
}

/// A change held back for a missing dependency, then applied with it: what the second merge
/// wrote is not known from its message alone, so the reading reads everything, and is right.
#[test]
fn a_change_held_back_for_its_dependency_makes_the_reading_read_everything() {
    let (mut lan, mut minh) = two_tablets();
    let mut reading = Reading::new(&lan).unwrap();
    let before = lan.get_heads();
    let f = TextField::new(RecordKind::Finding, &id(3), "text");
    field::set(
        &mut minh,
        &f,
        "Hồ sơ 03 cuộc chưa đầy đủ.",
        stamp("Minh", 2),
    )
    .unwrap();
    let first = minh.get_changes(&before);
    let middle = minh.get_heads();
    let r = TextField::new(RecordKind::Recommendation, &id(5), "text");
    field::set(
        &mut minh,
        &r,
        "Hoàn thiện hồ sơ trước 30/9.",
        stamp("Minh", 3),
    )
    .unwrap();
    let second = minh.get_changes(&middle);

    // The second change alone: its dependency is missing, so nothing is promised.
    let raw = |cs: &[automerge::Change]| -> Vec<Vec<u8>> {
        cs.iter().map(|c| c.raw_bytes().to_vec()).collect()
    };
    let chunks = raw(&second);
    assert!(touched::expect(&lan, chunks.iter().map(Vec::as_slice)).is_none());
    lan.apply_changes(second).unwrap();
    assert_eq!(lan.get_heads(), before, "Automerge holds it back");

    // The first arrives: the message names one change, the document moved by two.
    let chunks = raw(&first);
    let incoming = touched::expect(&lan, chunks.iter().map(Vec::as_slice)).unwrap();
    lan.apply_changes(first).unwrap();
    assert_eq!(lan.get_heads(), minh.get_heads());
    let written = touched::touched(&lan, &incoming);
    assert!(
        written.is_none(),
        "the held change's writes are not in the message"
    );
    reading.follow(&lan, &before, written.as_deref()).unwrap();
    assert_eq!(reading.supervision, reading::read(&lan).unwrap());
    assert_eq!(
        reading.supervision.recommendation(&id(5)).unwrap().text,
        "Hoàn thiện hồ sơ trước 30/9."
    );
}

#[test]
fn every_kind_of_remote_edit_reads_as_a_fresh_read() {
    let (mut lan, mut minh) = two_tablets();
    let mut reading = Reading::new(&lan).unwrap();
    let m = |t| stamp("Minh", t);

    let steps: Vec<Step> = vec![
        Box::new(move |d| {
            let f = TextField::new(RecordKind::Finding, &id(3), "text");
            field::set(d, &f, "Hồ sơ 03 cuộc giám sát chưa đầy đủ.", m(2)).unwrap();
        }),
        Box::new(move |d| {
            let f = TextField::new(RecordKind::Finding, &id(3), "figures");
            field::set(d, &f, "03 cuộc", m(3)).unwrap();
        }),
        Box::new(move |d| finding::set_status(d, &id(3), FindingStatus::Agreed, m(4)).unwrap()),
        Box::new(move |d| {
            let f = TextField::new(RecordKind::Recommendation, &id(5), "text");
            field::set(d, &f, "Hoàn thiện hồ sơ trước 30/9.", m(5)).unwrap();
        }),
        Box::new(move |d| {
            let f = TextField::new(RecordKind::Paragraph, &id(6), "text");
            field::set(d, &f, "Đoàn đã làm việc với Đảng ủy.", m(6)).unwrap();
        }),
        Box::new(move |d| {
            finding::add(
                d,
                &id(7),
                &id(2),
                FindingKind::Strength,
                "Quán triệt kịp thời.",
                m(7),
            )
            .unwrap()
        }),
        // The cause's link to the shortcoming disappears when the shortcoming is deleted.
        Box::new(move |d| finding::set_deleted(d, &id(3), true, m(8)).unwrap()),
        Box::new(move |d| {
            conclusion::add_paragraph(d, &id(8), Section::Strengths, None, "Ưu điểm.", m(9))
                .unwrap()
        }),
        Box::new(move |d| conclusion::delete_paragraph(d, &id(6), m(10)).unwrap()),
        Box::new(move |d| {
            let mut setup = supervision::read_setup(d).unwrap();
            setup.period_to = "12/2022".into();
            supervision::update_setup(d, &setup, m(11)).unwrap();
        }),
        Box::new(move |d| supervision::add_topic(d, "QĐ 218-QĐ/TW", m(12)).unwrap()),
        Box::new(move |d| unit::add(d, &id(9), "Đảng ủy phường Chính Gián", m(13)).unwrap()),
    ];
    // A view's copy, brought up to date by deltas every other step (so some deltas merge).
    let mut copy = reading.supervision.clone();
    let mut seen = reading.version();
    for (i, step) in steps.iter().enumerate() {
        step(&mut minh);
        receive(&mut reading, &mut lan, &minh);
        if i % 2 == 1 {
            let applied = reading.update_copy(&mut copy, seen);
            assert!(
                !applied.everything,
                "step {i}: a copy two updates behind is not copied whole"
            );
            seen = reading.version();
            assert_eq!(copy, reading.supervision, "step {i}");
        }
    }
    let cause = reading.supervision.finding(&id(4)).unwrap();
    assert!(
        cause.explains.is_empty(),
        "a deleted shortcoming is not explained"
    );
}

#[test]
fn concurrent_edits_merged_at_once_read_as_a_fresh_read() {
    let (mut lan, mut minh) = two_tablets();
    let mut reading = Reading::new(&lan).unwrap();
    let f = TextField::new(RecordKind::Finding, &id(3), "text");
    let before = lan.get_heads();
    field::set(&mut lan, &f, "Lan: hồ sơ chưa đầy đủ.", stamp("Lan", 2)).unwrap();
    reading.typed(&lan, &before, &f).unwrap();
    field::set(
        &mut minh,
        &f,
        "Hồ sơ chưa đầy đủ, Minh bổ sung.",
        stamp("Minh", 2),
    )
    .unwrap();
    finding::set_kind(
        &mut minh,
        &id(4),
        FindingKind::Shortcoming,
        stamp("Minh", 3),
    )
    .unwrap();
    receive(&mut reading, &mut lan, &minh);
}

#[test]
fn typing_reads_the_field_typed_in_and_stale_heads_read_everything() {
    let (mut lan, mut minh) = two_tablets();
    let mut reading = Reading::new(&lan).unwrap();
    for (i, (kind, record)) in [
        (RecordKind::Finding, id(4)),
        (RecordKind::Recommendation, id(5)),
        (RecordKind::Paragraph, id(6)),
    ]
    .into_iter()
    .enumerate()
    {
        let field = TextField::new(kind, &record, "text");
        let before = lan.get_heads();
        let mut text = field.read(&lan).unwrap();
        text.push_str(" Thêm.");
        field::set(&mut lan, &field, &text, stamp("Lan", 10 + i as i64)).unwrap();
        reading.typed(&lan, &before, &field).unwrap();
        assert_eq!(reading.supervision, reading::read(&lan).unwrap());
    }

    // Patches from heads the reading is not at: it reads everything rather than guess.
    finding::set_status(&mut minh, &id(4), FindingStatus::Agreed, stamp("Minh", 20)).unwrap();
    lan.merge(&mut minh).unwrap();
    reading.apply(&lan, &[], &[]).unwrap();
    assert_eq!(reading.supervision, reading::read(&lan).unwrap());
    assert_eq!(
        reading.supervision.finding(&id(4)).unwrap().status,
        FindingStatus::Agreed
    );
}

#[test]
fn a_copy_too_far_behind_is_copied_whole() {
    let (mut lan, mut minh) = two_tablets();
    let mut reading = Reading::new(&lan).unwrap();
    let copy_at = reading.version();
    let mut copy = reading.supervision.clone();
    let f = TextField::new(RecordKind::Finding, &id(3), "text");
    for i in 0..40 {
        field::set(&mut minh, &f, &format!("Bản {i}"), stamp("Minh", 100 + i)).unwrap();
        receive(&mut reading, &mut lan, &minh);
    }
    assert!(reading.update_copy(&mut copy, copy_at).everything);
    assert_eq!(copy, reading.supervision);
    // One step behind: only the finding typed in is copied.
    let seen = reading.version();
    field::set(&mut minh, &f, "Bản cuối", stamp("Minh", 200)).unwrap();
    receive(&mut reading, &mut lan, &minh);
    let applied = reading.update_copy(&mut copy, seen);
    assert_eq!(
        applied.findings.iter().collect::<Vec<_>>(),
        vec![id(3).as_str()]
    );
    assert_eq!(copy, reading.supervision);
}
