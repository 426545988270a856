//! Crash safety (issue 5, item 6): the server is killed with SIGKILL at random moments while
//! two members write, and restarted, again and again. After every restart, every change a
//! member had seen confirmed (covered by the heads the server reported) must still be on the
//! server, and at the end everyone converges. `GIAMSAT_CRASH_ROUNDS` sets the number of
//! rounds (20 here; the bench command runs 100).

use std::time::Duration;

use automerge::ReadDoc;
use giamsat_tests::member::Member;
use giamsat_tests::random;
use giamsat_tests::server::ServerProcess;
use giamsat_tests::stamp;
use shared::field::{self, RecordKind, TextField};
use shared::finding::{self, FindingKind};
use shared::reading;
use shared::supervision::{self, Setup};
use shared::text::Splice;
use shared::{DocumentId, RecordId, unit};

const BOUND: Duration = Duration::from_secs(20);

/// A small deterministic generator, seeded per run (the seed is printed to replay a failure).
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }
}

/// One burst of writing by `m`: new findings and keystrokes in the shared finding.
fn write_burst(
    m: &Member,
    id: &DocumentId,
    unit_id: &RecordId,
    shared_finding: &RecordId,
    rng: &mut Rng,
) {
    for _ in 0..(1 + rng.next(40)) {
        if rng.next(4) == 0 {
            let fid = RecordId::from_bytes(random());
            m.change(id, |d| {
                finding::add(
                    d,
                    &fid,
                    unit_id,
                    FindingKind::Shortcoming,
                    "Ghi nhận khi máy chủ gặp sự cố.",
                    stamp(&m.name),
                )
            })
            .unwrap();
        } else {
            let field = TextField::new(RecordKind::Finding, shared_finding, "text");
            m.change(id, |d| {
                let len = field.object(d).map(|o| d.length(&o)).unwrap_or(0);
                field::splice(
                    d,
                    &field,
                    &Splice {
                        pos: len,
                        delete: 0,
                        insert: "x".into(),
                    },
                    stamp(&m.name),
                )
            })
            .unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_confirmed_change_is_lost_when_the_server_is_killed_under_load() {
    let rounds: usize = std::env::var("GIAMSAT_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let seed = u64::from_le_bytes(random()) | 1;
    eprintln!("crash test: {rounds} rounds, seed {seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path()).await;
    let team = server
        .delegation(
            "Đoàn giám sát",
            &[
                ("Lan", "head"),
                ("Minh", "member"),
                ("Kiểm chứng", "member"),
            ],
        )
        .await;

    // Step 1: Lan creates the supervision; Minh gets it.
    let mut lan = Member::new(team.get("Lan"));
    let mut minh = Member::new(team.get("Minh"));
    lan.connect(&server.ws_url()).await;
    let id = DocumentId::from_bytes(random());
    let unit_id = RecordId::from_bytes(random());
    let shared_finding = RecordId::from_bytes(random());
    let mut doc = supervision::create(
        &Setup {
            title: "Giám sát khi mất điện".into(),
            ..Setup::default()
        },
        stamp("Lan"),
    )
    .unwrap();
    unit::add(&mut doc, &unit_id, "Đảng ủy phường", stamp("Lan")).unwrap();
    finding::add(
        &mut doc,
        &shared_finding,
        &unit_id,
        FindingKind::Strength,
        "",
        stamp("Lan"),
    )
    .unwrap();
    team.register(id).await;
    lan.insert(id, doc).await;
    lan.wait_for("the supervision confirmed", BOUND, |m| m.pending(&id) == 0)
        .await;
    minh.connect(&server.ws_url()).await;
    minh.want(id);
    minh.wait_for("the supervision", BOUND, |m| m.read(&id, |_| ()).is_some())
        .await;

    for round in 0..rounds {
        // Step 2: both write; at a random moment, note what each has seen confirmed and kill.
        write_burst(&lan, &id, &unit_id, &shared_finding, &mut rng);
        write_burst(&minh, &id, &unit_id, &shared_finding, &mut rng);
        // The random moment of the crash (this is the thing under test, not a wait).
        tokio::time::sleep(Duration::from_millis(rng.next(30))).await;
        let confirmed: Vec<automerge::ChangeHash> = [&lan, &minh]
            .iter()
            .flat_map(|m| m.confirmed(&id))
            .collect();
        let dir_path = server.kill().await;
        lan.disconnect();
        minh.disconnect();

        // Step 3: a new process on the same data; a fresh device must get every confirmed change.
        server = ServerProcess::start(&dir_path).await;
        let mut check = Member::new(team.get("Kiểm chứng"));
        check.connect(&server.ws_url()).await;
        check.want(id);
        let all_there = |m: &Member| {
            m.read(&id, |d| {
                confirmed.iter().all(|h| d.get_change_by_hash(h).is_some())
            })
            .unwrap_or(false)
        };
        let arrived = tokio::time::timeout(
            BOUND,
            check.wait_for("every confirmed change", BOUND * 2, all_there),
        )
        .await
        .is_ok();
        if !arrived {
            let missing = check
                .read(&id, |d| {
                    confirmed
                        .iter()
                        .filter(|h| d.get_change_by_hash(h).is_none())
                        .count()
                })
                .unwrap_or(confirmed.len());
            panic!(
                "round {round} (seed {seed}): {missing} of {} confirmed changes are not on the restarted server \
                 (the fresh device holds the document: {})",
                confirmed.len(),
                check.read(&id, |_| ()).is_some()
            );
        }
        check.disconnect();

        // Step 4: the members come back and carry on.
        lan.connect(&server.ws_url()).await;
        minh.connect(&server.ws_url()).await;
    }

    // Step 5: everyone converges, and the server confirms it all.
    for m in [&lan, &minh] {
        m.wait_for("convergence after the last crash", BOUND, |m| {
            m.heads(&id) == lan.heads(&id) && m.heads(&id) == minh.heads(&id) && m.pending(&id) == 0
        })
        .await;
    }
    let s = lan.read(&id, |d| reading::read(d).unwrap()).unwrap();
    assert!(s.findings.len() >= 2);
    server.stop().await;
}
