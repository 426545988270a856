//! The export of a conclusion in both layouts, read back from the DOCX's XML and checked
//! against the rules' numbers (DOCUMENTS.md), not compared byte for byte.

use std::io::Read;

use super::samples::{front_notice, party_notice};
use super::*;

/// A part of the DOCX, as text.
pub(crate) fn part(docx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
    let mut file = zip
        .by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the DOCX"));
    let mut text = String::new();
    file.read_to_string(&mut text).expect("UTF-8 XML");
    text
}

/// The page headers of the DOCX (the first page's and the others').
fn headers(docx: &[u8]) -> Vec<String> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
    let names: Vec<String> = zip
        .file_names()
        .filter(|n| n.starts_with("word/header"))
        .map(str::to_owned)
        .collect();
    names.iter().map(|n| part(docx, n)).collect()
}

/// Every paragraph of an XML part: its text and its XML.
fn paragraphs(xml: &str) -> Vec<(String, String)> {
    xml.split("<w:p>")
        .skip(1)
        .chain(xml.split("<w:p ").skip(1))
        .map(|rest| {
            let p = rest.split("</w:p>").next().unwrap_or_default().to_owned();
            let text = p
                .split("<w:t")
                .skip(1)
                .filter_map(|t| t.split_once('>').map(|(_, t)| t))
                .map(|t| t.split("</w:t>").next().unwrap_or_default())
                .collect::<String>();
            (text, p)
        })
        .collect()
}

/// The paragraph whose text is `text`, exactly.
fn paragraph<'a>(all: &'a [(String, String)], text: &str) -> &'a str {
    &all.iter()
        .find(|(t, _)| t == text)
        .unwrap_or_else(|| {
            panic!(
                "no paragraph {text:?} in {:?}",
                all.iter().map(|p| &p.0).collect::<Vec<_>>()
            )
        })
        .1
}

fn size(xml: &str) -> Option<u32> {
    let at = xml.find("<w:sz w:val=\"")? + "<w:sz w:val=\"".len();
    xml[at..].split('"').next()?.parse().ok()
}

fn bold(xml: &str) -> bool {
    xml.contains("<w:b />") || xml.contains("<w:b/>") || xml.contains("<w:b w:val=\"true\"")
}

fn italic(xml: &str) -> bool {
    xml.contains("<w:i />") || xml.contains("<w:i/>") || xml.contains("<w:i w:val=\"true\"")
}

fn attribute(xml: &str, element: &str, name: &str) -> Option<i64> {
    let start = xml.find(&format!("<{element} "))?;
    let tag = xml[start..].split('>').next()?;
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    tag[at..].split('"').next()?.parse().ok()
}

#[test]
fn every_layout_file_reads_and_keeps_to_a_printable_page() {
    for id in LayoutId::ALL {
        let layout = id.layout().expect("the layout reads");
        assert_eq!(layout.id, id.as_str());
        assert!(layout.text_width_mm() > 150.0);
    }
}

