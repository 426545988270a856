//! Two replicas of the server on one PostgreSQL database (issue 16), as an operator runs
//! them behind a load balancer: members on each converge to identical heads, a tablet
//! revoked on one replica is cut off on the other within a second, and when one replica is
//! killed under load its members move to the other and nothing it confirmed is lost.
//!
//! Each test starts a throwaway PostgreSQL cluster on loopback (skipped with a message
//! where PostgreSQL is not installed; a failure on CI, where the test command installs it).

use std::time::{Duration, Instant};

use automerge::ChangeHash;
use giamsat_tests::member::Member;
use giamsat_tests::postgres::Postgres;
use giamsat_tests::server::{ServerProcess, Team};
use giamsat_tests::{random, stamp};
use shared::finding::{self, FindingKind};
use shared::reading;
use shared::{DocumentId, RecordId};

const BOUND: Duration = Duration::from_secs(30);

/// Replicas A and B on one fresh database, and a delegation made through A.
async fn two_replicas(
    pg: &Postgres,
) -> (ServerProcess, ServerProcess, Team, [tempfile::TempDir; 2]) {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let a = ServerProcess::start_on(dirs[0].path(), &pg.url(), true).await;
    let b = ServerProcess::start_on(dirs[1].path(), &pg.url(), false).await;
    let team = a
        .delegation(
            "Đoàn giám sát Thanh Khê Tây",
            &[
                ("Lan", "head"),
                ("Minh", "member"),
                ("Hoa", "member"),
                ("Kiểm chứng", "member"),
            ],
        )
        .await;
    (a, b, team, dirs)
}

/// Lan makes the supervision on her tablet (connected to one replica) and it is confirmed.
async fn lan_creates(lan: &Member, team: &Team) -> (DocumentId, RecordId) {
    lan.creates_supervision(team, "Đảng ủy phường Thanh Khê Tây", BOUND)
        .await
}

fn add_finding(m: &Member, id: &DocumentId, unit_id: &RecordId, n: usize) {
    let fid = RecordId::from_bytes(random());
    let text = format!("{} ghi nhận số {n}", m.name);
    m.change(id, |d| {
        finding::add(
            d,
            &fid,
            unit_id,
            FindingKind::Shortcoming,
            &text,
            stamp(&m.name),
        )
    })
    .unwrap();
}

