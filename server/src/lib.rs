//! # server: one axum process that serves the app and merges everyone's changes
//!
//! The server does not interpret findings: it merges, stores and authorises (`API.md` has
//! every route and who may call it).
//!
//! - [`config`]: command-line flags and environment (`--help` explains each).
//! - [`accounts`]: the membership database (accounts, delegations, roles, sessions, actors,
//!   invitations, audit log); [`admin_cli`]: `giamsat-server admin create`.
//! - [`auth`]: who is calling, CSRF, security headers; [`rate_limit`]: sign-in throttling's
//!   rules, [`throttle`]: counted in memory or, for replicas, in PostgreSQL.
//! - [`api`]: the account, delegation and admin routes.
//! - [`sync`]: the tokio shell around `shared::engine` (one task per loaded document, group
//!   commit, storage behind one trait).
//! - [`storage`]: documents, settings, blobs: one trait over SQLite (one file, WAL,
//!   synchronous writes) or PostgreSQL.
//! - [`db`]: one way to speak SQL to either database (the membership database uses it).
//! - [`replicas`]: several replicas on one PostgreSQL database learn each other's writes,
//!   membership changes and revoked sessions (`LISTEN/NOTIFY`).
//! - [`demo`]: with `--demo`, two example supervisions written from real reports.
//! - [`demo_organisation`]: with `--demo`, a made-up organisation with a year of history.
//! - [`sync_socket`]: `/sync`, the automerge-repo WebSocket; [`sync_gate`]: what each
//!   connection may send (malformed frames, foreign peer ids, closed supervisions refused).
//! - [`change_quota`]: new changes per account per minute.
//! - [`blobs`]: `/api/blobs/{sha256}`, evidence photos and scans stored by content hash.
//! - [`verify`]: `/verify/{code}`, checking a printed copy of an issued conclusion.
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
pub mod db;
pub mod demo;
pub mod demo_organisation;
pub mod error;
pub mod rate_limit;
pub mod replicas;
pub mod routes;
pub mod storage;
pub mod sync;
pub mod sync_gate;
pub mod sync_socket;
pub mod throttle;
pub mod verify;

use std::net::SocketAddr;

use axum::serve::ListenerExt;
use std::sync::Arc;

use tokio::sync::{oneshot, watch};

pub use config::Config;
pub use error::ServerError;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Every loaded document, each run by its own task ([`sync`]).
    pub documents: Arc<sync::Documents>,
    pub config: Arc<Config>,
    /// The database, SQLite or PostgreSQL (documents go through `documents`; blobs and
    /// settings are read from it directly).
    pub storage: storage::Storage,
    /// Accounts, delegations, sessions (same database, own connection).
    pub accounts: accounts::Accounts,
    pub limiter: Arc<throttle::Throttle>,
    /// Check codes that matched nothing, per address ([`verify`]).
    pub verify_limiter: Arc<throttle::Throttle>,
    /// New changes per account per minute (`--max-changes-per-minute`).
    pub changes: Arc<change_quota::ChangeQuota>,
    /// Bumped when a session is revoked: open sync connections re-check theirs.
    pub sessions: Arc<watch::Sender<u64>>,
}

