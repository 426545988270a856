//! `/sync`: the automerge-repo WebSocket, between a tablet and the sync engine.
//!
//! The upgrade needs a live device session (cookie) and, from a browser, this server's own
//! `Origin`; the peer id (`?peer=`) must be the user's (`u<id>-…`).
//!
//! Every inbound frame is decoded once with `shared::wire` (which refuses any CBOR form two
//! decoders could read differently) and checked by the connection's [`Gate`]; the engine
//! gets the decoded message the gate checked, never the tablet's bytes. A frame that is not
//! an automerge-repo message (bad CBOR, a repeated key, a text frame, over the size limit),
//! that is sent under another peer id, or that carries a change by an Automerge actor not
//! registered to this user (and not already on the server), gets an `error` message back
//! with the reason, and that connection closes; the other connections carry on.
//! A connection also closes as soon as its session is revoked or expires, and hears
//! `doc-unavailable` for a supervision as soon as a membership change takes it away.
//!
//! Two tasks per connection: [`read_loop`] (frames in, to the document tasks) and
//! [`write_loop`] (a bounded queue of frames out, [`OUT_QUEUE`], that the document tasks
//! fill and skip when full).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use shared::DocumentId;
use shared::engine;
use shared::wire::WireMessage;
use tokio::sync::{mpsc, oneshot};

use crate::AppState;
use crate::accounts::store;
use crate::api::session::peer_prefix;
use crate::auth;
use crate::error::ServerError;
use crate::sync::{Busy, Conn, Documents, Outgoing, ToDoc};
use crate::sync_gate::{Admitted, Gate, engine_access};

#[derive(Deserialize)]
pub struct PeerQuery {
    peer: Option<String>,
}

/// The upgrade handler.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<PeerQuery>,
    ws: WebSocketUpgrade,
) -> Response {
    if !auth::same_origin(&headers) {
        tracing::warn!("refused a sync connection from another origin");
        return ServerError::Forbidden(
            "Kết nối từ trang khác bị từ chối. / Connections from another site are refused.".into(),
        )
        .into_response();
    }
    let caller = match auth::caller(&state, &headers).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return ServerError::Unauthorized(
                "Cần đăng nhập để đồng bộ. / Sign in to sync.".into(),
            )
            .into_response();
        }
        Err(e) => return e.into_response(),
    };
    let prefix = peer_prefix(caller.user.id);
    let peer = match query.peer {
        Some(p)
            if p.len() <= prefix.len() + 64
                && p.strip_prefix(&prefix).is_some_and(|rest| {
                    !rest.is_empty()
                        && rest
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                }) =>
        {
            p
        }
        _ => {
            return ServerError::BadRequest(format!(
                "Thiếu hoặc sai mã kết nối: cần ?peer={prefix}<ký tự ngẫu nhiên>. \
                 / Missing or wrong peer id: use ?peer={prefix}<random characters>."
            ))
            .into_response();
        }
    };
    let actors = {
        let user = caller.user.id;
        match state
            .accounts
            .with(move |c| store::actors_of(c, user))
            .await
        {
            Ok(a) => a.into_iter().collect(),
            Err(e) => return e.into_response(),
        }
    };
    let limit = state.config.max_frame_bytes;
    // Small buffers: tungstenite's defaults (128 KiB each way) cost 256 MB at a thousand
    // connections; frames are sent one at a time and flushed anyway.
    ws.read_buffer_size(SOCKET_BUFFER)
        .write_buffer_size(SOCKET_BUFFER)
        .max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| async move {
            let gate = Gate {
                peer,
                life: auth::lifetime(&state),
                accounts: state.accounts.clone(),
                caller,
                actors,
                refused: HashSet::new(),
                refusals: 0,
                allowed: HashMap::new(),
                issuers: HashMap::new(),
                presence_sessions: HashSet::new(),
                server_peer: state.documents.peer_id().to_owned(),
            };
            let (ws_tx, ws_rx) = socket.split();
            let (out, queue) = mpsc::channel(OUT_QUEUE);
            let (stop, stopped) = oneshot::channel();
            tokio::spawn(write_loop(ws_tx, queue, stopped));
            read_loop(state, ws_rx, out, gate).await;
            let _ = stop.send(());
        })
}

