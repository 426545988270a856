//! Hostile input in the normal test suite.
//!
//! - The fuzz corpus (`shared/fuzz/corpus/<target>/*`, seeds plus what libFuzzer's merge
//!   kept) is replayed through the very checks the fuzz targets run
//!   (`shared/fuzz/src/checks.rs`, included below): decode never panics and round-trips; the
//!   sync client never panics and only sends well-formed frames. An empty or missing corpus
//!   fails, so this cannot silently test nothing.
//! - The reproducers of known, unfixed bugs (`shared/fuzz/crashes/`) still fail: when one
//!   stops failing, it belongs in the corpus.
//! - Floods against the real server process: 2,000 well-formed but useless ephemeral
//!   messages, 200 requests for documents nobody has, then a frame over the size limit; the
//!   server answers or closes as designed, other members keep syncing, and its memory stays
//!   under 200 MB.
//! - A 10-byte sync payload that crashed automerge's bloom filter (and with it all sync on the
//!   server) is refused now (`shared::sync_guard`); a test keeps it so.
//! - 2,000 requests for random documents from one client are all answered within the usual
//!   bound while members keep syncing (the server answers them itself: the engine never
//!   loads a document the account may not open).

use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "../../shared/fuzz/src/checks.rs"]
mod checks;

use futures::{SinkExt, StreamExt};
use giamsat_tests::hostile::{members_still_sync, raw_peer, rss_mb};
use giamsat_tests::member::Member;
use giamsat_tests::random;
use giamsat_tests::server::{Account, ServerProcess, Team};
use giamsat_tests::stamp;
use shared::supervision::{self, Setup};
use shared::wire::{DocMessage, WireMessage};
use shared::{DocumentId, RecordId, unit};
use tokio_tungstenite::tungstenite::Message;

const BOUND: Duration = Duration::from_secs(20);

/// One fuzz target's check.
type Check = fn(&[u8]);

