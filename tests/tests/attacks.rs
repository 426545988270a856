//! The attack suite: each test performs one attack on the real server as an outsider (a
//! member of another delegation), an observer or a member, asserts the refusal, and then
//! shows that the honest members still sync, on the attacked supervision and on another.
//!
//! - Frames in a form two CBOR decoders read differently (a repeated key, an indefinite
//!   length, trailing bytes) or sent under another peer's id are refused with an `error`
//!   message and that connection closes. The frame with `type` and `data` twice once passed
//!   the checks as `ephemeral`, reached samod as a `sync` that panicked automerge, and from
//!   then on the supervision opened for nobody and SIGTERM hung.

use std::time::Duration;

use ciborium::Value;
use futures::SinkExt;
use giamsat_tests::hostile::{BOUND, Scene, raw_peer, refusal};
use giamsat_tests::member::Member;
use giamsat_tests::server::ServerProcess;
use shared::DocumentId;
use shared::wire::{DocMessage, WireMessage};
use tokio_tungstenite::tungstenite::Message;

/// A CBOR map with the entries in this order, repeated keys and all.
fn cbor_map(entries: Vec<(&str, Value)>) -> Vec<u8> {
    let map = Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Value::Text(k.to_owned()), v))
            .collect(),
    );
    let mut bytes = Vec::new();
    ciborium::ser::into_writer(&map, &mut bytes).expect("CBOR into a Vec");
    bytes
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// The frame from the report: an `ephemeral` message to our checks, a `sync` message carrying
/// a bloom filter with zero bits per entry to a decoder that keeps the last duplicate.
fn ephemeral_then_sync(me: &str, server: &str, doc: DocumentId) -> Vec<u8> {
    cbor_map(vec![
        ("type", text("ephemeral")),
        ("senderId", text(me)),
        ("targetId", text(server)),
        ("documentId", text(&doc.to_string())),
        ("count", Value::Integer(1.into())),
        ("sessionId", text("s1")),
        ("data", Value::Bytes(vec![0xa0])),
        ("type", text("sync")),
        (
            "data",
            Value::Bytes(vec![
                0x42, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, 0x00, 0x07, 0x00,
            ]),
        ),
    ])
}

/// SIGTERM, and how long the server took to exit (None: it had to be killed).
async fn stop_time(server: ServerProcess) -> Option<Duration> {
    server.stop_within(Duration::from_secs(15)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_with_type_and_data_twice_is_refused_and_the_supervision_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let scene = Scene::open(&server).await;
    let target = scene.target.id;

    // Step 1: the frame from each kind of signed-in attacker: a member of the delegation, its
    // observer, and a member of another delegation.
    for who in ["Kẻ xấu", "Quan sát"] {
        let account = scene.team.get(who);
        let (mut ws, server_id, me) = raw_peer(&server.ws_url(), account, "dup-keys").await;
        ws.send(Message::Binary(
            ephemeral_then_sync(&me, &server_id, target).into(),
        ))
        .await
        .unwrap();
        let why = refusal(&mut ws).await;
        assert!(why.contains("appears twice"), "{who}: {why}");
    }
    let outsider = scene.others.get("Người ngoài");
    let (mut ws, server_id, me) = raw_peer(&server.ws_url(), outsider, "dup-keys").await;
    ws.send(Message::Binary(
        ephemeral_then_sync(&me, &server_id, target).into(),
    ))
    .await
    .unwrap();
    assert!(refusal(&mut ws).await.contains("appears twice"));

    // Step 2: Lan and Minh still sync both supervisions.
    scene.still_syncing("the duplicate-key frame").await;

    // Step 3: a fresh tablet of the head opens the attacked supervision and gets all of it.
    let mut fresh = Member::new(scene.team.get("Lan"));
    fresh.connect(&server.ws_url()).await;
    fresh.want(target);
    let lan_heads = scene.lan.heads(&target);
    fresh
        .wait_for("the attacked supervision on a fresh tablet", BOUND, |m| {
            m.heads(&target) == lan_heads
        })
        .await;

    // Step 4: SIGTERM stops the server within seconds.
    let took = stop_time(server).await;
    assert!(
        took.is_some_and(|t| t < Duration::from_secs(12)),
        "the server stopped on SIGTERM after {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_decoders_could_read_two_ways_and_frames_under_another_peer_id_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let scene = Scene::open(&server).await;
    let target = scene.target.id;
    let hostile = scene.team.get("Kẻ xấu");
    let minh_peer = scene.minh.peer_id();
    let empty_sync = {
        use automerge::sync::SyncDoc;
        automerge::Automerge::new()
            .generate_sync_message(&mut automerge::sync::State::new())
            .expect("a first sync message")
            .encode()
    };

    type Build = Box<dyn Fn(&str, &str) -> (Vec<u8>, &'static str)>;
    let attacks: Vec<(&str, Build)> = vec![
        (
            "an indefinite-length map",
            Box::new(|me: &str, srv: &str| {
                let mut definite = WireMessage::DocUnavailable {
                    sender_id: me.into(),
                    target_id: srv.into(),
                    document_id: DocumentId::from_bytes([9; 16]),
                }
                .encode();
                // 0xa4 (a map of 4) becomes 0xbf … 0xff (a map until "break").
                definite[0] = 0xbf;
                definite.push(0xff);
                (definite, "indefinite-length")
            }),
        ),
        (
            "trailing bytes after the message",
            Box::new(|me: &str, _srv: &str| {
                let mut bytes = WireMessage::Leave {
                    sender_id: me.into(),
                }
                .encode();
                bytes.extend_from_slice(&[
                    0xa1, 0x64, b't', b'y', b'p', b'e', 0x64, b's', b'y', b'n', b'c',
                ]);
                (bytes, "after the message")
            }),
        ),
        (
            "a sync message sent as another member's tablet",
            Box::new({
                let minh_peer = minh_peer.clone();
                let empty_sync = empty_sync.clone();
                move |_me: &str, srv: &str| {
                    let m = WireMessage::Sync(DocMessage {
                        sender_id: minh_peer.clone(),
                        target_id: srv.into(),
                        document_id: target,
                        data: empty_sync.clone(),
                    });
                    (m.encode(), "wrong senderId")
                }
            }),
        ),
    ];
    for (what, build) in attacks {
        let (mut ws, server_id, me) = raw_peer(&server.ws_url(), hostile, "forms").await;
        let (frame, expected) = build(&me, &server_id);
        ws.send(Message::Binary(frame.into())).await.unwrap();
        let why = refusal(&mut ws).await;
        assert!(why.contains(expected), "{what}: the refusal says {why:?}");
        scene.still_syncing(what).await;
    }
    server.stop().await;
}