async fn opens(m: &mut Member, ws_url: &str, id: DocumentId) {
    m.connect(ws_url).await;
    m.want(id);
    m.wait_for("the supervision to arrive", BOUND, |m| {
        m.read(&id, |_| ()).is_some()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_on_two_replicas_converge_to_identical_heads() {
    let Some(pg) = Postgres::start_or_skip("replicas: convergence") else {
        return;
    };
    let (a, b, team, _dirs) = two_replicas(&pg).await;
    let mut lan = Member::new(team.get("Lan"));
    let mut minh = Member::new(team.get("Minh"));
    let mut hoa = Member::new(team.get("Hoa"));
    lan.connect(&a.ws_url()).await;
    let (id, unit_id) = lan_creates(&lan, &team).await;
    // Minh opens it on B: B loads what A stored.
    opens(&mut minh, &b.ws_url(), id).await;
    opens(&mut hoa, &a.ws_url(), id).await;

    // All three write at once, on both replicas.
    for n in 0..5 {
        for m in [&lan, &minh, &hoa] {
            add_finding(m, &id, &unit_id, n);
        }
    }
    let everyone = [&lan, &minh, &hoa];
    for m in everyone {
        m.wait_for("every finding on every tablet, all confirmed", BOUND, |m| {
            m.pending(&id) == 0
                && m.read(&id, |d| reading::read(d).unwrap().findings.len() == 15)
                    .unwrap_or(false)
        })
        .await;
    }
    for m in everyone {
        m.wait_for("identical heads everywhere", BOUND, |m| {
            m.heads(&id) == lan.heads(&id) && m.heads(&id) == minh.heads(&id)
        })
        .await;
    }
    // And what each replica serves a newcomer is the same.
    for server in [&a, &b] {
        let mut check = Member::new(team.get("Kiểm chứng"));
        opens(&mut check, &server.ws_url(), id).await;
        check
            .wait_for("the replica's copy to match", BOUND, |c| {
                c.heads(&id) == lan.heads(&id)
            })
            .await;
        check.disconnect();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_revoked_on_one_replica_is_cut_off_on_the_other_within_a_second() {
    let Some(pg) = Postgres::start_or_skip("replicas: revocation") else {
        return;
    };
    let (a, b, team, _dirs) = two_replicas(&pg).await;
    let mut lan = Member::new(team.get("Lan"));
    lan.connect(&a.ws_url()).await;
    let (id, _) = lan_creates(&lan, &team).await;
    let mut minh = Member::new(team.get("Minh"));
    opens(&mut minh, &b.ws_url(), id).await;

    // The administrator, signed in on A, revokes Minh's session.
    let revoked_at = Instant::now();
    a.revoke_session_of(&team.get("Minh").username).await;
    minh.wait_for(
        "replica B to close the revoked tablet's connection",
        Duration::from_secs(1),
        |m| !m.is_connected(),
    )
    .await;
    eprintln!(
        "cut off on the other replica after {:?}",
        revoked_at.elapsed()
    );
    let said = minh.server_error().unwrap_or_default();
    assert!(said.contains("revoked"), "{said}");
    // Nor may it come back on either replica.
    for server in [&a, &b] {
        let me = team.get("Minh").at(&server.addr);
        assert_eq!(me.call("GET", "/api/me", None).await.status, 401);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_under_load_loses_nothing_it_confirmed_and_its_members_move() {
    let Some(pg) = Postgres::start_or_skip("replicas: a replica dies") else {
        return;
    };
    let (a, b, team, _dirs) = two_replicas(&pg).await;
    let mut lan = Member::new(team.get("Lan"));
    let mut hoa = Member::new(team.get("Hoa"));
    let mut minh = Member::new(team.get("Minh"));
    lan.connect(&a.ws_url()).await;
    let (id, unit_id) = lan_creates(&lan, &team).await;
    opens(&mut hoa, &a.ws_url(), id).await;
    opens(&mut minh, &b.ws_url(), id).await;

    // Load: Lan and Hoa on A and Minh on B keep writing; A is killed while they do.
    let mut confirmed_by_a: Vec<ChangeHash> = Vec::new();
    for n in 0..40 {
        for m in [&lan, &hoa, &minh] {
            add_finding(m, &id, &unit_id, n);
        }
        if n % 8 == 7 {
            tokio::task::yield_now().await;
        }
    }
    lan.wait_for("some of Lan's work confirmed by A", BOUND, |m| {
        !m.confirmed(&id).is_empty()
    })
    .await;
    let _ = a.kill().await;
    // What A told its members is on disk, whatever it was doing when it died.
    for m in [&lan, &hoa] {
        confirmed_by_a.extend(m.confirmed(&id));
    }
    assert!(!confirmed_by_a.is_empty());

    // Before anyone resends anything, everything A confirmed is in the database: a third
    // replica started now, which has nothing in memory, serves all of it to a newcomer.
    let dir_c = tempfile::tempdir().unwrap();
    let c = ServerProcess::start_on(dir_c.path(), &pg.url(), false).await;
    let mut check = Member::new(team.get("Kiểm chứng"));
    opens(&mut check, &c.ws_url(), id).await;
    check
        .wait_for(
            "a fresh replica to serve everything A confirmed",
            BOUND,
            |c| {
                c.read(&id, |d| {
                    confirmed_by_a
                        .iter()
                        .all(|h| automerge::ReadDoc::get_change_by_hash(d, h).is_some())
                })
                .unwrap_or(false)
            },
        )
        .await;

    check.disconnect();
    c.stop().await;

    // A's members move to B (the app reconnects; a load balancer sends it to a survivor),
    // and the work they had not had confirmed reaches everyone.
    for m in [&mut lan, &mut hoa] {
        m.disconnect();
        m.connect(&b.ws_url()).await;
        m.want(id);
    }
    for m in [&lan, &hoa, &minh] {
        m.wait_for(
            "all 120 findings, nothing pending, on every tablet",
            BOUND,
            |m| {
                m.pending(&id) == 0
                    && m.read(&id, |d| reading::read(d).unwrap().findings.len() == 120)
                        .unwrap_or(false)
            },
        )
        .await;
    }
    for m in [&hoa, &minh] {
        m.wait_for("identical heads", BOUND, |m| m.heads(&id) == lan.heads(&id))
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_spread_over_the_replicas_are_throttled_as_one() {
    let Some(pg) = Postgres::start_or_skip("replicas: sign-in throttling") else {
        return;
    };
    let (a, b, team, _dirs) = two_replicas(&pg).await;
    let lan = team.get("Lan");
    let guess = |addr: String, n: usize| {
        let username = lan.username.clone();
        async move {
            let body =
                serde_json::json!({ "username": username, "password": format!("doan-sai-{n}") })
                    .to_string();
            giamsat_tests::server::http(
                &addr,
                "POST",
                "/api/session",
                &[
                    ("X-Requested-With", "giamsat"),
                    ("Content-Type", "application/json"),
                ],
                body.as_bytes(),
            )
            .await
            .status
        }
    };
    // Five wrong passwords, alternating between the replicas: each one is checked.
    for n in 0..shared_limit() {
        let addr = if n % 2 == 0 { &a.addr } else { &b.addr };
        assert_eq!(guess(addr.clone(), n).await, 401, "guess {n}");
    }
    // The sixth is refused before any password is checked, on either replica.
    for server in [&a, &b] {
        assert_eq!(guess(server.addr.clone(), 99).await, 429);
    }
}

/// The failures one username may have (`server::rate_limit::PER_USERNAME`).
fn shared_limit() -> usize {
    5
}

/// An operator's mistakes with the database URL get a clear message, never echo the
/// password, and start nothing (no PostgreSQL needed).
#[test]
fn a_wrong_database_url_is_refused_clearly_without_showing_its_password() {
    let bin = giamsat_tests::server::server_binary();
    let dir = tempfile::tempdir().unwrap();
    let run = |url: &str| {
        std::process::Command::new(&bin)
            .args(["--addr", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env("GIAMSAT_DATABASE_URL", url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run giamsat-server")
    };
    // Nothing listens on port 1: the server says it cannot reach PostgreSQL, and stops.
    let out = run("postgres://giamsat:mat-khau-bi-mat@127.0.0.1:1/giamsat");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains("PostgreSQL at"), "{said}");
    assert!(said.contains("giamsat@127.0.0.1:1"), "{said}");
    assert!(
        !said.contains("mat-khau-bi-mat"),
        "the password is shown: {said}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
    // Not a PostgreSQL URL at all.
    let out = run("mysql://root@127.0.0.1/giamsat");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains("postgres://"), "{said}");
}

/// PostgreSQL restarts under a running replica (an operator's maintenance, a crash of the
/// database): the replica connects again by itself, what members write afterwards is
/// confirmed, and `/health` says ok again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_carries_on_after_the_database_restarts() {
    let Some(pg) = Postgres::start_or_skip("replicas: the database restarts") else {
        return;
    };
    let (a, b, team, _dirs) = two_replicas(&pg).await;
    let mut lan = Member::new(team.get("Lan"));
    lan.connect(&a.ws_url()).await;
    let (id, unit_id) = lan_creates(&lan, &team).await;
    add_finding(&lan, &id, &unit_id, 0);
    lan.wait_for("the first finding confirmed", BOUND, |m| {
        m.pending(&id) == 0
    })
    .await;

    let pg = std::sync::Arc::new(pg);
    let restarting = pg.clone();
    tokio::task::spawn_blocking(move || restarting.restart())
        .await
        .unwrap()
        .expect("PostgreSQL restarts");

    // The member's tablet may have been dropped with the replica's connections; as the app
    // does, it connects again if so.
    add_finding(&lan, &id, &unit_id, 1);
    if !lan.is_connected() {
        lan.connect(&a.ws_url()).await;
    }
    lan.wait_for(
        "the finding written after the restart confirmed",
        BOUND,
        |m| m.pending(&id) == 0,
    )
    .await;
    // /health may fail once (the closed connection is noticed), then answers ok.
    let mut answers = Vec::new();
    for _ in 0..3 {
        let (status, _) = giamsat_tests::server::http_get(&a.addr, "/health").await;
        answers.push(status);
        if status == 200 {
            break;
        }
    }
    assert_eq!(answers.last(), Some(&200), "/health answered {answers:?}");
    // And another member still gets everything from the other replica.
    let mut minh = Member::new(team.get("Minh"));
    opens(&mut minh, &b.ws_url(), id).await;
    minh.wait_for("both findings on replica B", BOUND, |m| {
        m.read(&id, |d| reading::read(d).unwrap().findings.len() == 2)
            .unwrap_or(false)
    })
    .await;
}
