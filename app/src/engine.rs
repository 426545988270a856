//! The engine: every document loaded from IndexedDB into the sync client, and the sync loop
//! ([`crate::net`]). It is a module of its own, fetched as the page starts and run once the
//! first screen is up (`cargo xtask build` splits it off after linking, as it does the
//! screens of [`crate::components::screens`]): Automerge is more than a third of the app's
//! code, and the sign-in form and the list need none of it. The list shows the titles kept in IndexedDB
//! meanwhile; a screen that shows documents waits for [`ready`].
//!
//! Creating a supervision also needs Automerge, so it is reached through here
//! ([`create_supervision`]).
//!
//! A supervision opened from the reading the tablet kept of it (`shared::kept`) is drawn
//! before the engine loads anything: the screen [`hold`]s the engine until it is on screen,
//! since loading the documents keeps the page busy for a few hundred milliseconds.

use std::cell::{Cell, RefCell};

use futures::channel::oneshot;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use shared::DocumentId;
use shared::supervision::Setup;

use crate::workspace::ws;

/// A lazily loaded module could not be fetched (offline, on a tablet whose service worker
/// never finished keeping it).
pub struct NotLoaded;

impl From<SplitLoaderError> for NotLoaded {
    fn from(_: SplitLoaderError) -> Self {
        NotLoaded
    }
}

thread_local! {
    /// The documents are loaded.
    static READY: Cell<bool> = const { Cell::new(false) };
    /// Who waits for them.
    static WAITING: RefCell<Vec<oneshot::Sender<()>>> = const { RefCell::new(Vec::new()) };
    /// The engine has begun loading the documents.
    static LOADING: Cell<bool> = const { Cell::new(false) };
    /// Screens being drawn before the engine loads ([`hold`]), and the engine waiting for them.
    static HOLDS: Cell<u32> = const { Cell::new(0) };
    static HELD: RefCell<Option<oneshot::Sender<()>>> = const { RefCell::new(None) };
}

/// While alive, the engine does not begin loading the documents (see [`hold`]).
pub struct Hold(());

impl Drop for Hold {
    fn drop(&mut self) {
        let left = HOLDS.with(|h| {
            h.set(h.get().saturating_sub(1));
            h.get()
        });
        if left == 0
            && let Some(tx) = HELD.with(|w| w.borrow_mut().take())
        {
            let _woken = tx.send(());
        }
    }
}

/// Keep the engine from loading the documents until the returned hold is dropped: a screen
/// drawn from a kept reading takes one as it begins and drops it once on screen (or once it
/// knows it has no kept reading). `None` once the engine has begun.
pub fn hold() -> Option<Hold> {
    if LOADING.with(Cell::get) {
        return None;
    }
    HOLDS.with(|h| h.set(h.get() + 1));
    Some(Hold(()))
}

/// Wait until no screen holds the engine; if one did, until the browser has shown it.
async fn released() {
    if HOLDS.with(Cell::get) > 0 {
        let (tx, rx) = oneshot::channel();
        HELD.with(|w| *w.borrow_mut() = Some(tx));
        // The sender is only dropped by the last hold.
        let _released = rx.await;
        shown().await;
    }
    LOADING.with(|l| l.set(true));
}

/// Resolves after the next frame is painted (at once in a tab that is not shown, which paints
/// no frame; after 100 ms at most, should the tab be hidden meanwhile).
async fn shown() {
    let Some(window) = web_sys::window() else {
        return;
    };
    if window.document().is_some_and(|d| d.hidden()) {
        return;
    }
    let frame = js_sys::Promise::new(&mut |resolve, _| {
        let _id = window.request_animation_frame(&resolve);
    });
    let framed = wasm_bindgen_futures::JsFuture::from(frame);
    let _first = futures::future::select(framed, TimeoutFuture::new(100)).await;
    // The frame's callbacks run before it is painted; a task queued from them runs after.
    TimeoutFuture::new(0).await;
}

/// Start fetching the engine's module (as the page starts: it compiles while the first
/// screen is drawn).
pub fn fetch_early() {
    spawn_local(async {
        // A failure is met again, and retried, by `start`.
        let _fetched = fetch().await;
    });
}

/// Start the engine, in the background; if its module cannot be fetched, try again after
/// 0.5 s, doubling to every 8 s.
pub fn start() {
    spawn_local(async {
        let mut wait_ms = 500;
        while run().await.is_err() {
            web_sys::console::warn_1(
                &"the engine's module could not be fetched; trying again".into(),
            );
            TimeoutFuture::new(wait_ms).await;
            wait_ms = (wait_ms * 2).min(8_000);
        }
    });
}

/// Resolves once every document held on this tablet is loaded.
pub async fn ready() {
    if READY.with(Cell::get) {
        return;
    }
    let (tx, rx) = oneshot::channel();
    WAITING.with(|w| w.borrow_mut().push(tx));
    // The sender is only dropped once the documents are loaded.
    let _loaded = rx.await;
}

fn loaded() {
    READY.with(|r| r.set(true));
    for tx in WAITING.with(|w| std::mem::take(&mut *w.borrow_mut())) {
        let _woken = tx.send(());
    }
}

#[wasm_split(giamsat_engine, wasm_split_path = ::leptos::wasm_split, fallible, preload(fetch))]
fn run() -> Result<(), NotLoaded> {
    spawn_local(async {
        released().await;
        let w = ws();
        if let Err(e) = w.load_documents().await {
            w.signals.storage_error.set(Some(e));
        }
        loaded();
        crate::workspace::keep_when_hidden();
        // Ask for every supervision of the member's delegations, now and whenever the
        // member is taken again (signed in, `GET /api/me` refreshed).
        Effect::new(move |_| ws().want_all());
        crate::net::start();
    });
    Ok(())
}

/// Create a supervision from `setup` in `delegation` (see `Workspace::create_supervision`).
pub async fn create_supervision(setup: Setup, delegation: i64) -> Result<DocumentId, String> {
    ready().await;
    match create(setup, delegation).await {
        Ok(made) => made,
        Err(NotLoaded) => Err(crate::i18n::now(crate::i18n::Msg::ScreenNotLoaded).to_owned()),
    }
}

#[wasm_split(giamsat_engine, wasm_split_path = ::leptos::wasm_split, fallible)]
fn create(setup: Setup, delegation: i64) -> Result<Result<DocumentId, String>, NotLoaded> {
    Ok(ws().create_supervision(&setup, delegation))
}
