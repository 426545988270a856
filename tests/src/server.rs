//! The real server as a child process: `giamsat-server --addr 127.0.0.1:0 --data-dir <tmp>`.
//! The port is read from the line the server prints once it listens. A new data directory
//! gets its first administrator ([`ADMIN`]) from `giamsat-server admin create`, as a real
//! deployment does; accounts and delegations for a test are then made over the HTTP API
//! ([`ServerProcess::delegation`]).
//!
//! With `GIAMSAT_TEST_DATABASE=postgres` the server keeps everything in PostgreSQL instead
//! of SQLite: a cluster kept in `<data dir>/postgres` (see [`crate::postgres`]), started
//! with the server and stopped with it, so a server restarted over the same data directory
//! finds its data again.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::postgres::Postgres;

/// A running server process.
pub struct ServerProcess {
    child: Child,
    pub addr: String,
    data_dir: PathBuf,
    /// Its PostgreSQL, with `GIAMSAT_TEST_DATABASE=postgres` (stopped after the server).
    postgres: Option<Postgres>,
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
        Self::start_full(data_dir, extra, None).await
    }

    /// A replica on the PostgreSQL database at `database_url` that others may share (the
    /// first one to start there makes the administrator). Its data directory holds nothing.
    pub async fn start_on(data_dir: &Path, database_url: &str, first: bool) -> ServerProcess {
        if first {
            create_admin_at(&server_binary(), data_dir, Some(database_url)).await;
        }
        Self::spawn(data_dir, &[], None, Some(database_url.to_owned()), None).await
    }

    /// Same, logging everything (`RUST_LOG=debug`) into the file `log`.
    pub async fn start_logging(data_dir: &Path, log: &Path) -> ServerProcess {
        Self::start_full(data_dir, &[], Some(log)).await
    }

    async fn start_full(data_dir: &Path, extra: &[&str], log: Option<&Path>) -> ServerProcess {
        let (postgres, fresh) = if crate::postgres::wanted() {
            let home = data_dir.join("postgres");
            let (pg, fresh) = tokio::task::spawn_blocking(move || Postgres::in_dir(&home))
                .await
                .expect("starting PostgreSQL")
                .unwrap_or_else(|e| panic!("PostgreSQL for the test server: {e}"));
            (Some(pg), fresh)
        } else {
            (None, !data_dir.join("giamsat.sqlite3").exists())
        };
        let database_url = postgres.as_ref().map(Postgres::url);
        if fresh {
            create_admin_at(&server_binary(), data_dir, database_url.as_deref()).await;
        }
        Self::spawn(data_dir, extra, log, database_url, postgres).await
    }

    async fn spawn(
        data_dir: &Path,
        extra: &[&str],
        log: Option<&Path>,
        database_url: Option<String>,
        postgres: Option<Postgres>,
    ) -> ServerProcess {
        let (level, stderr) = match log {
            Some(path) => (
                "debug",
                Stdio::from(std::fs::File::create(path).expect("create the log file")),
            ),
            None => ("warn", Stdio::inherit()),
        };
        let mut command = Command::new(server_binary());
        if let Some(url) = &database_url {
            command.env("GIAMSAT_DATABASE_URL", url);
        }
        let mut child = command
            .args(["--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(["--app-dir", "/nonexistent-app-dir"])
            .args(extra)
            .env("RUST_LOG", level)
            .stdout(Stdio::piped())
            .stderr(stderr)
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
            postgres,
        }
    }

    /// The PostgreSQL database it keeps everything in, if it runs on one.
    pub fn database_url(&self) -> Option<String> {
        self.postgres.as_ref().map(Postgres::url)
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

    /// Stop the server with SIGTERM and wait at most `bound` for it to exit by itself: how
    /// long it took, or None if it had to be killed.
    pub async fn stop_within(mut self, bound: Duration) -> Option<Duration> {
        let started = std::time::Instant::now();
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let exited = tokio::time::timeout(bound, self.child.wait()).await.is_ok();
        let took = started.elapsed();
        let _ = self.child.kill().await;
        exited.then_some(took)
    }

    /// Kill the process at once (SIGKILL: no flush, no goodbye) and wait for it to be gone.
    pub async fn kill(mut self) -> PathBuf {
        let _ = self.child.kill().await;
        self.data_dir.clone()
    }

    /// The administrator, signed in.
    pub async fn admin(&self) -> Account {
        sign_in(&self.addr, ADMIN, ADMIN_PASSWORD, "Quản trị").await
    }

    /// The administrator revokes the live session of `username` (the first one listed).
    pub async fn revoke_session_of(&self, username: &str) {
        let admin = self.admin().await;
        let sessions = admin.call("GET", "/api/admin/sessions", None).await.json();
        let id = sessions
            .as_array()
            .expect("a list of sessions")
            .iter()
            .find(|s| s["username"] == username && s["revoked"] == false)
            .and_then(|s| s["id"].as_i64())
            .unwrap_or_else(|| panic!("no live session of {username}"));
        let r = admin
            .call("DELETE", &format!("/api/admin/sessions/{id}"), None)
            .await;
        assert_eq!(r.status, 204, "revoke {username}'s session: {}", r.body);
    }

    /// A delegation named `name` with one account per `(display name, role)`, each signed in.
    pub async fn delegation(&self, name: &str, people: &[(&str, &str)]) -> Team {
        let admin = self.admin().await;
        let r = admin
            .call(
                "POST",
                "/api/delegations",
                Some(serde_json::json!({ "name": name })),
            )
            .await;
        assert_eq!(r.status, 201, "create delegation: {}", r.body);
        let id = r.json()["id"].as_i64().expect("delegation id");
        let mut accounts = Vec::new();
        for (display, role) in people {
            let username = format!("nguoi-{:08x}", u32::from_le_bytes(crate::random()));
            let password = format!("mk-{username}-dai");
            let r = admin
                .call(
                    "POST",
                    "/api/admin/users",
                    Some(serde_json::json!({
                        "username": username, "password": password, "displayName": display,
                    })),
                )
                .await;
            assert_eq!(r.status, 201, "create user: {}", r.body);
            let user = r.json()["id"].as_i64().expect("user id");
            let r = admin
                .call(
                    "PUT",
                    &format!("/api/delegations/{id}/members/{user}"),
                    Some(serde_json::json!({ "role": role })),
                )
                .await;
            assert_eq!(r.status, 204, "add member: {}", r.body);
            accounts.push(sign_in(&self.addr, &username, &password, display).await);
        }
        Team { id, accounts }
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

/// A GET with no headers: (status, body). Enough for the JSON routes.
pub async fn http_get(addr: &str, path: &str) -> (u16, String) {
    let r = http(addr, "GET", path, &[], &[]).await;
    (r.status, r.body)
}

/// The first administrator's username and password in every test deployment.
pub const ADMIN: &str = "quantri";
pub const ADMIN_PASSWORD: &str = "mat-khau-quan-tri";

/// `giamsat-server --data-dir <dir> admin create --username quantri --password-stdin`.
pub async fn create_admin(data_dir: &Path) {
    create_admin_with(&server_binary(), data_dir).await
}

/// The same with the server binary at `bin`.
pub async fn create_admin_with(bin: &Path, data_dir: &Path) {
    create_admin_at(bin, data_dir, None).await
}

/// The same, in the PostgreSQL database at `database_url` if given.
pub async fn create_admin_at(bin: &Path, data_dir: &Path, database_url: Option<&str>) {
    use tokio::io::AsyncWriteExt;
    let mut command = Command::new(bin);
    if let Some(url) = database_url {
        command.env("GIAMSAT_DATABASE_URL", url);
    }
    let mut child = command
        .arg("--data-dir")
        .arg(data_dir)
        .args([
            "admin",
            "create",
            "--username",
            ADMIN,
            "--display-name",
            "Quản trị",
            "--password-stdin",
        ])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("run giamsat-server admin create");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin
        .write_all(format!("{ADMIN_PASSWORD}\n").as_bytes())
        .await
        .expect("write the password");
    drop(stdin);
    let status = child.wait().await.expect("admin create ends");
    assert!(status.success(), "admin create failed");
}

/// A signed-in account: its session cookie and the peer id prefix its sync connections use.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub name: String,
    /// `giamsat_session=<token>`, for a `Cookie` header.
    pub cookie: String,
    pub peer_prefix: String,
    /// The server's address (HTTP goes straight there even when sync goes through a proxy).
    pub addr: String,
}

impl Account {
    /// The same account, talking to a server at `addr` (after a restart on another port).
    pub fn at(&self, addr: &str) -> Account {
        Account {
            addr: addr.to_owned(),
            ..self.clone()
        }
    }

    /// An API call as this account (with the CSRF header).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Response {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        http(
            &self.addr,
            method,
            path,
            &[
                ("Cookie", self.cookie.as_str()),
                ("X-Requested-With", "giamsat"),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
        .await
    }
}

/// Sign in over the API; panics if refused.
pub async fn sign_in(addr: &str, username: &str, password: &str, name: &str) -> Account {
    let body = serde_json::json!({ "username": username, "password": password }).to_string();
    let r = http(
        addr,
        "POST",
        "/api/session",
        &[
            ("X-Requested-With", "giamsat"),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "sign in as {username}: {}", r.body);
    let cookie = r
        .header_all("set-cookie")
        .into_iter()
        .find_map(|c| {
            c.split(';')
                .next()
                .filter(|kv| kv.starts_with("giamsat_session="))
                .map(str::to_owned)
        })
        .expect("a session cookie");
    let me = r.json();
    Account {
        id: me["user"]["id"].as_i64().expect("user id"),
        username: username.to_owned(),
        name: name.to_owned(),
        cookie,
        peer_prefix: me["peerPrefix"].as_str().expect("peerPrefix").to_owned(),
        addr: addr.to_owned(),
    }
}

/// A delegation made for a test, with its signed-in members.
pub struct Team {
    pub id: i64,
    pub accounts: Vec<Account>,
}

impl Team {
    /// The account with this display name.
    pub fn get(&self, name: &str) -> &Account {
        self.accounts
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("no member named {name} in this team"))
    }

    /// Register a supervision to this delegation (as its first member).
    pub async fn register(&self, doc: shared::DocumentId) {
        let r = self.accounts[0]
            .call(
                "POST",
                &format!("/api/delegations/{}/supervisions", self.id),
                Some(serde_json::json!({ "documentId": doc.to_string() })),
            )
            .await;
        assert_eq!(r.status, 204, "register {doc}: {}", r.body);
    }
}

/// An HTTP response: status, headers (lowercase names), body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A plain HTTP/1.1 request on loopback (`Connection: close`); panics if the exchange fails
/// (a test's server is expected to answer).
pub async fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    try_http(addr, method, path, headers, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {path} on {addr}: {e}"))
}

/// The one HTTP client of the tests and the load generator: a plain HTTP/1.1 request on
/// loopback (`Connection: close`; a chunked body is joined), or the IO error that stopped it.
pub async fn try_http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Response> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await?;
    s.write_all(body).await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    Ok(Response {
        status,
        body: if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        },
        headers,
    })
}

/// The body of a `Transfer-Encoding: chunked` response.
fn dechunk(mut raw: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = raw.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        raw = rest[n..].trim_start_matches("\r\n");
    }
    out
}
