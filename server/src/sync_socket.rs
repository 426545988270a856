//! `/sync`: the automerge-repo WebSocket, handed to samod after one check of our own.
//!
//! Every inbound frame is decoded with `shared::wire` before samod sees it. A frame that is
//! not an automerge-repo message (bad CBOR, a text frame, over the size limit) gets an
//! `error` message back with the reason, and that connection closes; samod, the other
//! connections and the server carry on. samod itself would close silently.

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::channel::mpsc;
use futures::{SinkExt, Stream, StreamExt};
use shared::wire::WireMessage;

use crate::AppState;

/// Why a connection's inbound stream ended early.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(String);

/// The upgrade handler.
pub async fn upgrade(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    let limit = state.config.max_frame_bytes;
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| async move { attach(state, socket) })
}

/// Wrap the socket in a checked transport and give it to samod.
fn attach(state: AppState, socket: WebSocket) {
    let (mut ws_tx, ws_rx) = socket.split();
    // Everything we send goes through one channel, so an error message written by the
    // checker is ordered with samod's own messages, and the socket closes after both.
    let (out_tx, mut out_rx) = mpsc::channel::<Vec<u8>>(64);
    let durable = state.storage.durable.clone();
    tokio::spawn(async move {
        while let Some(bytes) = out_rx.next().await {
            // A sync message tells the peer our heads, and the peer counts what they cover as
            // confirmed: hold it until those heads are on disk.
            if let Some((doc, heads)) = advertised_heads(&bytes) {
                if !durable.wait_for(&doc, &heads, DURABLE_BOUND).await {
                    tracing::error!(
                        "changes to {doc} are not on disk after {DURABLE_BOUND:?}; closing the connection rather than confirm them"
                    );
                    let refusal = WireMessage::Error {
                        message:
                            "máy chủ chưa lưu được thay đổi / the server could not store changes"
                                .into(),
                    };
                    let _ = ws_tx.send(Message::Binary(refusal.encode().into())).await;
                    break;
                }
            }
            if ws_tx.send(Message::Binary(bytes.into())).await.is_err() {
                return;
            }
        }
        let _ = ws_tx.send(Message::Close(None)).await;
    });
    let inbound = checked(ws_rx, out_tx.clone());
    let transport = samod::Transport::new(inbound, out_tx);
    if state.acceptor.accept(transport).is_err() {
        tracing::warn!("a sync connection arrived while the repo is stopping");
    }
}

/// How long a sync message may wait for its heads to reach the disk.
const DURABLE_BOUND: std::time::Duration = std::time::Duration::from_secs(30);

/// The document and the heads an outgoing `sync`/`request` advertises, if it is one.
fn advertised_heads(bytes: &[u8]) -> Option<(String, Vec<automerge::ChangeHash>)> {
    match WireMessage::decode(bytes).ok()? {
        WireMessage::Sync(m) | WireMessage::Request(m) => {
            let msg = automerge::sync::Message::decode(&m.data).ok()?;
            Some((m.document_id.to_string(), msg.heads))
        }
        _ => None,
    }
}

/// The inbound frames samod sees: only well-formed automerge-repo messages. At the first bad
/// frame, an `error` message is queued for the peer and the stream ends.
fn checked(
    ws_rx: impl Stream<Item = Result<Message, axum::Error>> + Send + Unpin + 'static,
    errors: mpsc::Sender<Vec<u8>>,
) -> impl Stream<Item = Result<Vec<u8>, Refused>> + Send + Unpin + 'static {
    futures::stream::unfold(
        (ws_rx, errors, false),
        |(mut rx, mut errors, done)| async move {
            if done {
                return None;
            }
            loop {
                let refusal = match rx.next().await? {
                    Ok(Message::Binary(bytes)) => match WireMessage::decode(&bytes) {
                        // A sync message is checked too: some would crash automerge (see shared::sync_guard).
                        Ok(WireMessage::Sync(m) | WireMessage::Request(m)) => {
                            match shared::sync_guard::decode(&m.data) {
                                Ok(_) => return Some((Ok(bytes.to_vec()), (rx, errors, false))),
                                Err(e) => format!("khung không hợp lệ / malformed frame: {e}"),
                            }
                        }
                        Ok(_) => return Some((Ok(bytes.to_vec()), (rx, errors, false))),
                        Err(e) => format!("khung không hợp lệ / malformed frame: {e}"),
                    },
                    Ok(Message::Text(_)) => {
                        "khung văn bản không được chấp nhận / text frames are not accepted"
                            .to_owned()
                    }
                    Ok(Message::Close(_)) => return None,
                    Ok(Message::Ping(_) | Message::Pong(_)) => continue,
                    Err(e) => {
                        let text = e.to_string();
                        // A peer that vanished (reset, no close handshake) is just gone; only a
                        // refused frame (over the size limit) deserves an answer.
                        if !(text.contains("too long")
                            || text.contains("Capacity")
                            || text.contains("Space limit"))
                        {
                            tracing::debug!("sync connection ended: {text}");
                            return None;
                        }
                        format!("khung quá lớn / frame too large: {text}")
                    }
                };
                tracing::warn!("closing a sync connection: {refusal}");
                let _ = errors
                    .send(
                        WireMessage::Error {
                            message: refusal.clone(),
                        }
                        .encode(),
                    )
                    .await;
                return Some((Err(Refused(refusal)), (rx, errors, true)));
            }
        },
    )
    .boxed()
}
