//! One loaded document's task: feeds its `DocumentEngine` the messages of its connections,
//! the storage's answers and the time, and carries out what the engine asks (the one
//! exhaustive `match` over [`Action`]).
//!
//! Before a sync message reaches the engine, its changes are checked against the document:
//! a change by an actor not registered to the sender's account must already be here (a
//! tablet relaying what the server gave it); otherwise the connection is refused and the
//! refusal audited. The account's change quota is charged for the changes that are new.
//!
//! When the document loads, and with each write that changes them, its issued versions are
//! filed for `/verify` ([`super::issued`]).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use automerge::ReadDoc;
use shared::DocumentId;
use shared::engine::document::Phase;
use shared::engine::{Action, ConnId, DocumentEngine, Inbound, Input, Millis, Stored};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::issued;
use super::share::Shares;
use super::store::StoreError;
use super::{ChangeAuthor, Conn, Documents, Outgoing, ToDoc};
use crate::accounts::audit;

/// What the task waits on besides its queue.
#[derive(Default)]
struct Waiting {
    load: Option<JoinHandle<Result<Stored, StoreError>>>,
    write: Option<(u64, oneshot::Receiver<Result<(), String>>)>,
    /// The issuance keys the write in flight files, once it is confirmed.
    filing: Option<Vec<String>>,
}

/// Run the document until it unloads or the server stops.
pub async fn run(
    docs: Arc<Documents>,
    id: DocumentId,
    mut rx: mpsc::Receiver<ToDoc>,
    shares: Arc<Shares>,
) {
    let (mut engine, actions) = DocumentEngine::new(id, docs.peer_id.clone(), docs.now());
    let mut conns: HashMap<ConnId, Arc<Conn>> = HashMap::new();
    let mut waiting = Waiting::default();
    let mut stopping = false;
    let mut filed: issued::Filed = None;
    // A goodbye lost to a full queue is found here: connections whose socket is gone.
    let mut sweep = tokio::time::interval(SWEEP);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    perform(
        &docs,
        &mut engine,
        &mut conns,
        &mut waiting,
        &filed,
        actions,
    );
    loop {
        let wake = engine.next_wake().map(|t| at(&docs, t));
        let input = tokio::select! {
            loaded = async { waiting.load.as_mut().expect("guarded").await }, if waiting.load.is_some() => {
                waiting.load = None;
                match loaded {
                    Ok(Ok(stored)) => Input::Loaded(stored),
                    Ok(Err(e)) => Input::LoadFailed(e.to_string()),
                    Err(e) => Input::LoadFailed(e.to_string()),
                }
            }
            written = async { (&mut waiting.write.as_mut().expect("guarded").1).await }, if waiting.write.is_some() => {
                let (ticket, _) = waiting.write.take().expect("guarded");
                let result = written.unwrap_or_else(|_| Err("the document writer stopped".into()));
                let filing = waiting.filing.take();
                if result.is_ok() && filing.is_some() {
                    filed = filing;
                }
                Input::Written { ticket, result }
            }
            msg = rx.recv(), if engine.accepts() && !stopping => match msg.inspect(|m| {
                if let Some(user) = m.account() {
                    shares.release(user);
                }
            }) {
                Some(ToDoc::Stop) | None => {
                    stopping = true;
                    Input::Tick
                }
                Some(msg) => match admit(&docs, &engine, &mut conns, msg) {
                    Some(input) => input,
                    None => continue,
                },
            },
            _ = sleep_until(wake), if wake.is_some() => Input::Tick,
            _ = sweep.tick() => {
                let closed: Vec<ConnId> = conns
                    .iter()
                    .filter(|(_, c)| c.out.is_closed())
                    .map(|(id, _)| *id)
                    .collect();
                for gone in closed {
                    conns.remove(&gone);
                    let actions = engine.handle(docs.now(), Input::Gone(gone), &|c| has_room(&conns, c));
                    perform(&docs, &mut engine, &mut conns, &mut waiting, &filed, actions);
                }
                Input::Tick
            }
        };
        tracing::debug!(document = %id, "{}", describe(&input));
        let loaded = matches!(&input, Input::Loaded(_));
        let actions = engine.handle(docs.now(), input, &|c| has_room(&conns, c));
        if loaded && engine.phase() == Phase::Ready {
            issued::refresh(&docs.store, id, engine.doc(), &mut filed);
        }
        perform(
            &docs,
            &mut engine,
            &mut conns,
            &mut waiting,
            &filed,
            actions,
        );
        let idle = waiting.load.is_none() && waiting.write.is_none();
        if stopping && idle {
            return;
        }
        if idle && engine.may_unload(docs.now()) && docs.unload(&id, &rx) {
            return;
        }
    }
}

