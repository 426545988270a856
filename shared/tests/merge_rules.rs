//! The merge rules of a delegation's working day, as two members live them: each works on a
//! copy while apart, then the copies merge. Every outcome here is a decision users rely on.

use automerge::{ActorId, Automerge};
use shared::conclusion::{self, Section};
use shared::field::{self, RecordKind, TextField};
use shared::finding::{self, FindingKind, FindingStatus, NewFinding};
use shared::reading;
use shared::recommendation::{self, FollowUp, NewRecommendation};
use shared::supervision::{self, Setup, Stamp};
use shared::{RecordId, unit};

fn id(n: u8) -> RecordId {
    RecordId::from_bytes([n; 8])
}

const LAN: Stamp<'static> = Stamp {
    member: "Lan",
    now_ms: 1_000,
};
const MINH: Stamp<'static> = Stamp {
    member: "Minh",
    now_ms: 1_000,
};

/// Lan's copy with one unit and one shortcoming, and Minh's fork of it.
fn two_copies() -> (Automerge, Automerge) {
    let setup = Setup {
        title: "Giám sát phường Thanh Khê Tây".into(),
        ..Setup::default()
    };
    let mut a = supervision::create(&setup, LAN).unwrap();
    unit::add(&mut a, &id(1), "Đảng ủy phường Thanh Khê Tây", LAN).unwrap();
    finding::add(
        &mut a,
        &id(2),
        &id(1),
        FindingKind::Shortcoming,
        "Chưa tổ chức đối thoại định kỳ.",
        LAN,
    )
    .unwrap();
    let mut b = a.fork();
    b.set_actor(ActorId::from([7u8; 16]));
    (a, b)
}

fn merged(a: &mut Automerge, b: &mut Automerge) -> shared::reading::Supervision {
    a.merge(b).unwrap();
    b.merge(a).unwrap();
    let (ra, rb) = (reading::read(a).unwrap(), reading::read(b).unwrap());
    assert_eq!(ra, rb, "both sides read the same after merging");
    ra
}

#[test]
fn concurrent_findings_on_the_same_unit_are_all_kept_in_a_stable_order() {
    let (mut a, mut b) = two_copies();
    for n in 10..15 {
        finding::add(
            &mut a,
            &id(n),
            &id(1),
            FindingKind::Strength,
            &format!("Lan {n}"),
            LAN,
        )
        .unwrap();
    }
    for n in 20..23 {
        let new = NewFinding {
            kind: FindingKind::Cause,
            topic: "QĐ 217-QĐ/TW",
            text: "Minh",
            figures: "02 chuyên đề",
        };
        finding::add_full(&mut b, &id(n), &id(1), &new, MINH).unwrap();
    }
    let s = merged(&mut a, &mut b);
    assert_eq!(s.findings_of(id(1).as_str()).count(), 1 + 5 + 3);
    // Each member's own findings stay in the order they wrote them.
    let lan: Vec<_> = s
        .findings
        .iter()
        .filter(|f| f.author == "Lan" && f.kind == FindingKind::Strength)
        .map(|f| f.text.clone())
        .collect();
    assert_eq!(lan, ["Lan 10", "Lan 11", "Lan 12", "Lan 13", "Lan 14"]);
    assert!(
        s.findings
            .iter()
            .any(|f| f.figures == "02 chuyên đề" && f.topic == "QĐ 217-QĐ/TW")
    );
}

#[test]
fn a_cause_linked_to_a_shortcoming_deleted_offline_keeps_its_words_and_the_link_comes_back_on_restore()
 {
    let (mut a, mut b) = two_copies();
    // Lan deletes the shortcoming; Minh, offline, writes a cause explaining it and edits it.
    finding::set_deleted(&mut a, &id(2), true, LAN).unwrap();
    finding::add(
        &mut b,
        &id(3),
        &id(1),
        FindingKind::Cause,
        "Cán bộ kiêm nhiệm nhiều việc.",
        MINH,
    )
    .unwrap();
    finding::link_cause(&mut b, &id(3), &id(2), true, MINH).unwrap();
    shared::field::set(
        &mut b,
        &finding::text_field(&id(2)),
        "Chưa tổ chức đối thoại định kỳ với nhân dân.",
        MINH,
    )
    .unwrap();
    let s = merged(&mut a, &mut b);

    // Defined outcome: the shortcoming is deleted (hidden), with Minh's edit kept inside it;
    // the cause is live; its link to the deleted shortcoming is not shown.
    let shortcoming = s.finding(&id(2)).unwrap();
    assert!(shortcoming.deleted);
    assert_eq!(
        shortcoming.text,
        "Chưa tổ chức đối thoại định kỳ với nhân dân."
    );
    assert_eq!(
        s.findings_of(id(1).as_str())
            .map(|f| f.id.clone())
            .collect::<Vec<_>>(),
        [id(3)]
    );
    assert!(s.finding(&id(3)).unwrap().explains.is_empty());

    // Restoring the shortcoming restores the link.
    finding::set_deleted(&mut a, &id(2), false, LAN).unwrap();
    let s = reading::read(&a).unwrap();
    assert_eq!(s.finding(&id(3)).unwrap().explains, [id(2)]);
}

