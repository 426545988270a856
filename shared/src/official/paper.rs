//! What is printed on an official document, independent of the file it goes into: the
//! header, the number and date lines, the body, the signature block and the recipients.
//! [`Paper::first_page`] gives the first page's lines exactly as printed, the same for the
//! DOCX, a PDF, and a check of a paper copy against the record.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::layout::{Layout, LayoutId};
use crate::conclusion::{Paragraph, Section};

/// How the signer signs (the word before the title comes from the layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authority {
    /// For a collective: TM. (NĐ 30) / T/M (Party).
    #[default]
    Collective,
    /// A deputy for the head: KT. / K/T.
    Deputy,
    /// Acting: Q.
    Acting,
    /// By order: TL. / T/L.
    ByOrder,
    /// By authorisation: TUQ.
    ByAuthorisation,
    /// In one's own name: no word, no collective line.
    Own,
}

/// One numbered section of the body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PaperSection {
    /// "I. KẾT QUẢ" — the heading as it is printed (numbered by the caller).
    pub heading: String,
    pub paragraphs: Vec<String>,
}

/// One document to print. Serialised only to cross from the app to its export module.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paper {
    pub layout: LayoutId,
    /// The body above the issuer (cơ quan chủ quản), if any: "ỦY BAN MTTQ VIỆT NAM TỈNH X".
    pub superior: String,
    /// The issuing body: "BAN THƯỜNG TRỰC", "ĐOÀN GIÁM SÁT".
    pub issuer: String,
    /// The number, or `None` while the office clerk has not given it.
    pub number: Option<String>,
    /// The code after the number: "TB-MTTQ", "TB/UBKTĐU".
    pub code: String,
    pub place: String,
    /// Year, month, day.
    pub date: (i32, u32, u32),
    /// "THÔNG BÁO", "BÁO CÁO", "BIÊN BẢN".
    pub doc_type: String,
    /// The summary (trích yếu): "Kết quả giám sát việc …".
    pub summary: String,
    /// The opening lines before the sections (bases, what was done), if any.
    pub opening: Vec<String>,
    pub sections: Vec<PaperSection>,
    pub authority: Authority,
    /// The collective signed for ("BAN THƯỜNG TRỰC"), under TM.
    pub for_body: String,
    /// The signer's title ("CHỦ TỊCH", "TRƯỞNG ĐOÀN").
    pub signer_title: String,
    pub signer_name: String,
    /// "- Như trên;" lines, without the dash or the closing punctuation.
    pub recipients: Vec<String>,
    /// Minutes are signed by both sides: the other side's signer ("Đại diện Ủy ban nhân dân
    /// phường"), printed in the left column of the signature block where a notice has its
    /// recipients; the name is written by hand. `None` on a notice or a report.
    #[serde(default)]
    pub counter_signer: Option<String>,
    /// A draft is watermarked.
    pub draft: bool,
    /// An issued version's check code and the address that checks it (`/verify/<code>`),
    /// printed under the signature; not part of the fingerprinted text.
    pub check: Option<(String, String)>,
}

/// The first page's lines, as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstPage {
    pub superior: String,
    pub issuer: String,
    pub number_line: String,
    pub place_date_line: String,
    pub doc_type: String,
    pub summary: String,
}

impl Paper {
    /// The first page's lines, with the layout's casing and patterns.
    pub fn first_page(&self, layout: &Layout) -> FirstPage {
        // In NFC, as the export prints them.
        let caps = |s: &str, on: bool| {
            let s: String = s.nfc().collect();
            if on { s.to_uppercase() } else { s }
        };
        let number = self
            .number
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map_or_else(|| layout.number.blank.clone(), number_with_zero);
        let (y, m, d) = self.date;
        FirstPage {
            superior: caps(&self.superior, layout.superior.caps),
            issuer: caps(&self.issuer, layout.issuer.caps),
            number_line: layout
                .number
                .pattern
                .replace("{number}", &number)
                .replace("{code}", &self.code.to_uppercase()),
            place_date_line: layout
                .place_date
                .pattern
                .replace("{place}", &self.place.nfc().collect::<String>())
                .replace("{dd}", &format!("{d:02}"))
                .replace("{mm}", &month(m))
                .replace("{yyyy}", &y.to_string()),
            doc_type: caps(&self.doc_type, layout.doc_type.caps),
            summary: caps(&self.summary, layout.summary.caps),
        }
    }

