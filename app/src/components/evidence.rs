//! Evidence on a finding: the attached photos and documents (thumbnails for photos, a
//! download link for others: user files never open as pages in the app's origin), and the control to attach more — from the tablet's camera or its files,
//! working offline (kept in IndexedDB, uploaded when online).

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::finding::Evidence;
use shared::{DocumentId, RecordId};

use crate::blobs;
use crate::i18n::{Msg, now, t};
use crate::workspace::AttachError;
use crate::workspace::handles::Device;

/// Props: `doc`, `finding`, and `items`, the evidence as read (reactive).
#[component]
pub fn EvidenceList(
    doc: DocumentId,
    finding: RecordId,
    #[prop(into)] items: Signal<Vec<Evidence>>,
) -> impl IntoView {
    let device = expect_context::<Device>();
    let input = NodeRef::<Input>::new();
    let error = RwSignal::new(None::<String>);
    let on_change = move |_| {
        let Some(el) = input.get_untracked() else {
            return;
        };
        let Some(files) = el.files() else { return };
        let finding = finding.clone();
        let list: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
        el.set_value("");
        spawn_local(async move {
            for file in list {
                match blobs::prepare(&file).await {
                    Ok((bytes, mime)) => {
                        match device
                            .attach_evidence(doc, finding.clone(), file.name(), bytes, mime)
                            .await
                        {
                            Ok(()) => error.set(None),
                            Err(AttachError::Storage(_)) => {
                                error.set(Some(now(Msg::StorageError).to_owned()))
                            }
                            Err(AttachError::Edit(e)) => error.set(Some(e)),
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
            }
        });
    };
    view! {
        <div class="evidence">
            <ul class="evidence-items">
                <For each=move || items.get() key=|e| e.sha256.clone() let(e)>
                    <EvidenceItem doc=doc evidence=e/>
                </For>
            </ul>
            <label class="attach">
                <span class="button-like">"+ " {t(Msg::AttachEvidence)}</span>
                <input node_ref=input type="file" accept="image/*,application/pdf,.doc,.docx" multiple
                    data-testid="attach-evidence" aria-label=now(Msg::AttachEvidence) on:change=on_change/>
            </label>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}

/// How long to wait between tries at a photo the server does not have yet (the member who
/// attached it may still be uploading it), in ms: about half a minute in all.
const PHOTO_RETRIES_MS: [u32; 6] = [500, 1_000, 2_000, 4_000, 8_000, 16_000];

/// One attached file of supervision `doc`: a thumbnail for a photo (from the device, or
/// fetched when online — tried again a few times, since the change that attaches a photo
/// can arrive before the photo itself is on the server).
#[component]
fn EvidenceItem(doc: DocumentId, evidence: Evidence) -> impl IntoView {
    let device = expect_context::<Device>();
    let url = RwSignal::new(None::<String>);
    let sha = evidence.sha256.clone();
    let doc = doc.to_string();
    // Photos of the allowed raster types are shown; every other file is only ever saved
    // (a `download` link to bytes), never opened as a page in the app's origin.
    let is_image = shared::media::is_shown_image(&evidence.mime);
    let load = {
        let (sha, doc) = (sha.clone(), doc.clone());
        move || {
            let (sha, doc) = (sha.clone(), doc.clone());
            spawn_local(async move {
                if let Some(u) = device.file_url(&sha, &doc).await {
                    url.set(Some(u));
                }
            });
        }
    };
    if is_image {
        spawn_local(async move {
            for wait in std::iter::once(0).chain(PHOTO_RETRIES_MS) {
                gloo_timers::future::TimeoutFuture::new(wait).await;
                // Gone from the screen, or shown already: stop.
                if url.try_get_untracked().is_none_or(|u| u.is_some()) {
                    return;
                }
                if let Some(u) = device.file_url(&sha, &doc).await {
                    url.set(Some(u));
                    return;
                }
            }
        });
    }
    let load_click = load.clone();
    let name = evidence.name.clone();
    let size_kb = evidence.size.div_ceil(1024);
    view! {
        <li class="evidence-item" data-testid="evidence" data-sha=evidence.sha256.clone()>
            {move || match (url.get(), is_image) {
                (Some(u), true) => view! { <img src=u alt=name.clone() data-testid="evidence-image"/> }.into_any(),
                (Some(u), false) => view! { <a href=u download=name.clone() data-testid="evidence-file">{name.clone()}</a> }.into_any(),
                (None, _) => {
                    let load_click = load_click.clone();
                    // A link, not a button: observers (whose controls are disabled) may view too.
                    view! {
                        <a href="#" class="button-like" on:click=move |ev| { ev.prevent_default(); load_click() }>{t(Msg::Download)} " " {name.clone()}</a>
                    }.into_any()
                }
            }}
            <span class="size">{format!("{size_kb} KB")}</span>
        </li>
    }
}
