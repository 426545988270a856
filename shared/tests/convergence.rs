//! Acceptance 1: two members edit copies of one supervision concurrently; after merging in
//! either order both hold the same document, with every record and every word kept.

use shared::finding::{self, FindingKind};
use shared::reading;
use shared::supervision::{self, Setup, Stamp};
use shared::{RecordId, unit};

fn setup() -> Setup {
    shared::fixtures::thanh_khe_tay()
}

fn id(n: u8) -> RecordId {
    RecordId::from_bytes([n; 8])
}

#[test]
fn records_and_text_edited_on_both_sides_converge() {
    // Step 1: Lan creates the supervision, a unit and a finding; Minh gets a copy.
    let lan = Stamp {
        member: "Lan",
        now_ms: 1_000,
    };
    let minh = Stamp {
        member: "Minh",
        now_ms: 1_000,
    };
    let mut a = supervision::create(&setup(), lan).unwrap();
    unit::add(&mut a, &id(1), "Đảng ủy phường Thanh Khê Tây", lan).unwrap();
    finding::add(
        &mut a,
        &id(2),
        &id(1),
        FindingKind::Strength,
        "Ban hành kế hoạch kịp thời.",
        lan,
    )
    .unwrap();
    let mut b = a.fork();
    b.set_actor(automerge::ActorId::from([9u8; 16]));

    // Step 2: both add records and edit the same finding's text, unaware of each other.
    unit::add(&mut a, &id(3), "Tòa án nhân dân quận", lan).unwrap();
    finding::add(
        &mut a,
        &id(4),
        &id(1),
        FindingKind::Shortcoming,
        "Chưa tổ chức đối thoại.",
        lan,
    )
    .unwrap();
    shared::field::set(
        &mut a,
        &finding::text_field(&id(2)),
        "Ban hành kế hoạch giám sát kịp thời.",
        lan,
    )
    .unwrap();

    unit::add(&mut b, &id(5), "Công ty cổ phần X", minh).unwrap();
    finding::add(
        &mut b,
        &id(6),
        &id(1),
        FindingKind::Cause,
        "Cán bộ kiêm nhiệm nhiều việc.",
        minh,
    )
    .unwrap();
    shared::field::set(
        &mut b,
        &finding::text_field(&id(2)),
        "Ban hành kế hoạch kịp thời, đúng quy định.",
        minh,
    )
    .unwrap();

    // Step 3: merge both ways.
    let mut a2 = a.fork();
    a2.merge(&mut b.clone()).unwrap();
    b.merge(&mut a).unwrap();
    assert_eq!(a2.get_heads().len(), b.get_heads().len());
    let mut ha = a2.get_heads();
    let mut hb = b.get_heads();
    ha.sort();
    hb.sort();
    assert_eq!(ha, hb, "same heads after merging in either order");

    // Step 4: every record and both members' words are there, on both sides.
    for doc in [&a2, &b] {
        let s = reading::read(doc).unwrap();
        assert_eq!(s.units.len(), 3);
        assert_eq!(s.findings.len(), 3);
        let text = &s.findings.iter().find(|f| f.id == id(2)).unwrap().text;
        assert_eq!(text, "Ban hành kế hoạch giám sát kịp thời, đúng quy định.");
        assert_eq!(
            supervision::member_of_actor(doc, "09090909090909090909090909090909").as_deref(),
            Some("Minh")
        );
    }
    assert_eq!(reading::read(&a2).unwrap(), reading::read(&b).unwrap());
}

#[test]
fn a_finding_about_a_missing_unit_is_refused() {
    let lan = Stamp {
        member: "Lan",
        now_ms: 0,
    };
    let mut a = supervision::create(&setup(), lan).unwrap();
    let heads = a.get_heads();
    assert!(finding::add(&mut a, &id(2), &id(1), FindingKind::Strength, "x", lan).is_err());
    assert_eq!(a.get_heads(), heads, "a refused edit changes nothing");
}

#[test]
fn a_saved_document_loads_back_identical() {
    let lan = Stamp {
        member: "Lan",
        now_ms: 0,
    };
    let mut a = supervision::create(&setup(), lan).unwrap();
    unit::add(&mut a, &id(1), "Phường", lan).unwrap();
    finding::add(
        &mut a,
        &id(2),
        &id(1),
        FindingKind::Cause,
        "Nguyên nhân",
        lan,
    )
    .unwrap();
    let loaded = automerge::Automerge::load(&a.save()).unwrap();
    assert_eq!(reading::read(&loaded).unwrap(), reading::read(&a).unwrap());
    assert_eq!(loaded.get_heads(), a.get_heads());
}
