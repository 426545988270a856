//! The DOCX of a [`Paper`] in its [`Layout`], built with `docx-rs` (no IO: the bytes are
//! returned, so the browser can offer them offline). Times New Roman is named, not embedded
//! (it is proprietary; Word and LibreOffice substitute a metric-compatible font where it is
//! missing).
//!
//! Page: the layout's A4 and margins; page numbers centred in the top margin from page 2
//! (page 1 has a header of its own with none). Then, as NĐ 30 and 36-HD/VPTW draw it: a
//! borderless two-column table (issuing body left, the national title or the Party's name
//! right, each with its rule or star; the number left and place and date right), the type
//! and the summary centred, the body, and a second borderless table with the recipients
//! left and the signature block right. An issued version ends with its QR code and check
//! line ([`super::qr`]).

use docx_rs::{
    AlignmentType, BorderType, Docx, Header, LineSpacing, LineSpacingType, PageMargin, PageNum,
    Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Pic, Run, RunFonts,
    SpecialIndentType, Table, TableCell, TableRow, WidthType,
};

use unicode_normalization::UnicodeNormalization;

use super::layout::{Layout, TextStyle};
use super::paper::Paper;
use crate::error::ModelError;

/// Twentieths of a point in a millimetre.
const TWIPS_PER_MM: f32 = 1440.0 / 25.4;

fn twips(mm: f32) -> i32 {
    (mm * TWIPS_PER_MM).round() as i32
}

fn half_points(pt: f32) -> usize {
    (pt * 2.0).round() as usize
}

/// The DOCX file of `paper`.
pub fn build(paper: &Paper) -> Result<Vec<u8>, ModelError> {
    let layout = paper.layout.layout()?;
    let qr = match &paper.check {
        Some((_, url)) => Some(super::qr::png(url)?),
        None => None,
    };
    let mut bytes = std::io::Cursor::new(Vec::new());
    document(paper, &layout, qr)
        .build()
        .pack(&mut bytes)
        .map_err(|e| ModelError::Export(format!("the DOCX could not be packed: {e}")))?;
    Ok(bytes.into_inner())
}

fn document(paper: &Paper, l: &Layout, qr: Option<(Vec<u8>, u32)>) -> Docx {
    let text_width = twips(l.text_width_mm());
    let left_width = text_width * l.header_left_percent as i32 / 100;
    let right_width = text_width - left_width;
    let first = paper.first_page(l);
    let w = Writer { l };

    // Header table, left column: superior, issuer, its mark; right: the fixed lines, a rule.
    let mut left = TableCell::new().width(left_width as usize, WidthType::Dxa);
    if !first.superior.trim().is_empty() {
        left = left.add_paragraph(w.centred(&first.superior, &l.superior));
    }
    left = left.add_paragraph(w.centred(&first.issuer, &l.issuer));
    if l.issuer_mark.star {
        left = left.add_paragraph(w.centred("*", &l.issuer));
    } else if let Some(fraction) = l.issuer_mark.rule_fraction {
        left = left.add_paragraph(w.rule(left_width, fraction));
    }
    let mut right = TableCell::new().width(right_width as usize, WidthType::Dxa);
    for line in &l.top_right {
        right = right.add_paragraph(w.centred(&line.text, &line.style));
    }
    right = right.add_paragraph(w.rule(right_width, l.top_right_rule_fraction));
    let number = TableCell::new()
        .width(left_width as usize, WidthType::Dxa)
        .add_paragraph(w.centred(&first.number_line, &l.number.style));
    let date = TableCell::new()
        .width(right_width as usize, WidthType::Dxa)
        .add_paragraph(w.centred(&first.place_date_line, &l.place_date.style));
    let header = Table::without_borders(vec![
        TableRow::new(vec![left, right]),
        TableRow::new(vec![number, date]),
    ])
    .set_grid(vec![left_width as usize, right_width as usize]);

    let mut doc = Docx::new()
        .page_size(
            twips(l.page.width_mm) as u32,
            twips(l.page.height_mm) as u32,
        )
        .page_margin(
            PageMargin::new()
                .top(twips(l.page.top_mm))
                .bottom(twips(l.page.bottom_mm))
                .left(twips(l.page.left_mm))
                .right(twips(l.page.right_mm))
                .header(twips(l.page.top_mm / 2.0))
                .footer(twips(l.page.bottom_mm / 2.0)),
        )
        .default_fonts(w.fonts())
        .default_size(half_points(l.body.size_pt))
        .title_pg()
        .first_header(w.page_header(paper, false))
        .header(w.page_header(paper, true))
        .add_table(header)
        .add_paragraph(Paragraph::new())
        .add_paragraph(w.centred(&first.doc_type, &l.doc_type))
        .add_paragraph(w.centred(&first.summary, &l.summary))
        .add_paragraph(w.rule(text_width, l.summary_rule_fraction));

    // The body in order, headings marked; its end mark ("./." in NĐ 30) goes on the last
    // body paragraph, without doubling a full stop ("… 20 ngày." makes "… 20 ngày./.").
    let mut body: Vec<(String, bool)> = paper.opening.iter().map(|t| (t.clone(), false)).collect();
    for section in &paper.sections {
        body.push((section.heading.clone(), true));
        body.extend(section.paragraphs.iter().map(|t| (t.clone(), false)));
    }
    if let Some((text, _)) = body.iter_mut().rev().find(|(_, heading)| !heading) {
        let end = &l.body_end;
        let kept = match end.chars().next() {
            Some(first) => text.trim_end().trim_end_matches(first),
            None => text.as_str(),
        };
        *text = format!("{kept}{end}");
    }
    for (text, heading) in &body {
        doc = doc.add_paragraph(if *heading {
            w.left(text, &l.section_heading)
        } else {
            w.body(text)
        });
    }

    // Recipients left (or, on minutes, the other side's signature), signature right.
    let mut recipients = TableCell::new().width(left_width as usize, WidthType::Dxa);
    match &paper.counter_signer {
        Some(title) => {
            recipients = recipients.add_paragraph(w.centred(title, &l.authority_style));
        }
        None => {
            recipients = recipients
                .add_paragraph(w.left(&l.recipients_label.text, &l.recipients_label.style));
            for line in paper.recipient_lines(l) {
                recipients = recipients.add_paragraph(w.left(&line, &l.recipient));
            }
        }
    }
    let mut signature = TableCell::new().width(right_width as usize, WidthType::Dxa);
    if let Some(line) = paper.authority_line(l) {
        signature = signature.add_paragraph(w.centred(&line, &l.authority_style));
    }
    signature = signature.add_paragraph(w.centred(&paper.signer_title, &l.authority_style));
    for _ in 0..3 {
        signature = signature.add_paragraph(Paragraph::new());
    }
    signature = signature.add_paragraph(w.centred(&paper.signer_name, &l.signer_name));
    let doc = doc.add_paragraph(Paragraph::new()).add_table(
        Table::without_borders(vec![TableRow::new(vec![recipients, signature])])
            .set_grid(vec![left_width as usize, right_width as usize]),
    );
    // An issued version: its QR code (the check address), 25 mm square, and the line
    // giving the code and the address in writing.
    let doc = match qr {
        Some((png, px)) => {
            let side = (25.0 * EMU_PER_MM) as u32;
            let pic = Pic::new_with_dimensions(png, px, px).size(side, side);
            doc.add_paragraph(Paragraph::new())
                .add_paragraph(Paragraph::new().add_run(Run::new().add_image(pic)))
        }
        None => doc,
    };
    match paper.check_line() {
        Some(line) => doc.add_paragraph(w.left(&line, &l.recipient)),
        None => doc,
    }
}

