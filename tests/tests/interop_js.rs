//! Interop with the reference implementation: the official JavaScript automerge-repo client
//! (`@automerge/automerge-repo` with its WebSocket adapter, run by Node) opens a supervision
//! that our Rust client created through our server, edits a finding, and our client sees
//! the edit — so our documents and our server speak automerge-repo as its authors do. The
//! same client without a valid session, or signed in as someone outside the delegation,
//! gets nothing and changes nothing.
//!
//! Needs Node 20 and `npm ci` in `tests/` (the project's test command runs it); the script
//! is `tests/interop/edit-finding.mjs`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use giamsat_tests::member::Member;
use giamsat_tests::random;
use giamsat_tests::server::{Account, ServerProcess};
use giamsat_tests::{sample_setup, stamp};
use shared::finding::{self, FindingKind};
use shared::reading;
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

/// How a run of the JS client ended: its exit code and its last JSON line (stdout on
/// success, stderr on failure).
struct JsRun {
    code: Option<i32>,
    line: serde_json::Value,
    output: String,
}

/// Run the JS client on `doc`, appending [`APPENDED`] to finding `fid`, as `account` (its
/// cookie and peer prefix) or with `cookie` alone (forged), or as nobody.
async fn js_client(
    ws_url: &str,
    doc: &DocumentId,
    fid: &RecordId,
    account: Option<&Account>,
    cookie: Option<&str>,
) -> JsRun {
    let dir = js_dir();
    let mut cmd = tokio::process::Command::new("node");
    if let Some(a) = account {
        cmd.env("GIAMSAT_COOKIE", &a.cookie)
            .env("GIAMSAT_PEER_PREFIX", &a.peer_prefix);
    }
    if let Some(c) = cookie {
        cmd.env("GIAMSAT_COOKIE", c);
    }
    let child = cmd
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
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let source = if out.status.success() {
        &stdout
    } else {
        &stderr
    };
    let line = source
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .unwrap_or(serde_json::Value::Null);
    JsRun {
        code: out.status.code(),
        line,
        output: format!("stdout: {stdout}\nstderr: {stderr}"),
    }
}

/// The JS client's successful edit, signed in as `account`.
async fn js_client_appends(
    ws_url: &str,
    doc: &DocumentId,
    fid: &RecordId,
    account: &Account,
) -> serde_json::Value {
    let run = js_client(ws_url, doc, fid, Some(account), None).await;
    assert_eq!(run.code, Some(0), "the JS client failed:\n{}", run.output);
    run.line
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_js_client_edits_a_supervision_our_client_made() {
    // Checked first, so a missing `npm ci` is the failure, not something later.
    js_dir();
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = server
        .delegation("Đoàn giám sát", &[("Lan", "head"), ("Khoa", "member")])
        .await;

    // Step 1: Lan creates a supervision with a unit and two findings; the server confirms.
    let mut lan = Member::new(team.get("Lan"));
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
    team.register(id).await;
    lan.insert(id, doc).await;
    lan.wait_for("the server to confirm the new supervision", BOUND, |m| {
        m.pending(&id) == 0
    })
    .await;
    let before = lan.read(&id, |d| reading::read(d).unwrap()).unwrap();

    // Step 2: the JS client, signed in as Khoa (a member), reads it through the server and
    // appends to one finding.
    let reply = js_client_appends(&server.ws_url(), &id, &edited, team.get("Khoa")).await;
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
    let after = lan.read(&id, |d| reading::read(d).unwrap()).unwrap();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_js_client_without_a_valid_session_cannot_sync_anything() {
    js_dir();
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path()).await;
    let team = server.delegation("Đoàn giám sát", &[("Lan", "head")]).await;
    let outsider = server
        .delegation("Đoàn khác", &[("Người ngoài", "head")])
        .await;

    // Lan's supervision, on the server.
    let mut lan = Member::new(team.get("Lan"));
    lan.connect(&server.ws_url()).await;
    let id = DocumentId::from_bytes(random());
    let unit_id = RecordId::from_bytes(random());
    let fid = RecordId::from_bytes(random());
    let mut doc = supervision::create(&sample_setup(), stamp("Lan")).unwrap();
    unit::add(&mut doc, &unit_id, "Tòa án nhân dân quận", stamp("Lan")).unwrap();
    finding::add(
        &mut doc,
        &fid,
        &unit_id,
        FindingKind::Strength,
        "Bí mật.",
        stamp("Lan"),
    )
    .unwrap();
    team.register(id).await;
    lan.insert(id, doc).await;
    lan.wait_for("the server to confirm", BOUND, |m| m.pending(&id) == 0)
        .await;
    let heads = lan.heads(&id);

    // 1. No cookie at all: the upgrade is refused with 401.
    let run = js_client(&server.ws_url(), &id, &fid, None, None).await;
    assert_eq!(run.code, Some(4), "{}", run.output);
    assert_eq!(run.line["refused"], 401, "{}", run.output);

    // 2. A forged or revoked cookie: the same.
    let forged = "giamsat_session=bm90LWEtcmVhbC10b2tlbi1hdC1hbGwtMTIzNDU2Nzg5MA";
    let run = js_client(&server.ws_url(), &id, &fid, None, Some(forged)).await;
    assert_eq!(run.code, Some(4), "{}", run.output);
    assert_eq!(run.line["refused"], 401, "{}", run.output);

    // 3. Signed in, but a member of another delegation: the document is unavailable, as if
    // it did not exist; nothing of it reaches the client.
    let run = js_client(
        &server.ws_url(),
        &id,
        &fid,
        Some(outsider.get("Người ngoài")),
        None,
    )
    .await;
    assert_ne!(run.code, Some(0), "{}", run.output);
    assert!(run.output.contains("unavailable"), "{}", run.output);
    assert!(!run.output.contains("Bí mật"), "{}", run.output);

    // The server's copy is unchanged: a fresh device of Lan's gets exactly Lan's heads.
    let mut check = Member::new(team.get("Lan"));
    check.connect(&server.ws_url()).await;
    check.want(id);
    check
        .wait_for("the server's copy", BOUND, |m| m.heads(&id) == heads)
        .await;
    server.stop().await;
}
