//! Issuing, as steps a delegation goes through: an issued version keeps its text, issuing
//! again keeps version 1, two members issuing offline both keep theirs until the head sets
//! one aside, and what a paper's check compares.

use automerge::{ActorId, Automerge};

use super::issue::{self, Letterhead};
use super::paper::Authority;
use super::{LayoutId, docx};
use crate::conclusion::{self, Section};
use crate::field::{self, RecordKind, TextField};
use crate::ids::RecordId;
use crate::supervision::{self, Setup, Stamp};

const DAY: i64 = 86_400_000;
const JAN_5: i64 = 1_767_571_200_000;

fn stamp(member: &str, now_ms: i64) -> Stamp<'_> {
    Stamp { member, now_ms }
}

fn letterhead() -> Letterhead {
    Letterhead {
        layout: LayoutId::Nd30,
        superior: "Ủy ban MTTQ Việt Nam thành phố Đà Nẵng".into(),
        issuer: "Ban Thường trực Ủy ban MTTQ phường Thanh Khê".into(),
        number: None,
        code: "TB-MTTQ-BTT".into(),
        place: "Đà Nẵng".into(),
        date: (2026, 1, 5),
        doc_type: "Thông báo".into(),
        summary: "Kết quả giám sát việc thực hiện Quy chế dân chủ ở cơ sở".into(),
        authority: Authority::Collective,
        for_body: "Ban Thường trực".into(),
        signer_title: "Chủ tịch".into(),
        signer_name: "Nguyễn Thị Lan".into(),
        recipients: vec!["UBND phường Thanh Khê".into()],
    }
}

/// A supervision whose conclusion has a result and a recommendation.
fn supervision() -> (Automerge, RecordId) {
    let mut doc = supervision::create(&Setup::default(), stamp("Lan", JAN_5)).expect("created");
    doc.set_actor(ActorId::from(b"lan-tablet".as_slice()));
    let result = RecordId::from_key("result");
    conclusion::add_paragraph(
        &mut doc,
        &result,
        Section::Strengths,
        None,
        "Đã tổ chức 03 hội nghị đối thoại.",
        stamp("Lan", JAN_5),
    )
    .expect("added");
    conclusion::add_paragraph(
        &mut doc,
        &RecordId::from_key("ask"),
        Section::Recommendations,
        None,
        "Đề nghị trả lời bằng văn bản trong 20 ngày.",
        stamp("Lan", JAN_5),
    )
    .expect("added");
    (doc, result)
}

fn retype(doc: &mut Automerge, id: &RecordId, text: &str, who: &str, at: i64) {
    let f = TextField::new(RecordKind::Paragraph, id, "text");
    field::set(doc, &f, text, stamp(who, at)).expect("typed");
}

fn body(paper: &super::Paper) -> Vec<String> {
    paper
        .sections
        .iter()
        .flat_map(|s| s.paragraphs.iter().cloned())
        .collect()
}

#[test]
fn an_issued_version_keeps_its_text_whatever_is_written_after() {
    // Step 1: the head issues the conclusion.
    let (mut doc, result) = supervision();
    let v1 = RecordId::from_key("v1");
    issue::issue(&mut doc, &letterhead(), &v1, [1; 8], stamp("Lan", JAN_5)).expect("issued");

    // Step 2: a member keeps writing; the draft moves, version 1 does not.
    retype(
        &mut doc,
        &result,
        "Đã tổ chức 04 hội nghị đối thoại.",
        "Minh",
        JAN_5 + 1,
    );
    let versions = issue::versions(&doc).expect("versions");
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].number, 1);
    assert_eq!(versions[0].issuance.issued_by, "Lan");
    let issued = issue::issued_paper(&doc, &versions[0]).expect("paper");
    assert_eq!(body(&issued)[0], "Đã tổ chức 03 hội nghị đối thoại.");
    assert!(!issued.draft);
    let draft = letterhead().paper(&doc, true).expect("draft");
    assert_eq!(body(&draft)[0], "Đã tổ chức 04 hội nghị đối thoại.");

    // Step 3: issuing again makes version 2, which replaces 1 and keeps it.
    let v2 = RecordId::from_key("v2");
    let mut again = letterhead();
    again.number = Some("7".into());
    issue::issue(&mut doc, &again, &v2, [2; 8], stamp("Lan", JAN_5 + DAY)).expect("issued");
    let versions = issue::versions(&doc).expect("versions");
    let numbers: Vec<usize> = versions.iter().map(|v| v.number).collect();
    assert_eq!(numbers, [1, 2]);
    assert_eq!(versions[1].issuance.replaces.as_deref(), Some("v1"));
    assert!(versions.iter().all(|v| v.concurrent.is_empty()));
    assert_eq!(issue::current(&versions).map(|v| v.number), Some(2));

    // Step 4: version 1, exported after version 2 exists, still has version 1's text.
    let one = issue::issued_paper(&doc, &versions[0]).expect("paper");
    assert_eq!(body(&one)[0], "Đã tổ chức 03 hội nghị đối thoại.");
    assert_eq!(one.number, None, "version 1 was issued without a number");
    let two = issue::issued_paper(&doc, &versions[1]).expect("paper");
    assert_eq!(body(&two)[0], "Đã tổ chức 04 hội nghị đối thoại.");
    let file = docx::build(&one).expect("docx");
    let xml = super::tests::part(&file, "word/document.xml");
    assert!(xml.contains("03 hội nghị"));
    assert!(!xml.contains("04 hội nghị"));

    // Step 5: the document saved and loaded again reads the same versions.
    let loaded = Automerge::load(&doc.save()).expect("loads");
    assert_eq!(issue::versions(&loaded).expect("versions"), versions);
}

