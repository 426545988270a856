//! Storage faults: the server's data directory on a small tmpfs that fills up while members
//! write. No change is ever confirmed that is not on disk; the writing members see their
//! changes pending; a supervision with nothing new to write keeps syncing; once space comes
//! back (without a restart), everything is written and converges. A kill -9 while the disk
//! is full loses nothing that was confirmed.
//!
//! Mounting a tmpfs needs root (CI runs as root); elsewhere the test says so and skips.

use shared::reading;
use std::path::{Path, PathBuf};
use std::time::Duration;

use giamsat_tests::member::Member;
use giamsat_tests::server::ServerProcess;
use giamsat_tests::{random, sample_setup, stamp};
use shared::finding::{self, FindingKind};
use shared::{DocumentId, RecordId, supervision, unit};

const BOUND: Duration = Duration::from_secs(30);

/// A tmpfs of `mb` megabytes, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    fn mount(parent: &Path, mb: u64) -> Option<SmallDisk> {
        let path = parent.join("disk");
        std::fs::create_dir_all(&path).ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(&path)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then_some(SmallDisk { path })
    }

    /// Fill what is left with a file, so the next write that needs a new page fails.
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.path.join("filler")).expect("create filler");
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let small = vec![0u8; 512];
        while f.write_all(&small).is_ok() {}
        let _ = f.sync_all();
    }

    /// Give the space back.
    fn free(&self) {
        std::fs::remove_file(self.path.join("filler")).expect("remove filler");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
    }
}

/// A supervision created by `head`, registered to its delegation, confirmed on the server.
async fn supervision_of(
    head: &Member,
    register: impl std::future::Future<Output = ()>,
    id: DocumentId,
) -> RecordId {
    let unit_id = RecordId::from_bytes(random());
    let mut doc = supervision::create(&sample_setup(), stamp(&head.name)).unwrap();
    unit::add(
        &mut doc,
        &unit_id,
        "Ủy ban nhân dân phường",
        stamp(&head.name),
    )
    .unwrap();
    register.await;
    head.insert(id, doc).await;
    head.wait_for("the supervision confirmed", BOUND, |m| m.pending(&id) == 0)
        .await;
    unit_id
}

/// A finding with a long text that does not compress (so the disk runs out after a few).
fn write_finding(m: &Member, id: &DocumentId, unit_id: &RecordId, n: usize) -> RecordId {
    let fid = RecordId::from_bytes(random());
    const LETTERS: &[char] = &[
        'a', 'ă', 'â', 'đ', 'e', 'ê', 'ô', 'ơ', 'ư', 'n', 'g', 'h', ' ',
    ];
    let noise: String = random::<4096>()
        .iter()
        .map(|b| LETTERS[usize::from(*b) % LETTERS.len()])
        .collect();
    let text = format!("Ghi nhận số {n}: {noise}").repeat(4);
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
    fid
}

