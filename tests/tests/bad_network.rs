//! Three members edit one supervision through a bad network, and nothing is lost.
//!
//! Between the members and the real server sits `giamsat_tests::proxy`: every piece of every
//! connection is delayed 0–50 ms, connections are cut after a few KB or a second or two
//! (mid-frame, by FIN or RST), some stall silently until cut, and new connections wait up to
//! 300 ms before reaching the server. TCP keeps bytes in order within one connection, so
//! the reordering here is across connections: edits sent before a cut and after the
//! reconnect, and edits of different members, reach the server in an order other than the
//! one they were typed in. The draws come from a seed (`GIAMSAT_BAD_NETWORK_SEED`, printed).
//!
//! While the network misbehaves, each member adds findings and types, keystroke by
//! keystroke, into the same finding's text at its own caret (Minh at the start, Hoa after
//! the first word, Lan at the end), and reconnects with back-off whenever its connection
//! drops. Then the network is made clean, everyone reconnects, and all three and a fresh
//! member fetching from the server hold identical heads, with every finding and every
//! keystroke where it was typed. Waits are on sync events with a bound, never sleeps; the
//! only sleeps are the members' typing pace and their reconnect back-off, which are part of
//! what is simulated.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;
use giamsat_tests::member::Member;
use giamsat_tests::proxy::{Faults, Proxy};
use giamsat_tests::random;
use giamsat_tests::server::ServerProcess;
use giamsat_tests::stamp;
use shared::finding::{self, FindingKind};
use shared::reading;
use shared::supervision::{self, Setup};
use shared::text::{Caret, Splice};
use shared::{DocumentId, RecordId, unit};
use tokio::time::Instant;

/// Bound of each wait for an event.
const BOUND: Duration = Duration::from_secs(20);
/// How long the members type through the bad network.
const STORM: Duration = Duration::from_secs(8);
/// The whole test, from the storm's start to the last check.
const DEADLINE: Duration = Duration::from_secs(30);

const ORIGINAL: &str = "Ban hành kế hoạch kịp thời.";

/// What one member does during the storm.
struct Script {
    name: &'static str,
    /// Where its caret starts in [`ORIGINAL`], in characters.
    caret_at: usize,
    /// What it types there, one keystroke (one change) per character.
    typed: &'static str,
    /// It adds a finding after every `finding_every` keystrokes.
    finding_every: usize,
}

fn scripts() -> [Script; 3] {
    [
        Script {
            name: "Lan",
            caret_at: ORIGINAL.chars().count(),
            typed: " Đã phổ biến đến 100% chi bộ trực thuộc.",
            finding_every: 9,
        },
        Script {
            name: "Minh",
            caret_at: 0,
            typed: "Nhìn chung, đảng ủy ",
            finding_every: 5,
        },
        Script {
            name: "Hoa",
            caret_at: 3,
            typed: " và triển khai",
            finding_every: 4,
        },
    ]
}

/// The text everyone must end with: each member's keystrokes, contiguous, at its caret.
fn expected_text() -> String {
    let [lan, minh, hoa] = scripts();
    let (first_word, rest) = ORIGINAL.split_at(hoa.caret_at);
    format!("{}{first_word}{}{rest}{}", minh.typed, hoa.typed, lan.typed)
}

/// Connect through `url`, retrying with back-off (100 ms doubling to 1 s, as the app's
/// net.rs backs off) until the WebSocket opens or `deadline` passes. `Member::connect`
/// panics when the handshake fails, which a bad network makes common: that panic is caught
/// here and counts as a failed attempt.
async fn connect_with_retry(member: &mut Member, url: &str, deadline: Instant) {
    let mut backoff = Duration::from_millis(100);
    loop {
        if try_connect(member, url).await {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} could not reconnect before the deadline",
            member.name
        );
        tokio::time::sleep(backoff).await; // the reconnect back-off, not a wait for an event
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
}

/// One connection attempt, bounded: whether the WebSocket opened.
async fn try_connect(member: &mut Member, url: &str) -> bool {
    let attempt = AssertUnwindSafe(member.connect(url)).catch_unwind();
    matches!(
        tokio::time::timeout(Duration::from_secs(5), attempt).await,
        Ok(Ok(()))
    )
}