    /// The line above the signer's title: the authority word and the collective
    /// ("TM. BAN THƯỜNG TRỰC"), or nothing when signing in one's own name.
    pub fn authority_line(&self, layout: &Layout) -> Option<String> {
        let w = &layout.authority;
        let word = match self.authority {
            Authority::Collective => &w.collective,
            Authority::Deputy => &w.deputy,
            Authority::Acting => &w.acting,
            Authority::ByOrder => &w.by_order,
            Authority::ByAuthorisation => &w.by_authorisation,
            Authority::Own => return None,
        };
        Some(
            format!("{word} {}", self.for_body.to_uppercase())
                .trim()
                .to_owned(),
        )
    }

    /// The recipient lines as printed: "- …;" each, the archive line last with ".".
    pub fn recipient_lines(&self, layout: &Layout) -> Vec<String> {
        self.recipients
            .iter()
            .map(|r| r.trim().trim_end_matches([';', '.']))
            .filter(|r| !r.is_empty())
            .map(|r| format!("- {r};"))
            .chain([format!("- {}.", layout.archive_line)])
            .collect()
    }

    /// The line that tells a reader how to check this copy, if it is an issued version.
    pub fn check_line(&self) -> Option<String> {
        self.check
            .as_ref()
            .map(|(code, url)| format!("Mã kiểm tra / Check code: {code} — {url}"))
    }

    /// Every printed line, in reading order: the header, number and date, type, summary,
    /// the body, the recipients and the signature (the layout's fixed lines and marks left
    /// out). What a check of a paper copy compares ([`super::issue::fingerprint`]).
    pub fn printed_lines(&self, layout: &Layout) -> Vec<String> {
        let first = self.first_page(layout);
        let mut lines = vec![
            first.superior,
            first.issuer,
            first.number_line,
            first.place_date_line,
            first.doc_type,
            first.summary,
        ];
        let nfc = |s: &String| s.nfc().collect::<String>();
        lines.extend(self.opening.iter().map(nfc));
        for s in &self.sections {
            lines.push(nfc(&s.heading));
            lines.extend(s.paragraphs.iter().map(nfc));
        }
        lines.extend(self.recipient_lines(layout));
        lines.extend(self.authority_line(layout));
        let styled = |s: &String, caps: bool| if caps { nfc(s).to_uppercase() } else { nfc(s) };
        lines.push(styled(&self.signer_title, layout.authority_style.caps));
        lines.push(styled(&self.signer_name, layout.signer_name.caps));
        lines
    }
}

/// The body of a conclusion as printed: the overview's paragraphs open it, then each
/// section that has text, headed and numbered as the layout says. Empty paragraphs are left
/// out; the text is what the delegation wrote, unchanged.
pub fn conclusion_body(
    layout: &Layout,
    paragraphs: &[Paragraph],
) -> (Vec<String>, Vec<PaperSection>) {
    let texts = |section: Section| -> Vec<String> {
        paragraphs
            .iter()
            .filter(|p| p.section == section && !p.text.trim().is_empty())
            .map(|p| p.text.trim().to_owned())
            .collect()
    };
    let names = &layout.sections;
    let mut sections = Vec::new();
    for (section, name) in [
        (Section::Strengths, &names.strengths),
        (Section::Shortcomings, &names.shortcomings),
        (Section::Recommendations, &names.recommendations),
    ] {
        let paragraphs = texts(section);
        if paragraphs.is_empty() {
            continue;
        }
        let name = if layout.section_heading.caps {
            name.to_uppercase()
        } else {
            name.clone()
        };
        sections.push(PaperSection {
            heading: format!("{} {name}", names.numbering.mark(sections.len() + 1)),
            paragraphs,
        });
    }
    (texts(Section::Overview), sections)
}

/// NĐ 30: a number below 10 gets a leading zero.
fn number_with_zero(n: &str) -> String {
    match n.parse::<u32>() {
        Ok(v) if v < 10 => format!("{v:02}"),
        _ => n.to_owned(),
    }
}

/// NĐ 30: months 1 and 2 get a leading zero (so "01" cannot be altered into "11" or "12");
/// the others are written as they are.
fn month(m: u32) -> String {
    if m <= 2 {
        format!("{m:02}")
    } else {
        m.to_string()
    }
}
