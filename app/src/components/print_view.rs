//! The paper as the browser prints it: the same `Paper` the DOCX is built from, laid out in
//! HTML after the layout's data (sizes, weights, capitals, margins, the header table, the
//! signature block), for a tablet with no office app and no network. Printing shows only
//! this (see `style/app.css`, `@media print`); the page's margins come from the layout, put
//! into the print rule through the CSS object model (the content policy allows no inline
//! style sheet), and with them the page number, centred in the top margin from the page the
//! layout says (`@top-center`; none on page 1). The text is set in the shipped Liberation
//! Serif (`style/fonts/`), which a PDF printed from here embeds. A draft carries the layout's
//! mark at the top and across every page.

use leptos::prelude::*;
use shared::official::{Layout, Paper, TextStyle};
use wasm_bindgen::JsCast;

use crate::i18n::{Msg, t};

/// Style props of a layout's text style.
fn styled(
    s: &TextStyle,
) -> (
    String,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
) {
    (
        format!("{}pt", s.size_pt),
        if s.bold { "bold" } else { "normal" },
        if s.italic { "italic" } else { "normal" },
        if s.underline { "underline" } else { "none" },
        if s.caps { "uppercase" } else { "none" },
    )
}

/// One line in a layout style.
fn line(text: String, s: &TextStyle, align: &'static str) -> impl IntoView + use<> {
    let (size, weight, slant, underline, case) = styled(s);
    view! {
        <p class="paper-line" style:font-size=size style:font-weight=weight style:font-style=slant
            style:text-decoration=underline style:text-transform=case style:text-align=align>{text}</p>
    }
}

/// A short centred rule, `fraction` of its column wide.
fn rule(fraction: f32) -> impl IntoView {
    view! { <hr class="paper-rule" style:width=format!("{:.0}%", fraction * 100.0)/> }
}

/// Props: `paper` to print, `close` called by the close button.
#[component]
pub fn PrintView(paper: Paper, close: Callback<()>) -> impl IntoView {
    let layout = match paper.layout.layout() {
        Ok(l) => l,
        Err(e) => return view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
    };
    let margins = set_page_margins(&layout);
    body_class(true);
    on_cleanup(move || {
        remove_page_rule(margins);
        body_class(false);
    });
    let first = paper.first_page(&layout);
    let left = format!("{}%", layout.header_left_percent);
    let right = format!("{}%", 100 - layout.header_left_percent);
    let body_size = format!("{}pt", layout.body.size_pt);
    let indent = format!("{}mm", layout.body.first_line_indent_mm);
    let after = format!("{}pt", layout.body.space_after_pt);
    let spacing = layout.body.line_spacing.to_string();
    let mut body: Vec<(String, bool)> = paper.opening.iter().map(|p| (p.clone(), false)).collect();
    for s in &paper.sections {
        body.push((s.heading.clone(), true));
        body.extend(s.paragraphs.iter().map(|p| (p.clone(), false)));
    }
    if let Some((text, _)) = body.iter_mut().rev().find(|(_, heading)| !heading) {
        let end = &layout.body_end;
        let kept = match end.chars().next() {
            Some(c) => text.trim_end().trim_end_matches(c).to_owned(),
            None => text.clone(),
        };
        *text = format!("{kept}{end}");
    }
    let l = layout.clone();
    let body_view = body
        .into_iter()
        .map(|(text, heading)| {
            if heading {
                line(text, &l.section_heading, "left").into_any()
            } else {
                view! {
                    <p class="paper-body" style:font-size=body_size.clone() style:text-indent=indent.clone()
                        style:margin-bottom=after.clone() style:line-height=spacing.clone()>{text}</p>
                }
                .into_any()
            }
        })
        .collect_view();
    let mark = match (layout.issuer_mark.star, layout.issuer_mark.rule_fraction) {
        (true, _) => line("*".into(), &layout.issuer, "center").into_any(),
        (false, Some(f)) => rule(f).into_any(),
        (false, None) => ().into_any(),
    };
    view! {
        <div class="print-overlay" data-testid="print-view">
            <div class="print-actions">
                <button type="button" class="primary" data-testid="print-now" on:click=|_| {
                    if let Some(w) = web_sys::window() { let _ = w.print(); }
                }>{t(Msg::PrintNow)}</button>
                <button type="button" data-testid="print-close" on:click=move |_| close.run(())>{t(Msg::Close)}</button>
            </div>
            <article class="print-paper" data-testid="print-paper" style:font-family=format!("'Giamsat Serif', '{}', serif", layout.font)>
                {paper.draft.then(|| view! {
                    <p class="paper-draft" data-testid="paper-draft">{layout.draft_mark.clone()}</p>
                    <div class="paper-watermark" aria-hidden="true" data-testid="paper-watermark">{layout.draft_mark.clone()}</div>
                })}
                <table class="paper-head">
                    <tr>
                        <td style:width=left.clone()>
                            {(!first.superior.trim().is_empty()).then(|| line(first.superior.clone(), &layout.superior, "center"))}
                            {line(first.issuer.clone(), &layout.issuer, "center")}
                            {mark}
                        </td>
                        <td style:width=right.clone()>
                            {layout.top_right.iter().map(|f| line(f.text.clone(), &f.style, "center")).collect_view()}
                            {rule(layout.top_right_rule_fraction)}
                        </td>
                    </tr>
                    <tr>
                        <td>{line(first.number_line.clone(), &layout.number.style, "center")}</td>
                        <td>{line(first.place_date_line.clone(), &layout.place_date.style, "center")}</td>
                    </tr>
                </table>
                {line(first.doc_type.clone(), &layout.doc_type, "center")}
                {line(first.summary.clone(), &layout.summary, "center")}
                {rule(layout.summary_rule_fraction)}
                <div class="paper-text">{body_view}</div>
                <table class="paper-foot">
                    <tr>
                        <td style:width=left>
                            {match paper.counter_signer.clone() {
                                // Minutes: the other side signs here.
                                Some(title) => line(title, &layout.authority_style, "center").into_any(),
                                None => view! {
                                    {line(layout.recipients_label.text.clone(), &layout.recipients_label.style, "left")}
                                    {paper.recipient_lines(&layout).into_iter().map(|r| line(r, &layout.recipient, "left")).collect_view()}
                                }.into_any(),
                            }}
                        </td>
                        <td style:width=right>
                            {paper.authority_line(&layout).map(|a| line(a, &layout.authority_style, "center"))}
                            {line(paper.signer_title.clone(), &layout.authority_style, "center")}
                            <div class="paper-sign-space"></div>
                            {line(paper.signer_name.clone(), &layout.signer_name, "center")}
                        </td>
                    </tr>
                </table>
                {paper.check.as_ref().and_then(|(_, url)| shared::official::qr::svg(url).ok()).map(|svg| view! {
                    <div class="paper-qr-box" data-testid="paper-qr" inner_html=svg></div>
                })}
                {paper.check_line().map(|c| line(c, &layout.recipient, "left"))}
            </article>
        </div>
    }
    .into_any()
}

