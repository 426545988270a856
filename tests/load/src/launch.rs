//! The two servers under load, as child processes on loopback.
//!
//! - Ours: `giamsat-server --addr 127.0.0.1:0 --data-dir <dir> --app-dir <none>`; the port is
//!   read from the line it prints once it listens (as `tests/src/server.rs` does).
//! - The reference: `node server.mjs` in `tests/reference-server/` with `PORT` (a free
//!   loopback port picked here) and `DATA_DIR`; `server.mjs` runs the published
//!   `@automerge/automerge-repo-sync-server` 0.2.8 bound to 127.0.0.1.
//!
//! A server counts as started once it answers an automerge-repo `join` with `peer` (see
//! [`wait_ready`]): the reference prints "Listening" before its repo has attached its
//! WebSocket adapter, and a member connecting in that gap is dropped without a word.
//!
//! Both are stopped with SIGTERM (ours flushes to disk on it), then killed if still there
//! after a bound. Their stderr goes to `<data dir>/../<name>.log`, shown when they fail.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A server process we started.
pub struct Server {
    pub name: &'static str,
    pub pid: u32,
    pub url: String,
    /// From spawn until it said it listens.
    pub startup: Duration,
    child: Child,
    log: PathBuf,
}

/// `GIAMSAT_SERVER_BIN` if set (as for the test harness), else where `cargo build --release
/// -p server` puts the binary: next to this one.
pub fn default_server_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("GIAMSAT_SERVER_BIN") {
        return PathBuf::from(p);
    }
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("giamsat-server")))
        .unwrap_or_else(|| PathBuf::from("target/release/giamsat-server"))
}

/// Start our server over `data_dir` and wait (at most 60 s) until it listens.
pub async fn start_ours(bin: &Path, data_dir: &Path) -> Result<Server, String> {
    start_ours_on(bin, data_dir, None, true).await
}

/// The same on the PostgreSQL database at `database_url` (a replica: `first` makes the
/// administrator there), or on SQLite in `data_dir` without it.
pub async fn start_ours_on(
    bin: &Path,
    data_dir: &Path,
    database_url: Option<&str>,
    first: bool,
) -> Result<Server, String> {
    if !bin.exists() {
        return Err(format!(
            "{} is missing: build it with `cargo build --release -p server`",
            bin.display()
        ));
    }
    std::fs::create_dir_all(data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
    let fresh = match database_url {
        Some(_) => first,
        None => !data_dir.join("giamsat.sqlite3").exists(),
    };
    if fresh {
        // The first administrator, as a deployment makes it (see `super::seats`).
        giamsat_tests::server::create_admin_at(bin, data_dir, database_url).await;
    }
    let log = data_dir.with_extension("server.log");
    let err = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let started = Instant::now();
    let mut command = Command::new(bin);
    if let Some(url) = database_url {
        command.env("GIAMSAT_DATABASE_URL", url);
    }
    let mut child = command
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(["--app-dir", "/nonexistent-app-dir"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(err))
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("start {}: {e}", bin.display()))?;
    let pid = child.id().ok_or("the server exited at once")?;
    let addr = wait_for_line(&mut child, |l| {
        l.strip_prefix("giamsat-server listening on http://")
            .map(str::to_owned)
    })
    .await
    .map_err(|e| format!("giamsat-server: {e}; its log:\n{}", tail(&log)))?;
    let url = format!("ws://{addr}/sync");
    wait_ready(&url, true)
        .await
        .map_err(|e| format!("giamsat-server: {e}; its log:\n{}", tail(&log)))?;
    Ok(Server {
        name: "ours",
        pid,
        url,
        startup: started.elapsed(),
        child,
        log,
    })
}

/// Start the reference JS server over `data_dir` and wait (at most 60 s) until it listens.
pub async fn start_reference(node: &str, dir: &Path, data_dir: &Path) -> Result<Server, String> {
    let entry = dir.join("server.mjs");
    let package = dir.join("node_modules/@automerge/automerge-repo-sync-server/src/server.js");
    if !package.exists() {
        return Err(format!(
            "{} is missing: install the reference server with `npm ci --prefix {}`",
            package.display(),
            dir.display()
        ));
    }
    std::fs::create_dir_all(data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
    let port = free_port()?;
    let log = data_dir.with_extension("server.log");
    let err = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let started = Instant::now();
    let mut child = Command::new(node)
        .arg(&entry)
        .current_dir(dir)
        .env("PORT", port.to_string())
        .env("DATA_DIR", data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(err))
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("start {node} {}: {e}", entry.display()))?;
    let pid = child.id().ok_or("node exited at once")?;
    wait_for_line(&mut child, |l| {
        l.starts_with("Listening on port").then_some(())
    })
    .await
    .map_err(|e| format!("the reference server: {e}; its log:\n{}", tail(&log)))?;
    let url = format!("ws://127.0.0.1:{port}/sync");
    wait_ready(&url, false)
        .await
        .map_err(|e| format!("the reference server: {e}; its log:\n{}", tail(&log)))?;
    Ok(Server {
        name: "reference",
        pid,
        url,
        startup: started.elapsed(),
        child,
        log,
    })
}

impl Server {
    /// SIGTERM, wait at most 60 s (ours flushes every document), then kill.
    pub async fn stop(mut self) -> Result<(), String> {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        match tokio::time::timeout(Duration::from_secs(60), self.child.wait()).await {
            Ok(_) => Ok(()),
            Err(_) => {
                let _ = self.child.kill().await;
                Err(format!(
                    "{} did not stop within 60 s of SIGTERM; killed",
                    self.name
                ))
            }
        }
    }

    /// The last lines of its stderr.
    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }
}

