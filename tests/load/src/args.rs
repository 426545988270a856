//! The command line of `loadgen`, parsed by hand (the harness has no clap): `--name value`
//! pairs and a few switches. `loadgen --help` prints [`USAGE`].

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::sim::RunConfig;

pub const USAGE: &str = "\
loadgen: simulated delegation members against an automerge-repo sync server (127.0.0.1 only)

One run against a server that is already listening:
  loadgen --url ws://127.0.0.1:PORT/sync [--server-pid PID] [--label ours|reference]
          [--clients 1000] [--delegations 20] [--duration-secs 30] [--edit-interval-ms 2000]

Ours three ways, same load (one SQLite server, one replica on PostgreSQL, two replicas on
one PostgreSQL with the members spread over both; PostgreSQL from Debian's package, a
throwaway cluster on loopback):
  loadgen --replicas [--clients 1000] [--delegations 150] [--server-bin PATH]

Side by side (starts $GIAMSAT_SERVER_BIN or target/release/giamsat-server, then the reference
JS server, same load; install it first with `npm ci --prefix tests/reference-server`):
  loadgen --compare [--clients 1000] [--delegations 20] [--duration-secs 30] ...
          [--server-bin PATH] [--reference-dir tests/reference-server] [--node node]

Server scale (our server only): store many small supervisions, restart, open live clients:
  loadgen --scale [--docs 10000] [--live 1000] [--create-limit-secs 900] [--rss-cap-mb 6144]
          [--server-bin PATH]

Other options:
  --setup-timeout-secs 420   bound on connecting every member and giving each its document
  --drain-secs 20            after the load, how long to wait for the last edits to arrive
  --connect-batch 50         members connected at once while setting up
  --json-out FILE            also append each JSON line to FILE
  --no-sign-in-probe         probe only /health under the load, not sign-in (argon2 is
                             hundreds of ms of CPU a second, which the reference never pays,
                             so the CPU-per-change figure leaves it out)

The edit rate: --edit-interval-ms is the mean time between one member's edits. A member
types in bursts (3 to 8 keystrokes, 120-330 ms apart), then pauses (exponential, with the
mean that makes the overall mean come out at the interval): 2000 ms means a burst of about
five keystrokes every eleven seconds.";

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// One load run against `--url`.
    Run,
    /// Start both servers in turn and run the same load against each.
    Compare,
    /// The server-scale measurement.
    Scale,
    /// Ours on SQLite, on PostgreSQL, and as two replicas on PostgreSQL: the same load.
    Replicas,
}

#[derive(Debug, Clone)]
pub struct Args {
    pub mode: Mode,
    pub url: Option<String>,
    pub server_pid: Option<u32>,
    pub label: String,
    pub clients: usize,
    pub delegations: usize,
    pub duration: Duration,
    pub edit_interval_ms: u64,
    pub setup_timeout: Duration,
    pub drain: Duration,
    pub connect_batch: usize,
    pub server_bin: Option<PathBuf>,
    pub reference_dir: PathBuf,
    pub node: String,
    pub docs: usize,
    pub live: usize,
    pub create_limit: Duration,
    pub rss_cap_mb: u64,
    pub json_out: Option<PathBuf>,
    /// Whether the probe signs in once a second during the load (our server only).
    pub sign_in_probe: bool,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            mode: Mode::Run,
            url: None,
            server_pid: None,
            label: "ours".into(),
            clients: 1000,
            delegations: 20,
            duration: Duration::from_secs(30),
            edit_interval_ms: 2000,
            setup_timeout: Duration::from_secs(420),
            drain: Duration::from_secs(20),
            connect_batch: 50,
            server_bin: None,
            reference_dir: PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../reference-server"
            )),
            node: "node".into(),
            docs: 10_000,
            live: 1000,
            create_limit: Duration::from_secs(900),
            rss_cap_mb: 6144,
            json_out: None,
            sign_in_probe: true,
        }
    }
}

