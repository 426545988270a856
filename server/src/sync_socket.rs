//! `/sync`: the automerge-repo WebSocket, handed to samod after checks of our own.
//!
//! The upgrade needs a live device session (cookie) and, from a browser, this server's own
//! `Origin`; the peer id (`?peer=`) must be the user's (`u<id>-…`), and samod holds the
//! `join` to it (`with_expected_peer_id`), so the share policy ([`crate::share`]) knows who
//! is asking.
//!
//! Every inbound frame is decoded with `shared::wire` (which refuses any CBOR form two
//! decoders could read differently), checked, and **re-encoded** from what was checked:
//! samod never reads a tablet's own bytes. A frame that is not an automerge-repo message
//! (bad CBOR, a repeated key, a text frame, over the size limit), that is sent under another
//! peer id, or that carries a change by an Automerge actor not registered to this user (and
//! not already on the server), gets an `error` message back with the reason, and that
//! connection closes; samod, the other connections and the server carry on. samod itself
//! would close silently.
//! A connection also closes as soon as its session is revoked or expires.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures::channel::mpsc;
use futures::{SinkExt, Stream, StreamExt};
use serde::Deserialize;
use shared::wire::WireMessage;

use crate::accounts::{Access, Accounts, audit, sessions, store};
use crate::api::session::peer_prefix;
use crate::auth::{self, Caller};
use crate::durable::Durable;
use crate::error::ServerError;
use crate::shards::Shards;
use crate::{AppState, now_ms};

/// Why a connection's inbound stream ended early.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(String);

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
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| async move {
            let gate = Gate {
                peer: peer.clone(),
                life: auth::lifetime(&state),
                accounts: state.accounts.clone(),
                durable: state.storage.durable.clone(),
                revocations: state.sessions.subscribe(),
                recheck: {
                    // Every minute, or more often when sessions are shorter than that.
                    let every = SESSION_RECHECK.min(std::time::Duration::from_secs(
                        state.config.session_ttl.max(1),
                    ));
                    let start = tokio::time::Instant::now() + every;
                    let mut i = tokio::time::interval_at(start, every);
                    i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    i
                },
                caller,
                actors,
                refused: HashSet::new(),
                refusals: 0,
                allowed: HashMap::new(),
                memberships: state.accounts.changes(),
                presence_sessions: HashSet::new(),
                server_peer: state.shards.peer_id(),
                quota: state.changes.clone(),
            };
            attach(state, socket, peer, gate)
        })
}

/// Wrap the socket in a checked stream and join it, document by document, to the shards.
fn attach(state: AppState, socket: WebSocket, peer: String, gate: Gate) {
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
    let inbound = checked(ws_rx, out_tx.clone(), gate);
    tokio::spawn(route(state.shards.clone(), peer, inbound, out_tx));
}

/// Where an inbound frame goes.
enum Route {
    /// The handshake: answered here, and replayed to each shard as it is joined.
    Join { sender_id: String },
    /// About one document: to the shard that holds it.
    Doc(String),
    /// About the connection (leave, subscriptions): to every shard joined so far.
    All,
}

impl Route {
    fn of(msg: &WireMessage) -> Self {
        match msg {
            WireMessage::Join { sender_id, .. } => Route::Join {
                sender_id: sender_id.clone(),
            },
            WireMessage::Request(m) | WireMessage::Sync(m) => Route::Doc(m.document_id.to_string()),
            WireMessage::DocUnavailable { document_id, .. }
            | WireMessage::Ephemeral { document_id, .. }
            | WireMessage::RemoteHeadsChanged { document_id, .. } => {
                Route::Doc(document_id.to_string())
            }
            _ => Route::All,
        }
    }
}