/// One line for the debug log (`RUST_LOG=server::sync=debug`): what reached the engine.
fn describe(input: &Input) -> String {
    match input {
        Input::Loaded(stored) => format!("loaded {} chunks", stored.chunks.len()),
        Input::LoadFailed(e) => format!("load failed: {e}"),
        Input::Stored(chunks) => format!("{} chunks another replica stored", chunks.len()),
        Input::Message(m) => format!(
            "sync from conn {}: {} changes, heads {:?}",
            m.conn,
            m.message.changes.len(),
            m.message.heads
        ),
        Input::Ephemeral { conn, .. } => format!("presence from conn {conn}"),
        Input::Access { conn, access } => format!("access of conn {conn}: {access:?}"),
        Input::Gone(conn) => format!("conn {conn} gone"),
        Input::Undelivered(conn) => format!("undelivered to conn {conn}"),
        Input::Written { ticket, result } => format!("write {ticket}: {result:?}"),
        Input::Tick => "tick".into(),
    }
}

/// How often a document looks for connections that closed without a goodbye reaching it.
const SWEEP: std::time::Duration = std::time::Duration::from_secs(5);

fn at(docs: &Documents, t: Millis) -> tokio::time::Instant {
    tokio::time::Instant::from_std(docs.epoch + std::time::Duration::from_millis(t))
}