/// The targets and the check each corpus directory goes through.
const TARGETS: [(&str, Check); 6] = [
    ("wire_decode", checks::wire_decode),
    ("wire_differential", checks::wire_differential),
    ("sync_client", checks::sync_client),
    ("sync_message", checks::sync_message),
    ("server_frame", checks::server_frame),
    ("engine_input", checks::engine_input),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join("fuzz")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_input_passes_its_fuzz_targets_checks() {
    let corpus = fuzz_dir().join("corpus");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap_or_else(|e| panic!("the fuzz corpus {} is missing: {e}", corpus.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for (target, _) in TARGETS {
        assert!(
            dirs.iter().any(|d| d.ends_with(target)),
            "no corpus for target {target} in {}",
            corpus.display()
        );
    }
    let mut failures = Vec::new();
    let mut total = 0;
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let check = TARGETS
            .iter()
            .find(|(t, _)| *t == name)
            .unwrap_or_else(|| panic!("corpus directory {name} names no fuzz target"))
            .1;
        let files = files_in(&dir);
        assert!(
            !files.is_empty(),
            "the corpus of {name} is empty: it would test nothing"
        );
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            total += 1;
            if let Err(panic) = std::panic::catch_unwind(|| check(&bytes)) {
                failures.push(format!("{}: {}", file.display(), panic_text(&panic)));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} corpus inputs fail their checks:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{total} corpus inputs pass");
}

/// The reproducers of known, unfixed bugs (`shared/fuzz/crashes/<target>/`, see the README
/// there) still fail their target's check. They are kept out of `corpus/` so the suite stays
/// green until the fix lands; when one stops failing, the bug is fixed: move it into
/// `corpus/<target>/`, where it keeps the bug fixed. `oom-*` inputs are not replayed here
/// (each would allocate 16 GiB); `cargo fuzz run <target> crashes/<target>/oom-*` does.
#[test]
fn known_crashes_still_reproduce() {
    let crashes = fuzz_dir().join("crashes");
    let mut replayed = 0;
    for (target, check) in TARGETS {
        let dir = crashes.join(target);
        if !dir.is_dir() {
            continue;
        }
        for file in files_in(&dir) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            if !name.starts_with("panic-") {
                continue;
            }
            let bytes = std::fs::read(&file).unwrap();
            replayed += 1;
            assert!(
                std::panic::catch_unwind(|| check(&bytes)).is_err(),
                "{} no longer fails {target}'s check: the bug is fixed, move it into shared/fuzz/corpus/{target}/",
                file.display()
            );
        }
    }
    println!("{replayed} known crashes still reproduce");
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

fn setup() -> Setup {
    Setup {
        title: "Giám sát việc thực hiện Quyết định 217-QĐ/TW".into(),
        ..Setup::default()
    }
}

/// Lan creates a supervision with one unit; Minh receives it. Both stay connected.
/// Lan and Minh of one delegation, syncing one supervision; the team also holds "Kẻ xấu", a
/// signed-in member whose client turns hostile.
async fn two_members(server: &ServerProcess) -> (Team, Member, Member, DocumentId, RecordId) {
    let url = &server.ws_url();
    let team = server
        .delegation(
            "Đoàn kiểm tra",
            &[("Lan", "head"), ("Minh", "member"), ("Kẻ xấu", "member")],
        )
        .await;
    let id = DocumentId::from_bytes(random());
    let unit_id = RecordId::from_bytes(random());
    let mut doc = supervision::create(&setup(), stamp("Lan")).unwrap();
    unit::add(
        &mut doc,
        &unit_id,
        "Đảng ủy phường Thanh Khê Tây",
        stamp("Lan"),
    )
    .unwrap();
    let mut lan = Member::new(team.get("Lan"));
    lan.connect(url).await;
    team.register(id).await;
    lan.insert(id, doc).await;
    lan.wait_for("the server to confirm the new supervision", BOUND, |m| {
        m.pending(&id) == 0
    })
    .await;
    let mut minh = Member::new(team.get("Minh"));
    minh.connect(url).await;
    minh.want(id);
    minh.wait_for("the supervision", BOUND, |m| m.read(&id, |_| ()).is_some())
        .await;
    (team, lan, minh, id, unit_id)
}

/// Found by fuzzing (shared/fuzz/crashes/README.md): one `sync` message whose automerge
/// payload is 10 bytes (a bloom filter with zero bits per entry) used to panic automerge
/// inside samod's single document task (the engine then), after which no document synced
/// for anyone. The
/// server now refuses it (`shared::sync_guard`) and everyone else keeps syncing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_message_with_a_zero_bit_bloom_filter_leaves_sync_working() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let (team, lan, minh, id, unit_id) = two_members(&server).await;
    let (mut ws, server_id, me) = raw_peer(&server.ws_url(), team.get("Kẻ xấu"), "hostile").await;
    let data =
        std::fs::read(fuzz_dir().join("corpus/sync_message/fixed-panic-bloom-zero-bits-per-entry"))
            .unwrap();
    let payload = checks::chunks(&data)[0][1..].to_vec();
    let m = WireMessage::Sync(DocMessage {
        sender_id: me,
        target_id: server_id,
        document_id: id,
        data: payload,
    });
    ws.send(Message::Binary(m.encode().into())).await.unwrap();
    members_still_sync(&lan, &minh, id, &unit_id, "a zero-bit bloom filter").await;
    server.stop().await;
}

/// The server's memory must stay under this through the floods.
const RSS_BOUND_MB: f64 = 200.0;
/// The frame limit the flood test's server runs with.
const MAX_FRAME: usize = 1024 * 1024;
/// Ephemeral messages in the presence flood.
const EPHEMERAL_FLOOD: usize = 2_000;
/// Requests for random documents in the request flood of the normal suite (under the
/// server's limit of 256 per connection; the test below goes past it).
const REQUEST_FLOOD: usize = 200;

/// Send `n` `request`s for random document ids on one connection, as fast as the socket
/// takes them, and wait (at most `bound`) for the doc-unavailable answer to each. Returns how
/// long the answers took, or how many were answered before the server's `error`.
async fn request_flood(
    url: &str,
    account: &Account,
    n: usize,
    bound: Duration,
) -> Result<Duration, String> {
    let (ws, server_id, me) = raw_peer(url, account, "flood-requests").await;
    let (mut tx, mut rx) = ws.split();
    let empty_sync = giamsat_tests::hostile::empty_sync_message();
    let started = std::time::Instant::now();
    let sender = tokio::spawn(async move {
        for _ in 0..n {
            let m = WireMessage::Request(DocMessage {
                sender_id: me.clone(),
                target_id: server_id.clone(),
                document_id: DocumentId::from_bytes(random()),
                data: empty_sync.clone(),
            });
            // The server may close the connection part-way (past its limit).
            if tx.feed(Message::Binary(m.encode().into())).await.is_err() {
                return;
            }
        }
        let _ = tx.flush().await;
    });
    let mut unavailable = 0;
    let answered = tokio::time::timeout(bound, async {
        while unavailable < n {
            match rx.next().await {
                Some(Ok(Message::Binary(b))) => match WireMessage::decode(&b) {
                    Ok(WireMessage::DocUnavailable { .. }) => unavailable += 1,
                    Ok(WireMessage::Error { message }) => {
                        return Err(format!("{unavailable} answered, then: {message}"));
                    }
                    _ => {}
                },
                Some(Ok(_)) => {}
                // Closed past the server's limit: the reset of what it left unread can
                // overtake its error message (as with an oversized frame).
                other => {
                    return Err(format!(
                        "{unavailable} answered, then the connection ended: {other:?}"
                    ));
                }
            }
        }
        Ok(())
    })
    .await;
    let elapsed = started.elapsed();
    sender.abort();
    match answered {
        Ok(Ok(())) => Ok(elapsed),
        Ok(Err(refused)) => Err(refused),
        Err(_) => Err(format!(
            "only {unavailable} of {n} requests answered within {bound:?}"
        )),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_of_useless_frames_and_an_oversized_one_leave_the_server_serving() {
    let dir = tempfile::tempdir().unwrap();
    let server =
        ServerProcess::start_with(dir.path(), &["--max-frame-bytes", &MAX_FRAME.to_string()]).await;
    let pid = server.pid().expect("the server's pid");
    let (team, lan, minh, id, unit_id) = two_members(&server).await;
    let hostile = team.get("Kẻ xấu");
    let rss_start = rss_mb(pid);

    // Flood 1: 2,000 ephemeral messages (presence spam) about Lan's supervision, as fast as
    // the socket takes them. The server relays them to Lan and Minh; their sync carries on.
    let (ws, server_id, me) = raw_peer(&server.ws_url(), hostile, "flood-ephemeral").await;
    let (mut tx, mut rx) = ws.split();
    let drain = tokio::spawn(async move { while let Some(Ok(_)) = rx.next().await {} });
    for count in 0..EPHEMERAL_FLOOD as u64 {
        let m = WireMessage::Ephemeral {
            sender_id: me.clone(),
            target_id: server_id.clone(),
            document_id: id,
            count,
            session_id: "flood".into(),
            data: vec![0xa1, 0x61, b'x', 0x18, 0x2a], // {"x": 42}
        };
        tx.feed(Message::Binary(m.encode().into()))
            .await
            .expect("the server takes the flood");
    }
    tx.flush().await.expect("flush");
    members_still_sync(&lan, &minh, id, &unit_id, "the ephemeral flood").await;
    let rss_ephemeral = rss_mb(pid);
    drop(tx);
    drain.abort();

    // Flood 2: requests for documents nobody has. Each is answered with doc-unavailable and
    // the connection stays open.
    let took = request_flood(&server.ws_url(), hostile, REQUEST_FLOOD, BOUND)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    members_still_sync(&lan, &minh, id, &unit_id, "the request flood").await;
    let rss_requests = rss_mb(pid);

    // One frame over the limit: the server answers with an error naming the size (unless the
    // reset of the unread rest of the frame overtakes it) and closes that connection only.
    let (mut ws, _, _) = raw_peer(&server.ws_url(), hostile, "oversized").await;
    let _ = ws
        .send(Message::Binary(vec![0u8; MAX_FRAME + 1024].into()))
        .await;
    let mut error = None;
    let ended = tokio::time::timeout(BOUND, async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(Message::Binary(b))) => match WireMessage::decode(&b) {
                    Ok(WireMessage::Error { message }) => error = Some(message),
                    other => panic!(
                        "expected only an error message after the oversized frame, got {other:?}"
                    ),
                },
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the oversized frame's connection closes");
    if let Some(message) = &error {
        assert!(message.contains("too large"), "{message}");
    }
    members_still_sync(&lan, &minh, id, &unit_id, "the oversized frame").await;
    let rss_end = rss_mb(pid);

    println!(
        "server RSS: {rss_start:.1} MB at the start, {rss_ephemeral:.1} MB after {EPHEMERAL_FLOOD} ephemeral \
         messages, {rss_requests:.1} MB after {REQUEST_FLOOD} requests (answered in {took:?}), {rss_end:.1} MB \
         after the oversized frame (its error message {})",
        if error.is_some() {
            "arrived"
        } else {
            "was overtaken by the reset"
        }
    );
    for (after, mb) in [
        ("the ephemeral flood", rss_ephemeral),
        ("the request flood", rss_requests),
        ("the oversized frame", rss_end),
    ] {
        assert!(
            mb < RSS_BOUND_MB,
            "the server uses {mb:.1} MB after {after} (bound {RSS_BOUND_MB} MB)"
        );
    }
    server.stop().await;
}

/// 2,000 requests for random document ids from one client. samod 0.16 kept a document actor
/// for each id for good; the server answers `doc-unavailable` itself for a supervision the
/// account may not open (the sync engine never hears of it), and closes a connection that
/// asks for more than 256 of them. Members keep syncing throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_requests_for_random_documents_is_answered_then_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let (team, lan, minh, id, unit_id) = two_members(&server).await;
    let err = request_flood(&server.ws_url(), team.get("Kẻ xấu"), 2_000, BOUND)
        .await
        .expect_err("the connection is closed before 2,000");
    let answered: usize = err
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    // 256 answers, then the error; or fewer if the reset of the unread flood overtook them.
    assert!(answered <= 256, "{err}");
    assert!(
        err.contains("too many requests for supervisions") || err.contains("connection ended"),
        "{err}"
    );
    members_still_sync(&lan, &minh, id, &unit_id, "2,000 requests").await;
    server.stop().await;
}
