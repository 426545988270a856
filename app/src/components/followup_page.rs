//! Follow-up and figures (Theo dõi kiến nghị và số liệu): every recommendation of the
//! supervisions this tablet holds — a member's delegations, or for a leader every delegation
//! of their organisation — where each stands today, the ones past the Front's 20 days marked
//! for escalation, the figures of a quarter or a year as a table and a bar chart, and the
//! review as DOCX; for all of them or one delegation. Computed on the tablet from its documents (`shared::followup`), so it
//! works offline and shows a reply recorded elsewhere as soon as it syncs.

use std::collections::HashMap;

use automerge::ChangeHash;
use leptos::prelude::*;
use shared::DocumentId;
use shared::followup::{self, Day, Facts, Figures, Filter, Line, Period, State};
use shared::official::LayoutId;
use shared::review;

use crate::export::save;
use crate::i18n::{Msg, now, t};
use crate::workspace::Signals;
use crate::workspace::handles::Docs;

fn state_msg(s: State) -> Msg {
    match s {
        State::Open => Msg::FollowOpen,
        State::InProgress => Msg::FollowInProgress,
        State::Overdue => Msg::Overdue,
        State::Remedied => Msg::FollowRemedied,
    }
}

/// How many lines the list shows at once.
const SHOWN: usize = 200;

fn today() -> Day {
    Day::of_ms(js_sys::Date::now() as i64)
}