/// Send each checked frame to the shard of its document, joining this connection to a shard
/// the first time one of its documents comes up. Ends (and with it every shard's side of
/// the connection) when the tablet leaves, a frame is refused, or a shard closes its side.
async fn route(
    shards: Arc<Shards>,
    peer: String,
    mut inbound: impl Stream<Item = Result<(Vec<u8>, Route), Refused>> + Unpin,
    mut out: mpsc::Sender<Vec<u8>>,
) {
    let mut joined: HashMap<usize, mpsc::Sender<Result<Vec<u8>, Refused>>> = HashMap::new();
    let mut join: Option<Vec<u8>> = None;
    let (closed_tx, mut closed_rx) = mpsc::channel::<()>(1);
    loop {
        let frame = tokio::select! {
            frame = inbound.next() => frame,
            _ = closed_rx.next() => break,
        };
        // A refusal was already queued for the tablet by the checker.
        let Some(Ok((bytes, route))) = frame else {
            break;
        };
        let refusal = match route {
            Route::Join { sender_id } if sender_id == peer && join.is_none() => {
                join = Some(bytes);
                if out.send(shards.peer_answer(&peer)).await.is_err() {
                    break;
                }
                continue;
            }
            Route::Join { .. } => "lời chào sai hoặc lặp lại / a wrong or repeated join".to_owned(),
            Route::Doc(doc) => {
                let Some(hello) = &join else {
                    refuse(&mut out, "cần gửi join trước / send join first".into()).await;
                    break;
                };
                let k = shards.index(&doc);
                let tx = match joined.entry(k) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(e) => {
                        match join_shard(&shards, k, &peer, hello.clone(), &out, &closed_tx) {
                            Some(tx) => e.insert(tx),
                            None => break,
                        }
                    }
                };
                if tx.send(Ok(bytes)).await.is_ok() {
                    continue;
                }
                break;
            }
            Route::All => {
                for tx in joined.values_mut() {
                    let _ = tx.send(Ok(bytes.clone())).await;
                }
                continue;
            }
        };
        refuse(&mut out, refusal).await;
        break;
    }
}

/// Tell the tablet why its connection closes.
async fn refuse(out: &mut mpsc::Sender<Vec<u8>>, refusal: String) {
    tracing::warn!("closing a sync connection: {refusal}");
    let _ = out
        .send(WireMessage::Error { message: refusal }.encode())
        .await;
}

/// Open this connection's side in shard `k`: replay the tablet's `join`, and pass on what
/// the shard sends but its own `peer` answer (the tablet already has one).
fn join_shard(
    shards: &Shards,
    k: usize,
    peer: &str,
    join: Vec<u8>,
    out: &mpsc::Sender<Vec<u8>>,
    closed: &mpsc::Sender<()>,
) -> Option<mpsc::Sender<Result<Vec<u8>, Refused>>> {
    let (mut in_tx, in_rx) = mpsc::channel::<Result<Vec<u8>, Refused>>(64);
    let (shard_tx, mut shard_rx) = mpsc::channel::<Vec<u8>>(64);
    in_tx.try_send(Ok(join)).ok()?;
    // If the shard is rebuilt (a task of it panicked), this connection closes and the tablet
    // reconnects to the new one. Watched from before the shard takes the connection.
    let mut restarts = shards.restarts(k)?;
    let transport = samod::Transport::new(in_rx, shard_tx)
        .with_expected_peer_id(samod::PeerId::from(peer.to_owned()));
    if !shards.accept(k, transport) {
        tracing::warn!("a sync connection arrived while the repo is stopping");
        return None;
    }
    let (mut out, mut closed) = (out.clone(), closed.clone());
    tokio::spawn(async move {
        let mut answered = false;
        loop {
            let bytes = tokio::select! {
                bytes = shard_rx.next() => match bytes {
                    Some(b) => b,
                    None => break,
                },
                _ = restarts.changed() => {
                    let _ = out
                        .send(WireMessage::Error {
                            message: "máy chủ khởi động lại phần đồng bộ; hãy kết nối lại \
                                      / the server restarted part of sync; reconnect"
                                .into(),
                        }
                        .encode())
                        .await;
                    break;
                }
            };
            if !answered && matches!(WireMessage::decode(&bytes), Ok(WireMessage::Peer { .. })) {
                answered = true;
                continue;
            }
            if out.send(bytes).await.is_err() {
                break;
            }
        }
        let _ = closed.try_send(());
    });
    Some(in_tx)
}

/// Supervisions one connection may ask for without being allowed to open them. A tablet
/// asks only for its delegations' supervisions, and one just removed from a delegation a
/// handful; a flood of guessed ids closes the connection.
const MAX_REFUSED_DOCUMENTS: usize = 256;

