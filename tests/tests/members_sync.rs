//! Acceptance 2, 5 and 6 of the walking skeleton, over the real server process and real
//! WebSockets: members converge after offline work, a restart loses nothing, and a malformed
//! frame closes only the connection that sent it.

use std::time::Duration;

use giamsat_tests::member::Member;
use giamsat_tests::random;
use giamsat_tests::server::{ServerProcess, Team, http};
use giamsat_tests::stamp;
use shared::finding::{self, FindingKind};
use shared::reading;
use shared::{DocumentId, RecordId};

const BOUND: Duration = Duration::from_secs(20);

/// A delegation with Lan (head), Minh, Hoa and a checker, each signed in.
async fn team(server: &ServerProcess) -> Team {
    server
        .delegation(
            "Đoàn giám sát Thanh Khê Tây",
            &[
                ("Lan", "head"),
                ("Minh", "member"),
                ("Hoa", "member"),
                ("Kiểm chứng", "member"),
            ],
        )
        .await
}

/// Lan creates a supervision with one unit, registers it to the delegation, syncs it, and
/// returns its id and the unit's id.
async fn lan_creates(lan: &Member, team: &Team) -> (DocumentId, RecordId) {
    lan.creates_supervision(team, "Đảng ủy phường Thanh Khê Tây", BOUND)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_members_writing_offline_converge_with_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = team(&server).await;

    // Step 1: Lan creates a supervision; Minh and Hoa connect and receive it.
    let mut lan = Member::new(team.get("Lan"));
    let mut minh = Member::new(team.get("Minh"));
    let mut hoa = Member::new(team.get("Hoa"));
    lan.connect(&server.ws_url()).await;
    let (id, unit_id) = lan_creates(&lan, &team).await;
    for m in [&mut minh, &mut hoa] {
        m.connect(&server.ws_url()).await;
        m.want(id);
        m.wait_for("the supervision to arrive", BOUND, |m| {
            m.read(&id, |_| ()).is_some()
        })
        .await;
    }

    // Step 2: the network drops for all three; each writes findings, two edit the same one.
    let shared_finding = RecordId::from_bytes(random());
    lan.change(&id, |d| {
        finding::add(
            d,
            &shared_finding,
            &unit_id,
            FindingKind::Strength,
            "Ban hành kế hoạch kịp thời.",
            stamp("Lan"),
        )
    })
    .unwrap();
    lan.wait_for("the shared finding to be confirmed", BOUND, |m| {
        m.pending(&id) == 0
    })
    .await;
    for m in [&minh, &hoa] {
        m.wait_for("the shared finding to arrive", BOUND, |m| {
            m.read(&id, |d| reading::read(d).unwrap().findings.len() == 1)
                .unwrap_or(false)
        })
        .await;
    }
    for m in [&mut lan, &mut minh, &mut hoa] {
        m.disconnect();
    }
    for (m, n) in [(&lan, 3), (&minh, 2), (&hoa, 4)] {
        for i in 0..n {
            let fid = RecordId::from_bytes(random());
            let text = format!("{} ghi nhận số {i}", m.name);
            m.change(&id, |d| {
                finding::add(
                    d,
                    &fid,
                    &unit_id,
                    FindingKind::Shortcoming,
                    &text,
                    stamp(&m.name),
                )
            })
            .unwrap();
        }
        assert!(m.pending(&id) > 0, "offline edits are pending");
    }
    lan.change(&id, |d| {
        shared::field::set(
            d,
            &finding::text_field(&shared_finding),
            "Ban hành kế hoạch giám sát kịp thời.",
            stamp("Lan"),
        )
    })
    .unwrap();
    minh.change(&id, |d| {
        shared::field::set(
            d,
            &finding::text_field(&shared_finding),
            "Ban hành kế hoạch kịp thời, đầy đủ.",
            stamp("Minh"),
        )
    })
    .unwrap();

    // Step 3: everyone reconnects.
    for m in [&mut lan, &mut minh, &mut hoa] {
        m.connect(&server.ws_url()).await;
    }

    // Step 4: all three hold the same heads, the server confirms them, and nothing is lost.
    for m in [&lan, &minh, &hoa] {
        m.wait_for("identical, confirmed heads on all three", BOUND, |m| {
            let h = m.heads(&id);
            h == lan.heads(&id)
                && h == minh.heads(&id)
                && h == hoa.heads(&id)
                && m.confirmed(&id) == h
                && m.pending(&id) == 0
        })
        .await;
    }
    // A fresh device fetching from the server gets exactly those heads.
    let mut fresh = Member::new(team.get("Kiểm chứng"));
    fresh.connect(&server.ws_url()).await;
    fresh.want(id);
    fresh
        .wait_for("the server's copy", BOUND, |m| {
            m.heads(&id) == lan.heads(&id)
        })
        .await;

    let s = fresh.read(&id, |d| reading::read(d).unwrap()).unwrap();
    assert_eq!(s.findings.len(), 1 + 3 + 2 + 4);
    let merged = &s
        .findings
        .iter()
        .find(|f| f.id == shared_finding)
        .unwrap()
        .text;
    assert_eq!(merged, "Ban hành kế hoạch giám sát kịp thời, đầy đủ.");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_member_learns_which_supervisions_exist_from_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = team(&server).await;
    let health = http(&server.addr, "GET", "/health", &[], b"").await;
    assert_eq!(health.status, 200);
    assert!(health.body.contains("\"ok\""), "{}", health.body);

    let mut lan = Member::new(team.get("Lan"));
    lan.connect(&server.ws_url()).await;
    let (id, _) = lan_creates(&lan, &team).await;

    // Minh's tablet asks the server what it may open, and fetches it.
    let me = team.get("Minh").call("GET", "/api/me", None).await.json();
    let listed: Vec<String> = me["delegations"][0]["supervisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, [id.to_string()]);
    let mut minh = Member::new(team.get("Minh"));
    minh.connect(&server.ws_url()).await;
    minh.want(listed[0].parse().unwrap());
    minh.wait_for("Lan's supervision", BOUND, |m| {
        m.heads(&id) == lan.heads(&id)
    })
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_still_has_every_confirmed_change() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = team(&server).await;

    // Step 1: Lan writes; the server confirms.
    let mut lan = Member::new(team.get("Lan"));
    lan.connect(&server.ws_url()).await;
    let (id, unit_id) = lan_creates(&lan, &team).await;
    let fid = RecordId::from_bytes(random());
    lan.change(&id, |d| {
        finding::add(
            d,
            &fid,
            &unit_id,
            FindingKind::Cause,
            "Cán bộ kiêm nhiệm.",
            stamp("Lan"),
        )
    })
    .unwrap();
    lan.wait_for("confirmation", BOUND, |m| m.pending(&id) == 0)
        .await;
    lan.disconnect();

    // Step 2: the server process stops and a new one starts on the same data directory.
    let server = server.restart().await;
    let me = team
        .get("Minh")
        .at(&server.addr)
        .call("GET", "/api/me", None)
        .await;
    assert_eq!(me.status, 200, "sessions survive a restart: {}", me.body);

    // Step 3: a new device gets everything from the new process.
    let mut minh = Member::new(team.get("Minh"));
    minh.connect(&server.ws_url()).await;
    minh.want(id);
    minh.wait_for("the supervision from the restarted server", BOUND, |m| {
        m.heads(&id) == lan.heads(&id)
    })
    .await;

    // Step 4: a second sync after the restart works both ways.
    lan.connect(&server.ws_url()).await;
    let fid2 = RecordId::from_bytes(random());
    minh.change(&id, |d| {
        finding::add(
            d,
            &fid2,
            &unit_id,
            FindingKind::Strength,
            "Sau khởi động lại.",
            stamp("Minh"),
        )
    })
    .unwrap();
    lan.wait_for("Minh's finding", BOUND, |m| m.heads(&id) == minh.heads(&id))
        .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_frame_closes_only_that_connection_with_an_error() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = team(&server).await;
    let mut lan = Member::new(team.get("Lan"));
    lan.connect(&server.ws_url()).await;
    let (id, unit_id) = lan_creates(&lan, &team).await;
    let mut minh = Member::new(team.get("Minh"));
    minh.connect(&server.ws_url()).await;
    minh.want(id);
    minh.wait_for("the supervision", BOUND, |m| m.read(&id, |_| ()).is_some())
        .await;

    // Step 1: a hostile client sends bytes that are not CBOR, then a text frame elsewhere.
    for bad in [
        Message::Binary(vec![0xff, 0x00, 0x13].into()),
        Message::Text("xin chào".into()),
    ] {
        let hostile = Member::new(team.get("Hoa"));
        let (mut ws, _) = tokio_tungstenite::connect_async(hostile.request(&server.ws_url()))
            .await
            .unwrap();
        ws.send(bad).await.unwrap();
        // Step 2: it gets an automerge-repo error message naming the problem, then the close.
        let reply = tokio::time::timeout(BOUND, ws.next())
            .await
            .expect("an answer")
            .expect("a frame")
            .unwrap();
        let Message::Binary(bytes) = reply else {
            panic!("expected a binary error message, got {reply:?}")
        };
        match shared::wire::WireMessage::decode(&bytes).unwrap() {
            shared::wire::WireMessage::Error { message } => assert!(
                message.contains("malformed") || message.contains("text frames"),
                "{message}"
            ),
            other => panic!("expected an error message, got {other:?}"),
        }
        let end = tokio::time::timeout(BOUND, ws.next())
            .await
            .expect("the connection closes");
        assert!(
            matches!(end, None | Some(Ok(Message::Close(_))) | Some(Err(_))),
            "{end:?}"
        );
    }

    // Step 3: an oversized frame is refused too.
    let hostile = Member::new(team.get("Hoa"));
    let (mut ws, _) = tokio_tungstenite::connect_async(hostile.request(&server.ws_url()))
        .await
        .unwrap();
    let _ = ws
        .send(Message::Binary(vec![0u8; 20 * 1024 * 1024].into()))
        .await;
    let end = tokio::time::timeout(BOUND, async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the oversized frame's connection closes");

    // Step 4: the members' connections still sync.
    assert!(lan.is_connected() && minh.is_connected());
    let fid = RecordId::from_bytes(random());
    lan.change(&id, |d| {
        finding::add(
            d,
            &fid,
            &unit_id,
            FindingKind::Strength,
            "Vẫn đồng bộ.",
            stamp("Lan"),
        )
    })
    .unwrap();
    minh.wait_for("Lan's finding after the attack", BOUND, |m| {
        m.heads(&id) == lan.heads(&id)
    })
    .await;
    server.stop().await;
}