/// Keep `Member::connect`'s expected handshake failures out of the test output.
fn quiet_connect_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or("");
        if !text.starts_with("WebSocket connect") {
            default(info);
        }
    }));
}

/// One member's storm: type and add findings while the network breaks, reconnecting with
/// back-off whenever the connection is gone. Returns the member, the findings it added, and
/// its reconnect attempts and how many of them failed.
async fn storm(
    mut member: Member,
    script: Script,
    id: DocumentId,
    shared_finding: RecordId,
    unit_id: RecordId,
    url: String,
    seed: u64,
) -> (Member, Vec<RecordId>, (u32, u32)) {
    let obj = member
        .read(&id, |d| finding::text_object(d, &shared_finding).unwrap())
        .unwrap();
    let mut caret = member
        .read(&id, |d| Caret::anchor(d, &obj, script.caret_at).unwrap())
        .unwrap();
    let mut added = Vec::new();
    let mut rng = seed;
    let mut next_try = Instant::now();
    let mut backoff = Duration::from_millis(100);
    let (mut attempts, mut failures) = (0, 0);
    let end = Instant::now() + STORM;
    let keystrokes: Vec<char> = script.typed.chars().collect();
    for (i, ch) in keystrokes.iter().enumerate() {
        // The tablet reconnects on its own when the connection is gone.
        if !member.is_connected() && Instant::now() >= next_try {
            attempts += 1;
            if try_connect(&mut member, &url).await {
                backoff = Duration::from_millis(100);
            } else {
                failures += 1;
                next_try = Instant::now() + backoff;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
        caret = member.change(&id, |d| {
            let pos = caret.resolve(d, &obj);
            let edit = Splice {
                pos,
                delete: 0,
                insert: ch.to_string(),
            };
            shared::field::splice(
                d,
                &finding::text_field(&shared_finding),
                &edit,
                stamp(script.name),
            )
            .unwrap();
            Caret::anchor(d, &obj, pos + 1).unwrap()
        });
        if (i + 1) % script.finding_every == 0 {
            let fid = RecordId::from_bytes(random());
            let text = format!("{} ghi nhận số {}", script.name, added.len() + 1);
            member
                .change(&id, |d| {
                    finding::add(
                        d,
                        &fid,
                        &unit_id,
                        FindingKind::Shortcoming,
                        &text,
                        stamp(script.name),
                    )
                })
                .unwrap();
            added.push(fid);
        }
        // The member's typing pace, spread so the keystrokes span the storm.
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let left = end.saturating_duration_since(Instant::now());
        let per_key = left / (keystrokes.len() - i) as u32;
        let pause = per_key.mul_f64(0.5 + (rng >> 33) as f64 / (1u64 << 31) as f64);
        tokio::time::sleep(pause).await; // typing pace, not a wait for an event
    }
    (member, added, (attempts, failures))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_members_editing_through_a_bad_network_converge() {
    quiet_connect_panics();
    let seed = std::env::var("GIAMSAT_BAD_NETWORK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_241_105_u64);
    println!("bad network seed: {seed} (set GIAMSAT_BAD_NETWORK_SEED to replay)");
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = server
        .delegation(
            "Đoàn giám sát",
            &[
                ("Lan", "head"),
                ("Minh", "member"),
                ("Hoa", "member"),
                ("Kiểm chứng", "member"),
            ],
        )
        .await;
    let proxy = Proxy::start(&server.addr, seed, Faults::clean()).await;
    let url = proxy.ws_url();

    // Step 1: on a clean network, Lan creates the supervision with one unit and the finding
    // all three will type into; Minh and Hoa receive it.
    let id = DocumentId::from_bytes(random());
    let unit_id = RecordId::from_bytes(random());
    let shared_finding = RecordId::from_bytes(random());
    let setup = Setup {
        title: "Giám sát việc thực hiện Quyết định 217-QĐ/TW".into(),
        ..Setup::default()
    };
    let mut doc = supervision::create(&setup, stamp("Lan")).unwrap();
    unit::add(
        &mut doc,
        &unit_id,
        "Đảng ủy phường Thanh Khê Tây",
        stamp("Lan"),
    )
    .unwrap();
    finding::add(
        &mut doc,
        &shared_finding,
        &unit_id,
        FindingKind::Strength,
        ORIGINAL,
        stamp("Lan"),
    )
    .unwrap();
    let mut lan = Member::new(team.get("Lan"));
    let mut minh = Member::new(team.get("Minh"));
    let mut hoa = Member::new(team.get("Hoa"));
    lan.connect(&url).await;
    team.register(id).await;
    lan.insert(id, doc).await;
    lan.wait_for("the server to confirm the supervision", BOUND, |m| {
        m.pending(&id) == 0
    })
    .await;
    for m in [&mut minh, &mut hoa] {
        m.connect(&url).await;
        m.want(id);
        m.wait_for("the supervision to arrive", BOUND, |m| {
            m.read(&id, |_| ()).is_some()
        })
        .await;
    }

    let before_storm = lan.heads(&id);

    // Step 2: the network turns bad, for every connection from now on.
    let start = Instant::now();
    let deadline = start + DEADLINE;
    proxy.set_faults(Faults::bad());
    proxy.cut_all();
    let [lan_s, minh_s, hoa_s] = scripts();
    let tasks = [(lan, lan_s, 1u64), (minh, minh_s, 2), (hoa, hoa_s, 3)].map(|(m, s, k)| {
        tokio::spawn(storm(
            m,
            s,
            id,
            shared_finding.clone(),
            unit_id.clone(),
            url.clone(),
            seed ^ k,
        ))
    });
    let mut members = Vec::new();
    let mut added = Vec::new();
    for t in tasks {
        let (m, a, (attempts, failures)) = t.await.expect("a member's storm");
        println!(
            "{}: {attempts} reconnect attempts during the storm, {failures} failed",
            m.name
        );
        members.push(m);
        added.extend(a);
    }
    let stats = proxy.stats();
    println!("storm over after {:?}: {stats:?}", start.elapsed());
    assert!(
        stats.cuts >= 3,
        "the network was not bad enough to test anything: {stats:?}"
    );
    // Sync went on between the cuts: the server confirmed some of the storm's edits already.
    assert!(
        members.iter().any(|m| m.confirmed(&id) != before_storm),
        "no edit got through during the storm: {stats:?}"
    );

    // Step 3: the network heals; everyone reconnects.
    proxy.set_faults(Faults::clean());
    proxy.cut_all();
    for m in members.iter_mut() {
        connect_with_retry(m, &url, deadline).await;
    }

    // Step 4: identical heads, confirmed by the server, nothing pending.
    let left = deadline.saturating_duration_since(Instant::now());
    for m in &members {
        m.wait_for("identical, confirmed heads on all three", left, |m| {
            let h = m.heads(&id);
            members.iter().all(|o| o.heads(&id) == h)
                && m.confirmed(&id) == h
                && m.pending(&id) == 0
        })
        .await;
    }
    // A fresh member fetching straight from the server gets exactly those heads.
    let mut fresh = Member::new(team.get("Kiểm chứng"));
    fresh.connect(&server.ws_url()).await;
    fresh.want(id);
    let heads = members[0].heads(&id);
    let left = deadline.saturating_duration_since(Instant::now());
    fresh
        .wait_for("the server's copy", left, |m| m.heads(&id) == heads)
        .await;

    // Every edit is there: each finding, and each keystroke where it was typed.
    let s = fresh.read(&id, |d| reading::read(d).unwrap()).unwrap();
    assert_eq!(
        s.findings.len(),
        1 + added.len(),
        "every finding added during the storm"
    );
    for fid in &added {
        assert!(s.finding(fid).is_some(), "finding {fid:?} is missing");
    }
    assert_eq!(s.finding(&shared_finding).unwrap().text, expected_text());
    println!(
        "converged after {:?}, {} findings added, {:?}",
        start.elapsed(),
        added.len(),
        proxy.stats()
    );
    server.stop().await;
}