/// Presence: a tablet uses one session id per page load, the JS client one per repo.
const MAX_PRESENCE_SESSIONS: usize = 8;
const MAX_SESSION_ID_CHARS: usize = 64;

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

/// What becomes of a decoded inbound message.
enum Admitted {
    /// Passed every check: re-encoded and sent on.
    Forward(WireMessage),
    /// Answered here, never shown to samod (a request for a supervision this account may
    /// not open: samod would create a document for it and keep it for good).
    Answer(WireMessage),
    /// A message type this server does not know (a newer client), or presence about a
    /// supervision this account may not open: dropped.
    Ignore,
    /// The tablet reported an error and is closing: so do we.
    End,
}

/// What a connection is allowed: whose it is, which actors are theirs.
struct Gate {
    /// The connection's peer id, checked at the upgrade: every message must be sent as it.
    peer: String,
    /// How long sessions live (the connection closes when its session's time is up).
    life: sessions::Lifetime,
    accounts: Accounts,
    durable: Arc<Durable>,
    revocations: tokio::sync::watch::Receiver<u64>,
    /// Ticks every [`SESSION_RECHECK`] whatever the traffic (presence alone sends a frame
    /// every 2 s, so a sleep restarted per frame would never fire).
    recheck: tokio::time::Interval,
    caller: Caller,
    actors: HashSet<String>,
    /// Documents this connection asked about that it may not see, already in the audit log
    /// and answered `doc-unavailable` here.
    refused: HashSet<String>,
    /// How many documents were refused on this connection in all (the caches are dropped at
    /// every membership change; this count is not): past [`MAX_REFUSED_DOCUMENTS`] the
    /// connection closes.
    refusals: usize,
    /// Documents it may see, and how (not asked again on this connection).
    allowed: HashMap<String, Access>,
    /// Bumped by every membership change: the two caches above are then dropped.
    memberships: tokio::sync::watch::Receiver<u64>,
    /// The presence session ids this connection has used (at most [`MAX_PRESENCE_SESSIONS`]).
    presence_sessions: HashSet<String>,
    /// The server's peer id, as the sender of the answers given here.
    server_peer: String,
    /// New changes per account per minute.
    quota: Arc<crate::change_quota::ChangeQuota>,
}

impl Gate {
    /// Check one decoded message: it is sent as this connection's peer, it is a message a
    /// tablet may send, and a sync message is one automerge can read safely (see
    /// `shared::sync_guard`) whose changes are this user's.
    async fn admit(&mut self, message: WireMessage) -> Result<Admitted, String> {
        let sender = match &message {
            WireMessage::Join { sender_id, .. }
            | WireMessage::Leave { sender_id }
            | WireMessage::DocUnavailable { sender_id, .. }
            | WireMessage::Ephemeral { sender_id, .. }
            | WireMessage::RemoteSubscriptionChange { sender_id, .. }
            | WireMessage::RemoteHeadsChanged { sender_id, .. } => sender_id,
            WireMessage::Request(m) | WireMessage::Sync(m) => &m.sender_id,
            WireMessage::Peer { .. } => {
                return Err(
                    "máy tính bảng không gửi peer / a tablet does not send `peer`".to_owned(),
                );
            }
            WireMessage::Error { message } => {
                tracing::debug!("a tablet closed its sync connection with an error: {message}");
                return Ok(Admitted::End);
            }
            WireMessage::Unknown { kind } => {
                tracing::debug!("ignored a sync message of unknown type {kind:?}");
                return Ok(Admitted::Ignore);
            }
        };
        if *sender != self.peer {
            return Err(format!(
                "mã người gửi sai: {sender:?} (kết nối này là {:?}) / wrong senderId: {sender:?} (this connection is {:?})",
                self.peer, self.peer
            ));
        }
        match &message {
            WireMessage::Sync(m) | WireMessage::Request(m) => {
                let msg = shared::sync_guard::decode(&m.data)
                    .map_err(|e| format!("khung không hợp lệ / malformed frame: {e}"))?;
                let doc = m.document_id.to_string();
                if self.access(&doc).await == Access::None {
                    if self.refusals > MAX_REFUSED_DOCUMENTS {
                        return Err(format!(
                            "quá nhiều yêu cầu đồng bộ cuộc giám sát mà tài khoản này không được mở (hơn {MAX_REFUSED_DOCUMENTS}) \
                             / too many requests for supervisions this account may not open (over {MAX_REFUSED_DOCUMENTS})"
                        ));
                    }
                    return Ok(Admitted::Answer(WireMessage::DocUnavailable {
                        sender_id: self.server_peer.clone(),
                        target_id: self.peer.clone(),
                        document_id: m.document_id,
                    }));
                }
                self.check_changes(&doc, &msg).await?;
            }
            WireMessage::Ephemeral {
                document_id,
                session_id,
                ..
            } => {
                if session_id.len() > MAX_SESSION_ID_CHARS {
                    return Err(format!(
                        "mã phiên hiện diện dài quá {MAX_SESSION_ID_CHARS} ký tự / a presence sessionId over {MAX_SESSION_ID_CHARS} characters"
                    ));
                }
                if !self.presence_sessions.contains(session_id) {
                    if self.presence_sessions.len() >= MAX_PRESENCE_SESSIONS {
                        return Err(format!(
                            "quá {MAX_PRESENCE_SESSIONS} phiên hiện diện trên một kết nối / over {MAX_PRESENCE_SESSIONS} presence sessions on one connection"
                        ));
                    }
                    self.presence_sessions.insert(session_id.clone());
                }
                if self.access(&document_id.to_string()).await == Access::None {
                    return Ok(Admitted::Ignore);
                }
            }
            _ => {}
        }
        Ok(Admitted::Forward(message))
    }

