//! Recommendations (kiến nghị, đề xuất, yêu cầu): each with the findings it answers, the
//! addressee, the due date and the follow-up (status, overdue, the unit's response and its
//! written reply); and the form to add one.

use leptos::prelude::*;
use shared::dates;
use shared::field::{RecordKind, TextField};
use shared::reading::Supervision;
use shared::recommendation::{
    self, FollowUp, NewRecommendation, Recommendation, RecommendationKind,
};
use shared::{DocumentId, RecordId};

use crate::components::conflict::ConflictPicker;
use crate::components::live_text::LiveText;
use crate::components::record_signals::{RecordSignals, field_of, settled};
use crate::components::reply_block::ReplyBlock;
use crate::components::text_edits::{self, TextEdits};
use crate::i18n::{Language, Msg, now, t, text};
use crate::workspace::Workspace;
use crate::workspace::handles::Docs;

fn kind_msg(k: RecommendationKind) -> Msg {
    match k {
        RecommendationKind::Recommendation => Msg::RecKindRecommendation,
        RecommendationKind::Proposal => Msg::RecKindProposal,
        RecommendationKind::Requirement => Msg::RecKindRequirement,
    }
}

fn follow_msg(f: FollowUp) -> Msg {
    match f {
        FollowUp::Open => Msg::FollowOpen,
        FollowUp::InProgress => Msg::FollowInProgress,
        FollowUp::Remedied => Msg::FollowRemedied,
    }
}

/// Today as ISO, in the tablet's time zone.
fn today() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

