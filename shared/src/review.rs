//! The quarterly or yearly review (báo cáo kết quả công tác giám sát, kiểm tra): the figures
//! of a period and the recommendations to escalate or overdue, as a report in an official
//! layout, from `crate::followup`. The same figures the follow-up screen shows, in words.

use crate::followup::{Figures, Line, Period};
use crate::official::{Authority, LayoutId, Paper, PaperSection};

/// "quý I năm 2026", or "năm 2026" for a whole year.
pub fn period_words(period: Period) -> String {
    let (y, m, _) = period.from.ymd();
    let (ty, tm, _) = period.to.ymd();
    if (m, tm, y) == (1, 12, ty) {
        return format!("năm {y}");
    }
    let q = ["I", "II", "III", "IV"][((m - 1) / 3).min(3) as usize];
    format!("quý {q} năm {y}")
}

/// The figures as the report's sentences, in the order the screen shows them.
pub fn figure_lines(f: &Figures) -> Vec<String> {
    let mut out = vec![
        format!(
            "Số cuộc giám sát: {}; số cuộc kiểm tra: {}; số đơn vị được giám sát, kiểm tra: {}.",
            f.supervisions, f.inspections, f.units_visited
        ),
        format!(
            "Số kiến nghị đã nêu: {}; đã khắc phục: {}; quá hạn chưa khắc phục: {}; quá 20 ngày không có văn bản trả lời (báo cáo cấp trên): {}.",
            f.recommendations, f.remedied, f.overdue, f.escalated
        ),
        match f.median_days_to_reply {
            Some(d) => format!(
                "Thời gian trả lời kiến nghị (trung vị): {} ngày.",
                number(d)
            ),
            None => "Chưa có văn bản trả lời kiến nghị nào.".to_owned(),
        },
    ];
    for (topic, (s, i)) in &f.by_topic {
        out.push(format!(
            "Nội dung \u{201c}{topic}\u{201d}: {s} cuộc giám sát, {i} cuộc kiểm tra."
        ));
    }
    out
}

/// 20.5 as "20,5", 16.0 as "16" (Vietnamese writes a decimal comma).
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}").replace('.', ",")
    }
}

fn line_words(l: &Line) -> String {
    let mut s = format!(
        "{} — {}: {}",
        l.unit.trim(),
        l.supervision.trim(),
        l.recommendation.text.trim()
    );
    if let Some(by) = l.standing.reply_by {
        s.push_str(&format!(
            " (hạn trả lời {})",
            crate::dates::format_vn(&by.iso())
        ));
    }
    s
}

/// The review of `period` by `issuer`, dated `date`, from its figures and follow-up list.
pub fn review(
    layout: LayoutId,
    issuer: &str,
    period: Period,
    date: (i32, u32, u32),
    figures: &Figures,
    lines: &[Line],
) -> Paper {
    let numbered = |i: usize, title: &str| format!("{}. {title}", ["I", "II", "III"][i]);
    let mut sections = vec![PaperSection {
        heading: numbered(0, "SỐ LIỆU"),
        paragraphs: figure_lines(figures),
    }];
    let escalate: Vec<String> = lines
        .iter()
        .filter(|l| l.standing.escalate)
        .map(line_words)
        .collect();
    let overdue: Vec<String> = lines
        .iter()
        .filter(|l| !l.standing.escalate && l.standing.state == crate::followup::State::Overdue)
        .map(line_words)
        .collect();
    for (title, items) in [
        (
            "KIẾN NGHỊ QUÁ 20 NGÀY CHƯA CÓ VĂN BẢN TRẢ LỜI, BÁO CÁO CẤP TRÊN",
            escalate,
        ),
        ("KIẾN NGHỊ QUÁ HẠN CHƯA KHẮC PHỤC", overdue),
    ] {
        if !items.is_empty() {
            sections.push(PaperSection {
                heading: numbered(sections.len(), title),
                paragraphs: items,
            });
        }
    }
    Paper {
        layout,
        issuer: issuer.to_owned(),
        code: "BC".into(),
        place: String::new(),
        date,
        doc_type: "Báo cáo".into(),
        summary: format!(
            "Kết quả công tác giám sát, kiểm tra {}",
            period_words(period)
        ),
        sections,
        authority: Authority::Own,
        draft: true,
        ..Paper::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_numbers_read_as_vietnamese_writes_them() {
        assert_eq!(period_words(Period::quarter(2026, 1)), "quý I năm 2026");
        assert_eq!(period_words(Period::quarter(2026, 4)), "quý IV năm 2026");
        assert_eq!(period_words(Period::year(2026)), "năm 2026");
        assert_eq!(number(20.5), "20,5");
        assert_eq!(number(16.0), "16");
    }
}
