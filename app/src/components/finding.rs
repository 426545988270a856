//! One finding: kind and status (each showing a conflict when members disagreed), topic,
//! text and figures (edited live), for a cause the shortcomings it explains, evidence, who
//! wrote it (the account the server registered its actor to) and when; delete and restore.

use leptos::prelude::*;
use shared::authorship::{self, Authorship};
use shared::field::{RecordKind, TextField};
use shared::finding::Finding;
use shared::finding::{self, FindingKind, FindingStatus};
use shared::{DocumentId, RecordId};

use crate::components::conflict::ConflictPicker;
use crate::components::evidence::EvidenceList;
use crate::components::history_panel::HistoryPanel;
use crate::components::live_text::LiveText;
use crate::components::record_signals::{RecordSignals, field_of};
use crate::i18n::{Language, Msg, date_time, now, t, text};
use crate::workspace::Signals;
use crate::workspace::handles::Docs;

/// The label of a finding kind in the current language.
pub fn kind_label(kind: FindingKind) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    t(kind_msg(kind))
}

fn kind_msg(kind: FindingKind) -> Msg {
    match kind {
        FindingKind::Strength => Msg::Strength,
        FindingKind::Shortcoming => Msg::Shortcoming,
        FindingKind::Cause => Msg::Cause,
    }
}

fn status_msg(status: FindingStatus) -> Msg {
    match status {
        FindingStatus::Draft => Msg::Draft,
        FindingStatus::Agreed => Msg::Agreed,
    }
}

