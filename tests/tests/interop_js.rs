//! Interop with the reference implementation: the official JavaScript automerge-repo client
//! (`@automerge/automerge-repo` with its WebSocket adapter, run by Node) opens a supervision
//! that our Rust client created through our server, edits a finding, and our client sees
//! the edit — so our documents and our server speak automerge-repo as its authors do.
//!
//! Needs Node 20 and `npm ci` in `tests/` (the project's test command runs it); the script
//! is `tests/interop/edit-finding.mjs`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use giamsat_tests::member::Member;
use giamsat_tests::random;
use giamsat_tests::server::ServerProcess;
use giamsat_tests::{sample_setup, stamp};
use shared::finding::{self, FindingKind};
use shared::supervision::{self};
use shared::{DocumentId, RecordId, unit};

const BOUND: Duration = Duration::from_secs(20);
/// Node's start-up, the script's own 20 s deadline, and some slack on a busy machine.
const SCRIPT_BOUND: Duration = Duration::from_secs(45);
const APPENDED: &str = " (sửa bởi JS)";

/// `tests/`, where package.json and node_modules live; fails loudly if `npm ci` was not run.
fn js_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).to_owned();
    for needed in [
        "@automerge/automerge-repo",
        "@automerge/automerge-repo-network-websocket",
    ] {
        assert!(
            dir.join("node_modules")
                .join(needed)
                .join("package.json")
                .exists(),
            "{} is not installed: run `npm ci` in {} (the project's test command does)",
            needed,
            dir.display()
        );
    }
    dir
}

/// Run the JS client on `doc`, appending [`APPENDED`] to finding `fid`; returns its JSON line.
async fn js_client_appends(ws_url: &str, doc: &DocumentId, fid: &RecordId) -> serde_json::Value {
    let dir = js_dir();
    let child = tokio::process::Command::new("node")
        .arg("interop/edit-finding.mjs")
        .args([ws_url, &doc.to_string(), fid.as_str(), APPENDED])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!("could not start `node` (Node 20 is needed for this test): {e}")
        });
    let out = tokio::time::timeout(SCRIPT_BOUND, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("the JS client did not finish within {SCRIPT_BOUND:?}"))
        .expect("the JS client's output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the JS client failed ({}):\nstdout: {stdout}\nstderr: {stderr}",
        out.status
    );
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON line in {stdout:?}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_js_client_edits_a_supervision_our_client_made() {
    // Checked first, so a missing `npm ci` is the failure, not something later.
    js_dir();
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;

    // Step 1: Lan creates a supervision with a unit and two findings; the server confirms.
    let mut lan = Member::new("Lan");
    lan.connect(&server.ws_url()).await;
    let id = DocumentId::from_bytes(random());
    let unit_id = RecordId::from_bytes(random());
    let edited = RecordId::from_bytes(random());
    let other = RecordId::from_bytes(random());
    let original = "Ban hành kế hoạch giám sát kịp thời.";
    let mut doc = supervision::create(&sample_setup(), stamp("Lan")).unwrap();
    unit::add(
        &mut doc,
        &unit_id,
        "Đảng ủy phường Thanh Khê Tây",
        stamp("Lan"),
    )
    .unwrap();
    finding::add(
        &mut doc,
        &edited,
        &unit_id,
        FindingKind::Strength,
        original,
        stamp("Lan"),
    )
    .unwrap();
    finding::add(
        &mut doc,
        &other,
        &unit_id,
        FindingKind::Shortcoming,
        "Chưa sơ kết định kỳ.",
        stamp("Lan"),
    )
    .unwrap();
    lan.insert(id, doc);
    lan.wait_for("the server to confirm the new supervision", BOUND, |m| {
        m.pending(&id) == 0
    })
    .await;
    let before = lan.read(&id, |d| supervision::read(d).unwrap()).unwrap();

    // Step 2: the JS client reads it through the server and appends to one finding.
    let reply = js_client_appends(&server.ws_url(), &id, &edited).await;
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(
        reply["title"],
        sample_setup().title.as_str(),
        "the JS client reads our set-up: {reply}"
    );
    assert_eq!(
        reply["before"], original,
        "the JS client reads our finding's Text: {reply}"
    );
    assert_eq!(
        reply["text"],
        format!("{original}{APPENDED}").as_str(),
        "{reply}"
    );

    // Step 3: Lan, still connected, receives the edit from the server.
    lan.wait_for("the JS client's edit to arrive", BOUND, |m| {
        m.read(&id, |d| {
            finding::read_all(d)
                .unwrap()
                .iter()
                .any(|f| f.id == edited && f.text.ends_with(APPENDED))
        })
        .unwrap_or(false)
    })
    .await;

    // Step 4: the document still reads as a whole, with nothing else changed.
    let after = lan.read(&id, |d| supervision::read(d).unwrap()).unwrap();
    assert_eq!(after.findings.len(), before.findings.len());
    assert_eq!(after.setup, before.setup);
    assert_eq!(after.units, before.units);
    for (a, b) in after.findings.iter().zip(&before.findings) {
        if a.id == edited {
            assert_eq!(a.text, format!("{original}{APPENDED}"));
            assert_eq!((&a.unit, a.kind, &a.author), (&b.unit, b.kind, &b.author));
        } else {
            assert_eq!(a, b);
        }
    }
    assert_eq!(lan.server_error(), None);
    server.stop().await;
}