/// English Metric Units in a millimetre (DrawingML sizes).
const EMU_PER_MM: f32 = 36_000.0;

/// Paragraphs and runs in the layout's font.
struct Writer<'a> {
    l: &'a Layout,
}

impl Writer<'_> {
    fn fonts(&self) -> RunFonts {
        let f = &self.l.font;
        RunFonts::new().ascii(f).hi_ansi(f).cs(f).east_asia(f)
    }

    /// A run of text in `s`, in NFC (DOCUMENTS.md: a letter typed as a base and combining
    /// marks is printed as the one precomposed letter).
    fn run(&self, text: &str, s: &TextStyle) -> Run {
        let text: String = text.nfc().collect();
        let text = if s.caps { text.to_uppercase() } else { text };
        let mut run = Run::new()
            .add_text(text)
            .size(half_points(s.size_pt))
            .fonts(self.fonts());
        if s.bold {
            run = run.bold();
        }
        if s.italic {
            run = run.italic();
        }
        if s.underline {
            run = run.underline("single");
        }
        run
    }

    fn centred(&self, text: &str, s: &TextStyle) -> Paragraph {
        Paragraph::new()
            .add_run(self.run(text, s))
            .align(AlignmentType::Center)
    }

    fn left(&self, text: &str, s: &TextStyle) -> Paragraph {
        Paragraph::new()
            .add_run(self.run(text, s))
            .align(AlignmentType::Left)
    }

    /// A body paragraph: justified, first line indented, space after, the layout's leading.
    fn body(&self, text: &str) -> Paragraph {
        let b = &self.l.body;
        let style = TextStyle {
            size_pt: b.size_pt,
            ..TextStyle::default()
        };
        Paragraph::new()
            .add_run(self.run(text, &style))
            .align(AlignmentType::Both)
            .indent(
                None,
                Some(SpecialIndentType::FirstLine(twips(b.first_line_indent_mm))),
                None,
                None,
            )
            .line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Auto)
                    .line((b.line_spacing * 240.0).round() as i32)
                    .after((b.space_after_pt * 20.0).round() as u32),
            )
    }

    /// A short solid rule, centred: an empty paragraph indented on both sides with a bottom
    /// border, `fraction` of `width` long.
    fn rule(&self, width: i32, fraction: f32) -> Paragraph {
        let side = (width as f32 * (1.0 - fraction.clamp(0.05, 1.0)) / 2.0).round() as i32;
        // The paragraph's own height is that of a 2 pt line, so the rule sits right under
        // the text above it without running into the text below.
        Paragraph::new()
            .size(4)
            .indent(Some(side), None, Some(side), None)
            .line_spacing(
                LineSpacing::new()
                    .line(240)
                    .line_rule(LineSpacingType::Auto)
                    .after(120),
            )
            .set_borders(
                ParagraphBorders::with_empty().set(
                    ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                        .val(BorderType::Single)
                        .size(6),
                ),
            )
    }

    /// The header of a page: the draft mark on every page of a draft; from page 2 on
    /// (`numbered`), the page number centred.
    fn page_header(&self, paper: &Paper, numbered: bool) -> Header {
        let mut header = Header::new();
        if paper.draft {
            let mark = TextStyle {
                size_pt: self.l.page_number.size_pt,
                bold: true,
                ..TextStyle::default()
            };
            header = header.add_paragraph(
                Paragraph::new()
                    .add_run(self.run(&self.l.draft_mark, &mark))
                    .align(AlignmentType::Right),
            );
        }
        if numbered {
            header = header.add_paragraph(
                Paragraph::new()
                    .add_page_num(PageNum::new())
                    .size(half_points(self.l.page_number.size_pt))
                    .fonts(self.fonts())
                    .align(AlignmentType::Center),
            );
        }
        header
    }
}
