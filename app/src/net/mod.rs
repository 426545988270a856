//! The sync loop: it owns connecting, registering and presence; the socket, which only
//! moves frames, is [`socket`]. Before every socket opens: `GET /api/me` (does the session
//! still work? which delegations and supervisions now?), then this device's actors and the
//! supervisions created here are registered (`crate::workspace::outbox`), and only then the
//! WebSocket opens at `/sync?peer=<peerPrefix><random>`, that same id being the `senderId`
//! of `join`. Frames go to and from the workspace (`Workspace::receive`, `connected`).
//!
//! It reconnects with back-off (0.5 s doubling to 10 s), and at once when the browser is back
//! online or the member signs in. A `401` means the session expired or was revoked: nothing
//! connects until the member signs in again, and every local change waits in IndexedDB.
//! While connected, `/api/me` is asked again now and then, so a supervision another member
//! created appears in the list (and the session, used, stays alive).

mod socket;

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc;
use futures::{FutureExt, StreamExt};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use socket::{Socket, SocketEvent};

use crate::account::{Me, SessionState};
use crate::api;
use crate::workspace::{now_ms, outbox, ws};

thread_local! {
    /// Wakes the reconnect wait early (back online, signed in).
    static WAKE: RefCell<Option<mpsc::UnboundedSender<()>>> = const { RefCell::new(None) };
    /// The open socket, so going offline or losing the session can close it.
    static OPEN: RefCell<Option<Rc<Socket>>> = const { RefCell::new(None) };
}

/// Start syncing in the background, for the life of the page.
pub fn start() {
    listen_online_offline();
    // Presence heartbeat: announce ourselves, forget whoever went quiet.
    spawn_local(async {
        loop {
            TimeoutFuture::new(shared::presence::HEARTBEAT_MS as u32).await;
            ws().presence_tick();
        }
    });
    // Whoever learns the session is over (a 401 anywhere) says so in the workspace; the
    // open socket closes here, and nothing reconnects until the member signs in again.
    let session = ws().signals.session;
    Effect::new(move |_| {
        if session.get() == SessionState::Expired {
            close_socket();
        }
    });
    let (tx, rx) = mpsc::unbounded();
    WAKE.with(|w| *w.borrow_mut() = Some(tx));
    spawn_local(run(rx));
    spawn_local(keep_fresh());
}

/// Try to connect now (the member signed in, the browser came back online).
pub fn wake() {
    WAKE.with(|w| {
        if let Some(tx) = w.borrow().as_ref() {
            let _ = tx.unbounded_send(());
        }
    });
}

fn close_socket() {
    if let Some(socket) = OPEN.with(|s| s.borrow().clone()) {
        socket.close();
    }
}

/// How one try to connect ended.
enum Attempt {
    /// The socket opened (and has closed since).
    Opened,
    /// Offline, or the server failed: try again after the back-off.
    Failed,
    /// Signed out, or the session is over: wait for a sign-in.
    NeedsSignIn,
}

async fn run(mut wakes: mpsc::UnboundedReceiver<()>) {
    let mut backoff = 500;
    loop {
        // Wakes that came during the attempt are answered by the attempt itself.
        while wakes.try_recv().is_ok() {}
        let attempt = attempt().await;
        ws().disconnected();
        match attempt {
            Attempt::NeedsSignIn => {
                wakes.next().await;
                backoff = 500;
                continue;
            }
            Attempt::Opened => backoff = 500,
            Attempt::Failed => {}
        }
        futures::select! {
            _ = TimeoutFuture::new(backoff).fuse() => {},
            _ = wakes.next() => { backoff = 500; },
        }
        backoff = (backoff * 2).min(10_000);
    }
}

/// Check the session, register what the server must know, then connect until it closes.
async fn attempt() -> Attempt {
    // A sign-out made offline is owed to the server first.
    if crate::sign_out::finish().await.is_err() {
        return Attempt::Failed;
    }
    let w = ws();
    if w.signals.me.with_untracked(Option::is_none) {
        return Attempt::NeedsSignIn;
    }
    let me = match api::get::<Me>("/api/me").await {
        Ok(me) => me,
        Err(e) => return failed(e),
    };
    w.signals.session.set(SessionState::Active);
    let prefix = me.peer_prefix.clone();
    w.set_me(me).await;
    if let Err(e) = outbox::register_all().await {
        return failed(e);
    }
    let peer = w.ensure_peer(&prefix);
    if connect_once(&peer).await {
        Attempt::Opened
    } else {
        Attempt::Failed
    }
}

fn failed(e: api::ApiError) -> Attempt {
    if e.is_unauthorized() {
        ws().session_lost();
        Attempt::NeedsSignIn
    } else {
        Attempt::Failed
    }
}

/// While connected, ask `/api/me` again every half of the session's remaining life (at
/// most every minute, at least every second).
async fn keep_fresh() {
    loop {
        let expires_at = ws()
            .signals
            .me
            .with_untracked(|m| m.as_ref().map(|m| m.session.expires_at));
        let wait = expires_at.map_or(60_000, |at| ((at - now_ms()) / 2).clamp(1_000, 60_000));
        TimeoutFuture::new(wait as u32).await;
        if ws().is_ready() {
            refresh_me().await;
        }
    }
}

/// Ask the server who we are now (delegations, roles, supervisions).
pub async fn refresh_me() {
    match api::get::<Me>("/api/me").await {
        Ok(me) => ws().set_me(me).await,
        Err(e) if e.is_unauthorized() => ws().session_lost(),
        Err(_) => {}
    }
}

fn sync_url(peer: &str) -> Option<String> {
    let loc = web_sys::window()?.location();
    let scheme = if loc.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!(
        "{scheme}://{}/sync?peer={}",
        loc.host().ok()?,
        api::segment(peer)
    ))
}

/// One connection, until it closes. Returns whether it opened and ended without the
/// server refusing anything.
async fn connect_once(peer: &str) -> bool {
    let Some((socket, mut events)) = sync_url(peer).and_then(|url| Socket::open(&url)) else {
        return false;
    };
    let socket = Rc::new(socket);
    OPEN.with(|s| *s.borrow_mut() = Some(socket.clone()));
    let mut opened = false;
    while let Some(event) = events.next().await {
        match event {
            SocketEvent::Open => {
                opened = true;
                ws().connected(Box::new(socket.sender()));
            }
            SocketEvent::Frame(bytes) => {
                if let Some(error) = ws().receive(&bytes) {
                    // The server refused something: back off as after a failure, or a refusal
                    // that repeats would reconnect twice a second.
                    web_sys::console::warn_1(&format!("sync closed: {error}").into());
                    socket.close();
                    opened = false;
                    break;
                }
            }
            SocketEvent::Closed => break,
        }
    }
    OPEN.with(|s| *s.borrow_mut() = None);
    opened
}

/// Close the socket when the browser goes offline; reconnect at once when it comes back.
fn listen_online_offline() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let online = Closure::<dyn FnMut()>::new(wake);
    let offline = Closure::<dyn FnMut()>::new(close_socket);
    let _ = window.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback("offline", offline.as_ref().unchecked_ref());
    // Listeners live as long as the page.
    online.forget();
    offline.forget();
}

/// The member signed in (or accepted an invitation): keep who they are, and connect now.
pub async fn signed_in(me: Me) {
    let w = ws();
    w.set_me(me).await;
    w.signals.session.set(SessionState::Active);
    wake();
}
