//! What the attack tests share: a delegation whose third member turns hostile, a raw
//! automerge-repo peer that sends whatever bytes it likes, and the check that the honest
//! members still sync afterwards.
//!
//! [`Scene::open`] gives two honest members (Lan, head; Minh, member) holding two
//! supervisions of their delegation, and the accounts of the hostile member and of an
//! outsider (a member of another delegation). Each attack then runs, and
//! [`Scene::still_syncing`] shows that Lan's new finding reaches Minh on both supervisions.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use shared::finding::{self, FindingKind};
use shared::wire::{PeerMetadata, WireMessage};
use shared::{DocumentId, RecordId, supervision, unit};
use tokio_tungstenite::tungstenite::Message;

use crate::member::Member;
use crate::server::{Account, ServerProcess, Team};
use crate::{random, sample_setup, stamp};

/// How long any one step may take.
pub const BOUND: Duration = Duration::from_secs(20);

/// A WebSocket to the server.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A supervision the honest members hold, and one unit in it.
#[derive(Clone)]
pub struct Held {
    pub id: DocumentId,
    pub unit: RecordId,
}

/// The honest members, their supervisions, and the accounts attacks are made from.
pub struct Scene {
    pub team: Team,
    /// Another delegation, whose member is an outsider to `team`'s supervisions.
    pub others: Team,
    pub lan: Member,
    pub minh: Member,
    /// The supervision under attack, and another one of the same delegation.
    pub target: Held,
    pub other: Held,
}

impl Scene {
    /// Lan (head) creates two supervisions; Minh (member) receives both. The team also holds
    /// "Kẻ xấu" (a member whose client turns hostile) and "Quan sát" (an observer);
    /// `others` holds "Người ngoài", a member of another delegation.
    pub async fn open(server: &ServerProcess) -> Scene {
        let url = &server.ws_url();
        let team = server
            .delegation(
                "Đoàn kiểm tra",
                &[
                    ("Lan", "head"),
                    ("Minh", "member"),
                    ("Kẻ xấu", "member"),
                    ("Quan sát", "observer"),
                ],
            )
            .await;
        let others = server
            .delegation("Đoàn khác", &[("Người ngoài", "head")])
            .await;
        let mut lan = Member::new(team.get("Lan"));
        lan.connect(url).await;
        let mut minh = Member::new(team.get("Minh"));
        minh.connect(url).await;
        let mut held = Vec::new();
        for title in ["Thanh Khê Tây", "Hòa Cường"] {
            let id = DocumentId::from_bytes(random());
            let unit_id = RecordId::from_bytes(random());
            let mut doc = supervision::create(&sample_setup(), stamp("Lan")).expect("create");
            unit::add(
                &mut doc,
                &unit_id,
                &format!("Đảng ủy phường {title}"),
                stamp("Lan"),
            )
            .expect("add a unit");
            team.register(id).await;
            lan.insert(id, doc).await;
            lan.wait_for("the server to confirm the new supervision", BOUND, |m| {
                m.pending(&id) == 0
            })
            .await;
            minh.want(id);
            minh.wait_for("the supervision", BOUND, |m| m.read(&id, |_| ()).is_some())
                .await;
            held.push(Held { id, unit: unit_id });
        }
        Scene {
            team,
            others,
            lan,
            minh,
            other: held.pop().expect("two supervisions"),
            target: held.pop().expect("two supervisions"),
        }
    }

    /// Lan adds a finding to each supervision and Minh receives both: after `what`, sync
    /// still works on the attacked supervision and on the other one.
    pub async fn still_syncing(&self, what: &str) {
        for held in [&self.target, &self.other] {
            members_still_sync(&self.lan, &self.minh, held.id, &held.unit, what).await;
        }
    }
}

/// Lan adds a finding and Minh receives it: sync between members still works.
pub async fn members_still_sync(
    lan: &Member,
    minh: &Member,
    id: DocumentId,
    unit_id: &RecordId,
    what: &str,
) {
    assert!(
        lan.is_connected() && minh.is_connected(),
        "the members' connections survived {what}"
    );
    let fid = RecordId::from_bytes(random());
    let text = format!("Vẫn đồng bộ sau {what}.");
    lan.change(&id, |d| {
        finding::add(d, &fid, unit_id, FindingKind::Strength, &text, stamp("Lan"))
    })
    .expect("add a finding");
    // Lan's connection closing ends the wait too, so the failure names whose it was.
    minh.wait_for(&format!("Lan's finding after {what}"), BOUND, |m| {
        m.heads(&id) == lan.heads(&id) || !lan.is_connected() || !m.is_connected()
    })
    .await;
    for (name, member) in [("Lan", lan), ("Minh", minh)] {
        assert!(
            member.is_connected(),
            "{name}'s connection closed after {what} (server error: {:?})",
            member.server_error()
        );
    }
    assert_eq!(minh.heads(&id), lan.heads(&id), "Minh has Lan's finding");
}

/// A raw automerge-repo peer signed in as `account`: connect, `join`, wait for `peer`; the
/// socket, the server's id and our own peer id.
pub async fn raw_peer(url: &str, account: &Account, me: &str) -> (Ws, String, String) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let peer = format!("{}{me}", account.peer_prefix);
    let mut req = format!("{url}?peer={peer}")
        .into_client_request()
        .expect("a request");
    req.headers_mut()
        .insert("cookie", account.cookie.parse().expect("a cookie header"));
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("connect");
    let join = WireMessage::Join {
        sender_id: peer.clone(),
        peer_metadata: PeerMetadata::default(),
        supported_protocol_versions: vec!["1".into()],
    };
    ws.send(Message::Binary(join.encode().into()))
        .await
        .expect("send join");
    loop {
        let msg = tokio::time::timeout(BOUND, ws.next())
            .await
            .expect("an answer to join")
            .expect("a frame")
            .expect("ok");
        if let Message::Binary(b) = msg
            && let Ok(WireMessage::Peer { sender_id, .. }) = WireMessage::decode(&b)
        {
            return (ws, sender_id, peer);
        }
    }
}

/// Read until the server's `error` message and the close that follows it; the message.
/// Panics if the connection stays open past [`BOUND`] or closes without saying why.
pub async fn refusal(ws: &mut Ws) -> String {
    let mut error = None;
    let closed = tokio::time::timeout(BOUND, async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(Message::Binary(b))) => {
                    if let Ok(WireMessage::Error { message }) = WireMessage::decode(&b) {
                        error = Some(message);
                    }
                }
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the connection was not closed within {BOUND:?}"
    );
    error.expect("the server said why it closed the connection")
}

/// The server process's resident memory, from /proc/<pid>/status.
pub fn rss_mb(pid: u32) -> f64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server's /proc status");
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS");
    kb / 1024.0
}

/// The first sync message of a peer that holds nothing: a well-formed `request` payload.
pub fn empty_sync_message() -> Vec<u8> {
    use automerge::sync::SyncDoc;
    automerge::Automerge::new()
        .generate_sync_message(&mut automerge::sync::State::new())
        .expect("a first sync message")
        .encode()
}

/// Lowercase hex SHA-256: a blob's address, an invitation's id on its delegation's list.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
