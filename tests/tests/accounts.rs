//! Issue 4, acceptance 5 and 6 and the hardening around them, over the real server:
//! passwords never reach the database or the logs in clear; sign-in is rate-limited and its
//! refusal does not tell whether a username exists; state-changing requests need the CSRF
//! header and this origin; every response carries the security headers; a revoked tablet's
//! sync connection closes at once; someone removed from a delegation stops receiving its
//! supervisions; a change by an actor that is not the sender's is refused and changes
//! nothing.

use std::time::Duration;

use giamsat_tests::member::Member;
use giamsat_tests::server::{ServerProcess, http, sign_in};
use giamsat_tests::{random, sample_setup, stamp};
use serde_json::json;
use shared::sync::ReplicaStatus;
use shared::{DocumentId, RecordId, finding, supervision, unit};

const BOUND: Duration = Duration::from_secs(20);

fn json_post(path: &str) -> (&'static str, String) {
    ("POST", path.to_owned())
}

async fn post_json(
    addr: &str,
    path: &str,
    body: serde_json::Value,
    extra: &[(&str, &str)],
) -> giamsat_tests::server::Response {
    let (method, path) = json_post(path);
    let mut headers = vec![("Content-Type", "application/json")];
    headers.extend_from_slice(extra);
    http(addr, method, &path, &headers, body.to_string().as_bytes()).await
}

