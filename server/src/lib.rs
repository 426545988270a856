//! # server: one axum process that serves the app and merges everyone's changes
//!
//! The server does not interpret findings: it merges, stores, and (later) authorises.
//!
//! - [`config`]: command-line flags and environment (`--help` explains each).
//! - [`storage`]: samod's key/value storage on SQLite (one file, WAL, synchronous writes).
//! - [`durable`]: which changes are on disk, so no heads are advertised before they are.
//! - [`catalogue`]: the deployment's catalogue document, made at first start.
//! - [`demo`]: with `--demo`, two example supervisions written from real reports.
//! - [`sync_socket`]: `/sync`, the automerge-repo WebSocket, with malformed frames refused.
//! - [`blobs`]: `/api/blobs/{sha256}`, evidence photos and scans stored by content hash.
//! - [`routes`]: the HTTP routes (`/health`, `/api/catalogue`) and the built app's files.
//! - [`error`]: the one error type at the HTTP edge.
//!
//! [`start`] binds, loads the repo and serves until [`Running::shutdown`]; [`open`] does
//! everything but listen (tests drive [`routes::app`] with its state).

pub mod blobs;
pub mod catalogue;
pub mod config;
pub mod demo;
pub mod durable;
pub mod error;
pub mod routes;
pub mod storage;
pub mod sync_socket;

use std::net::SocketAddr;
use std::sync::Arc;

use samod::{Repo, ShareConfig};
use tokio::sync::oneshot;

pub use config::Config;
pub use error::ServerError;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub repo: Repo,
    pub acceptor: samod::AcceptorHandle,
    pub catalogue_id: Arc<str>,
    pub config: Arc<Config>,
    /// The SQLite database behind the repo (blobs and settings are read from it directly).
    pub storage: storage::SqliteStorage,
}

/// A server that is running: its address, and how to stop it cleanly.
pub struct Running {
    pub addr: SocketAddr,
    state: AppState,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

impl Running {
    /// What the handlers share: the repo, the catalogue id, the settings (tests read
    /// documents through `state().repo`).
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

/// Wall time in milliseconds since the Unix epoch (0 if the clock is before 1970).
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Open storage, load the repo, make sure the catalogue exists (and with `--demo`, the
/// example supervisions): everything [`start`] does before it listens. The caller owns the
/// repo and should `state.repo.stop().await` when done.
pub async fn open(config: Config) -> Result<AppState, ServerError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        ServerError::Startup(format!(
            "cannot create data directory {}: {e}",
            config.data_dir.display()
        ))
    })?;
    let storage = storage::SqliteStorage::open(&config.data_dir.join("giamsat.sqlite3"))?;
    // Documents are shared with any connected peer (loopback only until accounts exist), but
    // never announced: a tablet receives only the documents it asks for.
    let repo = Repo::build_tokio()
        .with_storage(storage.clone())
        .with_share_policy(ShareConfig::read_write().with_announce(false))
        .load()
        .await;
    let catalogue_id = catalogue::ensure(&repo, &storage).await?;
    if config.demo {
        demo::load(&repo, &storage, &catalogue_id).await?;
    }
    let url = "ws://giamsat/sync"
        .parse()
        .map_err(|e| ServerError::Startup(format!("{e}")))?;
    let acceptor = repo
        .make_acceptor(url)
        .map_err(|_| ServerError::Startup("the repo stopped while starting".into()))?;
    Ok(AppState {
        repo,
        acceptor,
        catalogue_id: catalogue_id.into(),
        config: Arc::new(config),
        storage,
    })
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
    let repo = state.repo.clone();
    let app = routes::app(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("server failed: {e}");
        }
        // Flush every document to SQLite before the process may exit.
        repo.stop().await;
    });
    Ok(Running {
        addr,
        state,
        stop,
        done,
    })
}
