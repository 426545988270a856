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
use crate::reading;
use crate::supervision::{self, Setup, Stamp};

const DAY: i64 = 86_400_000;

fn doc_id() -> crate::ids::DocumentId {
    crate::ids::DocumentId::from_bytes([4; 16])
}
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
    issue::issue(&mut doc, &doc_id(), &letterhead(), &v1, stamp("Lan", JAN_5)).expect("issued");

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
    issue::issue(&mut doc, &doc_id(), &again, &v2, stamp("Lan", JAN_5 + DAY)).expect("issued");
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
    // The export carries its check code and where to check it; the fingerprint does not
    // cover that line (the code is derived from the fingerprint).
    let exported =
        issue::issued_export(&doc, &versions[0], "https://giamsat.example.vn/").expect("export");
    let code = &versions[0].issuance.code;
    assert_eq!(
        exported.check_line().as_deref(),
        Some(
            format!("Mã kiểm tra / Check code: {code} — https://giamsat.example.vn/verify/{code}")
                .as_str()
        )
    );
    assert_eq!(
        issue::fingerprint(&exported).expect("fingerprint"),
        versions[0].issuance.fingerprint
    );
    let file = docx::build(&exported).expect("docx");
    let xml = super::tests::part(&file, "word/document.xml");
    assert!(xml.contains("03 hội nghị"));
    assert!(!xml.contains("04 hội nghị"));
    assert!(xml.contains(&format!("/verify/{code}")));
    assert_eq!(
        qr_in(&file),
        format!("https://giamsat.example.vn/verify/{code}"),
        "the QR code a phone reads is the check address"
    );
    let draft = docx::build(&letterhead().paper(&doc, true).expect("draft")).expect("docx");
    assert!(
        !(0..zip_len(&draft)).any(|i| zip_name(&draft, i).ends_with(".png")),
        "a draft carries no code"
    );

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
    issue::issue(&mut head, &doc_id(), &letterhead(), &a, stamp("Lan", JAN_5)).expect("issued");
    let mut theirs = letterhead();
    theirs.authority = Authority::Deputy;
    theirs.signer_name = "Trần Văn Minh".into();
    issue::issue(
        &mut deputy,
        &doc_id(),
        &theirs,
        &b,
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
        assert_eq!(versions[0].concurrent, std::slice::from_ref(&b));
        assert_eq!(versions[1].id, b);
        assert_eq!(versions[1].concurrent, std::slice::from_ref(&a));
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
    issue::issue(&mut doc, &doc_id(), &letterhead(), &v1, stamp("Lan", JAN_5)).expect("issued");
    let versions = issue::versions(&doc).expect("versions");
    let printed = issue::issued_paper(&doc, &versions[0]).expect("paper");
    assert_eq!(
        versions[0].issuance.fingerprint,
        issue::fingerprint(&printed).expect("fingerprint")
    );

    // Codes: ten characters in two groups, no I, L, O or U, derived from the document, the
    // version and the fingerprint: another document or another text, another code.
    let code = issue::code_for(&doc_id(), &v1, &versions[0].issuance.fingerprint);
    assert_eq!(versions[0].issuance.code, code);
    assert_eq!(code.len(), 11);
    assert_eq!(code.chars().nth(5), Some('-'));
    assert!(!code.contains(['I', 'L', 'O', 'U']));
    let elsewhere = crate::ids::DocumentId::from_bytes([5; 16]);
    assert_ne!(
        issue::code_for(&elsewhere, &v1, &versions[0].issuance.fingerprint),
        code
    );
    assert_ne!(issue::code_for(&doc_id(), &v1, &before), code);
    assert_ne!(issue::short_code([1; 8]), issue::short_code([2; 8]));
}