/// Every byte under the data directory (the database, its WAL and journal files).
fn data_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_are_never_stored_or_logged_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("server.log");
    let server = ServerProcess::start_logging(&data, &log).await;
    let admin = server.admin().await;

    // An account made by the administrator, one made through an invitation, a successful
    // sign-in and a failed one, each with a password that appears nowhere else.
    let by_admin = "Mật-khẩu-quản-trị-tạo-7391";
    let by_invitation = "Mật-khẩu-lời-mời-5524";
    let wrong = "Mật-khẩu-sai-bét-8810";
    let r = admin
        .call(
            "POST",
            "/api/delegations",
            Some(json!({"name": "Đoàn giám sát"})),
        )
        .await;
    let d = r.json()["id"].as_i64().unwrap();
    let r = admin
        .call(
            "POST",
            "/api/admin/users",
            Some(json!({"username": "lan", "password": by_admin, "displayName": "Lan"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let lan = sign_in(&server.addr, "lan", by_admin, "Lan").await;
    let r = post_json(
        &server.addr,
        "/api/session",
        json!({"username": "lan", "password": wrong}),
        &[("X-Requested-With", "giamsat")],
    )
    .await;
    assert_eq!(r.status, 401);
    let r = admin
        .call(
            "POST",
            &format!("/api/delegations/{d}/invitations"),
            Some(json!({"role": "member"})),
        )
        .await;
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let r = post_json(
        &server.addr,
        &format!("/api/invitations/{token}/accept"),
        json!({"username": "minh", "password": by_invitation, "displayName": "Minh"}),
        &[("X-Requested-With", "giamsat")],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(lan.call("GET", "/api/me", None).await.status, 200);
    server.stop().await;

    let stored = data_bytes(&data);
    let logged = std::fs::read(&log).unwrap();
    assert!(!logged.is_empty(), "the debug log was written");
    for secret in [by_admin, by_invitation, wrong, super_admin_password()] {
        assert!(
            !contains(&stored, secret),
            "the database holds a password in clear: {secret}"
        );
        assert!(
            !contains(&logged, secret),
            "the log holds a password in clear: {secret}"
        );
    }
    // What is stored instead: argon2id hashes, and session tokens only as hashes.
    assert!(contains(&stored, "$argon2id$"));
    let token_value = lan.cookie.trim_start_matches("giamsat_session=");
    assert!(
        !contains(&stored, token_value),
        "a session token is stored in clear"
    );
    assert!(!contains(&logged, token_value), "a session token is logged");
    assert!(
        !contains(&stored, &token),
        "an invitation token is stored in clear"
    );
}

fn super_admin_password() -> &'static str {
    giamsat_tests::server::ADMIN_PASSWORD
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_rate_limited_and_never_tells_whether_a_username_exists() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = server.delegation("Đoàn", &[("Lan", "member")]).await;
    let lan = team.get("Lan");
    let attempt = |username: String, password: String| {
        let addr = server.addr.clone();
        async move {
            post_json(
                &addr,
                "/api/session",
                json!({"username": username, "password": password}),
                &[("X-Requested-With", "giamsat")],
            )
            .await
        }
    };

    // A wrong password and an unknown username get the same answer.
    let wrong_password = attempt(lan.username.clone(), "khong-dung-dau".into()).await;
    let no_such_user = attempt("khong-co-ai".into(), "khong-dung-dau".into()).await;
    assert_eq!(wrong_password.status, 401);
    assert_eq!(no_such_user.status, 401);
    assert_eq!(wrong_password.body, no_such_user.body);
    assert!(
        wrong_password.body.contains("Wrong username or password"),
        "{}",
        wrong_password.body
    );

    // Four more failures for Lan (five in all): the next attempt is refused before the
    // password is looked at — even the right one — with how long to wait.
    for _ in 0..4 {
        assert_eq!(
            attempt(lan.username.clone(), "van-sai-roi".into())
                .await
                .status,
            401
        );
    }
    let right = format!("mk-{}-dai", lan.username);
    let throttled = attempt(lan.username.clone(), right.clone()).await;
    assert_eq!(throttled.status, 429, "{}", throttled.body);
    let wait: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 15 * 60, "{wait}");
    assert!(
        throttled.body.contains("Too many failed sign-ins"),
        "{}",
        throttled.body
    );

    // An unknown username is throttled the same way after as many failures.
    for _ in 0..5 {
        attempt("ai-do-doan-mo".into(), "sai".into()).await;
    }
    assert_eq!(
        attempt("ai-do-doan-mo".into(), "sai".into()).await.status,
        429
    );

    // Others are not affected, and Lan's existing session still works.
    let other = server.delegation("Đoàn khác", &[("Minh", "member")]).await;
    assert_eq!(
        other.get("Minh").call("GET", "/api/me", None).await.status,
        200
    );
    assert_eq!(lan.call("GET", "/api/me", None).await.status, 200);

    // The audit log has the failures and the throttling, never the passwords tried.
    let audit = server
        .admin()
        .await
        .call("GET", "/api/admin/audit?limit=100", None)
        .await;
    assert!(audit.body.contains("sign-in-failed") && audit.body.contains("sign-in-throttled"));
    assert!(!audit.body.contains("van-sai-roi") && !audit.body.contains(&right));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_need_the_csrf_header_and_this_origin_and_responses_carry_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let admin = server.admin().await;
    let body = json!({"name": "Đoàn do trang khác tạo"});

    // No header: refused, nothing made.
    let r = post_json(
        &server.addr,
        "/api/delegations",
        body.clone(),
        &[("Cookie", &admin.cookie)],
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    // The header, but from another site's page: refused.
    let r = post_json(
        &server.addr,
        "/api/delegations",
        body.clone(),
        &[
            ("Cookie", &admin.cookie),
            ("X-Requested-With", "giamsat"),
            ("Origin", "http://evil.example"),
        ],
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    // A sign-in from another site is refused too (login CSRF).
    let r = post_json(
        &server.addr,
        "/api/session",
        json!({"username": "quantri", "password": super_admin_password()}),
        &[
            ("X-Requested-With", "giamsat"),
            ("Origin", "http://evil.example"),
        ],
    )
    .await;
    assert_eq!(r.status, 403);
    let listed = admin.call("GET", "/api/admin/delegations", None).await;
    assert_eq!(
        listed.json().as_array().unwrap().len(),
        0,
        "nothing was created"
    );

    // A sync connection from another site's page is refused even with the cookie.
    let mut req = {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        format!("{}?peer={}x", server.ws_url(), admin.peer_prefix)
            .into_client_request()
            .unwrap()
    };
    req.headers_mut()
        .insert("cookie", admin.cookie.parse().unwrap());
    req.headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 403),
        other => panic!("a cross-site sync connection must be refused, got {other:?}"),
    }

    // The headers, on the app, the API and an error alike.
    for path in ["/", "/api/me", "/api/nothing-here", "/health"] {
        let r = http(&server.addr, "GET", path, &[("Cookie", &admin.cookie)], b"").await;
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'")
                && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
    }
    // The session cookie: HttpOnly, SameSite=Strict.
    let r = post_json(
        &server.addr,
        "/api/session",
        json!({"username": "quantri", "password": super_admin_password()}),
        &[("X-Requested-With", "giamsat")],
    )
    .await;
    let cookie = r.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // An oversized API body is refused with a message, not read.
    let big = "x".repeat(64 * 1024);
    let r = admin
        .call("POST", "/api/delegations", Some(json!({ "name": big })))
        .await;
    assert_eq!(r.status, 413, "{}", r.body);
    server.stop().await;
}

/// A supervision made by the head of a fresh delegation of Lan (head), Minh and Hoa.
async fn with_supervision(
    server: &ServerProcess,
) -> (giamsat_tests::server::Team, Member, DocumentId, RecordId) {
    let team = server
        .delegation(
            "Đoàn giám sát",
            &[("Lan", "head"), ("Minh", "member"), ("Hoa", "member")],
        )
        .await;
    let mut lan = Member::new(team.get("Lan"));
    lan.connect(&server.ws_url()).await;
    let id = DocumentId::from_bytes(random());
    let unit_id = RecordId::from_bytes(random());
    let mut doc = supervision::create(&sample_setup(), stamp("Lan")).unwrap();
    unit::add(&mut doc, &unit_id, "Công ty cổ phần cấp nước", stamp("Lan")).unwrap();
    team.register(id).await;
    lan.insert(id, doc).await;
    lan.wait_for("the supervision on the server", BOUND, |m| {
        m.pending(&id) == 0
    })
    .await;
    (team, lan, id, unit_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_tablet_is_cut_off_at_once_and_a_removed_member_loses_the_supervision() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let (team, lan, id, _) = with_supervision(&server).await;
    let mut minh = Member::new(team.get("Minh"));
    minh.connect(&server.ws_url()).await;
    minh.want(id);
    minh.wait_for("the supervision", BOUND, |m| m.heads(&id) == lan.heads(&id))
        .await;

    // Minh's tablet is lost: the administrator revokes its session.
    server.revoke_session_of(&team.get("Minh").username).await;
    let admin = server.admin().await;
    minh.wait_for(
        "the server to close the revoked tablet's connection",
        BOUND,
        |m| !m.is_connected(),
    )
    .await;
    let said = minh.server_error().unwrap_or_default();
    assert!(said.contains("revoked"), "{said}");
    assert_eq!(
        team.get("Minh").call("GET", "/api/me", None).await.status,
        401
    );

    // Hoa is removed from the delegation: her tablet no longer gets the supervision.
    let hoa_account = team.get("Hoa");
    let r = team
        .get("Lan")
        .call(
            "DELETE",
            &format!("/api/delegations/{}/members/{}", team.id, hoa_account.id),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let mut hoa = Member::new(hoa_account);
    hoa.connect(&server.ws_url()).await;
    hoa.want(id);
    hoa.wait_for("doc-unavailable after removal", BOUND, |m| {
        m.status(&id) == Some(ReplicaStatus::Unavailable)
    })
    .await;
    let me = hoa_account.call("GET", "/api/me", None).await.json();
    assert_eq!(me["delegations"].as_array().unwrap().len(), 0);
    let audit = admin
        .call("GET", "/api/admin/audit?limit=50", None)
        .await
        .body;
    assert!(
        audit.contains("session-revoked") && audit.contains("membership-removed"),
        "{audit}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_by_someone_elses_actor_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let (team, lan, id, unit_id) = with_supervision(&server).await;
    let before = lan.heads(&id);

    // Minh's client writes a finding under Lan's actor (forging attribution).
    let mut minh = Member::new(team.get("Minh"));
    minh.connect(&server.ws_url()).await;
    minh.want(id);
    minh.wait_for("the supervision", BOUND, |m| m.heads(&id) == before)
        .await;
    let forged_actor = lan.actor.clone();
    let fid = RecordId::from_bytes(random());
    minh.change(&id, |d| {
        d.set_actor(forged_actor);
        finding::add(
            d,
            &fid,
            &unit_id,
            finding::FindingKind::Shortcoming,
            "Lan nói vậy (giả mạo).",
            stamp("Lan"),
        )
    })
    .unwrap();
    minh.wait_for("the server to refuse the forged change", BOUND, |m| {
        !m.is_connected()
    })
    .await;
    let said = minh.server_error().unwrap_or_default();
    assert!(said.contains("not registered to this account"), "{said}");

    // The server's copy is unchanged; registering Lan's actor as Minh's is refused too.
    let mut check = Member::new(team.get("Lan"));
    check.connect(&server.ws_url()).await;
    check.want(id);
    check
        .wait_for("the server's copy", BOUND, |m| m.heads(&id) == before)
        .await;
    let r = team
        .get("Minh")
        .call(
            "POST",
            "/api/actors",
            Some(json!({"actor": lan.actor.to_hex_string()})),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    server.stop().await;
}

/// The server process's resident memory, from /proc/<pid>/status.
fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap()
        / 1024.0
}

/// A flood of sign-ins (argon2id needs 19 MiB per hash) must not take the server's memory:
/// before hashes were bounded and their memory reused, 24 at once took it to 490 MB and ten
/// in a row grew it by 19.5 MB each. The bound here is the same as the other floods'.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_sign_ins_leaves_memory_bounded_and_the_server_serving() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = server.delegation("Đoàn", &[("Lan", "member")]).await;
    let pid = server.pid().unwrap();
    let attempts: Vec<_> = (0..48)
        .map(|i| {
            let addr = server.addr.clone();
            tokio::spawn(async move {
                post_json(
                    &addr,
                    "/api/session",
                    json!({"username": format!("dan-do-{i}"), "password": "doan-mo-mat-khau"}),
                    &[("X-Requested-With", "giamsat")],
                )
                .await
                .status
            })
        })
        .collect();
    for a in attempts {
        // Refused as wrong, or (once twenty from this address have failed) as too many.
        let status = a.await.unwrap();
        assert!(status == 401 || status == 429, "{status}");
    }
    let peak = rss_mb(pid);
    assert!(
        peak < 200.0,
        "the server's memory peaked at {peak:.0} MB during 48 sign-ins"
    );
    assert_eq!(
        team.get("Lan").call("GET", "/api/me", None).await.status,
        200
    );
    println!("server peak RSS through 48 concurrent sign-ins: {peak:.0} MB");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deputy_manages_the_members_but_not_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = server
        .delegation(
            "Đoàn giám sát",
            &[
                ("Trưởng", "head"),
                ("Phó", "deputy"),
                ("Thư ký", "secretary"),
            ],
        )
        .await;
    let (head, deputy, secretary) = (team.get("Trưởng"), team.get("Phó"), team.get("Thư ký"));
    let path = |u: &giamsat_tests::server::Account| {
        format!("/api/delegations/{}/members/{}", team.id, u.id)
    };

    // The deputy changes the secretary's role and invites a member…
    let r = deputy
        .call("PUT", &path(secretary), Some(json!({"role": "member"})))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = deputy
        .call(
            "POST",
            &format!("/api/delegations/{}/invitations", team.id),
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // …but cannot remove or demote the head, make themself head, or invite a head.
    for (method, target, body) in [
        ("DELETE", head, None),
        ("PUT", head, Some(json!({"role": "member"}))),
        ("PUT", deputy, Some(json!({"role": "head"}))),
    ] {
        let r = deputy.call(method, &path(target), body).await;
        assert_eq!(r.status, 403, "{method} {}: {}", target.name, r.body);
    }
    let r = deputy
        .call(
            "POST",
            &format!("/api/delegations/{}/invitations", team.id),
            Some(json!({"role": "head"})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    // A secretary or member manages nothing.
    let r = secretary.call("DELETE", &path(deputy), None).await;
    assert_eq!(r.status, 403, "{}", r.body);
    // The head can.
    let r = head
        .call("PUT", &path(deputy), Some(json!({"role": "member"})))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let members = head
        .call("GET", &format!("/api/delegations/{}", team.id), None)
        .await
        .json();
    let role_of = |name: &str| {
        members["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["displayName"] == name)
            .unwrap()["role"]
            .clone()
    };
    assert_eq!(role_of("Trưởng"), "head");
    assert_eq!(role_of("Phó"), "member");
    assert_eq!(role_of("Thư ký"), "member");
    server.stop().await;
}

/// A connection stays open only while its session is live: when the session expires, the
/// server closes it even though frames keep coming (a tablet's presence heartbeat never
/// stops).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_connection_closes_when_its_session_expires_even_while_busy() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start_with(dir.path(), &["--session-ttl", "4"]).await;
    let (_team, lan, id, unit_id) = with_supervision(&server).await;
    assert!(lan.is_connected());
    // Keep typing, a change every 200 ms, until the server closes the connection.
    let mut pace = tokio::time::interval(Duration::from_millis(200));
    let deadline = tokio::time::Instant::now() + BOUND;
    let mut sent = 0;
    while lan.is_connected() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "still connected after {BOUND:?}"
        );
        pace.tick().await;
        let fid = RecordId::from_bytes(random());
        lan.change(&id, |d| {
            finding::add(
                d,
                &fid,
                &unit_id,
                finding::FindingKind::Strength,
                "Vẫn gõ.",
                stamp("Lan"),
            )
        })
        .unwrap();
        sent += 1;
    }
    let said = lan.server_error().unwrap_or_default();
    assert!(said.contains("expired"), "{said}");
    assert!(
        sent > 5,
        "the connection was busy until it closed ({sent} changes)"
    );
    server.stop().await;
}