#[test]
fn a_front_notice_is_laid_out_as_decree_30_asks() {
    let paper = front_notice();
    let docx = docx::build(&paper).expect("builds");
    let xml = part(&docx, "word/document.xml");
    let all = paragraphs(&xml);

    // A4, margins 20 / 20 / 30 / 15 mm, in twentieths of a point.
    assert_eq!(attribute(&xml, "w:pgSz", "w:w"), Some(11906));
    assert_eq!(attribute(&xml, "w:pgSz", "w:h"), Some(16838));
    assert_eq!(attribute(&xml, "w:pgMar", "w:top"), Some(1134));
    assert_eq!(attribute(&xml, "w:pgMar", "w:bottom"), Some(1134));
    assert_eq!(attribute(&xml, "w:pgMar", "w:left"), Some(1701));
    assert_eq!(attribute(&xml, "w:pgMar", "w:right"), Some(850));
    assert!(xml.contains("w:ascii=\"Times New Roman\""));

    // The header: bodies left in capitals, the issuer bold; title and motto right.
    let superior = paragraph(&all, "ỦY BAN MTTQ VIỆT NAM THÀNH PHỐ ĐÀ NẴNG");
    assert_eq!(size(superior), Some(26));
    assert!(!bold(superior));
    let issuer = paragraph(&all, "BAN THƯỜNG TRỰC ỦY BAN MTTQ PHƯỜNG THANH KHÊ");
    assert!(bold(issuer));
    let title = paragraph(&all, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    assert!(bold(title) && size(title) == Some(24));
    let motto = paragraph(&all, "Độc lập - Tự do - Hạnh phúc");
    assert!(bold(motto) && size(motto) == Some(28));
    // …in a borderless table whose left column is 40 % of the 165 mm of text.
    let table = xml.split("<w:tbl>").nth(1).expect("the header is a table");
    assert!(table.starts_with("<w:tblPr>") && table.contains("<w:tblBorders />"));
    assert_eq!(attribute(table, "w:gridCol", "w:w"), Some(3741));
    assert!(table.find("CỘNG HÒA").unwrap() < table.find("</w:tbl>").unwrap());

    // Number with a colon and a leading zero; the date italic with leading zeros.
    assert_eq!(size(paragraph(&all, "Số: 05/TB-MTTQ-BTT")), Some(26));
    let date = paragraph(&all, "Đà Nẵng, ngày 05 tháng 01 năm 2026");
    assert!(italic(date) && size(date) == Some(28));

    // Type and summary bold and centred; the body justified with a first-line indent.
    let kind = paragraph(&all, "THÔNG BÁO");
    assert!(bold(kind) && kind.contains("w:val=\"center\""));
    let body = paragraph(
        &all,
        "Việc niêm yết công khai được thực hiện đầy đủ, đúng thời hạn.",
    );
    assert!(body.contains("<w:jc w:val=\"both\""));
    assert_eq!(attribute(body, "w:ind", "w:firstLine"), Some(720));
    assert_eq!(size(body), Some(28));
    // The body ends with "./.".
    paragraph(
        &all,
        "Đề nghị Ủy ban nhân dân phường trả lời bằng văn bản trong 20 ngày./.",
    );

    // Sections in order, then the signature and the recipients.
    let order: Vec<&str> = all.iter().map(|p| p.0.as_str()).collect();
    let at = |t: &str| order.iter().position(|p| *p == t).unwrap_or(usize::MAX);
    assert!(at("THÔNG BÁO") < at("I. KẾT QUẢ"));
    assert!(at("I. KẾT QUẢ") < at("II. KIẾN NGHỊ"));
    let label = paragraph(&all, "Nơi nhận:");
    assert!(bold(label) && italic(label) && size(label) == Some(24));
    assert_eq!(size(paragraph(&all, "- UBND phường Thanh Khê;")), Some(22));
    paragraph(&all, "- Lưu: VT.");
    assert!(bold(paragraph(&all, "TM. BAN THƯỜNG TRỰC")));
    assert!(bold(paragraph(&all, "Nguyễn Thị Lan")));

    // Page numbers from page 2: a first-page header without one.
    assert!(xml.contains("<w:titlePg"));
    let headers = headers(&docx);
    assert_eq!(headers.iter().filter(|h| h.contains("PAGE")).count(), 1);
    assert!(
        headers.iter().all(|h| !h.contains("DỰ THẢO")),
        "issued: no draft mark"
    );
}

#[test]
fn a_party_notice_is_laid_out_as_the_party_guide_asks() {
    let docx = docx::build(&party_notice()).expect("builds");
    let xml = part(&docx, "word/document.xml");
    let all = paragraphs(&xml);
    let party = paragraph(&all, "ĐẢNG CỘNG SẢN VIỆT NAM");
    assert!(bold(party) && size(party) == Some(30));
    assert!(!xml.contains("CỘNG HÒA XÃ HỘI"));
    // A star under the issuing body instead of a rule; the number without a colon.
    paragraph(&all, "*");
    assert_eq!(size(paragraph(&all, "Số 127-TB/UBKTĐU")), Some(28));
    assert_eq!(size(paragraph(&all, "THÔNG BÁO")), Some(32));
    assert!(bold(paragraph(&all, "T/M ỦY BAN KIỂM TRA")));
    paragraph(
        &all,
        "Đề nghị Ủy ban nhân dân phường trả lời bằng văn bản trong 20 ngày.",
    );
}

#[test]
fn a_number_left_for_the_clerk_and_a_draft_are_printed_as_such() {
    let paper = Paper {
        number: None,
        draft: true,
        ..front_notice()
    };
    let docx = docx::build(&paper).expect("builds");
    let all = paragraphs(&part(&docx, "word/document.xml"));
    paragraph(&all, "Số:      /TB-MTTQ-BTT");
    let marked = headers(&docx).iter().any(|h| h.contains("DỰ THẢO"));
    assert!(marked, "a draft carries its mark");
}

#[test]
fn every_part_of_the_docx_is_well_formed_xml() {
    for paper in [front_notice(), party_notice()] {
        let docx = docx::build(&paper).expect("builds");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&docx[..])).expect("a zip");
        let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
        for needed in [
            "[Content_Types].xml",
            "word/document.xml",
            "word/styles.xml",
        ] {
            assert!(names.iter().any(|n| n == needed), "{needed} in {names:?}");
        }
        for name in names
            .iter()
            .filter(|n| n.ends_with(".xml") || n.ends_with(".rels"))
        {
            let mut text = String::new();
            zip.by_name(name)
                .expect("listed")
                .read_to_string(&mut text)
                .expect("UTF-8");
            let mut depth = 0i64;
            for tag in text.split('<').skip(1) {
                let tag = tag.split('>').next().unwrap_or_default();
                if tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/') {
                    continue;
                }
                depth += if tag.starts_with('/') { -1 } else { 1 };
                assert!(depth >= 0, "{name}: a closing tag without its opening");
            }
            assert_eq!(depth, 0, "{name}: every element closed");
        }
    }
}

