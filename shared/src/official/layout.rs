//! A layout rule as data: one JSON file per rule in `shared/layouts/`, read at first use.
//! The numbers come from DOCUMENTS.md (Nghị định 30/2020/NĐ-CP for state, Front and mass
//! organisations; Hướng dẫn 36-HD/VPTW for the Party). A rule that changes, or a successor
//! (DOCUMENTS.md names one for 36-HD/VPTW), is a data file; [`Layout::check`] holds every
//! file to what a printable page needs.

use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// The layouts the software knows, by the rule they follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayoutId {
    /// Nghị định 30/2020/NĐ-CP: the state, the Fatherland Front, mass organisations.
    #[default]
    Nd30,
    /// Hướng dẫn 36-HD/VPTW: Party committees and their inspection committees.
    Hd36,
}

impl LayoutId {
    pub const ALL: [LayoutId; 2] = [LayoutId::Nd30, LayoutId::Hd36];

    pub fn as_str(self) -> &'static str {
        match self {
            LayoutId::Nd30 => "nd30-2020",
            LayoutId::Hd36 => "hd36-2018",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    fn data(self) -> &'static str {
        match self {
            LayoutId::Nd30 => include_str!("../../layouts/nd30-2020.json"),
            LayoutId::Hd36 => include_str!("../../layouts/hd36-2018.json"),
        }
    }

    /// The layout, read from its data file.
    pub fn layout(self) -> Result<Layout, ModelError> {
        let layout: Layout = serde_json::from_str(self.data())
            .map_err(|e| ModelError::Export(format!("layout {}: {e}", self.as_str())))?;
        layout.check()?;
        Ok(layout)
    }
}

/// A layout is named in JSON (an issued version's letterhead, a paper sent to the export
/// module) by its data file's name.
impl Serialize for LayoutId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LayoutId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        LayoutId::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown layout {s}")))
    }
}

/// How one kind of line is set.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TextStyle {
    pub size_pt: f32,
    #[serde(default)]
    pub bold: bool,
    #[serde(default)]
    pub italic: bool,
    #[serde(default)]
    pub underline: bool,
    /// Written in capitals whatever was typed.
    #[serde(default)]
    pub caps: bool,
}

/// A4 and its margins.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    pub width_mm: f32,
    pub height_mm: f32,
    pub top_mm: f32,
    pub bottom_mm: f32,
    pub left_mm: f32,
    pub right_mm: f32,
}

/// A fixed line and its style (the national title, the motto, the Party's name).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedLine {
    pub text: String,
    pub style: TextStyle,
}

/// What marks the issuing body: a short rule (a fraction of the column) or a star.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerMark {
    #[serde(default)]
    pub rule_fraction: Option<f32>,
    #[serde(default)]
    pub star: bool,
}

/// How a line made from a pattern is written: `{number}`, `{code}`, `{place}`, `{dd}`,
/// `{mm}`, `{yyyy}` are filled in.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    pub pattern: String,
    /// What stands for a number not given yet (the office clerk writes it in).
    #[serde(default)]
    pub blank: String,
    pub style: TextStyle,
}

/// The body's paragraphs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub size_pt: f32,
    pub first_line_indent_mm: f32,
    pub space_after_pt: f32,
    pub line_spacing: f32,
}

/// How the conclusion's sections are headed: their names and how they are numbered
/// ("roman": I., II.; "arabic": 1., 2.). Only sections with text are printed and numbered.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sections {
    pub numbering: Numbering,
    pub strengths: String,
    pub shortcomings: String,
    pub recommendations: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Numbering {
    Roman,
    Arabic,
}

impl Numbering {
    /// The mark of the `n`th section (from 1).
    pub fn mark(self, n: usize) -> String {
        match self {
            Numbering::Arabic => format!("{n}."),
            Numbering::Roman => {
                let romans = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"];
                format!("{}.", romans.get(n.wrapping_sub(1)).copied().unwrap_or("X"))
            }
        }
    }
}

/// The words before the signer's title, by how the signer signs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityWords {
    pub collective: String,
    pub deputy: String,
    pub acting: String,
    pub by_order: String,
    pub by_authorisation: String,
}

/// Page numbers: their size, and the first page that has one.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageNumber {
    pub size_pt: f32,
    pub from_page: u32,
}

/// One rule's layout.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub id: String,
    /// The rule, as it is cited.
    pub rule: String,
    /// Who uses it.
    #[serde(rename = "use")]
    pub used_by: String,
    pub page: Page,
    pub font: String,
    /// The header's left column, in per cent of the text width.
    pub header_left_percent: u32,
    pub superior: TextStyle,
    pub issuer: TextStyle,
    pub issuer_mark: IssuerMark,
    pub top_right: Vec<FixedLine>,
    /// The rule under the last top-right line, as a fraction of the column.
    pub top_right_rule_fraction: f32,
    pub number: Pattern,
    pub place_date: Pattern,
    pub doc_type: TextStyle,
    pub summary: TextStyle,
    pub summary_rule_fraction: f32,
    pub body: Body,
    pub sections: Sections,
    pub section_heading: TextStyle,
    pub authority: AuthorityWords,
    pub authority_style: TextStyle,
    pub signer_name: TextStyle,
    pub recipients_label: FixedLine,
    pub recipient: TextStyle,
    /// The last recipient line ("Lưu: VT").
    pub archive_line: String,
    /// What ends the body ("./." in NĐ 30).
    pub body_end: String,
    pub page_number: PageNumber,
    /// The watermark on a draft.
    pub draft_mark: String,
}

impl Layout {
    /// What every layout must hold to print: an A4-sized page whose margins leave room, the
    /// sizes the rules allow (11 to 16 pt), a left column that leaves a right one.
    pub fn check(&self) -> Result<(), ModelError> {
        let bad = |what: &str| Err(ModelError::Export(format!("layout {}: {what}", self.id)));
        let p = &self.page;
        if p.left_mm + p.right_mm >= p.width_mm / 2.0 || p.top_mm + p.bottom_mm >= p.height_mm / 2.0
        {
            return bad("the margins leave no room for the text");
        }
        let sizes = [
            &self.superior,
            &self.issuer,
            &self.number.style,
            &self.place_date.style,
            &self.doc_type,
            &self.summary,
            &self.section_heading,
            &self.authority_style,
            &self.signer_name,
            &self.recipients_label.style,
            &self.recipient,
        ]
        .into_iter()
        .map(|s| s.size_pt)
        .chain(self.top_right.iter().map(|l| l.style.size_pt))
        .chain([self.body.size_pt, self.page_number.size_pt]);
        for size in sizes {
            if !(11.0..=16.0).contains(&size) {
                return bad(&format!("a size of {size} pt, outside 11–16"));
            }
        }
        if !(20..=60).contains(&self.header_left_percent) {
            return bad("the header's left column is not 20–60 % of the width");
        }
        if self.top_right.is_empty() || self.font.is_empty() {
            return bad("no top-right line or no font");
        }
        for p in [&self.number.pattern, &self.place_date.pattern] {
            if p.matches('{').count() != p.matches('}').count() {
                return bad("a pattern's braces do not pair");
            }
        }
        Ok(())
    }

    /// The text width in millimetres.
    pub fn text_width_mm(&self) -> f32 {
        self.page.width_mm - self.page.left_mm - self.page.right_mm
    }
}
