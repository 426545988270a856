//! A PostgreSQL for a test: Debian's server binaries (`postgresql`, installed by
//! `cargo xtask test`), a cluster made by `initdb`, listening on loopback only, on a free
//! port, with its socket in its own directory. [`Postgres::start`] makes a throwaway one in
//! a temporary directory (dropping it stops it and removes everything);
//! [`Postgres::in_dir`] keeps one in a test server's data directory, so a server restarted
//! over that directory finds its data again (dropping it stops the cluster, keeping it).
//!
//! `GIAMSAT_TEST_DATABASE=postgres` runs the end-to-end tests' servers on PostgreSQL
//! ([`wanted`]; `crate::server` reads it).
//!
//! PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user the
//! Debian package creates (`runuser`), and the directory is handed to that user.
//!
//! Where the binaries are missing, [`Postgres::start_or_skip`] says so and the test returns;
//! on CI (`CI` set) a missing PostgreSQL fails the test instead, so CI never skips silently.

use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running cluster.
pub struct Postgres {
    dir: Home,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// Where a cluster lives.
enum Home {
    Temporary(tempfile::TempDir),
    Kept(PathBuf),
}

impl Home {
    fn path(&self) -> &Path {
        match self {
            Home::Temporary(t) => t.path(),
            Home::Kept(p) => p,
        }
    }
}

/// Whether the end-to-end tests' servers should run on PostgreSQL
/// (`GIAMSAT_TEST_DATABASE=postgres`).
pub fn wanted() -> bool {
    std::env::var("GIAMSAT_TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// Debian's server binaries: the newest `/usr/lib/postgresql/<version>/bin` with `initdb`.
pub fn binaries() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

impl Postgres {
    /// Start a cluster, or `None` (with the reason on stderr) where PostgreSQL is not
    /// installed and this is not CI.
    pub fn start_or_skip(test: &str) -> Option<Postgres> {
        match binaries() {
            Some(_) => Some(Postgres::start().unwrap_or_else(|e| panic!("{test}: {e}"))),
            None if std::env::var_os("CI").is_some() => panic!(
                "{test}: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); \
                 `cargo xtask test` installs it (apt-get install postgresql)"
            ),
            None => {
                eprintln!(
                    "SKIPPED {test}: PostgreSQL is not installed here (no /usr/lib/postgresql/*/bin/initdb); \
                     `apt-get install postgresql` or `cargo xtask test` installs it"
                );
                None
            }
        }
    }

    /// Make and start a throwaway cluster (database `giamsat`, user `giamsat`, trusted on
    /// loopback).
    pub fn start() -> Result<Postgres, String> {
        let dir = tempfile::Builder::new()
            .prefix("giamsat-pg-")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?;
        let (pg, _) = Postgres::make(Home::Temporary(dir))?;
        Ok(pg)
    }

    /// Start the cluster kept in `dir` (made there first if there is none). Returns it, and
    /// whether it was just made. `dir`'s parent is opened for traversal to the `postgres`
    /// user when running as root.
    pub fn in_dir(dir: &Path) -> Result<(Postgres, bool), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if let Some(parent) = dir.parent() {
            std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o711))
                .map_err(|e| format!("chmod {}: {e}", parent.display()))?;
        }
        Postgres::make(Home::Kept(dir.to_owned()))
    }

    fn make(home: Home) -> Result<(Postgres, bool), String> {
        let bin = binaries().ok_or("PostgreSQL is not installed")?;
        // Who we are: the owner of our own /proc entry.
        let as_postgres = std::fs::metadata("/proc/self")
            .map_err(|e| format!("/proc/self: {e}"))?
            .uid()
            == 0;
        if as_postgres {
            hand_to_postgres(home.path())?;
        }
        let port_file = home.path().join("port");
        let fresh = !home.path().join("data").exists();
        let port = match std::fs::read_to_string(&port_file) {
            Ok(p) if !fresh => p
                .trim()
                .parse()
                .map_err(|e| format!("{}: {e}", port_file.display()))?,
            _ => free_port()?,
        };
        let mut pg = Postgres {
            dir: home,
            bin,
            port,
            as_postgres,
        };
        let data = pg.data();
        if fresh {
            pg.run(
                "initdb",
                &[
                    "-D",
                    &data,
                    "-U",
                    "giamsat",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ],
            )?;
        }
        let socket_dir = pg.dir.path().to_string_lossy().into_owned();
        let log = pg
            .dir
            .path()
            .join("server.log")
            .to_string_lossy()
            .into_owned();
        // The port was free when picked; another test's cluster may take it first. Then a
        // new one, a few times.
        for attempt in 1.. {
            std::fs::write(&port_file, pg.port.to_string())
                .map_err(|e| format!("{}: {e}", port_file.display()))?;
            let options = format!(
                "-h 127.0.0.1 -p {} -k {socket_dir} -c max_connections=200",
                pg.port
            );
            match pg.run(
                "pg_ctl",
                &["-D", &data, "-l", &log, "-w", "-o", &options, "start"],
            ) {
                Ok(_) => break,
                Err(e) => {
                    let said = std::fs::read_to_string(&log).unwrap_or_default();
                    if attempt < 4 && said.contains("could not bind") {
                        pg.port = free_port()?;
                        continue;
                    }
                    return Err(format!("{e}\n{said}"));
                }
            }
        }
        if fresh {
            pg.run(
                "createdb",
                &[
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                    "-U",
                    "giamsat",
                    "giamsat",
                ],
            )?;
        }
        Ok((pg, fresh))
    }

    /// `postgres://giamsat@127.0.0.1:<port>/giamsat`.
    pub fn url(&self) -> String {
        self.url_of("giamsat")
    }

    /// The URL of another database in this cluster, made now (one per test server).
    pub fn database(&self, name: &str) -> Result<String, String> {
        self.run(
            "createdb",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "giamsat",
                name,
            ],
        )?;
        Ok(self.url_of(name))
    }

    fn url_of(&self, db: &str) -> String {
        format!("postgres://giamsat@127.0.0.1:{}/{db}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Restart the cluster (a fast shutdown: every connection to it is cut), same port.
    pub fn restart(&self) -> Result<(), String> {
        let data = self.data();
        // Its output to the log, as at start: a postmaster holding our pipes would keep
        // this call waiting for their end.
        let log = self
            .dir
            .path()
            .join("server.log")
            .to_string_lossy()
            .into_owned();
        self.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-m", "fast", "-w", "restart"],
        )
        .map(|_| ())
    }

    /// The postmaster's process id (the first line of `postmaster.pid`).
    pub fn postmaster_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.path().join("data").join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    fn data(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<Output, String> {
        let path = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(format!(
                "{program} {}: {}\n{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        // A kept cluster shuts down cleanly (its data is read again); a throwaway one at once.
        let mode = match self.dir {
            Home::Temporary(_) => "immediate",
            Home::Kept(_) => "fast",
        };
        let _ = self.run("pg_ctl", &["-D", &data, "-m", mode, "-w", "stop"]);
    }
}

/// A port free on loopback now.
fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("a free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("a free port: {e}"))
}

/// Give `dir` to the `postgres` user (PostgreSQL will not run as root).
fn hand_to_postgres(dir: &Path) -> Result<(), String> {
    let out = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(dir)
        .output()
        .map_err(|e| format!("chown: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "chown postgres {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| format!("chmod {}: {e}", dir.display()))
}
