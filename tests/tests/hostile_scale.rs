//! Hostile input at scale, against the real server process: one account sends 100,000
//! requests for random document ids and uses 100,000 distinct presence session ids. The
//! engine loads nothing for a document the account may not open and keeps no session id,
//! so the server's memory ends within 50 MB of where it started, and the honest members
//! still sync.
//!
//! The server caps what one connection may do (256 refused documents, 8 presence sessions),
//! so the attacker opens connection after connection, as a real one would.

use futures::{SinkExt, StreamExt};
use giamsat_tests::hostile::{BOUND, Scene, empty_sync_message, raw_peer, rss_mb};
use giamsat_tests::random;
use giamsat_tests::server::{Account, ServerProcess};
use shared::DocumentId;
use shared::wire::{DocMessage, WireMessage};
use tokio_tungstenite::tungstenite::Message;

const REQUESTS: usize = 100_000;
const SESSIONS: usize = 100_000;
/// Per connection: under the server's caps, so each connection ends on our side.
const REQUESTS_PER_CONNECTION: usize = 250;
const SESSIONS_PER_CONNECTION: usize = 8;
/// Connections the attacker runs at once.
const PARALLEL: usize = 8;
const RSS_GROWTH_MB: f64 = 50.0;

/// One connection's worth of requests for random ids; returns how many were answered
/// `doc-unavailable`.
async fn requests(url: String, account: Account, n: usize) -> usize {
    let (ws, server_id, me) = raw_peer(
        &url,
        &account,
        &format!("r{:08x}", u32::from_le_bytes(random())),
    )
    .await;
    let (mut tx, mut rx) = ws.split();
    let data = empty_sync_message();
    for _ in 0..n {
        let m = WireMessage::Request(DocMessage {
            sender_id: me.clone(),
            target_id: server_id.clone(),
            document_id: DocumentId::from_bytes(random()),
            data: data.clone(),
        });
        tx.feed(Message::Binary(m.encode().into()))
            .await
            .expect("the server takes it");
    }
    tx.flush().await.expect("flush");
    let mut answered = 0;
    tokio::time::timeout(BOUND, async {
        while answered < n {
            match rx.next().await {
                Some(Ok(Message::Binary(b))) => match WireMessage::decode(&b) {
                    Ok(WireMessage::DocUnavailable { .. }) => answered += 1,
                    other => panic!("expected doc-unavailable, got {other:?}"),
                },
                Some(Ok(_)) => {}
                other => panic!("the connection ended after {answered}: {other:?}"),
            }
        }
    })
    .await
    .expect("every request answered within the bound");
    answered
}

/// One connection's worth of presence under fresh session ids, about a supervision the
/// account may open (and opens).
async fn presence(url: String, account: Account, doc: DocumentId, first: usize) {
    let (ws, server_id, me) = raw_peer(&url, &account, &format!("p{first}")).await;
    let (mut tx, _rx) = ws.split();
    // Open the supervision first, so the presence is relayed to the members who have it.
    let open = WireMessage::Request(DocMessage {
        sender_id: me.clone(),
        target_id: server_id.clone(),
        document_id: doc,
        data: empty_sync_message(),
    });
    tx.feed(Message::Binary(open.encode().into()))
        .await
        .expect("the server takes it");
    for s in first..first + SESSIONS_PER_CONNECTION {
        let m = WireMessage::Ephemeral {
            sender_id: me.clone(),
            target_id: server_id.clone(),
            document_id: doc,
            count: 1,
            session_id: format!("phien-{s}"),
            data: vec![0xa1, 0x61, b'x', 0x18, 0x2a],
        };
        tx.feed(Message::Binary(m.encode().into()))
            .await
            .expect("the server takes it");
    }
    tx.flush().await.expect("flush");
    let _ = tx.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_random_ids_and_presence_sessions_leave_memory_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let pid = server.pid().expect("the server's pid");
    let scene = Scene::open(&server).await;
    let hostile = scene.team.get("Kẻ xấu").clone();
    let url = server.ws_url();
    let start = rss_mb(pid);

    // Step 1: 100,000 requests for random ids, 250 per connection, 8 connections at a time.
    let answered: usize = futures::stream::iter(0..REQUESTS / REQUESTS_PER_CONNECTION)
        .map(|_| requests(url.clone(), hostile.clone(), REQUESTS_PER_CONNECTION))
        .buffer_unordered(PARALLEL)
        .fold(0, |sum, n| async move { sum + n })
        .await;
    assert_eq!(answered, REQUESTS);
    let after_requests = rss_mb(pid);
    scene.still_syncing("100,000 requests for random ids").await;

    // Step 2: 100,000 presence session ids about the supervision under attack.
    let doc = scene.target.id;
    futures::stream::iter((0..SESSIONS).step_by(SESSIONS_PER_CONNECTION))
        .map(|first| presence(url.clone(), hostile.clone(), doc, first))
        .buffer_unordered(PARALLEL)
        .collect::<Vec<()>>()
        .await;
    scene.still_syncing("100,000 presence sessions").await;
    let after_sessions = rss_mb(pid);

    println!(
        "server RSS: {start:.1} MB at the start, {after_requests:.1} MB after {REQUESTS} requests, \
         {after_sessions:.1} MB after {SESSIONS} presence sessions"
    );
    for (what, mb) in [
        ("requests", after_requests),
        ("presence sessions", after_sessions),
    ] {
        assert!(
            mb - start <= RSS_GROWTH_MB,
            "the server grew {:.1} MB after the {what} (bound {RSS_GROWTH_MB} MB)",
            mb - start
        );
    }
    server.stop().await;
}
