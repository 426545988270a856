//! The transport: one WebSocket that only moves frames. It opens, hands over the frames that
//! arrive and the moment it opens or closes as [`SocketEvent`]s on a channel, sends bytes,
//! and closes. It knows nothing of sessions, documents or the workspace (that is the sync
//! loop in `crate::net`).

use futures::channel::mpsc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, MessageEvent, WebSocket};

/// What the socket says.
pub enum SocketEvent {
    Open,
    Frame(Vec<u8>),
    Closed,
}

/// An open (or opening) WebSocket. Dropping it stops its events; [`Socket::close`] also ends
/// the event stream at once.
pub struct Socket {
    socket: WebSocket,
    events: mpsc::UnboundedSender<SocketEvent>,
    _handlers: [Closure<dyn FnMut()>; 2],
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Socket {
    /// Start opening a socket to `url`; its events arrive on the returned stream.
    pub fn open(url: &str) -> Option<(Socket, mpsc::UnboundedReceiver<SocketEvent>)> {
        let socket = WebSocket::new(url).ok()?;
        socket.set_binary_type(BinaryType::Arraybuffer);
        let (tx, rx) = mpsc::unbounded::<SocketEvent>();
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
                    let bytes = js_sys::Uint8Array::new(&buf).to_vec();
                    let _ = tx.unbounded_send(SocketEvent::Frame(bytes));
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
        let socket = Socket {
            socket,
            events: tx,
            _handlers: [on_open, on_close],
            _on_message: on_message,
        };
        Some((socket, rx))
    }

    /// A function that sends one binary frame on this socket (a failed send is a socket
    /// closing, which its `Closed` event reports).
    pub fn sender(&self) -> impl Fn(&[u8]) + 'static {
        let socket = self.socket.clone();
        move |bytes: &[u8]| {
            let _ = socket.send_with_u8_array(bytes);
        }
    }

    /// Close the socket and end its event stream now: a socket closed while the network is
    /// down may not report its close for a long while (the closing handshake cannot finish),
    /// and the tablet must show it is offline, and stop sending into it, straight away.
    pub fn close(&self) {
        let _ = self.socket.close();
        let _ = self.events.unbounded_send(SocketEvent::Closed);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        self.socket.set_onerror(None);
    }
}