#[component]
pub fn FollowUpPage() -> impl IntoView {
    let docs = expect_context::<Docs>();
    let signals = expect_context::<Signals>();
    // What the figures need of every supervision held here, read again from a document only
    // when its heads have moved (a leader may hold a thousand; BENCHMARKS.md, "Follow-up").
    let delegation = RwSignal::new(None::<i64>);
    let delegations = Memo::new(move |_| {
        signals.me.with(|m| {
            m.as_ref()
                .map(|m| {
                    m.delegations
                        .iter()
                        .map(|d| (d.id, d.name.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let cache = StoredValue::new(HashMap::<DocumentId, (Vec<ChangeHash>, Facts)>::new());
    let facts = Memo::new(move |_| {
        signals.revision.track();
        let ids = signals
            .me
            .with(|m| m.as_ref().map(|m| m.all_supervisions()).unwrap_or_default());
        ids.iter()
            .filter(|id| {
                // One delegation's, when one is chosen.
                delegation.get().is_none_or(|d| {
                    signals.me.with(|m| {
                        m.as_ref()
                            .and_then(|m| m.delegation(d))
                            .is_some_and(|d| d.holds(id))
                    })
                })
            })
            .filter_map(|id| {
                docs.with_doc(id, |d| {
                    let heads = d.get_heads();
                    let known = cache.with_value(|c| {
                        c.get(id)
                            .filter(|(h, _)| *h == heads)
                            .map(|(_, f)| f.clone())
                    });
                    known.or_else(|| {
                        let read = Facts::read(d).ok()?;
                        cache.update_value(|c| {
                            c.insert(*id, (heads, read.clone()));
                        });
                        Some(read)
                    })
                })
                .flatten()
            })
            .collect::<Vec<Facts>>()
    });
    let organisations = Memo::new(move |_| {
        signals.me.with(|m| {
            m.as_ref()
                .map(|m| {
                    m.organisations
                        .iter()
                        .map(|o| o.name.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let year = RwSignal::new(today().ymd().0);
    let quarter = RwSignal::new(0u32);
    let period = Memo::new(move |_| match quarter.get() {
        0 => Period::year(year.get()),
        q => Period::quarter(year.get(), q),
    });
    let figures = Memo::new(move |_| followup::figures(&facts.get(), period.get(), today()));
    let unit = RwSignal::new(String::new());
    let state = RwSignal::new(String::new());
    let escalate_only = RwSignal::new(false);
    let search = RwSignal::new(String::new());
    let in_period = RwSignal::new(false);
    let lines = Memo::new(move |_| {
        let filter = Filter {
            unit: unit.get(),
            state: State::ALL.into_iter().find(|s| s.as_str() == state.get()),
            escalate_only: escalate_only.get(),
            period: in_period.get().then(|| period.get()),
            search: search.get(),
        };
        followup::list(&facts.get(), &filter, today())
    });
    let error = RwSignal::new(None::<String>);
    let export = move |_| {
        let issuer = organisations
            .get_untracked()
            .first()
            .cloned()
            .unwrap_or_default();
        let p = period.get_untracked();
        let in_it = followup::list(
            &facts.get_untracked(),
            &Filter {
                period: Some(p),
                ..Filter::default()
            },
            today(),
        );
        let paper = review::review(
            LayoutId::Nd30,
            &issuer,
            p,
            today().ymd(),
            &figures.get_untracked(),
            &in_it,
        );
        save(Some(Ok(paper)), "bao-cao-giam-sat", error);
    };
    view! {
        <section class="followup" data-testid="followup-page">
            <div class="section-head">
                <h1>{t(Msg::FollowUpTitle)}</h1>
                <a class="back" href="#/">{t(Msg::Back)}</a>
            </div>
            <Show when=move || !organisations.get().is_empty()>
                <p class="hint" data-testid="followup-organisations">{move || organisations.get().join(", ")}</p>
            </Show>
            <div class="card period">
                <label>{t(Msg::Delegations)}
                    <select name="delegation" on:change=move |ev| delegation.set(event_target_value(&ev).parse().ok())>
                        <option value="">{t(Msg::AllDelegations)}</option>
                        {move || delegations.get().into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                    </select></label>
                <label>{t(Msg::Year)}
                    <input type="number" name="year" min="2000" max="2100" prop:value=move || year.get().to_string()
                        on:change=move |ev| if let Ok(y) = event_target_value(&ev).parse() { year.set(y) }/></label>
                <label>{t(Msg::Quarter)}
                    <select name="quarter" on:change=move |ev| quarter.set(event_target_value(&ev).parse().unwrap_or(0))>
                        <option value="0">{t(Msg::WholeYear)}</option>
                        {["I", "II", "III", "IV"].into_iter().enumerate().map(|(i, q)| view! { <option value=(i + 1).to_string()>{t(Msg::Quarter)} " " {q}</option> }).collect_view()}
                    </select></label>
                <button type="button" data-testid="export-review" on:click=export>{t(Msg::ExportReview)}</button>
            </div>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            {move || view! { <FiguresTable figures=figures.get()/> }}
            <h2>{t(Msg::FollowUpList)}</h2>
            <form class="card filters" on:submit=|ev| ev.prevent_default()>
                <label>{t(Msg::FilterUnit)}
                    <input name="unit" prop:value=move || unit.get() on:input=move |ev| unit.set(event_target_value(&ev))/></label>
                <label>{t(Msg::FollowUp)}
                    <select name="state" on:change=move |ev| state.set(event_target_value(&ev))>
                        <option value="">{t(Msg::AnyState)}</option>
                        {State::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{t(state_msg(s))}</option> }).collect_view()}
                    </select></label>
                <label>{t(Msg::SearchLabel)}
                    <input name="search" prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/></label>
                <label class="check"><input type="checkbox" name="escalate" on:change=move |ev| escalate_only.set(event_target_checked(&ev))/>{t(Msg::OnlyEscalate)}</label>
                <label class="check"><input type="checkbox" name="in-period" on:change=move |ev| in_period.set(event_target_checked(&ev))/>{t(Msg::OnlyInPeriod)}</label>
            </form>
            <Show when=move || lines.get().is_empty()>
                <p class="empty">{t(Msg::NoRecommendations)}</p>
            </Show>
            // The first lines only: escalations and overdue ones come first; filters find the rest.
            <Show when=move || { lines.with(Vec::len) > SHOWN }>
                <p class="hint" data-testid="followup-more">{move || format!("{SHOWN} / {}", lines.with(Vec::len))} " " {t(Msg::ShownOfAll)}</p>
            </Show>
            <ul class="followup-lines">
                {move || lines.get().into_iter().take(SHOWN).map(|l| view! { <FollowUpLine line=l/> }).collect_view()}
            </ul>
        </section>
    }
}

/// The figures of the period, as a table and a bar chart.
#[component]
fn FiguresTable(figures: Figures) -> impl IntoView {
    let median = figures
        .median_days_to_reply
        .map(review::number)
        .unwrap_or_else(|| "–".to_owned());
    let rows: Vec<(Msg, String, &'static str)> = vec![
        (
            Msg::FigSupervisions,
            figures.supervisions.to_string(),
            "supervisions",
        ),
        (
            Msg::FigInspections,
            figures.inspections.to_string(),
            "inspections",
        ),
        (Msg::FigUnits, figures.units_visited.to_string(), "units"),
        (
            Msg::FigRecommendations,
            figures.recommendations.to_string(),
            "recommendations",
        ),
        (Msg::FigRemedied, figures.remedied.to_string(), "remedied"),
        (Msg::FigOverdue, figures.overdue.to_string(), "overdue"),
        (
            Msg::FigEscalated,
            figures.escalated.to_string(),
            "escalated",
        ),
        (Msg::FigMedianDays, median, "median-days"),
    ];
    let bars = [
        (Msg::FigRecommendations, figures.recommendations, "#1f6feb"),
        (Msg::FigRemedied, figures.remedied, "#1a7f37"),
        (Msg::FigOverdue, figures.overdue, "#b35900"),
        (Msg::FigEscalated, figures.escalated, "#a40e26"),
    ];
    let most = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let label = bars
        .iter()
        .map(|(m, n, _)| format!("{}: {n}", now(*m)))
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <div class="card figures" data-testid="figures">
            <table class="figures-table">
                {rows.into_iter().map(|(m, v, key)| view! {
                    <tr><th scope="row">{t(m)}</th><td data-testid=format!("figure-{key}")>{v}</td></tr>
                }).collect_view()}
            </table>
            <svg class="chart" viewBox="0 0 360 140" role="img" aria-label=label data-testid="figures-chart">
                {bars.into_iter().enumerate().map(|(i, (m, n, colour))| {
                    let y = 10 + i as i32 * 32;
                    let w = (n as f64 / most * 200.0).round();
                    view! {
                        <text x="0" y=y + 16 font-size="12">{t(m)}</text>
                        <rect x="150" y=y width=w.max(1.0) height="22" fill=colour></rect>
                        <text x=155.0 + w y=y + 16 font-size="12">{n}</text>
                    }
                }).collect_view()}
            </svg>
            {figures.by_topic.into_iter().map(|(topic, (s, i))| view! {
                <p class="topic-line">{topic} ": " {s} " / " {i}</p>
            }).collect_view()}
        </div>
    }
}

/// One recommendation in the list.
#[component]
fn FollowUpLine(line: Line) -> impl IntoView {
    let Line {
        supervision,
        unit,
        recommendation: r,
        standing,
    } = line;
    let reply = r
        .reply
        .as_ref()
        .map(|reply| format!("{} {}", reply.number, shared::dates::format_vn(&reply.date)));
    view! {
        <li class="card followup-line" data-testid="followup-line" data-state=standing.state.as_str()
            data-escalate=standing.escalate.to_string()>
            <p class="rec-head">
                <strong>{unit}</strong> " · " <span class="hint">{supervision}</span>
                <span class="badge" class:overdue=standing.state == State::Overdue>{t(state_msg(standing.state))}</span>
                {standing.escalate.then(|| view! { <span class="badge overdue" data-testid="escalate">{t(Msg::Escalate)}</span> })}
            </p>
            <p>{r.text.clone()}</p>
            <p class="hint">
                {(!r.due.value.is_empty()).then(|| format!("{} {} · ", now(Msg::Due), shared::dates::format_vn(&r.due.value)))}
                {standing.reply_by.map(|d| format!("{} {} · ", now(Msg::ReplyBy), shared::dates::format_vn(&d.iso())))}
                <span data-testid="followup-reply">{reply.unwrap_or_else(|| now(Msg::NoReplyYet).to_owned())}</span>
            </p>
        </li>
    }
}