#[test]
fn a_conclusion_written_together_prints_in_its_sections_numbered_by_the_layout() {
    use crate::conclusion::{self, Section};
    use crate::ids::RecordId;
    use crate::supervision::{self, Setup, Stamp};

    let stamp = |member| Stamp {
        member,
        now_ms: 1_767_571_200_000,
    };
    let mut doc = supervision::create(&Setup::default(), stamp("Lan")).expect("created");
    for (key, section, text) in [
        (
            "a",
            Section::Recommendations,
            "Đề nghị trả lời bằng văn bản trong 20 ngày.",
        ),
        (
            "b",
            Section::Overview,
            "Đoàn giám sát đã làm việc với Ủy ban nhân dân phường.",
        ),
        ("c", Section::Strengths, "Đã tổ chức 03 hội nghị đối thoại."),
        ("d", Section::Strengths, "  "),
    ] {
        conclusion::add_paragraph(
            &mut doc,
            &RecordId::from_key(key),
            section,
            None,
            text,
            stamp("Minh"),
        )
        .expect("added");
    }
    let paragraphs = conclusion::read(&doc).expect("reads");

    // NĐ 30: roman numerals, headings in capitals; no shortcomings, so none printed.
    let (opening, sections) = conclusion_body(&LayoutId::Nd30.layout().unwrap(), &paragraphs);
    assert_eq!(
        opening,
        ["Đoàn giám sát đã làm việc với Ủy ban nhân dân phường."]
    );
    let headings: Vec<&str> = sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(headings, ["I. ƯU ĐIỂM, KẾT QUẢ ĐẠT ĐƯỢC", "II. KIẾN NGHỊ"]);
    assert_eq!(
        sections[0].paragraphs,
        ["Đã tổ chức 03 hội nghị đối thoại."]
    );

    // The Party's guide: arabic numerals, headings as written.
    let (_, sections) = conclusion_body(&LayoutId::Hd36.layout().unwrap(), &paragraphs);
    let headings: Vec<&str> = sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(headings, ["1. Ưu điểm", "2. Yêu cầu, kiến nghị"]);

    // And it goes into the DOCX in that order.
    let paper = Paper {
        opening: Vec::new(),
        sections,
        layout: LayoutId::Hd36,
        ..front_notice()
    };
    let all = paragraphs_of(&docx::build(&paper).unwrap());
    let order: Vec<&str> = all.iter().map(|p| p.0.as_str()).collect();
    let at = |t: &str| order.iter().position(|p| *p == t).expect(t);
    assert!(at("1. Ưu điểm") < at("Đã tổ chức 03 hội nghị đối thoại."));
    assert!(at("Đã tổ chức 03 hội nghị đối thoại.") < at("2. Yêu cầu, kiến nghị"));
}

fn paragraphs_of(docx: &[u8]) -> Vec<(String, String)> {
    paragraphs(&part(docx, "word/document.xml"))
}

#[test]
fn text_typed_with_combining_marks_is_exported_as_precomposed_letters() {
    // "Nguyễn" typed as e + circumflex + tilde, and "Thị" as i + dot below.
    let decomposed = "Nguye\u{302}\u{303}n Thi\u{323} Lan";
    let paper = Paper {
        signer_name: decomposed.into(),
        ..front_notice()
    };
    let xml = part(&docx::build(&paper).unwrap(), "word/document.xml");
    assert!(xml.contains("Nguyễn Thị Lan"));
    assert!(!xml.contains('\u{302}') && !xml.contains('\u{323}'));
}