#[test]
fn scalars_set_differently_offline_stay_visible_until_someone_chooses() {
    let (mut a, mut b) = two_copies();
    let rec = NewRecommendation {
        text: "Tổ chức đối thoại hằng quý.",
        addressee: "Đảng ủy phường",
        due: "2022-09-30",
        ..Default::default()
    };
    recommendation::add(&mut a, &id(5), &rec, LAN).unwrap();
    b.merge(&mut a.clone()).unwrap();

    finding::set_status(&mut a, &id(2), FindingStatus::Agreed, LAN).unwrap();
    finding::set_kind(&mut a, &id(2), FindingKind::Cause, LAN).unwrap();
    recommendation::set_due(&mut a, &id(5), "2022-10-15", LAN).unwrap();
    recommendation::set_status(&mut a, &id(5), FollowUp::InProgress, LAN).unwrap();
    finding::set_status(&mut b, &id(2), FindingStatus::Draft, MINH).unwrap();
    finding::set_kind(&mut b, &id(2), FindingKind::Strength, MINH).unwrap();
    recommendation::set_due(&mut b, &id(5), "2022-11-30", MINH).unwrap();
    recommendation::set_status(&mut b, &id(5), FollowUp::Remedied, MINH).unwrap();
    let s = merged(&mut a, &mut b);

    // (Minh setting "draft" on a draft finding changed nothing, so status has no conflict:
    // only values both members actually changed can disagree.)
    let f = s.finding(&id(2)).unwrap();
    assert!(!f.status_choice.is_conflict());
    assert!(f.kind_choice.is_conflict());
    let mut kinds = vec![f.kind_choice.value.clone()];
    kinds.extend(f.kind_choice.alternatives.clone());
    kinds.sort();
    assert_eq!(kinds, ["cause", "strength"]);
    let r = &s.recommendations[0];
    let mut dues = vec![r.due.value.clone()];
    dues.extend(r.due.alternatives.clone());
    dues.sort();
    assert_eq!(dues, ["2022-10-15", "2022-11-30"]);
    assert!(r.status_choice.is_conflict());

    // Choosing resolves it everywhere.
    finding::set_kind(&mut b, &id(2), FindingKind::Cause, MINH).unwrap();
    recommendation::set_due(&mut b, &id(5), "2022-10-15", MINH).unwrap();
    let s = merged(&mut a, &mut b);
    assert!(!s.finding(&id(2)).unwrap().kind_choice.is_conflict());
    assert_eq!(s.finding(&id(2)).unwrap().kind, FindingKind::Cause);
    assert!(!s.recommendations[0].due.is_conflict());
    assert_eq!(s.recommendations[0].due.value, "2022-10-15");
}

#[test]
fn the_conclusion_is_generated_from_agreed_findings_and_merges_concurrent_paragraph_edits() {
    let (mut a, mut b) = two_copies();
    finding::add(
        &mut a,
        &id(3),
        &id(1),
        FindingKind::Strength,
        "Ban hành kế hoạch kịp thời.",
        LAN,
    )
    .unwrap();
    finding::add(
        &mut a,
        &id(4),
        &id(1),
        FindingKind::Strength,
        "Một nhận xét còn nháp.",
        LAN,
    )
    .unwrap();
    finding::set_status(&mut a, &id(2), FindingStatus::Agreed, LAN).unwrap();
    finding::set_status(&mut a, &id(3), FindingStatus::Agreed, LAN).unwrap();
    let mut n = 100u8;
    let added = conclusion::generate(
        &mut a,
        || {
            n += 1;
            id(n)
        },
        LAN,
    )
    .unwrap();
    assert_eq!(
        added, 3,
        "overview + two agreed findings; the draft finding is left out"
    );
    let paras = conclusion::read(&a).unwrap();
    let sections: Vec<Section> = paras.iter().map(|p| p.section).collect();
    assert_eq!(
        sections,
        [Section::Overview, Section::Strengths, Section::Shortcomings]
    );
    // Generating again adds nothing.
    assert_eq!(
        conclusion::generate(
            &mut a,
            || {
                n += 1;
                id(n)
            },
            LAN
        )
        .unwrap(),
        0
    );

    // Both members edit the same paragraph at once, at different places.
    b.merge(&mut a.clone()).unwrap();
    let strengths = paras[1].id.clone();
    let field = TextField::new(RecordKind::Paragraph, &strengths, "text");
    let base = field.read(&a).unwrap();
    field::set(&mut a, &field, &format!("Đoàn ghi nhận: {base}"), LAN).unwrap();
    field::set(&mut b, &field, &format!("{base} Cần phát huy."), MINH).unwrap();
    // And each adds a paragraph to the same section.
    conclusion::add_paragraph(
        &mut a,
        &id(90),
        Section::Strengths,
        None,
        "Đoạn của Lan.",
        LAN,
    )
    .unwrap();
    conclusion::add_paragraph(
        &mut b,
        &id(91),
        Section::Strengths,
        None,
        "Đoạn của Minh.",
        MINH,
    )
    .unwrap();
    let s = merged(&mut a, &mut b);
    let p = s.conclusion.iter().find(|p| p.id == strengths).unwrap();
    assert_eq!(p.text, format!("Đoàn ghi nhận: {base} Cần phát huy."));
    let strengths_texts: Vec<_> = s
        .conclusion
        .iter()
        .filter(|p| p.section == Section::Strengths)
        .map(|p| p.text.clone())
        .collect();
    assert_eq!(strengths_texts.len(), 3);
    assert!(
        strengths_texts.contains(&"Đoạn của Lan.".to_owned())
            && strengths_texts.contains(&"Đoạn của Minh.".to_owned())
    );
}

#[test]
fn search_finds_findings_and_recommendations_without_accents() {
    let (mut a, _) = two_copies();
    let rec = NewRecommendation {
        text: "Tăng cường giám sát việc tiếp dân.",
        ..Default::default()
    };
    recommendation::add(&mut a, &id(5), &rec, LAN).unwrap();
    let s = reading::read(&a).unwrap();
    use shared::search::{Hit, search};
    assert_eq!(search(&s, "doi thoai"), [Hit::Finding(id(2))]);
    assert_eq!(
        search(&s, "giam sat tiep dan"),
        [Hit::Recommendation(id(5))]
    );
    assert!(search(&s, "khong co").is_empty());
}