impl AppState {
    /// A session was revoked: every sync connection checks whether it was its own, here
    /// and on every other replica.
    pub fn sessions_changed(&self) {
        self.sessions.send_modify(|n| *n += 1);
        self.accounts.announce("sessions");
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
    /// What the handlers share: the documents, the accounts, the settings (tests read
    /// stored documents through `state().documents`).
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

/// `n` random bytes in hex (the time stands in if the system has no randomness: the ids
/// made with it only have to differ between runs).
pub(crate) fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    if getrandom::fill(&mut bytes).is_err() {
        let t = (now_ms() as u64).to_le_bytes();
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = t[i % 8] ^ (i as u8);
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Open storage and the membership database, start the sync engine (and with `--demo`, store
/// the example supervisions): everything [`start`] does before it listens. The caller should
/// `state.documents.stop().await` when done.
pub async fn open(config: Config) -> Result<AppState, ServerError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        ServerError::Startup(format!(
            "cannot create data directory {}: {e}",
            config.data_dir.display()
        ))
    })?;
    // Connecting (and, for PostgreSQL, migrating) blocks: off the async workers.
    let opening = config.clone();
    let (storage, accounts) = tokio::task::spawn_blocking(move || {
        Ok::<_, ServerError>((
            storage::Storage::open(&opening)?,
            accounts::Accounts::for_config(&opening)?,
        ))
    })
    .await
    .map_err(|e| ServerError::Startup(format!("opening the database failed: {e}")))??;
    let quota = Arc::new(change_quota::ChangeQuota::new(
        config.max_changes_per_minute,
    ));
    // Each document is shared by membership (see `sync_gate`), never announced: a tablet
    // receives only the documents it asks for and may see.
    let documents = sync::Documents::start(
        storage.documents(),
        storage.storage_id().await?,
        accounts.clone(),
        quota.clone(),
    )?;
    if config.demo {
        demo::load(&documents, &storage, &accounts).await?;
        demo_organisation::load(&documents, &storage, &accounts).await?;
    }
    index_issued_once(&storage, &documents);
    let sessions = Arc::new(watch::channel(0).0);
    if let Some(url) = &config.database_url {
        replicas::Listener {
            url: url.as_str().to_owned(),
            own: [storage.replica(), Some(accounts.replica().to_owned())]
                .into_iter()
                .flatten()
                .collect(),
            documents: documents.clone(),
            accounts: accounts.clone(),
            sessions: sessions.clone(),
        }
        .start()
        .map_err(|e| ServerError::Startup(format!("cannot listen to the other replicas: {e}")))?;
    }
    let limiter = Arc::new(throttle::Throttle::for_accounts(&accounts, "sign-in"));
    let verify_limiter = Arc::new(throttle::Throttle::for_accounts(&accounts, "verify"));
    Ok(AppState {
        documents,
        config: Arc::new(config),
        storage,
        accounts,
        limiter,
        verify_limiter,
        changes: quota,
        sessions,
    })
}

/// A database made before `/verify` existed has no index of check codes: read every stored
/// document once, in the background, to file its issued versions (each document files its
/// own again whenever it loads or changes).
fn index_issued_once(storage: &storage::Storage, documents: &Arc<sync::Documents>) {
    const KEY: &str = "issued_index";
    let storage = storage.clone();
    let store = documents.store();
    tokio::spawn(async move {
        if matches!(storage.meta(KEY).await, Ok(Some(_))) {
            return;
        }
        match tokio::task::spawn_blocking(move || sync::issued::rebuild(store.as_ref())).await {
            Ok(Ok(n)) => {
                tracing::info!("check codes filed for {n} supervisions with issued versions");
                if let Err(e) = storage.set_meta(KEY, "1".into()).await {
                    tracing::error!("could not note the check codes as filed: {e}");
                }
            }
            Ok(Err(e)) => tracing::error!("filing check codes failed (tried at next start): {e}"),
            Err(e) => tracing::error!("filing check codes failed (tried at next start): {e}"),
        }
    });
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
    let documents = state.documents.clone();
    let app = routes::app(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        // Small frames (a keystroke's change, a sync answer) leave at once: with Nagle's
        // algorithm a frame written while the last one is unacknowledged waits for the
        // peer's delayed ACK, 40 ms on Linux (measured: p99 edit→visible 45 ms → see
        // BENCHMARKS.md). Browsers set TCP_NODELAY on their side.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("TCP_NODELAY not set on a connection: {e}");
            }
        });
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("server failed: {e}");
        }
        // Let every document finish its write in flight, within a bound: every change a
        // tablet was told is stored is on disk already (the engine confirms nothing before).
        if tokio::time::timeout(STOP_BOUND, documents.stop())
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
