//! The membership database: accounts, delegations and roles, which delegation each
//! supervision belongs to, device sessions, registered Automerge actors, invitations and the
//! audit log. It lives in the same database as the documents (the SQLite file, or the
//! PostgreSQL database), on its own connection; the queries are written once (`crate::db`).
//!
//! Every answer comes from the database (nothing about sessions or memberships is kept only
//! in memory, so a second replica could share it). A change to memberships or to which
//! delegation owns a supervision bumps [`Accounts::changes`], and the share policy re-reads
//! its decision (see [`crate::share`]).
//!
//! - [`password`]: argon2id hashing, off the async workers.
//! - [`store`]: the queries (users, delegations, memberships, supervisions, actors).
//! - [`sessions`]: device sessions (tokens stored only as SHA-256).
//! - [`invitations`]: single-use invitation links.
//! - [`audit`]: sign-ins, membership changes and refused access.

pub mod audit;
pub mod invitations;
pub mod organisations;
pub mod password;
pub mod sessions;
pub mod store;

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::db::Connection;
use tokio::sync::watch;

use crate::error::ServerError;

/// A member's role in a delegation: the domain's own (`shared::member::Role`).
pub use shared::member::Role;

/// What a user may do with one supervision document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    None,
    Read,
    Write,
}

/// The membership database.
#[derive(Clone)]
pub struct Accounts {
    conn: Arc<Mutex<Connection>>,
    changes: Arc<watch::Sender<u64>>,
    /// This replica's name in its announcements (`crate::replicas`).
    replica: Arc<str>,
    /// On PostgreSQL, shared with other replicas (announcements are sent).
    shared: bool,
}

impl Accounts {
    /// Open (or create) the tables in the SQLite database at `path`.
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        crate::private_file(path)?;
        let conn = rusqlite::Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        migrate(&conn)?;
        Ok(Self::over(Connection::Sqlite(conn)))
    }

    /// The membership database `config` names: PostgreSQL with `--database-url`, else the
    /// SQLite file in the data directory. Blocks (connecting, migrating).
    pub fn for_config(config: &crate::Config) -> Result<Self, ServerError> {
        match &config.database_url {
            Some(url) => Self::connect(url.as_str()),
            None => Self::open(&crate::database_path(config)),
        }
    }

    /// Connect to the PostgreSQL database at `url` and bring its schema up to date. Blocks:
    /// call it before the server serves, or off the async workers.
    pub fn connect(url: &str) -> Result<Self, ServerError> {
        let mut client = crate::db::postgres::Client::connect(url)
            .map_err(|e| ServerError::Startup(format!("PostgreSQL at {}: {e}", redact(url))))?;
        crate::db::schema_postgres::migrate(&mut client)?;
        Ok(Self::over(Connection::Postgres(Box::new(
            std::cell::RefCell::new(client),
        ))))
    }

    fn over(conn: Connection) -> Self {
        Self {
            shared: conn.is_postgres(),
            conn: Arc::new(Mutex::new(conn)),
            changes: Arc::new(watch::channel(0).0),
            replica: format!("a{}", crate::random_hex(6)).into(),
        }
    }

    /// Whether the database is PostgreSQL, which other replicas may share.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// This replica's name in its announcements.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// Run `f` on the connection on the blocking pool.
    pub async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, ServerError> + Send + 'static,
    ) -> Result<T, ServerError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A poisoned lock means a panic mid-statement; SQLite rolled it back.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| ServerError::Internal(format!("accounts task failed: {e}")))?
    }

    /// Same, on the calling thread (the command-line tools).
    pub fn with_now<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Bumped after every change to memberships or supervision ownership.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Tell the share policy to re-read its decisions, here and (on PostgreSQL) on every
    /// other replica.
    pub fn changed(&self) {
        self.changed_here();
        self.announce("accounts");
    }

    /// The same on this replica only (another one announced the change).
    pub fn changed_here(&self) {
        self.changes.send_modify(|n| *n += 1);
    }

    /// On PostgreSQL, tell the other replicas that `what` (`accounts`, `sessions`) changed,
    /// in the background (the change is committed already; they re-read it).
    pub fn announce(&self, what: &'static str) {
        if !self.shared {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let conn = self.conn.clone();
        let payload = format!("{}:{what}", self.replica);
        runtime.spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(|p| p.into_inner());
            let channel = crate::db::schema_postgres::ACCOUNTS_CHANNEL;
            let sent = conn.execute(
                "SELECT pg_notify(?1, ?2)",
                crate::db::params![channel, payload],
            );
            if let Err(e) = sent {
                tracing::error!("telling the other replicas that {what} changed: {e}");
            }
        });
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS delegations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS memberships (
    delegation_id INTEGER NOT NULL REFERENCES delegations(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (delegation_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS memberships_user ON memberships(user_id);
CREATE TABLE IF NOT EXISTS supervisions (
    document_id TEXT PRIMARY KEY,
    delegation_id INTEGER NOT NULL REFERENCES delegations(id),
    registered_by INTEGER,
    registered_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS supervisions_delegation ON supervisions(delegation_id);
CREATE TABLE IF NOT EXISTS device_sessions (
    id INTEGER PRIMARY KEY,
    token_sha TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    device TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS actors (
    actor TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    registered_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS invitations (
    token_sha TEXT PRIMARY KEY,
    delegation_id INTEGER NOT NULL REFERENCES delegations(id),
    role TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_by INTEGER,
    used_at INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blob_documents (
    sha TEXT NOT NULL,
    document_id TEXT NOT NULL,
    PRIMARY KEY (sha, document_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    event TEXT NOT NULL,
    user_id INTEGER,
    username TEXT,
    detail TEXT NOT NULL
);
";

/// Changes to the tables above, in order; `PRAGMA user_version` counts those applied.
/// Append only: a database made by an older build runs the ones it lacks at start.
const MIGRATIONS: [&str; 3] = [
    // An administrator disables an account (its sessions end, it cannot sign in).
    "ALTER TABLE users ADD COLUMN disabled_at INTEGER",
    // A head, a deputy or an administrator withdraws an invitation before it is used.
    "ALTER TABLE invitations ADD COLUMN revoked_at INTEGER",
    // Organisations own delegations; their leaders read them (organisations.rs).
    "CREATE TABLE organisations (
         id INTEGER PRIMARY KEY,
         name TEXT NOT NULL,
         level TEXT NOT NULL DEFAULT '',
         parent_id INTEGER REFERENCES organisations(id),
         created_at INTEGER NOT NULL
     );
     ALTER TABLE delegations ADD COLUMN organisation_id INTEGER REFERENCES organisations(id);
     CREATE TABLE organisation_leaders (
         organisation_id INTEGER NOT NULL REFERENCES organisations(id),
         user_id INTEGER NOT NULL REFERENCES users(id),
         PRIMARY KEY (organisation_id, user_id)
     ) WITHOUT ROWID;
     CREATE INDEX organisation_leaders_user ON organisation_leaders(user_id)",
];

fn migrate(conn: &rusqlite::Connection) -> Result<(), ServerError> {
    let applied: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, step) in MIGRATIONS.iter().enumerate().skip(applied.max(0) as usize) {
        conn.execute_batch(&format!(
            "BEGIN; {step}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// A random token (32 bytes, URL-safe base64) and the SHA-256 hex under which it is stored.
pub fn new_token() -> Result<(String, String), ServerError> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ServerError::Internal(format!("no randomness for a token: {e}")))?;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let sha = token_sha(&token);
    Ok((token, sha))
}

/// How a token is stored: its SHA-256, hex.
pub fn token_sha(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