/// Frames one connection may have waiting to go out. A document task that finds the queue
/// full skips this peer and catches it up later in one message, so a slow tablet costs at
/// most this much memory.
pub const OUT_QUEUE: usize = 128;

/// Each connection's read and write buffer, in bytes.
const SOCKET_BUFFER: usize = 8 * 1024;

/// How long a refusal may wait for room in a full outbound queue.
const LAST_WORDS: std::time::Duration = std::time::Duration::from_secs(2);

/// How often (at most) a connection re-checks that its session has not expired.
const SESSION_RECHECK: std::time::Duration = std::time::Duration::from_secs(60);

/// At most this many supervisions open on one connection (a member's tablet has a few
/// dozen; an organisation's leader a few hundred).
pub const MAX_OPEN_DOCUMENTS: usize = 2048;

/// Everything queued for the tablet, in order, until the queue says close or the reading
/// side ends.
async fn write_loop(
    mut ws: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Outgoing>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut reading = true;
    loop {
        // What is queued goes first; once the reading side has ended, what is left in the
        // queue (its last words, say) still goes, then the socket closes.
        let next = if reading {
            tokio::select! {
                biased;
                next = queue.recv() => next,
                _ = &mut stopped => {
                    reading = false;
                    continue;
                }
            }
        } else {
            queue.try_recv().ok()
        };
        let mut next = next;
        // Every frame already queued goes out with one flush (one write to the socket, not
        // one per frame).
        let mut fed = false;
        let closing = loop {
            match next {
                Some(Outgoing::Frame(bytes)) => {
                    if ws.feed(Message::Binary(bytes.into())).await.is_err() {
                        return;
                    }
                    fed = true;
                }
                Some(Outgoing::Close(message)) => {
                    let refusal = WireMessage::Error { message }.encode();
                    let _ = ws.feed(Message::Binary(refusal.into())).await;
                    break true;
                }
                None => break true,
            }
            next = match queue.try_recv() {
                Ok(more) => Some(more),
                Err(_) => break false,
            };
        };
        if (fed || closing) && ws.flush().await.is_err() {
            return;
        }
        if closing {
            break;
        }
    }
    let _ = ws.send(Message::Close(None)).await;
}

/// Why the reading side ends.
enum End {
    /// The tablet left (or vanished): nothing to say.
    Quietly,
    /// Tell it why, then close.
    Refused(String),
}

