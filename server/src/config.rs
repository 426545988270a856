//! The server's settings, from flags or environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// giamsat server: serves the app to delegation members' tablets and merges their changes.
#[derive(Debug, Clone, Parser)]
#[command(name = "giamsat-server", version, about, long_about = None)]
pub struct Config {
    /// Address to listen on. Put it behind TLS (a reverse proxy) with --secure-cookies before
    /// it faces a district's network.
    #[arg(long, env = "GIAMSAT_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Directory for the SQLite database (created if missing).
    #[arg(long, env = "GIAMSAT_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Keep everything in this PostgreSQL database instead of the SQLite file
    /// (`postgres://user:password@host:port/database`), so several replicas of the server
    /// can serve one organisation. The schema is made at start.
    #[arg(long, env = "GIAMSAT_DATABASE_URL")]
    pub database_url: Option<DatabaseUrl>,

    /// Directory of the built app (index.html, wasm, js, css). Built by `cargo xtask build`.
    #[arg(long, env = "GIAMSAT_APP_DIR", default_value = "./app/dist")]
    pub app_dir: PathBuf,

    /// Largest WebSocket message accepted on /sync, in bytes; a larger one closes that
    /// connection with an error message.
    #[arg(long, env = "GIAMSAT_MAX_FRAME_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_frame_bytes: usize,

    /// Largest photo or scanned document accepted by `PUT /api/blobs/{sha256}`, in bytes
    /// (default 10 MiB). A larger upload is refused with 413, never read past the limit.
    #[arg(long, env = "GIAMSAT_MAX_BLOB_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_blob_bytes: usize,

    /// Load two example supervisions written from real reports (a supervision of one ward,
    /// an inspection of four units), so a new user sees real data at once. Each is loaded
    /// once per data directory; starting again with --demo adds nothing. The environment
    /// variable takes true/false (also 1/0, yes/no, on/off).
    #[arg(long, env = "GIAMSAT_DEMO", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,

    /// The most new changes one account may bring in a minute (default 100,000; a tablet's
    /// real work is far below it): past it a sync message is refused whole and sent again
    /// when the tablet reconnects. Bounds how fast storage grows.
    #[arg(
        long,
        env = "GIAMSAT_MAX_CHANGES_PER_MINUTE",
        default_value_t = 100_000
    )]
    pub max_changes_per_minute: u64,

    /// The most evidence one supervision may hold, in bytes (default 1 GiB): past it an
    /// upload is refused with 413 and what to do.
    #[arg(long, env = "GIAMSAT_MAX_SUPERVISION_BLOB_BYTES", default_value_t = 1024 * 1024 * 1024)]
    pub max_supervision_blob_bytes: u64,

    /// The most evidence the server stores in all, in bytes (default 50 GiB): past it an
    /// upload is refused with 507 until an operator makes room.
    #[arg(long, env = "GIAMSAT_MAX_BLOB_STORAGE_BYTES", default_value_t = 50 * 1024 * 1024 * 1024)]
    pub max_blob_storage_bytes: u64,

    /// How long a device session lasts after its last use, in seconds (default 60 days: a
    /// tablet offline for weeks is still signed in when it returns).
    #[arg(long, env = "GIAMSAT_SESSION_TTL", default_value_t = 60 * 24 * 3600)]
    pub session_ttl: u64,

    /// The longest a device session lives however often it is used, in seconds (default
    /// 180 days): a stolen cookie that is kept in use still dies.
    #[arg(long, env = "GIAMSAT_SESSION_MAX_AGE", default_value_t = 180 * 24 * 3600)]
    pub session_max_age: u64,

    /// Behind a reverse proxy: the request header that carries the client's address, as the
    /// proxy sets it (e.g. `X-Forwarded-For`: its last entry, the one the proxy added, is
    /// taken; or `X-Real-IP`). Sign-in throttling then counts that address, not the proxy's.
    /// Set it only when clients cannot reach the server except through the proxy.
    #[arg(long, env = "GIAMSAT_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,

    /// Mark the session cookie `Secure` (only sent over HTTPS) and send
    /// `Strict-Transport-Security`. Turn on when the server is reached through TLS.
    #[arg(long, env = "GIAMSAT_SECURE_COOKIES", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub secure_cookies: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Commands run on the server's machine instead of serving.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Manage administrator accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum AdminCommand {
    /// Create an administrator account (the first one is made this way: there is no default
    /// password). Asks for the password twice on a terminal; or reads it from standard input
    /// with --password-stdin.
    Create {
        #[arg(long)]
        username: String,
        /// The name shown to others (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (one line) instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
}

impl Config {
    /// Settings for a test: loopback on a free port, the given data directory.
    pub fn for_test(data_dir: PathBuf) -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url: None,
            app_dir: PathBuf::from("./app/dist"),
            max_frame_bytes: 1024 * 1024,
            max_blob_bytes: 10 * 1024 * 1024,
            max_supervision_blob_bytes: 1024 * 1024 * 1024,
            max_changes_per_minute: 100_000,
            max_blob_storage_bytes: 50 * 1024 * 1024 * 1024,
            demo: false,
            session_ttl: 60 * 24 * 3600,
            session_max_age: 180 * 24 * 3600,
            client_ip_header: None,
            secure_cookies: false,
            command: None,
        }
    }
}

/// A database URL. Shown (in `Debug`, in messages) without its password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(DatabaseUrl(s.to_owned()))
        } else {
            Err("a PostgreSQL URL starts with postgres:// (postgres://user:password@host:port/database)".into())
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::accounts::redact(&self.0))
    }
}
