//! The real server as a child process: `giamsat-server --addr 127.0.0.1:0 --data-dir <tmp>`.
//! The port is read from the line the server prints once it listens.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running server process.
pub struct ServerProcess {
    child: Child,
    pub addr: String,
    data_dir: PathBuf,
}

/// Where cargo put the server binary: next to this test's `deps` directory.
pub fn server_binary() -> PathBuf {
    if let Ok(p) = std::env::var("GIAMSAT_SERVER_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("the test's own path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/..");
    let bin = dir.join("giamsat-server");
    assert!(
        bin.exists(),
        "{} is missing: build it first (`cargo build -p server`; the test command does)",
        bin.display()
    );
    bin
}

impl ServerProcess {
    /// Start a server on a free port over `data_dir`, and wait (at most 30 s) until it listens.
    pub async fn start(data_dir: &Path) -> ServerProcess {
        Self::start_with(data_dir, &[]).await
    }

    /// Same, with extra flags.
    pub async fn start_with(data_dir: &Path, extra: &[&str]) -> ServerProcess {
        let mut child = Command::new(server_binary())
            .args(["--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(["--app-dir", "/nonexistent-app-dir"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start giamsat-server");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("giamsat-server listening on http://") {
                    return url.to_owned();
                }
            }
            panic!("the server exited before listening");
        })
        .await
        .expect("the server listens within 30 s");
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        ServerProcess {
            child,
            addr,
            data_dir: data_dir.to_owned(),
        }
    }

    /// The server's process id (for reading its memory use from /proc).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stop the server with SIGTERM (it flushes to disk) and wait for it to exit.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
        let _ = self.child.kill().await;
    }

    /// Kill the process at once (SIGKILL: no flush, no goodbye) and wait for it to be gone.
    pub async fn kill(mut self) -> PathBuf {
        let _ = self.child.kill().await;
        self.data_dir.clone()
    }

    /// Kill -9, then start a new process over the same data directory.
    pub async fn crash_restart(self) -> ServerProcess {
        let dir = self.kill().await;
        ServerProcess::start(&dir).await
    }

    /// Stop, then start a new process over the same data directory.
    pub async fn restart(self) -> ServerProcess {
        let dir = self.data_dir.clone();
        self.stop().await;
        ServerProcess::start(&dir).await
    }
}

/// A plain HTTP/1.1 GET on loopback: (status, body). Enough for the JSON routes.
pub async fn http_get(addr: &str, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the server");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("send request");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("read response");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The catalogue's document id, from `/api/catalogue`.
pub async fn catalogue_id(addr: &str) -> shared::DocumentId {
    let (status, body) = http_get(addr, "/api/catalogue").await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    v["documentId"]
        .as_str()
        .expect("documentId")
        .parse()
        .expect("a document id")
}
