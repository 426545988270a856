//! A simulated delegation member: shared's [`SyncClient`] driven over a real WebSocket by a
//! small task, exactly as the browser app drives it over its own socket.
//!
//! A member signs in as an [`Account`]: the socket carries its session cookie and a peer id
//! with its prefix, and before syncing the member registers its device's Automerge actor
//! (and the actors of documents it made) with the server, as the app does.
//!
//! Edits go through [`Member::change`]; while connected, their frames go out at once. Tests
//! wait for what they expect with [`Member::wait_for`], which wakes on every event and gives
//! up after a bound — never a sleep.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::{ActorId, Automerge, ChangeHash};
use futures::{SinkExt, StreamExt};
use shared::DocumentId;
use shared::sync::{Event, Output, SyncClient};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::server::Account;

struct Inner {
    client: SyncClient,
    /// The open connection's outbound queue, if connected.
    outbound: Option<mpsc::UnboundedSender<Vec<u8>>>,
    /// The last error the server sent before closing, if any.
    server_error: Option<String>,
}

/// One member's device.
pub struct Member {
    pub name: String,
    pub account: Account,
    /// This device's actor: every edit is made with it.
    pub actor: ActorId,
    /// Actors of documents this device made (registered to the account on connect).
    authored: Mutex<Vec<ActorId>>,
    /// The server's address for HTTP: the one the last connection went to.
    addr: Mutex<String>,
    inner: Arc<Mutex<Inner>>,
    /// Bumped on every event of any member, so waiters re-check conditions that may involve
    /// several members.
    version: watch::Sender<u64>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Member {
    pub fn new(account: &Account) -> Member {
        let peer = format!(
            "{}{:016x}",
            account.peer_prefix,
            u64::from_le_bytes(crate::random())
        );
        let actor = ActorId::from(crate::random::<16>());
        Member {
            name: account.name.clone(),
            account: account.clone(),
            authored: Mutex::new(vec![actor.clone()]),
            addr: Mutex::new(account.addr.clone()),
            actor,
            inner: Arc::new(Mutex::new(Inner {
                client: SyncClient::new(peer),
                outbound: None,
                server_error: None,
            })),
            version: events().clone(),
            task: None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("member state")
    }

    /// Register this device's actors with the server (as the app does before syncing).
    pub async fn register_actors(&self) {
        let actors = self.authored.lock().expect("actors").clone();
        self.register(actors).await;
    }

    async fn register(&self, actors: Vec<ActorId>) {
        for actor in actors {
            let r = self
                .http()
                .call(
                    "POST",
                    "/api/actors",
                    Some(serde_json::json!({ "actor": actor.to_hex_string() })),
                )
                .await;
            assert_eq!(r.status, 204, "register actor: {}", r.body);
        }
    }

    /// This member's peer id (what its tablet sends as `senderId`).
    pub fn peer_id(&self) -> String {
        self.lock().client.peer_id().to_owned()
    }

    /// The WebSocket request for `ws_url`: this member's cookie, and its peer id.
    pub fn request(
        &self,
        ws_url: &str,
    ) -> tokio_tungstenite::tungstenite::handshake::client::Request {
        let peer = self.lock().client.peer_id().to_owned();
        let mut req = format!("{ws_url}?peer={peer}")
            .into_client_request()
            .expect("a WebSocket URL");
        req.headers_mut().insert(
            "cookie",
            self.account.cookie.parse().expect("a cookie header value"),
        );
        req
    }

    /// The account, talking to the server this member last connected to (as the app talks
    /// to its own origin).
    fn http(&self) -> Account {
        self.account.at(&self.addr.lock().expect("addr"))
    }

    /// Connect to `ws_url` and keep syncing in the background until [`Member::disconnect`].
    pub async fn connect(&mut self, ws_url: &str) {
        self.disconnect();
        if let Some(addr) = ws_url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
        {
            *self.addr.lock().expect("addr") = addr.to_owned();
        }
        self.register_actors().await;
        let (socket, _) = tokio_tungstenite::connect_async(self.request(ws_url))
            .await
            .expect("WebSocket connect");
        let (mut sink, mut stream) = socket.split();
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
        {
            let mut inner = self.lock();
            inner.outbound = Some(tx.clone());
            let out = inner.client.handle(Event::Connected).expect("join");
            send(&tx, out);
        }
        let inner = self.inner.clone();
        let version = self.version.clone();
        self.task = Some(tokio::spawn(async move {
            let on_frame = |bytes: &[u8]| {
                let mut guard = inner.lock().expect("member state");
                match guard.client.handle(Event::Frame(bytes)) {
                    Ok(out) => {
                        if let Some(e) = out.server_error.clone() {
                            guard.server_error = Some(e);
                        }
                        send(&tx, out);
                    }
                    Err(e) => guard.server_error = Some(format!("client: {e}")),
                }
                drop(guard);
                version.send_modify(|v| *v += 1);
            };
            loop {
                tokio::select! {
                    frame = rx.recv() => match frame {
                        Some(bytes) => if sink.send(Message::Binary(bytes.into())).await.is_err() {
                            // The server closed its side: read what it said before it did
                            // (its `error` message), a bounded while.
                            let last_words = async {
                                while let Some(Ok(msg)) = stream.next().await {
                                    if let Message::Binary(b) = msg {
                                        on_frame(&b);
                                    }
                                }
                            };
                            let _ = tokio::time::timeout(Duration::from_secs(5), last_words).await;
                            break;
                        },
                        None => break,
                    },
                    msg = stream.next() => {
                        let bytes = match msg {
                            Some(Ok(Message::Binary(b))) => b,
                            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                            Some(Ok(_)) => continue,
                        };
                        on_frame(&bytes);
                    }
                }
            }
            let mut guard = inner.lock().expect("member state");
            guard.outbound = None;
            let _ = guard.client.handle(Event::Disconnected);
            drop(guard);
            version.send_modify(|v| *v += 1);
        }));
    }

    /// Drop the connection (the network is cut); edits keep working locally.
    pub fn disconnect(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        let mut inner = self.lock();
        inner.outbound = None;
        let _ = inner.client.handle(Event::Disconnected);
    }

    /// Make a supervision of the walking skeleton's example with one unit named `unit_name`
    /// on this tablet, register it to `team`'s delegation, send it, and wait (at most
    /// `bound`) until the server confirms it. Returns its id and the unit's.
    pub async fn creates_supervision(
        &self,
        team: &crate::server::Team,
        unit_name: &str,
        bound: Duration,
    ) -> (DocumentId, shared::RecordId) {
        let id = DocumentId::from_bytes(crate::random());
        let unit_id = shared::RecordId::from_bytes(crate::random());
        let mut doc = shared::supervision::create_as(
            Automerge::new().with_actor(self.actor.clone()),
            &crate::sample_setup(),
            crate::stamp(&self.name),
        )
        .expect("a new supervision");
        shared::unit::add(&mut doc, &unit_id, unit_name, crate::stamp(&self.name))
            .expect("a unit in it");
        team.register(id).await;
        self.insert(id, doc).await;
        self.wait_for("the server to confirm the new supervision", bound, |m| {
            m.pending(&id) == 0
        })
        .await;
        (id, unit_id)
    }

    /// Hold a document created on this device: its actors are this device's, registered
    /// with the server before any of it is sent.
    pub async fn insert(&self, id: DocumentId, doc: Automerge) {
        let new: Vec<ActorId> = {
            let mut authored = self.authored.lock().expect("actors");
            let mut new = Vec::new();
            for c in doc.get_changes(&[]) {
                if !authored.contains(c.actor_id()) {
                    authored.push(c.actor_id().clone());
                    new.push(c.actor_id().clone());
                }
            }
            new
        };
        self.register(new).await;
        let mut inner = self.lock();
        let out = inner.client.insert(id, doc, Vec::new());
        if let Some(tx) = &inner.outbound {
            send(tx, out);
        }
    }

    /// Ask the server for a document another member made.
    pub fn want(&self, id: DocumentId) {
        let mut inner = self.lock();
        let out = inner.client.want(id);
        if let Some(tx) = &inner.outbound {
            send(tx, out);
        }
    }

    /// Edit a held document; panics if it is not held (a test bug).
    pub fn change<T>(&self, id: &DocumentId, edit: impl FnOnce(&mut Automerge) -> T) -> T {
        let mut inner = self.lock();
        let actor = self.actor.clone();
        // The app's order: the edit, then (a test member keeps nothing on a disk) announce it.
        let result = inner
            .client
            .edit(id, |doc| {
                doc.set_actor(actor);
                edit(doc)
            })
            .expect("the member holds this document");
        let out = inner.client.announce(id);
        if let Some(tx) = &inner.outbound {
            send(tx, out);
        }
        result
    }

    /// Read a held document.
    pub fn read<T>(&self, id: &DocumentId, f: impl FnOnce(&Automerge) -> T) -> Option<T> {
        self.lock().client.doc(id).map(f)
    }

    pub fn heads(&self, id: &DocumentId) -> Vec<ChangeHash> {
        let mut h = self.read(id, |d| d.get_heads()).unwrap_or_default();
        h.sort();
        h
    }

    /// Whether this device holds, waits for, or was refused the document.
    pub fn status(&self, id: &DocumentId) -> Option<shared::sync::ReplicaStatus> {
        self.lock().client.status(id)
    }

    pub fn pending(&self, id: &DocumentId) -> usize {
        self.lock().client.pending(id)
    }

    pub fn confirmed(&self, id: &DocumentId) -> Vec<ChangeHash> {
        let mut h = self.lock().client.confirmed_heads(id).to_vec();
        h.sort();
        h
    }

    pub fn is_ready(&self) -> bool {
        matches!(self.lock().client.link(), shared::sync::Link::Ready { .. })
    }

    pub fn server_error(&self) -> Option<String> {
        self.lock().server_error.clone()
    }

    /// Whether the connection is open. Read from the state the connection's task clears
    /// before its last wake-up, not from the task itself: `wait_for` is woken by that
    /// wake-up, when the task may not have returned yet.
    pub fn is_connected(&self) -> bool {
        self.lock().outbound.is_some()
    }

    /// Wait until `cond` holds, waking on every sync event; panics after `bound` with `what`.
    pub async fn wait_for(&self, what: &str, bound: Duration, cond: impl Fn(&Member) -> bool) {
        let mut rx = self.version.subscribe();
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            if cond(self) {
                return;
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                panic!(
                    "{}: gave up after {bound:?} waiting for {what} (server error: {:?})",
                    self.name,
                    self.server_error()
                );
            }
        }
    }
}

/// The one event counter all members of this test process share.
fn events() -> &'static watch::Sender<u64> {
    static EVENTS: std::sync::OnceLock<watch::Sender<u64>> = std::sync::OnceLock::new();
    EVENTS.get_or_init(|| watch::channel(0).0)
}

fn send(tx: &mpsc::UnboundedSender<Vec<u8>>, out: Output) {
    for f in out.frames {
        let _ = tx.send(f);
    }
}