/// Frames in: decoded, admitted by the gate, handed to the document tasks. Ends when the
/// tablet leaves, a frame is refused, or the session ends; every document it opened then
/// forgets it.
async fn read_loop(
    state: AppState,
    mut ws: SplitStream<WebSocket>,
    out: mpsc::Sender<Outgoing>,
    mut gate: Gate,
) {
    let docs = state.documents.clone();
    let conn = Arc::new(Conn {
        id: docs.conn_id(),
        peer_id: gate.peer.clone(),
        user: gate.caller.user.id,
        username: gate.caller.user.username.clone(),
        out: out.clone(),
    });
    let mut revocations = state.sessions.subscribe();
    let mut memberships = state.accounts.changes();
    let mut recheck = {
        // Every minute, or more often when sessions are shorter than that.
        let every = SESSION_RECHECK.min(std::time::Duration::from_secs(
            state.config.session_ttl.max(1),
        ));
        let mut i = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        i
    };
    let mut opened: HashMap<DocumentId, engine::Access> = HashMap::new();
    let mut joined = false;
    let end = loop {
        let frame = tokio::select! {
            frame = ws.next() => frame,
            changed = revocations.changed() => {
                if changed.is_ok() && gate.session_live().await {
                    continue;
                }
                break End::Refused(SESSION_ENDED.into());
            }
            _ = recheck.tick() => {
                if gate.session_live().await {
                    continue;
                }
                break End::Refused(SESSION_ENDED.into());
            }
            changed = memberships.changed() => {
                if changed.is_ok() {
                    gate.forget_access();
                    if recheck_access(&docs, &conn, &mut gate, &mut opened).await.is_err() {
                        // A task that cannot be told would go on sending to this connection
                        // what its account may no longer read: end it (the tablet reconnects,
                        // and its access is read afresh).
                        break End::Refused(BUSY.into());
                    }
                }
                continue;
            }
        };
        let bytes = match frame {
            None | Some(Ok(Message::Close(_))) => break End::Quietly,
            Some(Ok(Message::Binary(bytes))) => bytes,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Text(_))) => {
                break End::Refused(
                    "khung văn bản không được chấp nhận / text frames are not accepted".into(),
                );
            }
            Some(Err(e)) => {
                let text = e.to_string();
                // A peer that vanished (reset, no close handshake) is just gone; only a
                // refused frame (over the size limit) deserves an answer.
                if text.contains("too long")
                    || text.contains("Capacity")
                    || text.contains("Space limit")
                {
                    break End::Refused(format!("khung quá lớn / frame too large: {text}"));
                }
                tracing::debug!("sync connection ended: {text}");
                break End::Quietly;
            }
        };
        let admitted = match WireMessage::decode(&bytes) {
            Ok(message) => gate.admit(message).await,
            Err(e) => Err(format!("khung không hợp lệ / malformed frame: {e}")),
        };
        let to_doc = match admitted {
            Err(reason) => break End::Refused(reason),
            Ok(Admitted::End) => break End::Quietly,
            Ok(Admitted::Ignore) => continue,
            Ok(Admitted::Answer(answer)) => {
                if out.send(Outgoing::Frame(answer.encode())).await.is_err() {
                    break End::Quietly;
                }
                continue;
            }
            Ok(Admitted::Join) if !joined => {
                joined = true;
                if out
                    .send(Outgoing::Frame(docs.peer_answer(&conn.peer_id)))
                    .await
                    .is_err()
                {
                    break End::Quietly;
                }
                continue;
            }
            Ok(Admitted::Join) => {
                break End::Refused("lời chào lặp lại / a repeated join".into());
            }
            Ok(_) if !joined => break End::Refused("cần gửi join trước / send join first".into()),
            Ok(Admitted::Sync {
                doc,
                request,
                access,
                message,
                changes,
            }) => {
                if !opened.contains_key(&doc) && opened.len() >= MAX_OPEN_DOCUMENTS {
                    break End::Refused(format!(
                        "quá {MAX_OPEN_DOCUMENTS} cuộc giám sát trên một kết nối / over {MAX_OPEN_DOCUMENTS} supervisions on one connection"
                    ));
                }
                opened.insert(doc, access);
                (
                    doc,
                    ToDoc::Sync {
                        conn: conn.clone(),
                        access,
                        request,
                        message,
                        changes,
                    },
                )
            }
            Ok(Admitted::Ephemeral { doc, message }) => {
                if !opened.contains_key(&doc) {
                    continue;
                }
                (
                    doc,
                    ToDoc::Ephemeral {
                        conn: conn.clone(),
                        message,
                    },
                )
            }
        };
        let (doc, msg) = to_doc;
        if docs.send(doc, msg).is_err() {
            break End::Refused(BUSY.into());
        }
    };
    if let End::Refused(reason) = end {
        tracing::warn!("closing a sync connection: {reason}");
        let _ = tokio::time::timeout(LAST_WORDS, out.send(Outgoing::Close(reason))).await;
    }
    for doc in opened.into_keys() {
        let _ = docs.send(
            doc,
            ToDoc::Gone {
                conn: conn.id,
                user: conn.user,
            },
        );
    }
}

const SESSION_ENDED: &str = "phiên đăng nhập đã hết hạn hoặc bị thu hồi; hãy đăng nhập lại \
                             / the session expired or was revoked; sign in again";

const BUSY: &str = "máy chủ đang bận; máy tính bảng sẽ kết nối lại và gửi lại \
                    / the server is busy; the tablet reconnects and sends again";

/// After a membership change: every supervision open on this connection is checked again,
/// and its task told if this account's access to it changed. `Err` if a task could not be
/// told (its queue was full): the connection must end.
async fn recheck_access(
    docs: &Arc<Documents>,
    conn: &Arc<Conn>,
    gate: &mut Gate,
    opened: &mut HashMap<DocumentId, engine::Access>,
) -> Result<(), Busy> {
    let ids: Vec<DocumentId> = opened.keys().copied().collect();
    for doc in ids {
        let access = engine_access(gate.access(doc).await);
        if opened.get(&doc).copied() == access {
            continue;
        }
        match access {
            Some(a) => opened.insert(doc, a),
            None => opened.remove(&doc),
        };
        docs.send(
            doc,
            ToDoc::Access {
                conn: conn.id,
                access,
            },
        )?;
    }
    Ok(())
}
