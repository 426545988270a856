//! The unit's written reply to one recommendation (văn bản trả lời): its date, number and
//! scan as recorded, and a form to record it, offline too (the scan is kept on the tablet
//! and uploaded like evidence). Two members
//! who record it apart show both, until one is kept (`shared::recommendation::record_reply`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dates;
use shared::recommendation::{self, Recommendation, Reply};
use shared::{DocumentId, RecordId};

use crate::blobs;
use crate::i18n::{Msg, now, t};
use crate::workspace::handles::{Device, Docs};

fn shown(r: &Reply) -> String {
    let date = dates::format_vn(&r.date);
    if r.number.is_empty() {
        date
    } else {
        format!("{} · {date}", r.number)
    }
}

/// Keep a chosen scan on the tablet (photos downscaled, as evidence); its SHA-256.
async fn keep_scan(
    device: Device,
    doc: &DocumentId,
    file: &web_sys::File,
) -> Result<String, String> {
    let (bytes, mime) = blobs::prepare(file).await?;
    device.keep_file(doc, &bytes, &mime).await
}

/// Props: `doc`, the recommendation `id`, and the recommendation as read (`current`).
#[component]
pub fn ReplyBlock(
    doc: DocumentId,
    id: RecordId,
    current: Signal<Option<Recommendation>>,
) -> impl IntoView {
    let docs = expect_context::<Docs>();
    let device = expect_context::<Device>();
    let date = RwSignal::new(String::new());
    let number = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let record = Callback::new(move |reply: Reply| {
        let id = id.clone();
        let res = docs.apply(doc, move |d, s| {
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
    let file = NodeRef::<leptos::html::Input>::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if dates::parse_vn(&date.get_untracked()).is_none() {
            error.set(Some(now(Msg::BadDate).to_owned()));
            return;
        }
        let chosen = file
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        let (date, number) = (date.get_untracked(), number.get_untracked());
        spawn_local(async move {
            // The scan is kept on the tablet first (then uploaded as evidence is): a reply
            // never names a scan that is nowhere.
            let scan = match chosen {
                None => None,
                Some(f) => match keep_scan(device, &doc, &f).await {
                    Ok(sha) => Some(sha),
                    Err(e) => {
                        error.set(Some(e));
                        return;
                    }
                },
            };
            record.run(Reply { date, number, scan });
            if let Some(input) = file.get_untracked() {
                input.set_value("");
            }
            device.upload_now();
        });
    };
    let open_scan = move |sha: String| {
        let doc = doc.to_string();
        spawn_local(async move {
            match device.file_url(&sha, &doc).await {
                Some(url) => {
                    if let Some(w) = web_sys::window() {
                        let _ = w.open_with_url_and_target(&url, "_blank");
                    }
                }
                None => error.set(Some(now(Msg::ScanNotHere).to_owned())),
            }
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
                {move || reply().and_then(|r| r.scan).map(|sha| view! {
                    " " <button type="button" class="link-inline" data-testid="reply-scan" on:click=move |_| open_scan(sha.clone())>{t(Msg::OpenScan)}</button>
                })}
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
                <label>{t(Msg::ReplyScan)}
                    <input type="file" name="reply-scan" node_ref=file accept="image/*,application/pdf"/></label>
                <button type="submit" data-testid="reply-record">{t(Msg::ReplyRecord)}</button>
            </form>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}