#[test]
fn a_damaged_issuance_record_is_left_out_not_fatal() {
    use automerge::ROOT;
    use automerge::transaction::Transactable;
    let (mut doc, _) = supervision();
    issue::issue(
        &mut doc,
        &doc_id(),
        &letterhead(),
        &RecordId::from_key("ok"),
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

#[test]
fn a_check_shows_the_first_page_and_the_fingerprint_and_nothing_of_the_body() {
    let (mut doc, _) = supervision();
    issue::issue(
        &mut doc,
        &doc_id(),
        &letterhead(),
        &RecordId::from_key("v1"),
        stamp("Lan", JAN_5),
    )
    .expect("issued");
    let shown = issue::shown_all(&doc, &doc_id()).expect("shown");
    assert_eq!(shown.len(), 1);
    let s = &shown[0];
    assert_eq!(
        s.code,
        issue::versions(&doc).expect("versions")[0].issuance.code
    );
    assert_eq!(s.number, 1);
    assert_eq!(s.issuer, "BAN THƯỜNG TRỰC ỦY BAN MTTQ PHƯỜNG THANH KHÊ");
    assert!(s.number_line.starts_with("Số:") && s.number_line.ends_with("/TB-MTTQ-BTT"));
    assert_eq!(s.place_date_line, "Đà Nẵng, ngày 05 tháng 01 năm 2026");
    assert_eq!(
        s.signer.first().map(String::as_str),
        Some("TM. BAN THƯỜNG TRỰC")
    );
    assert_eq!(s.signer.last().map(String::as_str), Some("Nguyễn Thị Lan"));
    let versions = issue::versions(&doc).expect("versions");
    assert_eq!(s.fingerprint, versions[0].issuance.fingerprint);
    let json = serde_json::to_string(s).expect("json");
    assert!(!json.contains("hội nghị"), "the body is not shown: {json}");
    assert!(!json.contains("\"Lan\""), "nor who issued it");
}

#[test]
fn a_code_copied_from_paper_reads_whatever_its_case_dashes_and_lookalikes() {
    assert_eq!(
        issue::normalize_code("d5m5m nywte").as_deref(),
        Some("D5M5M-NYWTE")
    );
    assert_eq!(
        issue::normalize_code(" D5M5M-NYWTE ").as_deref(),
        Some("D5M5M-NYWTE")
    );
    assert_eq!(
        issue::normalize_code("0IL00-00000").as_deref(),
        Some("01100-00000")
    );
    assert_eq!(
        issue::normalize_code("oo000-00000").as_deref(),
        Some("00000-00000")
    );
    assert_eq!(issue::normalize_code("D5M5M-NYWT"), None, "one short");
    assert_eq!(issue::normalize_code("D5M5M-NYWTEX"), None, "one long");
    assert_eq!(
        issue::normalize_code("D5M5M-NYWTU"),
        None,
        "U is not in the alphabet"
    );
    assert_eq!(issue::normalize_code("D5M5M/NYWTE"), None);
    assert_eq!(issue::normalize_code("ĐM5M5-NYWTE"), None);
    // Every code made reads back as itself.
    for b in 0..=255u8 {
        let code = issue::short_code([b, b.wrapping_mul(7), 3, b, 9, b, 1, b]);
        assert_eq!(issue::normalize_code(&code).as_deref(), Some(code.as_str()));
    }
}

#[test]
fn a_version_whose_record_does_not_hold_up_is_never_shown_to_a_check() {
    use automerge::ROOT;
    use automerge::transaction::Transactable;
    let (mut doc, _) = supervision();
    let v1 = RecordId::from_key("v1");
    issue::issue(&mut doc, &doc_id(), &letterhead(), &v1, stamp("Lan", JAN_5)).expect("issued");
    let genuine = issue::versions(&doc).expect("versions")[0].issuance.clone();
    assert_eq!(issue::shown_all(&doc, &doc_id()).expect("shown").len(), 1);

    // A tablet writes records by hand: one claims another delegation's code, one claims a
    // fingerprint its text does not have, one a signer its fingerprint does not cover.
    let forged = |f: &dyn Fn(&mut issue::Issuance)| {
        let mut i = genuine.clone();
        f(&mut i);
        serde_json::to_string(&i).expect("json")
    };
    let mut tx = doc.transaction();
    let stolen = forged(&|i| i.code = "7KQ2M-XW9RD".into());
    tx.put(ROOT, "issued/stolen", stolen.as_str()).expect("put");
    let wrong = forged(&|i| i.fingerprint = "00".repeat(32));
    tx.put(ROOT, "issued/wrong", wrong.as_str()).expect("put");
    let signer = forged(&|i| i.letterhead.signer_name = "Người khác".into());
    tx.put(ROOT, "issued/signer", signer.as_str()).expect("put");
    tx.commit();
    assert_eq!(
        issue::versions(&doc).expect("versions").len(),
        4,
        "members still see them"
    );
    let shown = issue::shown_all(&doc, &doc_id()).expect("shown");
    let codes: Vec<&str> = shown.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(
        codes,
        [genuine.code.as_str()],
        "only the genuine version reaches a check"
    );
    // Filed under another document's id, even the genuine record does not hold up.
    let other = crate::ids::DocumentId::from_bytes([6; 16]);
    assert!(issue::shown_all(&doc, &other).expect("shown").is_empty());
}

#[test]
fn the_changes_that_issue_or_set_aside_are_told_from_every_other() {
    let (mut doc, result) = supervision();
    let last = |d: &Automerge| d.get_last_local_change().expect("a change").clone();
    retype(&mut doc, &result, "Đã tổ chức 05 hội nghị.", "Lan", JAN_5);
    assert!(
        !issue::change_issues(&last(&doc)),
        "typing in the conclusion"
    );
    let v1 = RecordId::from_key("v1");
    issue::issue(&mut doc, &doc_id(), &letterhead(), &v1, stamp("Lan", JAN_5)).expect("issued");
    assert!(issue::change_issues(&last(&doc)), "issuing");
    issue::supersede(&mut doc, &v1, stamp("Lan", JAN_5)).expect("set aside");
    assert!(issue::change_issues(&last(&doc)), "setting a version aside");

    // In a sync message's chunk, only an own change counts.
    let chunk = last(&doc).raw_bytes().to_vec();
    let lan = doc.get_actor().clone();
    assert_eq!(
        crate::authors::own_change_issues(&chunk, |a| *a == lan),
        Ok(true)
    );
    assert_eq!(
        crate::authors::own_change_issues(&chunk, |_| false),
        Ok(false)
    );
    assert_eq!(
        crate::authors::own_change_issues(&doc.save(), |a| *a == lan),
        Ok(true),
        "a whole document sent as one chunk"
    );
}

#[test]
fn the_minutes_of_a_working_session_say_who_said_what_in_the_layout() {
    use super::minutes::minutes;
    use crate::finding::{self, FindingKind};
    use crate::session::{self, RemarkKind};
    use crate::unit;

    // Step 1: a session with the ward's People's Committee, a finding, a member's remark and
    // the unit's explanation of that finding.
    let (mut doc, _) = supervision();
    let (u, w, f) = (
        RecordId::from_key("u"),
        RecordId::from_key("w"),
        RecordId::from_key("f"),
    );
    unit::add(&mut doc, &u, "Ủy ban nhân dân phường", stamp("Lan", JAN_5)).expect("unit");
    session::add(
        &mut doc,
        &w,
        &u,
        "2026-03-12",
        "Trụ sở UBND phường",
        "Chủ tịch UBND phường, công chức địa chính.",
        stamp("Lan", JAN_5),
    )
    .expect("session");
    finding::add(
        &mut doc,
        &f,
        &u,
        FindingKind::Shortcoming,
        "Chưa niêm yết dự toán.",
        stamp("Minh", JAN_5),
    )
    .expect("finding");
    session::add_remark(
        &mut doc,
        &RecordId::from_key("r1"),
        &w,
        RemarkKind::Remark,
        "Đề nghị cung cấp sổ theo dõi.",
        None,
        stamp("Trần Văn Minh", JAN_5),
    )
    .expect("remark");
    session::add_remark(
        &mut doc,
        &RecordId::from_key("r2"),
        &w,
        RemarkKind::Explanation,
        "Sẽ niêm yết trước ngày 30/3.",
        Some(&f),
        stamp("Lan", JAN_5),
    )
    .expect("explanation");
    let s = reading::read(&doc).expect("reads");

    // Step 2: the minutes in the decree's layout.
    let paper = minutes(&s, &w, &letterhead()).expect("minutes");
    assert_eq!(paper.doc_type, "Biên bản");
    assert_eq!(paper.summary, "Làm việc với Ủy ban nhân dân phường");
    assert_eq!(paper.date, (2026, 3, 12), "the session's date");
    assert_eq!(
        paper.opening,
        [
            "Ngày 12/03/2026, tại Trụ sở UBND phường, Đoàn giám sát làm việc với Ủy ban nhân dân phường.",
            "Thành phần: Chủ tịch UBND phường, công chức địa chính."
        ]
    );
    let headings: Vec<&str> = paper.sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(
        headings,
        ["I. Ý KIẾN CỦA THÀNH VIÊN ĐOÀN", "II. GIẢI TRÌNH CỦA ĐƠN VỊ"]
    );
    assert_eq!(
        paper.sections[0].paragraphs,
        ["Trần Văn Minh: Đề nghị cung cấp sổ theo dõi."]
    );
    assert_eq!(
        paper.sections[1].paragraphs,
        ["Về \u{201c}Chưa niêm yết dự toán.\u{201d}: Sẽ niêm yết trước ngày 30/3."]
    );
    let xml = super::tests::part(&docx::build(&paper).expect("docx"), "word/document.xml");
    assert!(xml.contains("BIÊN BẢN"));
    assert!(xml.contains("Trần Văn Minh: Đề nghị cung cấp sổ theo dõi."));
    // Signed by both sides: the unit's representative where a notice lists its recipients.
    assert_eq!(
        paper.counter_signer.as_deref(),
        Some("Đại diện Ủy ban nhân dân phường")
    );
    assert!(
        xml.contains("ĐẠI DIỆN ỦY BAN NHÂN DÂN PHƯỜNG"),
        "in the layout's capitals"
    );
    assert!(!xml.contains("Nơi nhận"), "minutes list no recipients");
    assert!(xml.contains("TRƯỞNG ĐOÀN") || xml.contains(&paper.signer_title.to_uppercase()));

    // The Party's layout numbers and writes headings its own way.
    let mut party = letterhead();
    party.layout = LayoutId::Hd36;
    let paper = minutes(&s, &w, &party).expect("minutes");
    assert_eq!(paper.sections[0].heading, "1. Ý kiến của thành viên đoàn");

    // A session that does not exist has no minutes.
    assert!(minutes(&s, &RecordId::from_key("zz"), &letterhead()).is_err());
}

fn zip_len(docx: &[u8]) -> usize {
    zip::ZipArchive::new(std::io::Cursor::new(docx))
        .expect("a zip")
        .len()
}

fn zip_name(docx: &[u8], i: usize) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
    zip.by_index(i).expect("an entry").name().to_owned()
}

/// The text of the QR code in a DOCX's image, read back as a phone's reader would.
fn qr_in(docx: &[u8]) -> String {
    use std::io::Read;
    let name = (0..zip_len(docx))
        .map(|i| zip_name(docx, i))
        .find(|n| n.starts_with("word/media/") && n.ends_with(".png"))
        .expect("an image in the DOCX");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
    let mut bytes = Vec::new();
    zip.by_name(&name)
        .expect("the image")
        .read_to_end(&mut bytes)
        .expect("read");
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("it decodes").1
}

#[test]
fn a_version_issued_offline_is_the_tablets_alone_until_the_server_holds_it() {
    let (mut server, result) = supervision();
    let mut tablet = server
        .fork()
        .with_actor(ActorId::from(b"hung-tablet".as_slice()));
    let id = RecordId::from_key("v1");
    issue::issue(
        &mut tablet,
        &doc_id(),
        &letterhead(),
        &id,
        stamp("Hùng", JAN_5),
    )
    .expect("issued");
    // The server has only what it had before: the version is not on it.
    assert!(!issue::on_server(&tablet, &id, &server.get_heads()));
    // Heads the tablet does not hold yet tell nothing either way.
    let mut other = server
        .fork()
        .with_actor(ActorId::from(b"minh-tablet".as_slice()));
    retype(&mut other, &result, "Khác.", "Minh", JAN_5 + DAY);
    assert!(!issue::on_server(&tablet, &id, &other.get_heads()));

    server.merge(&mut tablet).expect("synced");
    assert!(issue::on_server(&tablet, &id, &server.get_heads()));
    // The tablet writes on: its new changes are pending, the version stays on the server.
    retype(
        &mut tablet,
        &result,
        "Sửa sau khi ban hành.",
        "Hùng",
        JAN_5 + DAY,
    );
    assert!(issue::on_server(&tablet, &id, &server.get_heads()));
    // A version that does not exist is on no server.
    assert!(!issue::on_server(
        &tablet,
        &RecordId::from_key("v9"),
        &server.get_heads()
    ));
}
