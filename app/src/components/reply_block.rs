//! The unit's written reply to one recommendation (văn bản trả lời): its date and number as
//! recorded, the 20 days it had to come in, and a form to record it, offline too. Two members
//! who record it apart show both, until one is kept (`shared::recommendation::record_reply`).

use leptos::prelude::*;
use shared::dates;
use shared::recommendation::{self, Recommendation, Reply};
use shared::{DocumentId, RecordId};

use crate::i18n::{Msg, now, t};
use crate::workspace::ws;

fn shown(r: &Reply) -> String {
    let date = dates::format_vn(&r.date);
    if r.number.is_empty() {
        date
    } else {
        format!("{} · {date}", r.number)
    }
}

/// Props: `doc`, the recommendation `id`, and the recommendation as read (`current`).
#[component]
pub fn ReplyBlock(
    doc: DocumentId,
    id: RecordId,
    current: Memo<Option<Recommendation>>,
) -> impl IntoView {
    let date = RwSignal::new(String::new());
    let number = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let record = Callback::new(move |reply: Reply| {
        let id = id.clone();
        let res = ws().apply(doc, move |d, s| {
            recommendation::record_reply(d, &id, &reply, s)
        });
        match res {
            Ok(()) => {
                error.set(None);
                date.set(String::new());
                number.set(String::new());
            }
            Err(e) => error.set(Some(e)),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if dates::parse_vn(&date.get_untracked()).is_none() {
            error.set(Some(now(Msg::BadDate).to_owned()));
            return;
        }
        record.run(Reply {
            date: date.get_untracked(),
            number: number.get_untracked(),
            scan: None,
        });
    };
    let reply = move || current.get().and_then(|r| r.reply);
    let others = move || {
        current
            .get()
            .map(|r| r.reply_alternatives)
            .unwrap_or_default()
    };
    view! {
        <div class="reply" data-testid="reply-block">
            <p>
                <strong>{t(Msg::ReplyLabel)} ": "</strong>
                <span data-testid="reply-shown">
                    {move || reply().map(|r| shown(&r)).unwrap_or_else(|| now(Msg::NoReplyYet).to_owned())}
                </span>
            </p>
            <Show when=move || !others().is_empty()>
                <div class="conflict" data-testid="reply-conflict" role="alert">
                    <p>{t(Msg::ReplyConflict)}</p>
                    <ul>
                        {move || reply().into_iter().chain(others()).map(|r| {
                            let label = shown(&r);
                            view! {
                                <li>{label} " "
                                    <button type="button" data-testid="reply-keep" on:click=move |_| record.run(r.clone())>{t(Msg::KeepThis)}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </div>
            </Show>
            <form class="reply-form" on:submit=submit>
                <label>{t(Msg::ReplyDate)}
                    <input name="reply-date" placeholder=now(Msg::DateHint) prop:value=move || date.get()
                        on:input=move |ev| date.set(event_target_value(&ev))/></label>
                <label>{t(Msg::ReplyNumber)}
                    <input name="reply-number" prop:value=move || number.get()
                        on:input=move |ev| number.set(event_target_value(&ev))/></label>
                <button type="submit" data-testid="reply-record">{t(Msg::ReplyRecord)}</button>
            </form>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}