async fn sleep_until(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

fn has_room(conns: &HashMap<ConnId, Arc<Conn>>, c: ConnId) -> bool {
    conns.get(&c).is_some_and(|conn| conn.out.capacity() > 0)
}

/// Turn a connection's message into the engine's input, after the checks on changes.
fn admit(
    docs: &Documents,
    engine: &DocumentEngine,
    conns: &mut HashMap<ConnId, Arc<Conn>>,
    msg: ToDoc,
) -> Option<Input> {
    match msg {
        ToDoc::Sync {
            conn,
            access,
            request,
            message,
            changes,
        } => {
            if let Err(reason) = check_changes(docs, engine, &conn, &changes) {
                close(&conn, reason);
                conns.remove(&conn.id);
                return Some(Input::Gone(conn.id));
            }
            conns.insert(conn.id, conn.clone());
            Some(Input::Message(Inbound {
                conn: conn.id,
                peer_id: conn.peer_id.clone(),
                access,
                request,
                message,
                change_hashes: Some(changes.iter().map(|c| c.hash).collect()),
            }))
        }
        ToDoc::Ephemeral { conn, message } => Some(Input::Ephemeral {
            conn: conn.id,
            message,
        }),
        ToDoc::Access { conn, access } => Some(Input::Access { conn, access }),
        ToDoc::Gone { conn, .. } => {
            conns.remove(&conn);
            Some(Input::Gone(conn))
        }
        ToDoc::Stored(chunks) => Some(Input::Stored(chunks)),
        ToDoc::Stop => None,
    }
}

/// A change by an actor that is not the sender's must already be in the document; the new
/// ones count against the account's quota.
fn check_changes(
    docs: &Documents,
    engine: &DocumentEngine,
    conn: &Conn,
    changes: &[ChangeAuthor],
) -> Result<(), String> {
    let mut fresh = 0u64;
    for c in changes {
        let known = engine.doc().get_change_by_hash(&c.hash).is_some();
        if !known {
            fresh += 1;
        }
        if c.own || known {
            continue;
        }
        let (user, name, detail) = (
            conn.user,
            conn.username.clone(),
            format!("document={} unregistered actor={}", engine.id(), c.actor),
        );
        let accounts = docs.accounts.clone();
        tokio::spawn(async move {
            let _ = accounts
                .with(move |c| {
                    audit::record(
                        c,
                        crate::now_ms(),
                        "change-refused",
                        Some((user, &name)),
                        &detail,
                    );
                    Ok(())
                })
                .await;
        });
        return Err(format!(
            "thay đổi từ một thiết bị chưa đăng ký cho tài khoản này (actor {}); không thay đổi gì \
             / a change by an actor not registered to this account ({}); nothing was changed",
            c.actor, c.actor
        ));
    }
    if !docs.quota.take(conn.user, fresh, crate::now_ms()) {
        let limit = docs.quota.per_minute();
        return Err(format!(
            "quá nhiều thay đổi trong một phút (tối đa {limit}); chưa nhận gì, máy tính bảng gửi lại khi kết nối lại \
             / too many changes in a minute (at most {limit}); nothing was taken, the tablet sends them again when it reconnects"
        ));
    }
    Ok(())
}

fn close(conn: &Conn, reason: String) {
    tracing::warn!("closing a sync connection: {reason}");
    if let Err(mpsc::error::TrySendError::Full(msg)) = conn.out.try_send(Outgoing::Close(reason)) {
        let out = conn.out.clone();
        tokio::spawn(async move {
            let _ = out.send(msg).await;
        });
    }
}

/// Carry out the engine's actions; what they cause (a queue found full or closed) goes
/// back to the engine at once.
fn perform(
    docs: &Documents,
    engine: &mut DocumentEngine,
    conns: &mut HashMap<ConnId, Arc<Conn>>,
    waiting: &mut Waiting,
    filed: &issued::Filed,
    actions: Vec<Action>,
) {
    let id = engine.id();
    let mut queue: VecDeque<Action> = actions.into();
    while let Some(action) = queue.pop_front() {
        let follow = match action {
            Action::Load => {
                let store = docs.store.clone();
                waiting.load = Some(tokio::task::spawn_blocking(move || store.load(&id)));
                None
            }
            Action::Send { conn, message } => {
                let Some(c) = conns.get(&conn) else {
                    continue;
                };
                if let shared::wire::WireMessage::Sync(m) = &message {
                    tracing::debug!(document = %id, "sync to conn {conn}: {} bytes", m.data.len());
                }
                match c.out.try_send(Outgoing::Frame(message.encode())) {
                    Ok(()) => None,
                    Err(mpsc::error::TrySendError::Full(_)) => Some(Input::Undelivered(conn)),
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        conns.remove(&conn);
                        Some(Input::Gone(conn))
                    }
                }
            }
            Action::Write { ticket, write } => {
                tracing::debug!(document = %id, "write {ticket}: heads {:?}", write.heads);
                // The document in memory is what this write stores (held messages are
                // applied only after it): its issued versions are filed with it.
                let filing = issued::changed(&id, engine.doc(), filed);
                let (keys, shown) = filing.map_or((None, None), |(k, s)| (Some(k), Some(s)));
                waiting.filing = keys;
                waiting.write = Some((ticket, docs.writer.submit(id, write, shown)));
                None
            }
            Action::Refuse { conn, reason } => {
                if let Some(c) = conns.remove(&conn) {
                    close(&c, reason);
                }
                None
            }
            Action::Report(problem) => {
                tracing::error!("{problem}");
                None
            }
        };
        if let Some(input) = follow {
            let more = engine.handle(docs.now(), input, &|c| has_room(conns, c));
            queue.extend(more);
        }
    }
}