/// Wait (at most 30 s) until a WebSocket to `url` gets `peer` back for its `join` — or, for
/// our server (`needs_session`), until it answers the upgrade at all (401 without a session).
pub async fn wait_ready(url: &str, needs_session: bool) -> Result<(), String> {
    use futures::{SinkExt, StreamExt};
    use shared::sync::{Event, Link, SyncClient};
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    while tokio::time::Instant::now() < deadline {
        let attempt = async {
            let (ws, _) = match tokio_tungstenite::connect_async(url).await {
                Ok(ok) => ok,
                Err(tokio_tungstenite::tungstenite::Error::Http(resp))
                    if needs_session && resp.status() == 401 =>
                {
                    return Ok(());
                }
                Err(e) => return Err(e.to_string()),
            };
            let (mut sink, mut stream) = ws.split();
            let mut client = SyncClient::new(format!(
                "loadgen-probe-{:08x}",
                u32::from_le_bytes(giamsat_tests::random())
            ));
            for f in client
                .handle(Event::Connected)
                .map_err(|e| e.to_string())?
                .frames
            {
                sink.send(Message::Binary(f.into()))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            while let Some(Ok(msg)) = stream.next().await {
                if let Message::Binary(b) = msg {
                    client.handle(Event::Frame(&b)).map_err(|e| e.to_string())?;
                    if matches!(client.link(), Link::Ready { .. }) {
                        let _ = sink.send(Message::Close(None)).await;
                        return Ok(());
                    }
                }
            }
            Err("closed before answering join".to_owned())
        };
        match tokio::time::timeout(Duration::from_secs(2), attempt).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) => last = e,
            Err(_) => last = "no answer to join within 2 s".into(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("did not answer a join within 30 s ({last})"))
}

/// A port that was free on 127.0.0.1 a moment ago (the reference server takes a fixed PORT).
fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// Read stdout until `pick` finds its line (at most 60 s), then keep draining it.
async fn wait_for_line<T>(
    child: &mut Child,
    pick: impl Fn(&str) -> Option<T>,
) -> Result<T, String> {
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let found = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(v) = pick(&line) {
                return Ok(v);
            }
        }
        Err("exited before listening".to_owned())
    })
    .await
    .map_err(|_| "did not listen within 60 s".to_owned())??;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(found)
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
