//! The conclusion draft (dự thảo kết luận / thông báo kết quả giám sát): paragraphs in four
//! sections, generated from the agreed findings and the recommendations, then edited by
//! several members at once, character by character.
//!
//! Shape: `conclusion: { paragraphs: { <RecordId>: { section, text: Text, source?, deleted } },
//! order: [RecordId] }`. `source` names the finding or recommendation a generated paragraph
//! came from, so generating again adds only what is new and never overwrites anyone's edits.

use std::collections::BTreeSet;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ReadDoc};

use crate::change::{Stamp, change};
use crate::error::ModelError;
use crate::finding::{self, FindingKind, FindingStatus};
use crate::ids::RecordId;
use crate::recommendation::{self, RecommendationKind};
use crate::schema;
use crate::supervision;
use crate::unit;

/// The sections of a conclusion, in the order they are read out.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Section {
    /// Khái quát: the basis, who worked with whom, when.
    #[default]
    Overview,
    /// Ưu điểm.
    Strengths,
    /// Hạn chế, tồn tại và nguyên nhân.
    Shortcomings,
    /// Kiến nghị, đề xuất, yêu cầu.
    Recommendations,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::Overview,
        Section::Strengths,
        Section::Shortcomings,
        Section::Recommendations,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Section::Overview => "overview",
            Section::Strengths => "strengths",
            Section::Shortcomings => "shortcomings",
            Section::Recommendations => "recommendations",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One paragraph.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Paragraph {
    pub id: RecordId,
    pub section: Section,
    pub text: String,
    /// The finding or recommendation it was generated from.
    pub source: Option<String>,
}

pub(crate) fn paragraphs_obj(
    doc: &impl ReadDoc,
) -> Result<(automerge::ObjId, automerge::ObjId), ModelError> {
    let c = schema::root_object(doc, "conclusion")?;
    let p = schema::object(doc, &c, "paragraphs").ok_or(ModelError::Missing("paragraphs"))?;
    let o = schema::object(doc, &c, "order").ok_or(ModelError::Missing("order"))?;
    Ok((p, o))
}