    /// What this user may do with `doc`, asked once per connection and document (again after
    /// any membership change). A refusal is noted in the audit log once per document.
    async fn access(&mut self, doc: &str) -> Access {
        if self.memberships.has_changed().unwrap_or(false) {
            self.memberships.mark_unchanged();
            self.allowed.clear();
            self.refused.clear();
        }
        if let Some(access) = self.allowed.get(doc) {
            return *access;
        }
        if self.refused.contains(doc) {
            return Access::None;
        }
        let (user, name) = (self.caller.user.id, self.caller.user.username.clone());
        let d = doc.to_owned();
        let access = self
            .accounts
            .with(move |c| {
                let access = store::access(c, user, &d)?;
                if access == Access::None {
                    audit::record(
                        c,
                        now_ms(),
                        "sync-refused",
                        Some((user, &name)),
                        &format!("document={d}"),
                    );
                }
                Ok(access)
            })
            .await;
        match access {
            Ok(Access::None) => {
                self.refused.insert(doc.to_owned());
                self.refusals += 1;
                Access::None
            }
            Ok(access) => {
                self.allowed.insert(doc.to_owned(), access);
                access
            }
            // The database did not answer: refuse this time, ask again next time.
            Err(e) => {
                tracing::error!("could not check access to {doc}: {e}");
                Access::None
            }
        }
    }

    /// Refuse a sync message that carries a change by an actor that is neither this user's
    /// nor already on the server (a relayed change the server gave out is fine).
    async fn check_changes(
        &mut self,
        doc: &str,
        msg: &automerge::sync::Message,
    ) -> Result<(), String> {
        let mut fresh = 0u64;
        for chunk in msg.changes.iter() {
            for (actor, hash) in change_actors(chunk)? {
                let known = self.durable.covers(doc, &[hash]);
                if !known {
                    fresh += 1;
                }
                if self.actors.contains(&actor) || known {
                    continue;
                }
                // Registered since the socket opened?
                let user = self.caller.user.id;
                if let Ok(now) = self.accounts.with(move |c| store::actors_of(c, user)).await {
                    self.actors.extend(now);
                }
                if self.actors.contains(&actor) {
                    continue;
                }
                let who = (self.caller.user.id, self.caller.user.username.clone());
                let detail = format!("document={doc} unregistered actor={actor}");
                let _ = self
                    .accounts
                    .with(move |c| {
                        audit::record(
                            c,
                            now_ms(),
                            "change-refused",
                            Some((who.0, &who.1)),
                            &detail,
                        );
                        Ok(())
                    })
                    .await;
                return Err(format!(
                    "thay đổi từ một thiết bị chưa đăng ký cho tài khoản này (actor {actor}); không thay đổi gì \
                     / a change by an actor not registered to this account ({actor}); nothing was changed"
                ));
            }
        }
        if !self.quota.take(self.caller.user.id, fresh, now_ms()) {
            let limit = self.quota.per_minute();
            return Err(format!(
                "quá nhiều thay đổi trong một phút (tối đa {limit}); chưa nhận gì, máy tính bảng gửi lại khi kết nối lại \
                 / too many changes in a minute (at most {limit}); nothing was taken, the tablet sends them again when it reconnects"
            ));
        }
        Ok(())
    }