/// The print rules of a layout: `@page` with its size and margins, the page number centred
/// in the top margin, and none on the pages before the layout's first numbered one (the
/// first page, in both rules; CSS can name only `:first`).
fn page_rules(l: &Layout) -> Vec<String> {
    let p = &l.page;
    let mut rules = vec![format!(
        "@page {{ size: {}mm {}mm; margin: {}mm {}mm {}mm {}mm; \
         @top-center {{ content: counter(page); font-family: 'Giamsat Serif', serif; font-size: {}pt; }} }}",
        p.width_mm,
        p.height_mm,
        p.top_mm,
        p.right_mm,
        p.bottom_mm,
        p.left_mm,
        l.page_number.size_pt
    )];
    if l.page_number.from_page > 1 {
        rules.push("@page :first { @top-center { content: none; } }".to_owned());
    }
    rules
}

fn app_sheet() -> Option<web_sys::CssStyleSheet> {
    web_sys::window()?
        .document()?
        .style_sheets()
        .item(0)?
        .dyn_into::<web_sys::CssStyleSheet>()
        .ok()
}

/// Add the layout's print rules to the app's own style sheet; returns how many were added,
/// to remove them when the view closes.
fn set_page_margins(l: &Layout) -> Option<u32> {
    let sheet = app_sheet()?;
    let mut added = 0;
    for rule in page_rules(l) {
        let at = sheet.css_rules().ok()?.length();
        if sheet.insert_rule_with_index(&rule, at).is_ok() {
            added += 1;
        }
    }
    Some(added)
}

/// Remove the last `added` rules (the ones [`set_page_margins`] put at the end).
fn remove_page_rule(added: Option<u32>) {
    if let (Some(sheet), Some(added)) = (app_sheet(), added) {
        for _ in 0..added {
            if let Some(last) = sheet
                .css_rules()
                .ok()
                .map(|r| r.length())
                .filter(|n| *n > 0)
            {
                let _ = sheet.delete_rule(last - 1);
            }
        }
    }
}

/// While the paper is shown, printing prints it alone (`body.printing` in `style/app.css`).
fn body_class(on: bool) {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let list = body.class_list();
        let _ = if on {
            list.add_1("printing")
        } else {
            list.remove_1("printing")
        };
    }
}