#[test]
fn two_members_issuing_offline_both_keep_theirs_until_the_head_sets_one_aside() {
    // Step 1: the head and her deputy hold the same document, then lose the network.
    let (doc, _) = supervision();
    let mut head = doc.fork();
    head.set_actor(ActorId::from(b"lan-tablet".as_slice()));
    let mut deputy = doc.fork();
    deputy.set_actor(ActorId::from(b"minh-tablet".as_slice()));

    // Step 2: each issues, not knowing of the other.
    let (a, b) = (RecordId::from_key("a"), RecordId::from_key("b"));
    issue::issue(&mut head, &letterhead(), &a, [3; 8], stamp("Lan", JAN_5)).expect("issued");
    let mut theirs = letterhead();
    theirs.authority = Authority::Deputy;
    theirs.signer_name = "Trần Văn Minh".into();
    issue::issue(
        &mut deputy,
        &theirs,
        &b,
        [4; 8],
        stamp("Minh", JAN_5 + 60_000),
    )
    .expect("issued");

    // Step 3: they sync. Both tablets see both versions, each marked concurrent with the
    // other: nothing was merged into one text, nothing dropped.
    head.merge(&mut deputy.clone()).expect("merged");
    deputy.merge(&mut head.clone()).expect("merged");
    for tablet in [&head, &deputy] {
        let versions = issue::versions(tablet).expect("versions");
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0].id, a);
        assert_eq!(versions[0].concurrent, [b.clone()]);
        assert_eq!(versions[1].id, b);
        assert_eq!(versions[1].concurrent, [a.clone()]);
        assert_eq!(versions[1].issuance.letterhead.signer_name, "Trần Văn Minh");
    }

    // Step 4: the head sets the deputy's aside; her own stands, on both tablets.
    issue::supersede(&mut head, &b, stamp("Lan", JAN_5 + DAY)).expect("set aside");
    deputy.merge(&mut head.clone()).expect("merged");
    let versions = issue::versions(&deputy).expect("versions");
    assert!(versions.iter().all(|v| v.concurrent.is_empty()));
    assert_eq!(
        versions[1].superseded.as_ref().map(|s| s.0.as_str()),
        Some("Lan")
    );
    assert_eq!(issue::current(&versions).map(|v| &v.id), Some(&a));

    // Step 5: a version that does not exist cannot be set aside.
    let missing = issue::supersede(&mut head, &RecordId::from_key("zz"), stamp("Lan", 0));
    assert!(missing.is_err());
}

#[test]
fn a_check_tells_one_changed_letter_and_the_code_has_nothing_to_misread() {
    let (mut doc, result) = supervision();
    let paper = letterhead().paper(&doc, false).expect("paper");
    let before = issue::fingerprint(&paper).expect("fingerprint");
    assert_eq!(before.len(), 64);
    assert_eq!(issue::fingerprint(&paper).expect("fingerprint"), before);

    // One letter of the body, or of the letterhead, changes it.
    retype(
        &mut doc,
        &result,
        "Đã tổ chức 08 hội nghị đối thoại.",
        "Minh",
        JAN_5,
    );
    let edited = letterhead().paper(&doc, false).expect("paper");
    assert_ne!(issue::fingerprint(&edited).expect("fingerprint"), before);
    let mut renumbered = paper.clone();
    renumbered.number = Some("8".into());
    assert_ne!(
        issue::fingerprint(&renumbered).expect("fingerprint"),
        before
    );

    // The issuance carries the fingerprint of exactly what version 1 prints.
    let v1 = RecordId::from_key("v1");
    issue::issue(&mut doc, &letterhead(), &v1, [0xA5; 8], stamp("Lan", JAN_5)).expect("issued");
    let versions = issue::versions(&doc).expect("versions");
    let printed = issue::issued_paper(&doc, &versions[0]).expect("paper");
    assert_eq!(
        versions[0].issuance.fingerprint,
        issue::fingerprint(&printed).expect("fingerprint")
    );

    // Codes: ten characters in two groups, no I, L, O or U; different bytes, different code.
    let code = issue::short_code([0xA5; 8]);
    assert_eq!(code.len(), 11);
    assert_eq!(code.chars().nth(5), Some('-'));
    assert!(!code.contains(['I', 'L', 'O', 'U']));
    assert_ne!(issue::short_code([1; 8]), issue::short_code([2; 8]));
    assert_eq!(versions[0].issuance.code, code);
}

#[test]
fn a_damaged_issuance_record_is_left_out_not_fatal() {
    use automerge::ROOT;
    use automerge::transaction::Transactable;
    let (mut doc, _) = supervision();
    issue::issue(
        &mut doc,
        &letterhead(),
        &RecordId::from_key("ok"),
        [5; 8],
        stamp("Lan", 1),
    )
    .expect("issued");
    let mut tx = doc.transaction();
    tx.put(ROOT, "issued/bad", "{not json").expect("put");
    tx.put(ROOT, "superseded/ok", 42).expect("put");
    tx.commit();
    let versions = issue::versions(&doc).expect("versions");
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].id.as_str(), "ok");
    assert!(
        versions[0].superseded.is_none(),
        "a superseded mark that does not read"
    );
}
