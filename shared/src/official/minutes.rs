//! Minutes of a working session (biên bản làm việc), in the same layouts as a conclusion:
//! the session's date, place and attendees open it, then the members' remarks, each with
//! who made it, and the unit's explanations, each with the finding it answers; signed by
//! both sides (the unit's representative left, the delegation right). Built from the
//! supervision as it stands; the letterhead is the one the delegation issues under.

use super::issue::Letterhead;
use super::paper::{Paper, PaperSection};
use crate::error::ModelError;
use crate::ids::RecordId;
use crate::reading::Supervision;
use crate::session::RemarkKind;

/// The minutes of `session` of `s`, under `letterhead` (its document type and summary are
/// the minutes' own; its date is the session's).
pub fn minutes(
    s: &Supervision,
    session: &RecordId,
    letterhead: &Letterhead,
) -> Result<Paper, ModelError> {
    let layout = letterhead.layout.layout()?;
    let ws = s
        .sessions
        .iter()
        .find(|w| &w.id == session)
        .ok_or_else(|| ModelError::NoSuchRecord(session.to_string()))?;
    let unit = s
        .units
        .iter()
        .find(|u| u.id == ws.unit)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let date = iso_date(&ws.date).unwrap_or(letterhead.date);
    let mut opening = vec![format!(
        "Ngày {:02}/{:02}/{}, tại {}, {} làm việc với {}.",
        date.2,
        date.1,
        date.0,
        ws.place.trim(),
        if s.setup.kind == crate::supervision::SupervisionKind::Inspection {
            "Đoàn kiểm tra"
        } else {
            "Đoàn giám sát"
        },
        unit.trim()
    )];
    if !ws.attendees.trim().is_empty() {
        opening.push(format!(
            "Thành phần: {}.",
            ws.attendees.trim().trim_end_matches('.')
        ));
    }
    let said = |kind: RemarkKind| -> Vec<String> {
        s.remarks
            .iter()
            .filter(|r| &r.session == session && r.kind == kind && !r.text.trim().is_empty())
            .map(|r| match kind {
                RemarkKind::Remark => format!("{}: {}", r.author.trim(), r.text.trim()),
                RemarkKind::Explanation => match r
                    .answers
                    .as_ref()
                    .and_then(|f| s.finding(f))
                    .map(|f| f.text.trim().to_owned())
                    .filter(|t| !t.is_empty())
                {
                    Some(finding) => format!("Về \u{201c}{finding}\u{201d}: {}", r.text.trim()),
                    None => r.text.trim().to_owned(),
                },
            })
            .collect()
    };
    let mut sections = Vec::new();
    for (name, paragraphs) in [
        ("Ý kiến của thành viên đoàn", said(RemarkKind::Remark)),
        ("Giải trình của đơn vị", said(RemarkKind::Explanation)),
    ] {
        if paragraphs.is_empty() {
            continue;
        }
        let name = if layout.section_heading.caps {
            name.to_uppercase()
        } else {
            name.to_owned()
        };
        sections.push(PaperSection {
            heading: format!(
                "{} {name}",
                layout.sections.numbering.mark(sections.len() + 1)
            ),
            paragraphs,
        });
    }
    let mut paper = letterhead.clone().over(opening, sections, false);
    paper.number = None;
    paper.code = "BB".into();
    paper.date = date;
    paper.doc_type = "Biên bản".into();
    paper.summary = format!("Làm việc với {}", unit.trim());
    paper.recipients = Vec::new();
    // Both sides sign the minutes: the unit on the left, the delegation on the right.
    paper.counter_signer = Some(format!("Đại diện {}", unit.trim()));
    Ok(paper)
}

/// `2026-03-12` as (2026, 3, 12).
fn iso_date(iso: &str) -> Option<(i32, u32, u32)> {
    let mut parts = iso.split('-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    Some((y, m, d))
}