/// Props: `doc` the supervision, `finding` this finding's id, `shortcomings` its unit's
/// shortcomings (id, first words), which a cause may explain.
#[component]
pub fn FindingCard(
    doc: DocumentId,
    finding: RecordId,
    shortcomings: Signal<Vec<(RecordId, String)>>,
) -> impl IntoView {
    let signals = expect_context::<Signals>();
    let docs = expect_context::<Docs>();
    let lang = expect_context::<Language>().0;
    // This finding's own signal: a change to another finding does not wake this card.
    let current = expect_context::<RecordSignals<Finding>>().of(&finding);
    // Each control reads its own field: a keystroke in the text wakes only the text.
    let kind = field_of(current, |f| f.kind);
    let status = field_of(current, |f| f.status);
    let topic = field_of(current, |f| f.topic.clone());
    let created_at = field_of(current, |f| Some(f.created_at));
    let kind_choice = field_of(current, |f| f.kind_choice.clone());
    let status_choice = field_of(current, |f| f.status_choice.clone());
    let text_now = field_of(current, |f| f.text.clone());
    let figures = field_of(current, |f| f.figures.clone());
    let explains = field_of(current, |f| f.explains.clone());
    let evidence = field_of(current, |f| f.evidence.clone());
    let written_by = field_of(current, |f| {
        Some((f.author.clone(), f.author_actor.clone()))
    });
    // Only a cause offers the unit's shortcomings to link to.
    let own_id = finding.clone();
    let unit_shortcomings = Memo::new(move |_| {
        if kind.get() != FindingKind::Cause {
            return Vec::new();
        }
        shortcomings.with(|all| {
            all.iter()
                .filter(|(id, _)| *id != own_id)
                .cloned()
                .collect::<Vec<_>>()
        })
    });

    let id_kind = finding.clone();
    let set_kind = move |k: FindingKind| {
        let id = id_kind.clone();
        docs.change(doc, move |d, s| finding::set_kind(d, &id, k, s));
    };
    let id_status = finding.clone();
    let set_status = move |st: FindingStatus| {
        let id = id_status.clone();
        docs.change(doc, move |d, s| finding::set_status(d, &id, st, s));
    };
    let id_topic = finding.clone();
    let on_topic = move |ev| {
        let id = id_topic.clone();
        let v = event_target_value(&ev);
        docs.change(doc, move |d, s| finding::set_topic(d, &id, &v, s));
    };
    let id_del = finding.clone();
    let on_delete = move |_| {
        let id = id_del.clone();
        docs.change(doc, move |d, s| finding::set_deleted(d, &id, true, s));
    };
    let set_kind_pick = set_kind.clone();
    let set_status_pick = set_status.clone();
    let id_link = finding.clone();
    let text_field = TextField::new(RecordKind::Finding, &finding, "text");
    let figures_field = TextField::new(RecordKind::Finding, &finding, "figures");
    // Whose it is: the account behind the actor that created it, not the name it carries.
    let author = Memo::new(move |_| {
        written_by.with(|w| {
            let (author, actor) = w.as_ref()?;
            Some(signals.me.with(|me| {
                let empty = Default::default();
                let registry = me.as_ref().map(|m| &m.authors).unwrap_or(&empty);
                authorship::shown(author, actor.as_deref(), registry)
            }))
        })
    });
    let dom_id = format!("finding-{finding}");
    view! {
        <li class="finding" id=dom_id data-testid="finding" data-kind=move || kind.get().as_str() data-status=move || status.get().as_str()>
            <div class="finding-meta">
                <select class="kind" aria-label=now(Msg::FindingKind) data-testid="finding-kind"
                    on:change=move |ev| if let Some(k) = FindingKind::parse(&event_target_value(&ev)) { set_kind(k) }
                    prop:value=move || kind.get().as_str().to_owned()>
                    {FindingKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{kind_label(k)}</option> }).collect_view()}
                </select>
                <select class="status" aria-label=now(Msg::Status) data-testid="finding-status"
                    on:change=move |ev| if let Some(st) = FindingStatus::parse(&event_target_value(&ev)) { set_status(st) }
                    prop:value=move || status.get().as_str().to_owned()>
                    <option value="draft">{t(Msg::Draft)}</option>
                    <option value="agreed">{t(Msg::Agreed)}</option>
                </select>
                <input class="topic" placeholder=now(Msg::Topic) aria-label=now(Msg::Topic) data-testid="finding-topic"
                    prop:value=move || topic.get() on:change=on_topic/>
                <span class="author" data-testid="finding-author">
                    {t(Msg::WrittenBy)} ": " {move || author.get().map(|a| a.name().to_owned()).unwrap_or_default()}
                    {move || matches!(author.get(), Some(Authorship::Unconfirmed(_))).then(|| view! {
                        " " <span class="unconfirmed" data-testid="author-unconfirmed" title=now(Msg::UnconfirmedAuthorHint)>{t(Msg::UnconfirmedAuthor)}</span>
                    })}
                    " · " {move || created_at.get().map(date_time).unwrap_or_default()}
                </span>
                <button type="button" class="delete" on:click=on_delete data-testid="delete-finding">{t(Msg::Delete)}</button>
            </div>
            <ConflictPicker
                choice=kind_choice
                label=Callback::new(move |v: String| FindingKind::parse(&v).map(|k| text(lang.get(), kind_msg(k)).to_owned()).unwrap_or(v))
                on_pick=Callback::new(move |v: String| if let Some(k) = FindingKind::parse(&v) { set_kind_pick(k) })/>
            <ConflictPicker
                choice=status_choice
                label=Callback::new(move |v: String| FindingStatus::parse(&v).map(|k| text(lang.get(), status_msg(k)).to_owned()).unwrap_or(v))
                on_pick=Callback::new(move |v: String| if let Some(st) = FindingStatus::parse(&v) { set_status_pick(st) })/>
            <LiveText doc=doc field=text_field.clone() value=text_now
                testid="finding-text" label=now(Msg::Findings)/>
            <HistoryPanel doc=doc field=text_field value=text_now.into()/>
            <LiveText doc=doc field=figures_field value=figures
                rows=1 testid="finding-figures" placeholder=now(Msg::FiguresPlaceholder) label=now(Msg::Figures)/>
            <Show when=move || !unit_shortcomings.with(Vec::is_empty)>
                <fieldset class="explains" data-testid="explains">
                    <legend>{t(Msg::Explains)}</legend>
                    <For each=move || unit_shortcomings.get() key=|(id, _)| id.clone() children={
                        let id_link = id_link.clone();
                        move |(sid, label)| { let id_link = id_link.clone(); view! {
                        <label class="check">
                            <input type="checkbox"
                                prop:checked={ let sid = sid.clone(); move || explains.with(|e| e.contains(&sid)) }
                                on:change={
                                    let sid = sid.clone();
                                    let cause = id_link.clone();
                                    move |ev| {
                                        let on = event_target_checked(&ev);
                                        let (c, s2) = (cause.clone(), sid.clone());
                                        docs.change(doc, move |d, s| finding::link_cause(d, &c, &s2, on, s));
                                    }
                                }/>
                            {label}
                        </label>
                    }}}/>
                </fieldset>
            </Show>
            <EvidenceList doc=doc finding=finding.clone() items=evidence/>
        </li>
    }
}
