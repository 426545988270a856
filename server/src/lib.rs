//! # server: one axum process that serves the app and merges everyone's changes
//!
//! The server does not interpret findings: it merges, stores and authorises (`API.md` has
//! every route and who may call it).
//!
//! - [`config`]: command-line flags and environment (`--help` explains each).
//! - [`accounts`]: the membership database (accounts, delegations, roles, sessions, actors,
//!   invitations, audit log); [`admin_cli`]: `giamsat-server admin create`.
//! - [`auth`]: who is calling, CSRF, security headers; [`rate_limit`]: sign-in throttling.
//! - [`api`]: the account, delegation and admin routes.
//! - [`share`]: samod's share policy from the membership database.
//! - [`shards`]: the sync engine split over several samod repos, a document in one each.
//! - [`storage`]: samod's key/value storage on SQLite (one file, WAL, synchronous writes).
//! - [`durable`]: which changes are on disk, so no heads are advertised before they are.
//! - [`demo`]: with `--demo`, two example supervisions written from real reports.
//! - [`sync_socket`]: `/sync`, the automerge-repo WebSocket, with malformed frames refused.
//! - [`change_quota`]: new changes per account per minute.
//! - [`blobs`]: `/api/blobs/{sha256}`, evidence photos and scans stored by content hash.
//! - [`routes`]: the router: `/health`, the API, `/sync`, blobs and the built app's files.
//! - [`error`]: the one error type at the HTTP edge.
//!
//! [`start`] binds, loads the repo and serves until [`Running::shutdown`]; [`open`] does
//! everything but listen (tests drive [`routes::app`] with its state).

pub mod accounts;
pub mod admin_cli;
pub mod api;
pub mod auth;
pub mod blobs;
pub mod change_quota;
pub mod config;
pub mod demo;
pub mod durable;
pub mod error;
pub mod rate_limit;
pub mod routes;
pub mod shards;
pub mod share;
pub mod storage;
pub mod sync_socket;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::{oneshot, watch};

pub use config::Config;
pub use error::ServerError;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The samod repos every document lives in, one per document ([`shards`]).
    pub shards: Arc<shards::Shards>,
    pub config: Arc<Config>,
    /// The SQLite database behind the repo (blobs and settings are read from it directly).
    pub storage: storage::SqliteStorage,
    /// Accounts, delegations, sessions (same file, own connection).
    pub accounts: accounts::Accounts,
    pub limiter: Arc<rate_limit::LoginLimiter>,
    /// New changes per account per minute (`--max-changes-per-minute`).
    pub changes: Arc<change_quota::ChangeQuota>,
    /// Bumped when a session is revoked: open sync connections re-check theirs.
    pub sessions: Arc<watch::Sender<u64>>,
}

impl AppState {
    /// A session was revoked: every sync connection checks whether it was its own.
    pub fn sessions_changed(&self) {
        self.sessions.send_modify(|n| *n += 1);
    }
}

/// A server that is running: its address, and how to stop it cleanly.
pub struct Running {
    pub addr: SocketAddr,
    state: AppState,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

impl Running {
    /// What the handlers share: the repos, the accounts, the settings (tests read
    /// documents through `state().shards`).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stop accepting, close connections, flush every document to disk, then return.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.done.await;
    }

    /// Serve until the stop signal arrives (used by the binary).
    pub async fn wait(self) {
        let _ = self.done.await;
    }
}

/// How long stopping may take before the server exits regardless.
pub const STOP_BOUND: std::time::Duration = std::time::Duration::from_secs(8);

/// Wall time in milliseconds since the Unix epoch (0 if the clock is before 1970).
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Open storage and the membership database, load the repo (and with `--demo`, the example
/// supervisions): everything [`start`] does before it listens. The caller owns the
/// repos and should `state.shards.stop().await` when done.
pub async fn open(config: Config) -> Result<AppState, ServerError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        ServerError::Startup(format!(
            "cannot create data directory {}: {e}",
            config.data_dir.display()
        ))
    })?;
    let path = database_path(&config);
    let storage = storage::SqliteStorage::open(&path)?;
    let accounts = accounts::Accounts::open(&path)?;
    // Each document is shared by membership (see `share`), never announced: a tablet
    // receives only the documents it asks for and may see.
    let shards = shards::Shards::load(
        usize::from(config.sync_shards),
        storage.clone(),
        share::policy(accounts.clone()),
    )
    .await?;
    if config.demo {
        demo::load(&shards.first(), &storage, &accounts).await?;
    }
    let quota = Arc::new(change_quota::ChangeQuota::new(
        config.max_changes_per_minute,
    ));
    Ok(AppState {
        shards,
        config: Arc::new(config),
        storage,
        accounts,
        limiter: Arc::default(),
        changes: quota,
        sessions: Arc::new(watch::channel(0).0),
    })
}

/// Make sure the database file exists readable and writable by its owner only (0600): it
/// holds password hashes, sessions and every supervision. SQLite creates its `-wal` and
/// `-shm` files with the database file's permissions.
pub(crate) fn private_file(path: &std::path::Path) -> Result<(), ServerError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let cannot = |e: std::io::Error| {
            ServerError::Startup(format!("cannot secure {}: {e}", path.display()))
        };
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(cannot)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(cannot)?;
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            if std::path::Path::new(&side).exists() {
                std::fs::set_permissions(&side, std::fs::Permissions::from_mode(0o600))
                    .map_err(cannot)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The one SQLite file under `--data-dir`.
pub fn database_path(config: &Config) -> std::path::PathBuf {
    config.data_dir.join("giamsat.sqlite3")
}

/// Bind the address, open (see [`open`]) and start serving.
pub async fn start(config: Config) -> Result<Running, ServerError> {
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| ServerError::Startup(format!("cannot listen on {}: {e}", config.addr)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServerError::Startup(e.to_string()))?;
    let state = open(config).await?;
    let shards = state.shards.clone();
    let app = routes::app(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("server failed: {e}");
        }
        // Flush every document to SQLite before the process may exit, within a bound: a
        // document task that died (a panic inside samod) never answers the stop, and every
        // change a tablet was told is stored is on disk already (see `durable`).
        if tokio::time::timeout(STOP_BOUND, shards.stop())
            .await
            .is_err()
        {
            tracing::error!(
                "the sync engine did not stop within {STOP_BOUND:?}; exiting anyway (confirmed changes are on disk)"
            );
        }
    });
    Ok(Running {
        addr,
        state,
        stop,
        done,
    })
}