/// Props: `doc` the supervision, `supervision` the document as read.
#[component]
pub fn RecommendationsPanel(
    doc: DocumentId,
    supervision: Signal<Option<Supervision>>,
) -> impl IntoView {
    let docs = expect_context::<Docs>();
    let recs = Memo::new(move |_| {
        supervision.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.recommendations
                        .iter()
                        .filter(|r| !r.deleted)
                        .map(|r| r.id.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let texts = TextEdits::here();
    let findings = settled(move || {
        text_edits::track(texts);
        supervision.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.findings
                        .iter()
                        .filter(|f| !f.deleted)
                        .map(|f| (f.id.clone(), shared::text::excerpt(&f.text, 70).to_owned()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let kind = RwSignal::new(RecommendationKind::Recommendation);
    let body = RwSignal::new(String::new());
    let addressee = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let answers = RwSignal::new(Vec::<RecordId>::new());
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text_v = body.get_untracked();
        if text_v.trim().is_empty() {
            return;
        }
        let due_v = due.get_untracked();
        let due_iso = if due_v.trim().is_empty() {
            String::new()
        } else if let Some(d) = dates::parse_vn(&due_v) {
            d
        } else {
            error.set(Some(now(Msg::BadDate).to_owned()));
            return;
        };
        let id = Workspace::new_id();
        let (who, ans, k) = (
            addressee.get_untracked(),
            answers.get_untracked(),
            kind.get_untracked(),
        );
        let result = docs.apply(doc, move |d, s| {
            recommendation::add(
                d,
                &id,
                &NewRecommendation {
                    kind: k,
                    text: text_v.trim(),
                    addressee: &who,
                    due: &due_iso,
                    answers: &ans,
                },
                s,
            )
        });
        match result {
            Ok(()) => {
                body.set(String::new());
                due.set(String::new());
                answers.set(Vec::new());
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <section class="recommendations">
            <Show when=move || !recs.get().is_empty() fallback=|| view! { <p class="empty">{t(Msg::NoRecommendations)}</p> }>
                <ol class="rec-list">
                    <For each=move || recs.get() key=|id| id.clone() let(id)>
                        <RecommendationCard doc=doc id=id supervision=supervision/>
                    </For>
                </ol>
            </Show>
            <form class="card add-recommendation" on:submit=add>
                <h3>{t(Msg::AddRecommendation)}</h3>
                <label>{t(Msg::RecKind)}
                    <select name="rec-kind" on:change=move |ev| kind.set(RecommendationKind::parse(&event_target_value(&ev)).unwrap_or_default())>
                        {RecommendationKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{t(kind_msg(k))}</option> }).collect_view()}
                    </select>
                </label>
                <label class="wide">{t(Msg::RecText)}
                    <textarea name="rec-text" rows="2" data-testid="new-recommendation"
                        on:input=move |ev| body.set(event_target_value(&ev)) prop:value=move || body.get()></textarea>
                </label>
                <label>{t(Msg::Addressee)}
                    <input name="rec-addressee" on:input=move |ev| addressee.set(event_target_value(&ev)) prop:value=move || addressee.get()/>
                </label>
                <label>{t(Msg::Due)}
                    <input name="rec-due" placeholder=now(Msg::DateHint) inputmode="numeric"
                        on:input=move |ev| due.set(event_target_value(&ev)) prop:value=move || due.get()/>
                </label>
                <fieldset class="wide answers-picker">
                    <legend>{t(Msg::AnswersFindings)}</legend>
                    <For each=move || findings.get() key=|(id, _)| id.clone() let((id, label))>
                        <label class="check">
                            <input type="checkbox" prop:checked={ let id = id.clone(); move || answers.get().contains(&id) }
                                on:change={ let id = id.clone(); move |ev| {
                                    let on = event_target_checked(&ev);
                                    answers.update(|a| { a.retain(|x| *x != id); if on { a.push(id.clone()); } });
                                }}/>
                            {label}
                        </label>
                    </For>
                </fieldset>
                <Show when=move || error.get().is_some()>
                    <p class="error wide" role="alert">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <div class="actions wide">
                    <button type="submit" class="primary" data-testid="add-recommendation">{t(Msg::AddRecommendation)}</button>
                </div>
            </form>
        </section>
    }
}

/// One recommendation with its follow-up.
#[component]
fn RecommendationCard(
    doc: DocumentId,
    id: RecordId,
    supervision: Signal<Option<Supervision>>,
) -> impl IntoView {
    let docs = expect_context::<Docs>();
    let lang = expect_context::<Language>().0;
    // Its own signal: a keystroke elsewhere does not wake this card.
    let current = expect_context::<RecordSignals<Recommendation>>().of(&id);
    // Each control reads its own field: a keystroke in the text wakes only the text.
    let kind = field_of(current, |r| Some(r.kind));
    let status = field_of(current, |r| Some(r.status));
    let author = field_of(current, |r| r.author.clone());
    let text_now = field_of(current, |r| r.text.clone());
    let addressee = field_of(current, |r| r.addressee.clone());
    let due = field_of(current, |r| r.due.clone());
    let status_choice = field_of(current, |r| r.status_choice.clone());
    let response = field_of(current, |r| r.response.clone());
    // The findings it answers, by their first words.
    let answers = field_of(current, |r| Some(r.answers.clone()));
    let texts = TextEdits::here();
    let answered = settled(move || {
        let answers = answers.get()?;
        text_edits::track(texts);
        supervision.with(|s| {
            let s = s.as_ref()?;
            Some(
                answers
                    .iter()
                    .filter_map(|a| s.finding(a))
                    .map(|f| shared::text::excerpt(&f.text, 70).to_owned())
                    .collect::<Vec<_>>(),
            )
        })
    });
    let id_status = id.clone();
    let set_status = move |f: FollowUp| {
        let id = id_status.clone();
        docs.change(doc, move |d, s| recommendation::set_status(d, &id, f, s));
    };
    let id_due = id.clone();
    let set_due = move |iso: String| {
        let id = id_due.clone();
        docs.change(doc, move |d, s| recommendation::set_due(d, &id, &iso, s));
    };
    let id_to = id.clone();
    let on_addressee = move |ev| {
        let (id, v) = (id_to.clone(), event_target_value(&ev));
        docs.change(doc, move |d, s| {
            recommendation::set_addressee(d, &id, &v, s)
        });
    };
    let due_error = RwSignal::new(false);
    let set_due_input = set_due.clone();
    let on_due = move |ev| {
        let v = event_target_value(&ev);
        match if v.trim().is_empty() {
            Some(String::new())
        } else {
            dates::parse_vn(&v)
        } {
            Some(iso) => {
                due_error.set(false);
                set_due_input(iso);
            }
            None => due_error.set(true),
        }
    };
    let set_status_pick = set_status.clone();
    let overdue =
        Memo::new(move |_| current.with(|r| r.as_ref().is_some_and(|r| r.is_overdue(&today()))));
    let dom_id = format!("rec-{id}");
    view! {
        <li class="card recommendation" id=dom_id data-testid="recommendation" class:overdue=move || overdue.get()
            data-status=move || status.get().map(|f| f.as_str()).unwrap_or_default()>
            <p class="rec-head">
                <strong>{move || kind.get().map(|k| text(lang.get(), kind_msg(k))).unwrap_or_default()}</strong>
                <Show when=move || overdue.get()><span class="badge overdue" data-testid="overdue">{t(Msg::Overdue)}</span></Show>
                <span class="author">{t(Msg::WrittenBy)} ": " {move || author.get()}</span>
            </p>
            <LiveText doc=doc field=TextField::new(RecordKind::Recommendation, &id, "text")
                value=text_now rows=2
                testid="recommendation-text" label=now(Msg::RecText)/>
            <Show when=move || !answered.get().unwrap_or_default().is_empty()>
                <ul class="answers">
                    <For each=move || answered.get().unwrap_or_default() key=|x| x.clone() let(x)>
                        <li>"↳ " {x}</li>
                    </For>
                </ul>
            </Show>
            <div class="rec-fields">
                <label>{t(Msg::Addressee)}
                    <input prop:value=move || addressee.get() on:change=on_addressee/></label>
                <label>{t(Msg::Due)}
                    <input data-testid="rec-due" placeholder=now(Msg::DateHint)
                        prop:value=move || due.with(|d| dates::format_vn(&d.value)) on:change=on_due/></label>
                <label>{t(Msg::FollowUp)}
                    <select data-testid="rec-status" prop:value=move || status.get().map(|f| f.as_str().to_owned()).unwrap_or_default()
                        on:change=move |ev| if let Some(f) = FollowUp::parse(&event_target_value(&ev)) { set_status(f) }>
                        {FollowUp::ALL.into_iter().map(|f| view! { <option value=f.as_str()>{t(follow_msg(f))}</option> }).collect_view()}
                    </select></label>
            </div>
            <Show when=move || due_error.get()><p class="error" role="alert">{t(Msg::BadDate)}</p></Show>
            <ConflictPicker choice=due
                label=Callback::new(|v: String| dates::format_vn(&v))
                on_pick=Callback::new(move |v: String| set_due(v))/>
            <ConflictPicker choice=status_choice
                label=Callback::new(move |v: String| FollowUp::parse(&v).map(|f| text(lang.get(), follow_msg(f)).to_owned()).unwrap_or(v))
                on_pick=Callback::new(move |v: String| if let Some(f) = FollowUp::parse(&v) { set_status_pick(f) })/>
            <LiveText doc=doc field=TextField::new(RecordKind::Recommendation, &id, "response")
                value=response rows=2
                testid="recommendation-response" label=now(Msg::Response) placeholder=now(Msg::Response)/>
            <ReplyBlock doc=doc id=id.clone() current=current/>
        </li>
    }
}