/// Insert a paragraph in `section`, after `after` (or at the section's end).
pub fn add_paragraph(
    doc: &mut Automerge,
    id: &RecordId,
    section: Section,
    after: Option<&RecordId>,
    text: &str,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let (map, order) = paragraphs_obj(doc)?;
    let current = read(doc)?;
    let ids = schema::id_list(doc, &order);
    // Position in the order list: right after `after`, else after the section's last paragraph.
    let anchor = after.map(|a| a.as_str().to_owned()).or_else(|| {
        current
            .iter()
            .rfind(|p| p.section == section)
            .map(|p| p.id.as_str().to_owned())
    });
    let pos = anchor
        .and_then(|a| ids.iter().position(|i| *i == a).map(|i| i + 1))
        .unwrap_or(ids.len());
    let pos = pos.min(doc.length(&order));
    change(doc, stamp, "thêm đoạn kết luận", |tx| {
        write_paragraph(tx, &map, &order, pos, id, section, text, None)?;
        Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
fn write_paragraph(
    tx: &mut automerge::transaction::Transaction<'_>,
    map: &automerge::ObjId,
    order: &automerge::ObjId,
    pos: usize,
    id: &RecordId,
    section: Section,
    text: &str,
    source: Option<&str>,
) -> Result<(), ModelError> {
    let p = tx.put_object(map, id.as_str(), ObjType::Map)?;
    tx.put(&p, "section", section.as_str())?;
    let t = tx.put_object(&p, "text", ObjType::Text)?;
    tx.splice_text(&t, 0, 0, text)?;
    if let Some(s) = source {
        tx.put(&p, "source", s)?;
    }
    tx.put(&p, "deleted", false)?;
    tx.insert(order, pos, id.as_str())?;
    Ok(())
}

/// Delete a paragraph (a flag: a member still typing in it offline loses nothing).
pub fn delete_paragraph(
    doc: &mut Automerge,
    id: &RecordId,
    stamp: Stamp<'_>,
) -> Result<(), ModelError> {
    let (map, _) = paragraphs_obj(doc)?;
    let p = schema::object(doc, &map, id.as_str())
        .ok_or_else(|| ModelError::NoSuchRecord(id.to_string()))?;
    change(doc, stamp, "xóa đoạn kết luận", |tx| {
        tx.put(&p, "deleted", true)?;
        Ok(())
    })
}

/// Every live paragraph, section by section, each section in document order.
pub fn read(doc: &impl ReadDoc) -> Result<Vec<Paragraph>, ModelError> {
    let (map, order) = paragraphs_obj(doc)?;
    let mut out: Vec<Paragraph> = schema::records_in(doc, &map, &order)
        .into_iter()
        .filter_map(|(id, p)| paragraph_from(doc, id, &schema::Fields::of(doc, &p)))
        .collect();
    out.sort_by_key(|p| p.section); // stable: document order within a section
    Ok(out)
}

/// One live paragraph of the `paragraphs` map (`None` if deleted).
pub(crate) fn read_paragraph(doc: &impl ReadDoc, map: &ObjId, id: String) -> Option<Paragraph> {
    let p = schema::object(doc, map, &id)?;
    paragraph_from(doc, id, &schema::Fields::of(doc, &p))
}

/// A live paragraph from its fields, read in one pass (`None` if deleted).
fn paragraph_from(doc: &impl ReadDoc, id: String, p: &schema::Fields) -> Option<Paragraph> {
    if p.flag("deleted") {
        return None;
    }
    Some(Paragraph {
        section: p
            .string(doc, "section")
            .and_then(|s| Section::parse(&s))
            .unwrap_or_default(),
        text: p.string(doc, "text").unwrap_or_default(),
        source: p.string(doc, "source"),
        id: RecordId::from_key(&id),
    })
}

/// Add a paragraph for every agreed finding and live recommendation not yet in the draft,
/// and an overview if the overview section is empty. Returns how many were added.
/// `new_id` draws a record id per paragraph (shared has no randomness of its own).
pub fn generate(
    doc: &mut Automerge,
    mut new_id: impl FnMut() -> RecordId,
    stamp: Stamp<'_>,
) -> Result<usize, ModelError> {
    let existing = read(doc)?;
    let sourced: BTreeSet<String> = existing.iter().filter_map(|p| p.source.clone()).collect();
    let has_overview = existing.iter().any(|p| p.section == Section::Overview);
    let setup = supervision::read_setup(doc)?;
    let units = unit::read_all(doc)?;
    let unit_name = |id: &RecordId| {
        units
            .iter()
            .find(|u| &u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let mut additions: Vec<(Section, String, Option<String>)> = Vec::new();
    if !has_overview {
        let s = &setup;
        let names: Vec<String> = units.iter().map(|u| u.name.clone()).collect();
        additions.push((
            Section::Overview,
            format!(
                "Thực hiện Quyết định số {} ngày {} của {}, Đoàn đã làm việc với {} về {} (thời kỳ {} – {}).",
                s.basis_number,
                crate::dates::format_vn(&s.basis_date),
                s.basis_issuer,
                if names.is_empty() { "đơn vị".to_owned() } else { names.join(", ") },
                lowercase_first(&s.title),
                s.period_from,
                s.period_to
            ),
            None,
        ));
    }
    for f in finding::read_all(doc)? {
        if f.deleted || f.status != FindingStatus::Agreed || sourced.contains(f.id.as_str()) {
            continue;
        }
        let section = match f.kind {
            FindingKind::Strength => Section::Strengths,
            FindingKind::Shortcoming | FindingKind::Cause => Section::Shortcomings,
        };
        let prefix = if f.kind == FindingKind::Cause {
            "Nguyên nhân: "
        } else {
            ""
        };
        let figures = if f.figures.trim().is_empty() {
            String::new()
        } else {
            format!(" ({})", f.figures.trim())
        };
        let who = if units.len() > 1 {
            format!("{}: ", unit_name(&f.unit))
        } else {
            String::new()
        };
        additions.push((
            section,
            format!("{who}{prefix}{}{figures}", f.text.trim()),
            Some(f.id.as_str().to_owned()),
        ));
    }
    for r in recommendation::read_all(doc)? {
        if r.deleted || sourced.contains(r.id.as_str()) {
            continue;
        }
        let verb = match r.kind {
            RecommendationKind::Recommendation => "Kiến nghị",
            RecommendationKind::Proposal => "Đề xuất",
            RecommendationKind::Requirement => "Yêu cầu",
        };
        let to = if r.addressee.is_empty() {
            String::new()
        } else {
            format!(" {}", r.addressee)
        };
        let due = if r.due.value.is_empty() {
            String::new()
        } else {
            format!(" (thời hạn: {})", crate::dates::format_vn(&r.due.value))
        };
        additions.push((
            Section::Recommendations,
            format!("{verb}{to}: {}{due}", r.text.trim()),
            Some(r.id.as_str().to_owned()),
        ));
    }
    let count = additions.len();
    if count == 0 {
        return Ok(0);
    }
    let (map, order) = paragraphs_obj(doc)?;
    // Each section's paragraphs go after that section's last one; sections keep their order.
    let mut sections: Vec<(Section, String)> = existing
        .iter()
        .map(|p| (p.section, p.id.as_str().to_owned()))
        .collect();
    let ids: Vec<RecordId> = (0..count).map(|_| new_id()).collect();
    change(doc, stamp, "tạo dự thảo kết luận", |tx| {
        for ((section, text, source), id) in additions.into_iter().zip(ids) {
            let list = schema::id_list(&*tx, &order);
            let anchor = sections
                .iter()
                .rfind(|(s, _)| *s <= section)
                .map(|(_, i)| i.clone());
            let pos = anchor
                .and_then(|a| list.iter().position(|i| *i == a).map(|i| i + 1))
                .unwrap_or(0);
            write_paragraph(
                tx,
                &map,
                &order,
                pos,
                &id,
                section,
                &text,
                source.as_deref(),
            )?;
            let at = sections
                .iter()
                .rposition(|(s, _)| *s <= section)
                .map(|i| i + 1)
                .unwrap_or(0);
            sections.insert(at, (section, id.as_str().to_owned()));
        }
        Ok(())
    })?;
    Ok(count)
}

/// "Kiểm tra việc …" → "kiểm tra việc …", to sit mid-sentence.
fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
