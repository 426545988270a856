//! A unit under supervision: its working sessions, its findings (with the form to add one),
//! the findings deleted from it (restorable), and the form to add a unit.

use leptos::prelude::*;
use shared::DocumentId;
use shared::dates;
use shared::finding::{self, FindingKind, NewFinding};
use shared::reading::Supervision;
use shared::session;
use shared::unit::Unit;

use crate::components::card_budget::CardBudget;
use crate::components::finding::{FindingCard, kind_label};
use crate::components::record_signals::settled;
use crate::components::session_block::SessionBlock;
use crate::components::text_edits::{self, TextEdits};
use crate::i18n::{Msg, now, t};
use crate::workspace::Workspace;
use crate::workspace::handles::Docs;

/// A unit's height before the browser first draws it (`content-visibility: auto` in
/// app.css): its heading and forms, and a card's height (with the gap) per finding.
const UNIT_BASE_PX: usize = 400;
const CARD_PX: usize = 240;

/// Props: `doc` the supervision, `unit` this unit, `supervision` the document as read.
#[component]
pub fn UnitSection(
    doc: DocumentId,
    unit: Unit,
    supervision: Signal<Option<Supervision>>,
) -> impl IntoView {
    let docs = expect_context::<Docs>();
    let unit_key = unit.id.as_str().to_owned();
    let uk = unit_key.clone();
    let findings = Memo::new(move |_| {
        supervision.with(|s| {
            s.as_ref()
                .map(|s| s.findings_of(&uk).map(|f| f.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    // A screenful of cards first, the rest over the next frames (card_budget.rs).
    let budget = expect_context::<CardBudget>();
    let uk = unit_key.clone();
    let drawn = Memo::new(move |_| findings.with(|ids| budget.drawn(&uk, ids)));
    let uk = unit_key.clone();
    // The readers of texts (excerpts) wake on a keystroke too; the lists only when they change.
    let texts = TextEdits::here();
    let deleted = Memo::new(move |_| {
        text_edits::track(texts);
        supervision.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.findings
                        .iter()
                        .filter(|f| f.deleted && f.unit.as_str() == uk)
                        .map(|f| (f.id.clone(), shared::text::excerpt(&f.text, 60).to_owned()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let uk = unit_key.clone();
    let sessions = Memo::new(move |_| {
        supervision.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.sessions
                        .iter()
                        .filter(|x| x.unit.as_str() == uk)
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let uk = unit_key.clone();
    // Read by every cause card of the unit: settled, so a keystroke wakes none of them.
    let shortcomings = settled(move || {
        text_edits::track(texts);
        supervision.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.findings_of(&uk)
                        .filter(|o| o.kind == FindingKind::Shortcoming)
                        .map(|o| (o.id.clone(), shared::text::excerpt(&o.text, 80).to_owned()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let topics = Memo::new(move |_| {
        supervision.with(|s| s.as_ref().map(|s| s.topics.clone()).unwrap_or_default())
    });

    // The add-finding form.
    let kind = RwSignal::new(FindingKind::Strength);
    let topic = RwSignal::new(String::new());
    let draft = RwSignal::new(String::new());
    let figures = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let add_unit_id = unit.id.clone();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let content = draft.get_untracked();
        if content.trim().is_empty() {
            return;
        }
        let id = Workspace::new_id();
        let unit_id = add_unit_id.clone();
        let (tp, fg) = (topic.get_untracked(), figures.get_untracked());
        let k = kind.get_untracked();
        let result = docs.apply(doc, move |d, s| {
            finding::add_full(
                d,
                &id,
                &unit_id,
                &NewFinding {
                    kind: k,
                    topic: &tp,
                    text: content.trim(),
                    figures: fg.trim(),
                },
                s,
            )
        });
        match result {
            Ok(()) => {
                draft.set(String::new());
                figures.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
    };

    // The add-session form.
    let s_date = RwSignal::new(String::new());
    let s_place = RwSignal::new(String::new());
    let s_people = RwSignal::new(String::new());
    let s_error = RwSignal::new(None::<String>);
    let session_unit = unit.id.clone();
    let add_session = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(date) = dates::parse_vn(&s_date.get_untracked()) else {
            s_error.set(Some(now(Msg::BadDate).to_owned()));
            return;
        };
        let id = Workspace::new_id();
        let unit_id = session_unit.clone();
        let (place, people) = (s_place.get_untracked(), s_people.get_untracked());
        match docs.apply(doc, move |d, s| {
            session::add(d, &id, &unit_id, &date, &place, &people, s)
        }) {
            Ok(()) => {
                s_date.set(String::new());
                s_place.set(String::new());
                s_people.set(String::new());
                s_error.set(None);
            }
            Err(e) => s_error.set(Some(e)),
        }
    };
    view! {
        <section class="card unit" data-testid="unit" data-unit=unit_key.clone()
            style:contain-intrinsic-size=move || format!("auto {}px", UNIT_BASE_PX + CARD_PX * findings.with(Vec::len))>
            <h3>{unit.name.clone()}</h3>
            <details class="sessions">
                <summary>{t(Msg::Sessions)} " (" {move || sessions.get().len()} ")"</summary>
                <For each=move || sessions.get() key=|x| x.id.clone() let(x)>
                    <SessionBlock doc=doc session=x supervision=supervision/>
                </For>
                <form class="add-session" on:submit=add_session>
                    <label>{t(Msg::SessionDate)}
                        <input name="session-date" placeholder=now(Msg::DateHint) inputmode="numeric"
                            on:input=move |ev| s_date.set(event_target_value(&ev)) prop:value=move || s_date.get()/></label>
                    <label>{t(Msg::SessionPlace)}
                        <input name="session-place" on:input=move |ev| s_place.set(event_target_value(&ev)) prop:value=move || s_place.get()/></label>
                    <label class="wide">{t(Msg::Attendees)}
                        <input name="session-attendees" on:input=move |ev| s_people.set(event_target_value(&ev)) prop:value=move || s_people.get()/></label>
                    <button type="submit" data-testid="add-session">{t(Msg::AddSession)}</button>
                    <Show when=move || s_error.get().is_some()>
                        <p class="error" role="alert">{move || s_error.get().unwrap_or_default()}</p>
                    </Show>
                </form>
            </details>
            <h4>{t(Msg::Findings)}</h4>
            <Show when=move || !findings.get().is_empty() fallback=|| view! { <p class="empty">{t(Msg::NoFindings)}</p> }>
                <ul class="findings">
                    <For each=move || drawn.get() key=|id| id.clone() let(id)>
                        <FindingCard doc=doc finding=id shortcomings=shortcomings/>
                    </For>
                </ul>
            </Show>
            <form class="add-finding" on:submit=add>
                <select name="finding-kind" aria-label=now(Msg::FindingKind)
                    on:change=move |ev| kind.set(FindingKind::parse(&event_target_value(&ev)).unwrap_or_default())>
                    {FindingKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{kind_label(k)}</option> }).collect_view()}
                </select>
                <select name="finding-topic" aria-label=now(Msg::Topic) on:change=move |ev| topic.set(event_target_value(&ev))>
                    <option value="">{t(Msg::Topic)} "…"</option>
                    <For each=move || topics.get() key=|x| x.clone() let(x)>
                        <option value=x.clone()>{x.clone()}</option>
                    </For>
                </select>
                <textarea name="new-finding" rows="2" placeholder=now(Msg::FindingPlaceholder) data-testid="new-finding"
                    on:input=move |ev| draft.set(event_target_value(&ev)) prop:value=move || draft.get()></textarea>
                <input name="new-figures" placeholder=now(Msg::FiguresPlaceholder) aria-label=now(Msg::Figures)
                    on:input=move |ev| figures.set(event_target_value(&ev)) prop:value=move || figures.get()/>
                <button type="submit" class="primary" data-testid="add-finding">{t(Msg::AddFinding)}</button>
            </form>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || !deleted.get().is_empty()>
                <details class="deleted">
                    <summary>{t(Msg::Deleted)} " (" {move || deleted.get().len()} ")"</summary>
                    <For each=move || deleted.get() key=|(id, _)| id.clone() let((id, excerpt))>
                        <p class="deleted-item">
                            <span>{excerpt}</span>
                            <button type="button" data-testid="restore-finding" on:click=move |_| {
                                let id = id.clone();
                                docs.change(doc, move |d, s| finding::set_deleted(d, &id, false, s));
                            }>{t(Msg::Restore)}</button>
                        </p>
                    </For>
                </details>
            </Show>
        </section>
    }
}

/// Props: `doc` the supervision to add a unit to.
#[component]
pub fn AddUnit(doc: DocumentId) -> impl IntoView {
    let docs = expect_context::<Docs>();
    let name = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = name.get_untracked();
        if n.trim().is_empty() {
            return;
        }
        if docs.add_unit(doc, &n).is_ok() {
            name.set(String::new());
        }
    };
    view! {
        <form class="card add-unit" on:submit=add>
            <label>
                {t(Msg::UnitName)}
                <input name="unit-name" placeholder=now(Msg::UnitPlaceholder) data-testid="unit-name"
                    on:input=move |ev| name.set(event_target_value(&ev)) prop:value=move || name.get()/>
            </label>
            <button type="submit" class="primary" data-testid="add-unit">{t(Msg::AddUnit)}</button>
        </form>
    }
}