fn has_finding(m: &Member, id: &DocumentId, fid: &RecordId) -> bool {
    m.read(id, |d| {
        reading::read(d)
            .map(|s| s.findings.iter().any(|f| f.id == *fid))
            .unwrap_or(false)
    })
    .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_confirms_nothing_unwritten_and_everything_converges_once_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = SmallDisk::mount(dir.path(), 24) else {
        eprintln!("storage_faults: cannot mount a tmpfs here (needs root): skipped");
        return;
    };
    let log = dir.path().join("server.log");
    let data = disk.path.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let server = ServerProcess::start_logging(&data, &log).await;

    // Step 1: two delegations, each with its supervision on the server.
    let writers = server
        .delegation("Đoàn A", &[("Lan", "head"), ("Minh", "member")])
        .await;
    let readers = server
        .delegation("Đoàn B", &[("Hoa", "head"), ("Tuấn", "member")])
        .await;
    let (mut lan, mut minh) = (
        Member::new(writers.get("Lan")),
        Member::new(writers.get("Minh")),
    );
    let (mut hoa, mut tuan) = (
        Member::new(readers.get("Hoa")),
        Member::new(readers.get("Tuấn")),
    );
    for m in [&mut lan, &mut minh, &mut hoa, &mut tuan] {
        m.connect(&server.ws_url()).await;
    }
    let (a, b) = (
        DocumentId::from_bytes(random()),
        DocumentId::from_bytes(random()),
    );
    let unit_a = supervision_of(&lan, writers.register(a), a).await;
    supervision_of(&hoa, readers.register(b), b).await;
    minh.want(a);
    minh.wait_for("supervision A", BOUND, |m| m.read(&a, |_| ()).is_some())
        .await;

    // Step 2: the disk fills up; Lan and Minh keep writing findings until the server says it
    // cannot store them.
    disk.fill();
    let mut written = Vec::new();
    let mut pace = tokio::time::interval(Duration::from_millis(50));
    for n in 0.. {
        written.push(write_finding(&lan, &a, &unit_a, n));
        written.push(write_finding(&minh, &a, &unit_a, n));
        if log_says(&log, "could not store changes") {
            break;
        }
        assert!(n < 400, "the server stored 800 findings on a full disk");
        pace.tick().await;
    }

    // Step 3: what is not on disk is not confirmed: the last finding is pending on Lan's
    // tablet and has not reached Minh.
    written.push(write_finding(&lan, &a, &unit_a, 1_000));
    let last = written.last().expect("Lan wrote").clone();
    wait_for_log_count(&log, "could not store changes", 2).await;
    assert!(lan.pending(&a) > 0, "Lan's unwritten findings are pending");
    assert!(
        !has_finding(&minh, &a, &last),
        "an unwritten finding reached Minh"
    );

    // Step 4: supervision B, with nothing new to write, keeps syncing: Tuấn opens it.
    tuan.want(b);
    tuan.wait_for("supervision B while the disk is full", BOUND, |m| {
        m.read(&b, |_| ()).is_some()
    })
    .await;

    // Step 5: space comes back; without a restart, the engine's retries write everything,
    // both tablets see it confirmed, and both hold the same supervision.
    disk.free();
    for m in [&lan, &minh] {
        m.wait_for("everything confirmed after the disk recovers", BOUND, |m| {
            m.pending(&a) == 0
        })
        .await;
    }
    minh.wait_for("convergence", BOUND, |m| m.heads(&a) == lan.heads(&a))
        .await;
    assert!(has_finding(&minh, &a, &last));

    // Step 6: the disk fills again, Lan writes, the server is killed; after a restart, every
    // change any tablet saw confirmed is there.
    disk.fill();
    for n in 100..110 {
        write_finding(&lan, &a, &unit_a, n);
    }
    let confirmed: Vec<automerge::ChangeHash> = lan.confirmed(&a);
    let data_dir = server.kill().await;
    disk.free();
    let server = ServerProcess::start(&data_dir).await;
    let mut check = Member::new(writers.get("Minh"));
    check.connect(&server.ws_url()).await;
    check.want(a);
    check
        .wait_for("every confirmed change after the restart", BOUND, |m| {
            m.read(&a, |d| {
                use automerge::ReadDoc;
                confirmed.iter().all(|h| d.get_change_by_hash(h).is_some())
            })
            .unwrap_or(false)
        })
        .await;
    server.stop().await;
}

fn log_says(log: &Path, what: &str) -> bool {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .contains(what)
}

/// Wait (bounded) until the server's log has said `what` at least `times` times.
async fn wait_for_log_count(log: &Path, what: &str, times: usize) {
    let deadline = tokio::time::Instant::now() + BOUND;
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        if std::fs::read_to_string(log)
            .unwrap_or_default()
            .matches(what)
            .count()
            >= times
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server's log never said {what:?} within {BOUND:?}"
        );
        tick.tick().await;
    }
}
