//! # app: giamsat in the browser
//!
//! Leptos, client-side rendered to wasm32. A component never touches Automerge: it reads
//! plain values from `shared` through the [`workspace`] and calls its operations.
//!
//! - [`workspace`]: the device's state — documents, member, signals — and every user operation.
//! - [`store`]: IndexedDB (documents and small settings), the tablet's own copy of everything.
//! - [`account`]: who is signed in (`GET /api/me`, cached for offline weeks) and their roles.
//! - [`api`]: the server's HTTP API (`server/API.md`): one fetch wrapper.
//! - [`engine`]: the documents and the sync loop, a module fetched once the first screen is up.
//! - [`net`]: the session check, then the WebSocket to `/sync`, with reconnect and back-off.
//! - [`registry`]: what the server must know before syncing — this device's actors, and the
//!   supervisions created here with their delegation.
//! - [`sign_out`]: a sign-out made offline, owed to the server until it can be told.
//! - [`blobs`]: evidence files — downscaled, hashed, kept in IndexedDB, uploaded.
//! - [`listing`]: the list screen's model — supervisions grouped by delegation.
//! - [`i18n`]: the one message catalogue, Vietnamese first, English second
//!   ([`i18n_events`]: its part for the audit log's events).
//! - [`download`]: handing a file the app made (an exported DOCX) to the browser.
//! - [`components`]: the screens. They get the workspace's small handles through context
//!   ([`workspace::handles`]), never the workspace itself.
//!
//! Where a finding is created: `components::unit_section` → [`workspace::handles::Docs::apply`]
//! → [`workspace::Workspace::apply`]
//! → `shared::finding::add_full`; stored by `Workspace::persist` (`shared::journal` decides
//! chunk or snapshot) → [`store::Store::append_chunk`]; merged by `shared::sync`, whose
//! patches `shared::reading` follows; shown by [`components::finding::FindingCard`].

pub mod account;
pub mod api;
pub mod blobs;
pub mod components;
pub mod download;
pub mod engine;
pub mod export;
pub mod i18n;
pub mod i18n_events;
pub mod listing;
pub mod net;
pub mod registry;
pub mod sign_out;
pub mod store;
pub mod workspace;

use leptos::prelude::*;
use leptos::task::spawn_local;

/// Open the workspace (IndexedDB, the member), mount the views, then fetch the engine: the
/// documents and the sync loop.
pub fn start() {
    console_error_panic_hook::set_once();
    // Leptos's spawn_local needs its executor before the first view mounts.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    engine::fetch_early();
    let opened_on = match components::route::current() {
        components::route::Route::Supervision(id) => Some(id),
        _ => None,
    };
    spawn_local(async move {
        workspace::mark("giamsat:start");
        match workspace::Workspace::open(opened_on).await {
            Ok(_) => {
                workspace::measure("giamsat:workspace-open", "giamsat:start");
                mount_to_body(components::app::App);
                workspace::measure("giamsat:mounted", "giamsat:start");
                engine::start();
            }
            Err(e) => {
                let message = format!(
                    "Không mở được bộ nhớ của trình duyệt (IndexedDB): {e}. / Could not open the browser's storage (IndexedDB): {e}."
                );
                mount_to_body(move || view! { <p class="fatal">{message.clone()}</p> });
            }
        }
    });
}
