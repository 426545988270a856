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
    let empty_sync = giamsat_tests::hostile::empty_sync_message();

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

// ---------------------------------------------------------------------------------------
// Sign-in cannot be starved; invitations and accounts an administrator can govern.

use giamsat_tests::server::{Account, Response, http, sign_in};
use serde_json::json;

/// A sign-in attempt from whoever sends `extra` headers (a cookie, a proxy's header).
async fn try_sign_in(
    addr: &str,
    username: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> Response {
    let body = json!({ "username": username, "password": password }).to_string();
    let mut headers = vec![
        ("X-Requested-With", "giamsat"),
        ("Content-Type", "application/json"),
    ];
    headers.extend_from_slice(extra);
    http(addr, "POST", "/api/session", &headers, body.as_bytes()).await
}

/// The test accounts' passwords (see `ServerProcess::delegation`).
fn password_of(a: &Account) -> String {
    format!("mk-{}-dai", a.username)
}

/// How many audit rows of this event the administrator sees.
async fn audit_count(admin: &Account, event: &str) -> usize {
    let r = admin.call("GET", "/api/admin/audit?limit=1000", None).await;
    assert_eq!(r.status, 200);
    r.json()
        .as_array()
        .expect("a list")
        .iter()
        .filter(|e| e["event"] == event)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_stop_at_the_limit_and_the_owner_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let scene = Scene::open(&server).await;
    let lan = scene.team.get("Lan").clone();
    let admin = server.admin().await;

    // Step 1: an outsider sends 30 wrong guesses for Lan's username at once.
    let guesses = (0..30).map(|i| {
        let (addr, user) = (server.addr.clone(), lan.username.clone());
        tokio::spawn(async move {
            try_sign_in(&addr, &user, &format!("doan-sai-{i}"), &[])
                .await
                .status
        })
    });
    let mut statuses = Vec::new();
    for g in guesses {
        statuses.push(g.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + throttled, 30, "{statuses:?}");
    assert!(
        checked <= 5,
        "{checked} passwords were checked, the limit is 5: {statuses:?}"
    );

    // Step 2: the throttled attempts left one audit row, not one each.
    assert_eq!(audit_count(&admin, "sign-in-throttled").await, 1);

    // Step 3: Lan's signed-in tablet carries on: the API, sync, and signing in again there
    // with her real password.
    assert_eq!(lan.call("GET", "/api/me", None).await.status, 200);
    scene
        .still_syncing("a lock-out of the head's username")
        .await;
    let again = try_sign_in(
        &server.addr,
        &lan.username,
        &password_of(&lan),
        &[("Cookie", &lan.cookie)],
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    // From a device that is not hers, the username stays locked.
    let elsewhere = try_sign_in(&server.addr, &lan.username, &password_of(&lan), &[]).await;
    assert_eq!(elsewhere.status, 429);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_each_client_address_is_counted_apart() {
    let dir = tempfile::tempdir().unwrap();
    let server =
        ServerProcess::start_with(dir.path(), &["--client-ip-header", "X-Forwarded-For"]).await;
    // Step 1: one client (10.0.0.1 as the proxy saw it, whatever it claims before that)
    // tries 20 invented usernames.
    for i in 0..20 {
        let r = try_sign_in(
            &server.addr,
            &format!("khong-co-{i}"),
            "mat-khau-bat-ky",
            &[("X-Forwarded-For", "1.2.3.4, 10.0.0.1")],
        )
        .await;
        assert_eq!(r.status, 401, "attempt {i}");
    }
    // Step 2: that client is throttled; another client behind the same proxy is not.
    let same = try_sign_in(
        &server.addr,
        "ai-do",
        "mat-khau-bat-ky",
        &[("X-Forwarded-For", "10.0.0.1")],
    )
    .await;
    assert_eq!(same.status, 429);
    let other = try_sign_in(
        &server.addr,
        "ai-do",
        "mat-khau-bat-ky",
        &[("X-Forwarded-For", "10.0.0.2")],
    )
    .await;
    assert_eq!(other.status, 401);
    server.stop().await;
}

/// A head's invitation link: its token, and its id on the delegation's list (the token's
/// SHA-256).
async fn invite(by: &Account, delegation: i64, role: &str) -> (String, String) {
    let r = by
        .call(
            "POST",
            &format!("/api/delegations/{delegation}/invitations"),
            Some(json!({ "role": role })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.json()["token"].as_str().expect("a token").to_owned();
    let id = giamsat_tests::hostile::sha256_hex(token.as_bytes());
    (token, id)
}

fn anonymous_accept(username: &str, password: &str) -> serde_json::Value {
    json!({ "username": username, "password": password, "displayName": "Người mới" })
}

async fn accept(
    addr: &str,
    token: &str,
    body: serde_json::Value,
    cookie: Option<&str>,
) -> Response {
    let mut headers = vec![
        ("X-Requested-With", "giamsat"),
        ("Content-Type", "application/json"),
    ];
    if let Some(c) = cookie {
        headers.push(("Cookie", c));
    }
    http(
        addr,
        "POST",
        &format!("/api/invitations/{token}/accept"),
        &headers,
        body.to_string().as_bytes(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_are_listed_withdrawn_and_die_with_their_makers_right() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let scene = Scene::open(&server).await;
    let (d, lan) = (scene.team.id, scene.team.get("Lan"));
    let admin = server.admin().await;

    // Step 1: a made-up token is refused before the password is even looked at (a short
    // password would be a 400 if it were).
    let bogus = accept(
        &server.addr,
        "khong-phai-ma-moi",
        anonymous_accept("nguoi-moi-1", "ngan"),
        None,
    )
    .await;
    assert_eq!(bogus.status, 404, "{}", bogus.body);

    // Step 2: Lan makes a link; it is on the delegation's list; she withdraws it; it is dead.
    let (token, id) = invite(lan, d, "member").await;
    let list = lan
        .call("GET", &format!("/api/delegations/{d}/invitations"), None)
        .await;
    assert_eq!(list.status, 200);
    assert!(
        list.body.contains(&id) && !list.body.contains(&token),
        "{}",
        list.body
    );
    let r = lan
        .call(
            "DELETE",
            &format!("/api/delegations/{d}/invitations/{id}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        server_get(&server, &format!("/api/invitations/{token}")).await,
        404
    );
    let late = accept(
        &server.addr,
        &token,
        anonymous_accept("nguoi-moi-2", "mat-khau-dai-du"),
        None,
    )
    .await;
    assert_eq!(late.status, 404);

    // Step 3: the member and the observer may not see or withdraw links.
    let (_, id2) = invite(lan, d, "member").await;
    for who in ["Minh", "Quan sát"] {
        let a = scene.team.get(who);
        assert_eq!(
            a.call("GET", &format!("/api/delegations/{d}/invitations"), None)
                .await
                .status,
            403,
            "{who}"
        );
        assert_eq!(
            a.call(
                "DELETE",
                &format!("/api/delegations/{d}/invitations/{id2}"),
                None
            )
            .await
            .status,
            403,
            "{who}"
        );
    }

    // Step 4: the observer is handed a link for a deputy: it does not raise their role.
    let (raise, _) = invite(lan, d, "deputy").await;
    let observer = scene.team.get("Quan sát");
    let r = accept(&server.addr, &raise, json!({}), Some(&observer.cookie)).await;
    assert_eq!(r.status, 409, "{}", r.body);
    let shown = lan
        .call("GET", &format!("/api/delegations/{d}"), None)
        .await;
    let role = shown.json()["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["userId"] == observer.id)
        .map(|m| m["role"].clone());
    assert_eq!(role, Some(json!("observer")));

    // Step 5: Lan stops being head: her open links stop working with her.
    let (kept, _) = invite(lan, d, "member").await;
    let r = admin
        .call(
            "PUT",
            &format!("/api/delegations/{d}/members/{}", lan.id),
            Some(json!({ "role": "member" })),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        server_get(&server, &format!("/api/invitations/{kept}")).await,
        404
    );
    scene.still_syncing("the invitation attacks").await;
    server.stop().await;
}

async fn server_get(server: &ServerProcess, path: &str) -> u16 {
    http(&server.addr, "GET", path, &[], b"").await.status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_resets_disables_and_signs_out_and_a_user_changes_their_password() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let scene = Scene::open(&server).await;
    let admin = server.admin().await;
    let ke = scene.team.get("Kẻ xấu").clone();

    // Step 1: Kẻ xấu's tablet syncs; the administrator disables the account: the session
    // ends, the sync connection closes, signing in is refused with the reason.
    let mut tablet = Member::new(&ke);
    tablet.connect(&server.ws_url()).await;
    tablet.want(scene.target.id);
    tablet
        .wait_for("the supervision", BOUND, |m| {
            m.read(&scene.target.id, |_| ()).is_some()
        })
        .await;
    let r = admin
        .call(
            "PUT",
            &format!("/api/admin/users/{}/disabled", ke.id),
            Some(json!({ "disabled": true })),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    tablet
        .wait_for("the connection to close", BOUND, |m| !m.is_connected())
        .await;
    assert_eq!(ke.call("GET", "/api/me", None).await.status, 401);
    let r = try_sign_in(&server.addr, &ke.username, &password_of(&ke), &[]).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("disabled"), "{}", r.body);
    // A member cannot do any of this.
    let minh = scene.team.get("Minh");
    for (method, path, body) in [
        (
            "PUT",
            format!("/api/admin/users/{}/disabled", ke.id),
            Some(json!({ "disabled": false })),
        ),
        (
            "PUT",
            format!("/api/admin/users/{}/password", ke.id),
            Some(json!({ "password": "mat-khau-cua-ke-gian" })),
        ),
        (
            "DELETE",
            format!("/api/admin/users/{}/sessions", ke.id),
            None,
        ),
    ] {
        assert_eq!(
            minh.call(method, &path, body).await.status,
            403,
            "{method} {path}"
        );
    }

    // Step 2: enabled again, with a new password set by the administrator.
    let r = admin
        .call(
            "PUT",
            &format!("/api/admin/users/{}/disabled", ke.id),
            Some(json!({ "disabled": false })),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = admin
        .call(
            "PUT",
            &format!("/api/admin/users/{}/password", ke.id),
            Some(json!({ "password": "mat-khau-moi-cua-ke" })),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        try_sign_in(&server.addr, &ke.username, &password_of(&ke), &[])
            .await
            .status,
        401
    );
    let ke2 = sign_in(&server.addr, &ke.username, "mat-khau-moi-cua-ke", &ke.name).await;

    // Step 3: the administrator signs Kẻ xấu out of every device.
    let r = admin
        .call(
            "DELETE",
            &format!("/api/admin/users/{}/sessions", ke.id),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(ke2.call("GET", "/api/me", None).await.status, 401);

    // Step 4: Minh changes his own password: a wrong current one is refused; the right one
    // signs his other devices out and keeps this one.
    let other_device = sign_in(&server.addr, &minh.username, &password_of(minh), &minh.name).await;
    let wrong = minh
        .call(
            "PUT",
            "/api/me/password",
            Some(json!({ "current": "sai", "new": "mat-khau-moi-cua-minh" })),
        )
        .await;
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    let ok = minh
        .call(
            "PUT",
            "/api/me/password",
            Some(json!({ "current": password_of(minh), "new": "mat-khau-moi-cua-minh" })),
        )
        .await;
    assert_eq!(ok.status, 204, "{}", ok.body);
    assert_eq!(minh.call("GET", "/api/me", None).await.status, 200);
    assert_eq!(other_device.call("GET", "/api/me", None).await.status, 401);
    sign_in(
        &server.addr,
        &minh.username,
        "mat-khau-moi-cua-minh",
        &minh.name,
    )
    .await;
    scene.still_syncing("the account changes").await;
    server.stop().await;
}

// ---------------------------------------------------------------------------------------
// Small ones: no invitation token in any log line; the database only its owner can read.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_log_line_holds_an_invitation_token_and_the_database_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let data = dir.path().join("data");
    let server = ServerProcess::start_logging(&data, &log).await;
    let team = server.delegation("Đoàn", &[("Lan", "head")]).await;
    let (token, _) = invite(team.get("Lan"), team.id, "member").await;
    // Opened, refused cross-site (a logged refusal), then accepted.
    assert_eq!(
        server_get(&server, &format!("/api/invitations/{token}")).await,
        200
    );
    let cross = http(
        &server.addr,
        "POST",
        &format!("/api/invitations/{token}/accept"),
        &[("Origin", "http://evil.example")],
        b"{}",
    )
    .await;
    assert_eq!(cross.status, 403);
    let r = accept(
        &server.addr,
        &token,
        anonymous_accept("nguoi-moi-3", "mat-khau-dai-du"),
        None,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    server.stop().await;
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("refused a cross-site"),
        "the refusal was logged"
    );
    assert!(!text.contains(&token), "the token is in the log");
    #[cfg(unix)]
    for name in ["giamsat.sqlite3", "giamsat.sqlite3-wal"] {
        use std::os::unix::fs::PermissionsExt;
        let path = data.join(name);
        if path.exists() {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name} is {mode:o}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Authorship the server vouches for.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_cannot_make_a_finding_appear_written_by_someone_else() {
    use shared::authorship::{self, Authorship};
    use shared::finding::{self, FindingKind};
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let scene = Scene::open(&server).await;
    let target = scene.target.id;
    let ke = scene.team.get("Kẻ xấu");

    // Step 1: Kẻ xấu's tablet writes a finding and types the head's name into it.
    let mut tablet = Member::new(ke);
    tablet.connect(&server.ws_url()).await;
    tablet.want(target);
    tablet
        .wait_for("the supervision", BOUND, |m| {
            m.read(&target, |_| ()).is_some()
        })
        .await;
    let fid = shared::RecordId::from_bytes(giamsat_tests::random());
    let unit = scene.target.unit.clone();
    tablet
        .change(&target, |d| {
            finding::add(
                d,
                &fid,
                &unit,
                FindingKind::Shortcoming,
                "Trưởng đoàn nhận sai.",
                giamsat_tests::stamp("Nguyễn Thị Lan"),
            )
        })
        .unwrap();
    let heads = tablet.heads(&target);
    scene
        .minh
        .wait_for("the forged finding", BOUND, |m| m.heads(&target) == heads)
        .await;

    // Step 2: Minh's tablet shows it as Kẻ xấu's: the registry behind `/api/me` names the
    // account the change's actor belongs to, whatever name the finding carries.
    let minh = scene.team.get("Minh");
    let me = minh.call("GET", "/api/me", None).await.json();
    let registry: std::collections::BTreeMap<String, String> =
        serde_json::from_value(me["authors"].clone()).expect("authors: actor → name");
    let found = scene
        .minh
        .read(&target, |d| {
            finding::read_all(d)
                .unwrap()
                .into_iter()
                .find(|f| f.id == fid)
        })
        .flatten()
        .expect("the finding on Minh's tablet");
    assert_eq!(
        found.author, "Nguyễn Thị Lan",
        "the typed name is the forgery"
    );
    assert_eq!(
        authorship::shown(&found.author, found.author_actor.as_deref(), &registry),
        Authorship::Confirmed("Kẻ xấu".into())
    );
    // An outsider's `/api/me` names nobody of this delegation.
    let outsider = scene.others.get("Người ngoài");
    let theirs = outsider.call("GET", "/api/me", None).await.json();
    let actor = found.author_actor.clone().unwrap();
    assert!(theirs["authors"].get(&actor).is_none());
    scene.still_syncing("the forged author").await;
    server.stop().await;
}

// ---------------------------------------------------------------------------------------
// Bounded resources per account.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_session_ids_are_bounded_in_length_and_number() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let scene = Scene::open(&server).await;
    let hostile = scene.team.get("Kẻ xấu");
    let ephemeral = |me: &str, srv: &str, session: String| WireMessage::Ephemeral {
        sender_id: me.into(),
        target_id: srv.into(),
        document_id: scene.target.id,
        count: 1,
        session_id: session,
        data: vec![0xa0],
    };
    // Step 1: a session id of 65 characters.
    let (mut ws, srv, me) = raw_peer(&server.ws_url(), hostile, "presence-long").await;
    ws.send(Message::Binary(
        ephemeral(&me, &srv, "x".repeat(65)).encode().into(),
    ))
    .await
    .unwrap();
    assert!(refusal(&mut ws).await.contains("sessionId over 64"));
    // Step 2: eight session ids pass, the ninth closes the connection.
    let (mut ws, srv, me) = raw_peer(&server.ws_url(), hostile, "presence-many").await;
    for i in 0..9 {
        ws.send(Message::Binary(
            ephemeral(&me, &srv, format!("phien-{i}")).encode().into(),
        ))
        .await
        .unwrap();
    }
    assert!(refusal(&mut ws).await.contains("over 8 presence sessions"));
    scene.still_syncing("the presence floods").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_write_a_bounded_number_of_audit_rows() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let scene = Scene::open(&server).await;
    let admin = server.admin().await;
    // An outsider asks for 200 supervisions that are not theirs (each one answered
    // doc-unavailable), on one connection.
    let (mut ws, srv, me) =
        raw_peer(&server.ws_url(), scene.others.get("Người ngoài"), "guesses").await;
    let empty = giamsat_tests::hostile::empty_sync_message();
    for _ in 0..200 {
        let m = WireMessage::Request(DocMessage {
            sender_id: me.clone(),
            target_id: srv.clone(),
            document_id: DocumentId::from_bytes(giamsat_tests::random()),
            data: empty.clone(),
        });
        ws.send(Message::Binary(m.encode().into())).await.unwrap();
    }
    let mut answered = 0;
    while answered < 200 {
        let frame = tokio::time::timeout(BOUND, futures::StreamExt::next(&mut ws))
            .await
            .expect("answers within the bound")
            .expect("a frame")
            .expect("ok");
        if let Message::Binary(b) = frame
            && let Ok(WireMessage::DocUnavailable { .. }) = WireMessage::decode(&b)
        {
            answered += 1;
        }
    }
    // At most 30 rows a minute from one account, then one saying the rest were dropped.
    let refused = audit_count(&admin, "sync-refused").await;
    let suppressed = audit_count(&admin, "audit-suppressed").await;
    assert!(refused <= 30 * 2, "{refused} sync-refused rows");
    assert!(suppressed >= 1, "a row says the rest were dropped");
    scene.still_syncing("200 refused requests").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_quotas_per_supervision_and_in_total_refuse_with_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start_with(
        dir.path(),
        &[
            "--max-supervision-blob-bytes",
            "3000",
            "--max-blob-storage-bytes",
            "5000",
        ],
    )
    .await;
    let scene = Scene::open(&server).await;
    let third = DocumentId::from_bytes(giamsat_tests::random());
    scene.team.register(third).await;
    let minh = scene.team.get("Minh");
    let put = |doc: DocumentId, fill: u8| {
        let bytes = vec![fill; 2000];
        let sha = giamsat_tests::hostile::sha256_hex(&bytes);
        let (addr, cookie) = (server.addr.clone(), minh.cookie.clone());
        async move {
            http(
                &addr,
                "PUT",
                &format!("/api/blobs/{sha}?document={doc}"),
                &[
                    ("Cookie", &cookie),
                    ("X-Requested-With", "giamsat"),
                    ("Content-Type", "image/jpeg"),
                ],
                &bytes,
            )
            .await
        }
    };
    let (a, b) = (scene.target.id, scene.other.id);
    assert_eq!(put(a, 1).await.status, 201);
    // Step 1: a second photo would take the supervision past 3,000 bytes: 413, said plainly.
    let over = put(a, 2).await;
    assert_eq!(over.status, 413, "{}", over.body);
    assert!(
        over.body.contains("This supervision already holds"),
        "{}",
        over.body
    );
    // The same photo again for the same supervision adds nothing and passes.
    assert_eq!(put(a, 1).await.status, 200);
    // Step 2: another supervision may hold its own; then the server's 5,000 bytes are full.
    assert_eq!(put(b, 3).await.status, 201);
    let full = put(third, 4).await;
    assert_eq!(full.status, 507, "{}", full.body);
    assert!(
        full.body.contains("no room left for evidence"),
        "{}",
        full.body
    );
    scene.still_syncing("the refused uploads").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_changes_from_one_account_is_refused_past_its_minute() {
    use shared::finding::{self, FindingKind};
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start_with(dir.path(), &["--max-changes-per-minute", "30"]).await;
    let scene = Scene::open(&server).await;
    let target = scene.target.id;
    // Step 1: Kẻ xấu's script writes 100 findings as fast as it can (if the minute turns
    // midway, one side of it still holds 50).
    let mut tablet = Member::new(scene.team.get("Kẻ xấu"));
    tablet.connect(&server.ws_url()).await;
    tablet.want(target);
    tablet
        .wait_for("the supervision", BOUND, |m| {
            m.read(&target, |_| ()).is_some()
        })
        .await;
    let unit = scene.target.unit.clone();
    for i in 0..100 {
        let fid = shared::RecordId::from_bytes(giamsat_tests::random());
        tablet
            .change(&target, |d| {
                finding::add(
                    d,
                    &fid,
                    &unit,
                    FindingKind::Strength,
                    &format!("Rác {i}."),
                    giamsat_tests::stamp("Kẻ xấu"),
                )
            })
            .unwrap();
    }
    // Step 2: the server refuses past the limit, says why, and closes that connection.
    tablet
        .wait_for("the refusal", BOUND, |m| !m.is_connected())
        .await;
    let said = tablet.server_error().unwrap_or_default();
    assert!(
        said.contains("too many changes in a minute (at most 30)"),
        "{said}"
    );
    // Step 3: the other members' own minutes are untouched: they sync on both supervisions.
    scene.still_syncing("a flood of changes").await;
    server.stop().await;
}
