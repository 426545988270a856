//! The WebSocket adapter: connect to `/sync`, feed frames to the workspace, reconnect with
//! back-off (0.5 s doubling to 10 s), and reconnect at once when the browser says it is
//! back online. It also fetches the catalogue's id on each connection.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::{mpsc, oneshot};
use futures::{FutureExt, StreamExt};
use gloo_timers::future::TimeoutFuture;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BinaryType, MessageEvent, WebSocket};

use crate::workspace::ws;

enum SocketEvent {
    Open,
    Frame(Vec<u8>),
    Closed,
}

thread_local! {
    /// Wakes the reconnect wait early (the browser came back online).
    static WAKE: RefCell<Option<oneshot::Sender<()>>> = const { RefCell::new(None) };
    /// The open socket, so going offline can close it.
    static SOCKET: RefCell<Option<WebSocket>> = const { RefCell::new(None) };
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
    spawn_local(async {
        let mut backoff = 500;
        loop {
            if connect_once().await {
                backoff = 500;
            }
            ws().disconnected();
            let (tx, rx) = oneshot::channel();
            WAKE.with(|w| *w.borrow_mut() = Some(tx));
            futures::select! {
                _ = TimeoutFuture::new(backoff).fuse() => {},
                _ = rx.fuse() => { backoff = 500; },
            }
            backoff = (backoff * 2).min(10_000);
        }
    });
}

fn sync_url() -> Option<String> {
    let loc = web_sys::window()?.location();
    let scheme = if loc.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/sync", loc.host().ok()?))
}

/// One connection, until it closes. Returns whether it opened.
async fn connect_once() -> bool {
    let Some(url) = sync_url() else { return false };
    let Ok(socket) = WebSocket::new(&url) else {
        return false;
    };
    socket.set_binary_type(BinaryType::Arraybuffer);
    let (tx, mut rx) = mpsc::unbounded::<SocketEvent>();
    let on_open = {
        let tx = tx.clone();
        Closure::<dyn FnMut()>::new(move || {
            let _ = tx.unbounded_send(SocketEvent::Open);
        })
    };
    let on_message = {
        let tx = tx.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Ok(buf) = e.data().dyn_into::<js_sys::ArrayBuffer>() {
                let _ =
                    tx.unbounded_send(SocketEvent::Frame(js_sys::Uint8Array::new(&buf).to_vec()));
            }
        })
    };
    let on_close = {
        let tx = tx.clone();
        Closure::<dyn FnMut()>::new(move || {
            let _ = tx.unbounded_send(SocketEvent::Closed);
        })
    };
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    socket.set_onerror(Some(on_close.as_ref().unchecked_ref()));
    SOCKET.with(|s| *s.borrow_mut() = Some(socket.clone()));

    let mut opened = false;
    while let Some(event) = rx.next().await {
        match event {
            SocketEvent::Open => {
                opened = true;
                let sender = Rc::new(socket.clone());
                ws().connected(Box::new(move |bytes: &[u8]| {
                    let _ = sender.send_with_u8_array(bytes);
                }));
                spawn_local(fetch_catalogue());
            }
            SocketEvent::Frame(bytes) => {
                if let Some(error) = ws().receive(&bytes) {
                    web_sys::console::warn_1(&format!("sync closed: {error}").into());
                    let _ = socket.close();
                    break;
                }
            }
            SocketEvent::Closed => break,
        }
    }
    socket.set_onopen(None);
    socket.set_onmessage(None);
    socket.set_onclose(None);
    socket.set_onerror(None);
    SOCKET.with(|s| *s.borrow_mut() = None);
    drop((on_open, on_message, on_close));
    opened
}

/// Ask the server for the catalogue's id.
async fn fetch_catalogue() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(resp) = JsFuture::from(window.fetch_with_str("/api/catalogue")).await else {
        return;
    };
    let Ok(resp) = resp.dyn_into::<web_sys::Response>() else {
        return;
    };
    if !resp.ok() {
        return;
    }
    let Ok(promise) = resp.text() else { return };
    let Ok(text) = JsFuture::from(promise).await else {
        return;
    };
    let Some(text) = text.as_string() else { return };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return;
    };
    if let Some(id) = value["documentId"].as_str().and_then(|s| s.parse().ok()) {
        ws().catalogue_known(id);
    }
}

/// Close the socket when the browser goes offline; reconnect at once when it comes back.
fn listen_online_offline() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let online = Closure::<dyn FnMut()>::new(|| {
        if let Some(tx) = WAKE.with(|w| w.borrow_mut().take()) {
            let _ = tx.send(());
        }
    });
    let offline = Closure::<dyn FnMut()>::new(|| {
        if let Some(s) = SOCKET.with(|s| s.borrow().clone()) {
            let _ = s.close();
        }
    });
    let _ = window.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback("offline", offline.as_ref().unchecked_ref());
    // Listeners live as long as the page.
    online.forget();
    offline.forget();
}