impl Args {
    /// Parse `std::env::args()`; `Err` carries the message to print (usage on `--help`).
    pub fn parse(argv: impl IntoIterator<Item = String>) -> Result<Args, String> {
        let mut a = Args::default();
        let mut it = argv.into_iter().skip(1);
        while let Some(flag) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"))
            };
            match flag.as_str() {
                "--help" | "-h" => return Err(USAGE.to_owned()),
                "--compare" => a.mode = Mode::Compare,
                "--scale" => a.mode = Mode::Scale,
                "--replicas" => a.mode = Mode::Replicas,
                "--no-sign-in-probe" => a.sign_in_probe = false,
                "--url" => a.url = Some(value("--url")?),
                "--server-pid" => a.server_pid = Some(number(&flag, &value(&flag)?)?),
                "--label" => a.label = value(&flag)?,
                "--clients" => a.clients = number(&flag, &value(&flag)?)?,
                "--delegations" => a.delegations = number(&flag, &value(&flag)?)?,
                "--duration-secs" => {
                    a.duration = Duration::from_secs(number(&flag, &value(&flag)?)?)
                }
                "--edit-interval-ms" => a.edit_interval_ms = number(&flag, &value(&flag)?)?,
                "--setup-timeout-secs" => {
                    a.setup_timeout = Duration::from_secs(number(&flag, &value(&flag)?)?)
                }
                "--drain-secs" => a.drain = Duration::from_secs(number(&flag, &value(&flag)?)?),
                "--connect-batch" => a.connect_batch = number(&flag, &value(&flag)?)?,
                "--server-bin" => a.server_bin = Some(PathBuf::from(value(&flag)?)),
                "--reference-dir" => a.reference_dir = PathBuf::from(value(&flag)?),
                "--node" => a.node = value(&flag)?,
                "--docs" => a.docs = number(&flag, &value(&flag)?)?,
                "--live" => a.live = number(&flag, &value(&flag)?)?,
                "--create-limit-secs" => {
                    a.create_limit = Duration::from_secs(number(&flag, &value(&flag)?)?)
                }
                "--rss-cap-mb" => a.rss_cap_mb = number(&flag, &value(&flag)?)?,
                "--json-out" => a.json_out = Some(PathBuf::from(value(&flag)?)),
                other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
            }
        }
        if a.mode == Mode::Run && a.url.is_none() {
            return Err(format!("give --url (or --compare, or --scale)\n\n{USAGE}"));
        }
        if let Some(url) = &a.url
            && !(url.starts_with("ws://127.")
                || url.starts_with("ws://localhost")
                || url.starts_with("ws://[::1]"))
        {
            return Err(format!(
                "{url}: loadgen only sends traffic to this machine's loopback (ws://127.x, localhost, [::1])"
            ));
        }
        if a.clients == 0 || a.delegations == 0 || a.delegations > a.clients {
            return Err("need at least one client per delegation".into());
        }
        if a.connect_batch == 0 {
            a.connect_batch = 1;
        }
        Ok(a)
    }
}

fn number<T: std::str::FromStr>(flag: &str, s: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("{flag}: {s:?} is not a number"))
}

impl Args {
    /// The run of `args` against `url` (`label` "ours" makes accounts first).
    pub fn run_config(&self, url: String, label: &str, pid: Option<u32>) -> RunConfig {
        RunConfig {
            url: url.clone(),
            label: label.to_owned(),
            clients: self.clients,
            delegations: self.delegations,
            duration: self.duration,
            edit_interval_ms: self.edit_interval_ms,
            setup_timeout: self.setup_timeout,
            drain: self.drain,
            connect_batch: self.connect_batch,
            server_pid: pid,
            // Ours needs accounts (made per run); the reference server has none.
            accounts_at: (label == "ours").then(|| {
                url.trim_start_matches("ws://")
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            }),
            sign_in_probe: self.sign_in_probe,
            replicas: Vec::new(),
            also_pids: Vec::new(),
            cpu_groups: Vec::new(),
        }
    }

    /// Print the JSON line on stdout and append it to --json-out.
    pub fn emit(&self, line: &serde_json::Value) -> Result<(), String> {
        let text = line.to_string();
        println!("{text}");
        if let Some(path) = &self.json_out {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            writeln!(f, "{text}").map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(())
    }
}
