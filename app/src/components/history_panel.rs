//! The history of one text field, opened under it: who wrote which part of today's text (from
//! the registry of actors, never a typed name), the texts it had over time, and a button to
//! restore one of them — an ordinary edit of this field alone, which merges like any other.

use leptos::prelude::*;
use shared::DocumentId;
use shared::field::TextField;
use shared::history::{self, Part, Version};

use crate::i18n::{Msg, date_time, now, t};
use crate::workspace::Signals;
use crate::workspace::handles::Docs;

/// The name the registry gives an actor, or "unconfirmed device (abcd1234)".
fn writer(signals: Signals, actor: Option<&str>) -> (String, bool) {
    let known = actor.and_then(|a| {
        signals
            .me
            .with(|me| me.as_ref().and_then(|m| m.authors.get(a).cloned()))
    });
    match known {
        Some(name) => (name, true),
        None => {
            let short: String = actor.unwrap_or("").chars().take(8).collect();
            (format!("{} ({short})", now(Msg::UnknownDevice)), false)
        }
    }
}

/// A small colour index per writer, so each one's parts read as one hue.
fn hue(actor: Option<&str>, order: &mut Vec<Option<String>>) -> usize {
    let key = actor.map(str::to_owned);
    match order.iter().position(|a| *a == key) {
        Some(i) => i % 6,
        None => {
            order.push(key);
            (order.len() - 1) % 6
        }
    }
}

/// Props: `doc` the supervision, `field` the text, `value` its text now (to read again when
/// it changes).
#[component]
pub fn HistoryPanel(doc: DocumentId, field: TextField, value: Signal<String>) -> impl IntoView {
    let signals = expect_context::<Signals>();
    let docs = expect_context::<Docs>();
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let read_field = field.clone();
    // Read only while open; again whenever the text changes (a merge, a restore).
    let history = Memo::new(move |_| {
        if !open.get() {
            return None;
        }
        value.track();
        signals.me.track();
        docs.with_doc(&doc, |d| {
            let obj = read_field.object(d).ok()?;
            Some((history::parts(d, &obj), history::versions(d, &obj)))
        })
        .flatten()
    });
    let restore = Callback::new(move |text: String| {
        let field = field.clone();
        let res = docs.apply(doc, move |d, s| {
            history::restore(d, &field, &text, s).map(|_| ())
        });
        error.set(res.err());
    });
    view! {
        <div class="history">
            <button type="button" class="link" data-testid="history-toggle" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>{t(Msg::History)}</button>
            <Show when=move || open.get()>
                <div class="history-body" data-testid="history">
                    <h4>{t(Msg::HistoryParts)}</h4>
                    <p class="history-parts" data-testid="history-parts">
                        {move || {
                            let mut order = Vec::new();
                            history.get().map(|(parts, _)| parts).unwrap_or_default().into_iter().map(|Part { text, actor }| {
                                let (name, confirmed) = writer(signals, actor.as_deref());
                                let class = format!("part writer-{}{}", hue(actor.as_deref(), &mut order), if confirmed { "" } else { " unconfirmed" });
                                let title = name.clone();
                                view! { <span class=class data-testid="history-part" data-writer=name title=title>{text}</span> }
                            }).collect_view()
                        }}
                    </p>
                    // Who is which colour: a tablet has no hover to show a part's title.
                    <ul class="history-legend" data-testid="history-legend">
                        {move || {
                            let mut order = Vec::new();
                            for part in history.get().map(|(parts, _)| parts).unwrap_or_default() {
                                hue(part.actor.as_deref(), &mut order);
                            }
                            order.into_iter().enumerate().map(|(i, actor)| {
                                let (name, _) = writer(signals, actor.as_deref());
                                view! { <li><span class=format!("swatch writer-{}", i % 6)></span>{name}</li> }
                            }).collect_view()
                        }}
                    </ul>
                    <h4>{t(Msg::HistoryVersions)}</h4>
                    {move || {
                        let versions = history.get().map(|(_, v)| v).unwrap_or_default();
                        let last = versions.len().saturating_sub(1);
                        if versions.len() < 2 {
                            return view! { <p class="empty">{t(Msg::HistoryNone)}</p> }.into_any();
                        }
                        view! {
                            <ol class="history-versions" reversed>
                                {versions.into_iter().enumerate().rev().map(|(i, Version { text, actor, at_s })| {
                                    let (name, _) = writer(signals, Some(&actor));
                                    let shown_name = name.clone();
                                    let again = text.clone();
                                    view! {
                                        <li data-testid="history-version" data-writer=name>
                                            <span class="when">{date_time(at_s * 1000)}</span> " · " <span class="who">{shown_name}</span>
                                            <blockquote data-testid="history-text">{text}</blockquote>
                                            {if i == last {
                                                view! { <span class="hint">{t(Msg::HistoryNow)}</span> }.into_any()
                                            } else {
                                                view! { <button type="button" data-testid="history-restore" on:click=move |_| restore.run(again.clone())>{t(Msg::RestoreVersion)}</button> }.into_any()
                                            }}
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    }}
                    <Show when=move || error.get().is_some()>
                        <p class="error" role="alert">{t(Msg::RestoreFailed)} ": " {move || error.get().unwrap_or_default()}</p>
                    </Show>
                </div>
            </Show>
        </div>
    }
}