    /// Whether the session is still live (after a revocation, or now and then for expiry).
    async fn session_live(&self) -> bool {
        let (id, life) = (self.caller.session.id, self.life);
        self.accounts
            .with(move |c| sessions::is_live(c, id, now_ms(), life))
            .await
            .unwrap_or(true)
    }
}

/// The (actor hex, hash) of every change in one chunk of a sync message.
fn change_actors(chunk: &[u8]) -> Result<Vec<(String, automerge::ChangeHash)>, String> {
    shared::authors::changes_in(chunk)
        .map(|v| v.into_iter().map(|(a, h)| (a.to_hex_string(), h)).collect())
        .map_err(|e| format!("khung không hợp lệ / malformed frame: {e}"))
}

/// The session behind a connection ended while it was open.
struct SessionEnded;

/// How often (at most) a connection re-checks that its session has not expired.
const SESSION_RECHECK: std::time::Duration = std::time::Duration::from_secs(60);

/// The inbound frames samod sees, each with where it goes: only well-formed automerge-repo
/// messages whose changes are this user's. At the first bad frame, or when the session ends,
/// an `error` message is queued for the peer and the stream ends.
fn checked(
    ws_rx: impl Stream<Item = Result<Message, axum::Error>> + Send + Unpin + 'static,
    errors: mpsc::Sender<Vec<u8>>,
    gate: Gate,
) -> impl Stream<Item = Result<(Vec<u8>, Route), Refused>> + Send + Unpin + 'static {
    futures::stream::unfold(
        (ws_rx, errors, gate, false),
        |(mut rx, mut errors, mut gate, done)| async move {
            if done {
                return None;
            }
            loop {
                let frame = tokio::select! {
                    frame = rx.next() => Ok(frame?),
                    changed = gate.revocations.changed() => {
                        if changed.is_ok() && gate.session_live().await {
                            continue;
                        }
                        Err(SessionEnded)
                    }
                    _ = gate.recheck.tick() => {
                        if gate.session_live().await {
                            continue;
                        }
                        Err(SessionEnded)
                    }
                };
                let refusal = match frame {
                    Err(SessionEnded) => {
                        "phiên đăng nhập đã hết hạn hoặc bị thu hồi; hãy đăng nhập lại \
                         / the session expired or was revoked; sign in again"
                            .to_owned()
                    }
                    Ok(Ok(Message::Binary(bytes))) => match WireMessage::decode(&bytes) {
                        Ok(message) => match gate.admit(message).await {
                            // samod gets bytes we encoded from what we checked, never the
                            // tablet's own: no second reading of the frame can differ.
                            Ok(Admitted::Forward(message)) => {
                                let route = Route::of(&message);
                                return Some((
                                    Ok((message.encode(), route)),
                                    (rx, errors, gate, false),
                                ));
                            }
                            Ok(Admitted::Answer(answer)) => {
                                if errors.send(answer.encode()).await.is_err() {
                                    return None;
                                }
                                continue;
                            }
                            Ok(Admitted::Ignore) => continue,
                            Ok(Admitted::End) => return None,
                            Err(e) => e,
                        },
                        Err(e) => format!("khung không hợp lệ / malformed frame: {e}"),
                    },
                    Ok(Ok(Message::Text(_))) => {
                        "khung văn bản không được chấp nhận / text frames are not accepted"
                            .to_owned()
                    }
                    Ok(Ok(Message::Close(_))) => return None,
                    Ok(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Ok(Err(e)) => {
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
                return Some((Err(Refused(refusal)), (rx, errors, gate, true)));
            }
        },
    )
    .boxed()
}
