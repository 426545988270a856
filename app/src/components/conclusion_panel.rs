//! The conclusion draft: generated from the agreed findings and the recommendations, then
//! edited by several members at once; each paragraph merges character by character.

use leptos::prelude::*;
use shared::DocumentId;
use shared::conclusion::{self, Paragraph, Section};
use shared::field::{RecordKind, TextField};
use shared::reading::Supervision;

use crate::components::history_panel::HistoryPanel;
use crate::components::live_text::LiveText;
use crate::components::record_signals::RecordSignals;
use crate::i18n::{Msg, now, t};
use crate::workspace::Workspace;
use crate::workspace::handles::Docs;

fn section_msg(s: Section) -> Msg {
    match s {
        Section::Overview => Msg::SecOverview,
        Section::Strengths => Msg::SecStrengths,
        Section::Shortcomings => Msg::SecShortcomings,
        Section::Recommendations => Msg::SecRecommendations,
    }
}

/// Props: `doc` the supervision, `supervision` the document as read.
#[component]
pub fn ConclusionPanel(doc: DocumentId, supervision: Signal<Option<Supervision>>) -> impl IntoView {
    let docs = expect_context::<Docs>();
    let added = RwSignal::new(None::<usize>);
    let generate = move |_| {
        let mut count = 0;
        docs.change(doc, |d, s| {
            count = conclusion::generate(d, Workspace::new_id, s)?;
            Ok(())
        });
        added.set(Some(count));
    };
    let empty = move || supervision.with(|s| s.as_ref().is_none_or(|s| s.conclusion.is_empty()));
    view! {
        <section class="conclusion" data-testid="conclusion">
            <div class="section-head">
                <button type="button" class="primary" data-testid="generate-conclusion" on:click=generate>{t(Msg::Generate)}</button>
                <Show when=move || added.get().is_some()>
                    <span class="hint" data-testid="generated-count">{move || added.get().unwrap_or(0)} " " {t(Msg::Generated)}</span>
                </Show>
            </div>
            <Show when=empty><p class="empty">{t(Msg::NoConclusion)}</p></Show>
            {Section::ALL.into_iter().map(|section| view! { <ConclusionSection doc=doc section=section supervision=supervision/> }).collect_view()}
        </section>
    }
}

#[component]
fn ConclusionSection(
    doc: DocumentId,
    section: Section,
    supervision: Signal<Option<Supervision>>,
) -> impl IntoView {
    let docs = expect_context::<Docs>();
    // Each paragraph's own signal: a keystroke in one wakes only its text area.
    let records = expect_context::<RecordSignals<Paragraph>>();
    let paragraphs = Memo::new(move |_| {
        supervision.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.conclusion
                        .iter()
                        .filter(|p| p.section == section)
                        .map(|p| p.id.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let add = move |_| {
        let id = Workspace::new_id();
        docs.change(doc, move |d, s| {
            conclusion::add_paragraph(d, &id, section, None, "", s)
        });
    };
    view! {
        <div class="card conclusion-section" data-section=section.as_str()>
            <h3>{t(section_msg(section))}</h3>
            <For each=move || paragraphs.get() key=|id| id.clone() let(id)>
                {
                let value = { let current = records.of(&id); Signal::derive(move || current.with(|p| p.as_ref().map(|p| p.text.clone())).unwrap_or_default()) };
                view! {
                <div class="paragraph" data-testid="paragraph-block">
                    <LiveText doc=doc field=TextField::new(RecordKind::Paragraph, &id, "text")
                        value=value rows=4 testid="paragraph" label=now(section_msg(section))/>
                    <button type="button" class="delete" aria-label=now(Msg::Delete) on:click={ let id = id.clone(); move |_| {
                        let id = id.clone();
                        docs.change(doc, move |d, s| conclusion::delete_paragraph(d, &id, s));
                    }}>"×"</button>
                    <HistoryPanel doc=doc field=TextField::new(RecordKind::Paragraph, &id, "text") value=value/>
                </div>
                }
                }
            </For>
            <button type="button" class="add-paragraph" on:click=add>"+ " {t(Msg::AddParagraph)}</button>
        </div>
    }
}
