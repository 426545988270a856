//! `cargo xtask bench`: every benchmark, the long reliability runs and a bounded fuzz run of
//! every fuzz target, one after the other (never two at once: these machines have two cores),
//! each output kept in `target/bench-results/<name>.txt`, and `SUMMARY.md` there (the machine,
//! the commit, each step's command, time and tables) for BENCHMARKS.md.
//!
//! - `GIAMSAT_BENCH_ONLY=name1,name2`: run only these steps, and build or install only what
//!   they need. Names: `big_supervision`, `editing_trace`, `offline_merge`, `followup`, `sync_load`
//!   (stress: 1,000 members in 20 delegations), `sync_load_province` (1,000 members in 150
//!   delegations), `server_scale`, `replicas` (issue 16: SQLite, one and two PostgreSQL
//!   replicas), `sync_load_100`, `app_open`, `followup_open`, `data_path`, `crash_100`, `fuzz` (every
//!   fuzz target) or
//!   `fuzz_<target>` (one, e.g. `fuzz_wire_decode`).
//! - `GIAMSAT_FUZZ_RUNS=N`: executions per fuzz target (default 10,000,000, issue 5's goal).
//! - `GIAMSAT_FUZZ_JOBS=N`: libFuzzer jobs side by side per target (default one per core).
//! - `GIAMSAT_FUZZ_TARGET_DIR=DIR`: where the fuzz crate builds (default `shared/fuzz/target`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use crate::{build, fuzz, install, sh, summary};

/// What a step needs built or installed before it runs.
#[derive(Clone, Copy, PartialEq)]
pub enum Need {
    /// `app/dist` (the wasm build).
    App,
    /// Debian's Chromium and the JS test packages.
    Browser,
    /// The reference JS sync server's packages.
    Reference,
    /// The release server and load generator.
    ReleaseBins,
    /// The debug server (`target/debug/giamsat-server`).
    DebugServer,
    /// Debian's PostgreSQL server binaries.
    Postgresql,
}

/// One step: a name, a program and its arguments, extra environment, the working directory
/// below the root ("" for the root), and what must be ready first.
pub struct Step {
    pub name: String,
    pub program: &'static str,
    pub args: Vec<String>,
    pub env: Vec<(&'static str, String)>,
    pub dir: &'static str,
    pub needs: &'static [Need],
}

/// A step that ran: how, how long, and what it printed.
pub struct Ran {
    pub name: String,
    pub command: String,
    pub secs: f64,
    pub ok: bool,
    pub status: String,
    pub output: PathBuf,
    pub text: String,
}

/// A step in the root; `args` is split on whitespace (no argument here holds a space).
fn step(name: &str, program: &'static str, args: &str, needs: &'static [Need]) -> Step {
    Step {
        name: name.into(),
        program,
        args: args.split_whitespace().map(String::from).collect(),
        env: vec![],
        dir: "",
        needs,
    }
}

fn steps() -> Vec<Step> {
    use Need::*;
    let release_server = sh::target_dir().join("release").join("giamsat-server");
    let debug_server = sh::target_dir().join("debug").join("giamsat-server");
    let server_env = vec![(
        "GIAMSAT_SERVER_BIN",
        release_server.to_string_lossy().into_owned(),
    )];
    let app_dir = sh::root()
        .join("app")
        .join("dist")
        .to_string_lossy()
        .into_owned();
    let loadgen = "run --release --quiet -p giamsat-load --bin loadgen --";
    let compare = "--compare --duration-secs 30 --edit-interval-ms 2000 --drain-secs 20";
    let sync_load =
        format!("{loadgen} {compare} --clients 1000 --delegations 20 --setup-timeout-secs 420");
    let sync_load_100 = format!("{loadgen} {compare} --clients 100 --delegations 5");
    // No sign-in probe here: its argon2 would count in the CPU per change, which the
    // reference never pays; sign-in under load is measured in the stress run.
    let province = format!(
        "{loadgen} {compare} --clients 1000 --delegations 150 --setup-timeout-secs 420 \
         --no-sign-in-probe"
    );
    // Issue 16: the province's day on SQLite, on one PostgreSQL replica and on two.
    let replicas = format!(
        "{loadgen} --replicas --duration-secs 30 --edit-interval-ms 2000 --drain-secs 20 \
         --clients 1000 --delegations 150 --setup-timeout-secs 420 --no-sign-in-probe"
    );
    let scale = format!(
        "{loadgen} --scale --docs 10000 --live 1000 --create-limit-secs 600 \
         --setup-timeout-secs 420 --rss-cap-mb 6144"
    );
    let benches = [
        "big_supervision",
        "editing_trace",
        "offline_merge",
        "followup",
    ];
    let benches = benches.map(|b| step(b, "cargo", &format!("bench -p shared --bench {b}"), &[]));
    let mut steps = Vec::from(benches);
    steps.extend([
        Step {
            env: server_env.clone(),
            ..step("sync_load", "cargo", &sync_load, &[ReleaseBins, Reference])
        },
        Step {
            env: server_env.clone(),
            ..step(
                "sync_load_province",
                "cargo",
                &province,
                &[ReleaseBins, Reference],
            )
        },
        Step {
            env: server_env.clone(),
            ..step("server_scale", "cargo", &scale, &[ReleaseBins])
        },
        Step {
            env: server_env.clone(),
            ..step("replicas", "cargo", &replicas, &[ReleaseBins, Postgresql])
        },
        Step {
            env: server_env,
            ..step(
                "sync_load_100",
                "cargo",
                &sync_load_100,
                &[ReleaseBins, Reference],
            )
        },
        Step {
            dir: "tests",
            env: browser_env(&debug_server, &app_dir),
            ..step(
                "app_open",
                "node",
                "bench/app-open.mjs",
                &[App, Browser, DebugServer],
            )
        },
        Step {
            dir: "tests",
            env: browser_env(&release_server, &app_dir),
            ..step(
                "followup_open",
                "node",
                "bench/followup-open.mjs",
                &[App, Browser, ReleaseBins],
            )
        },
        // Issue 15's data path on this build (IndexedDB bytes per keystroke, a remote
        // keystroke's work, big against empty, the first load). Before/after comparisons name
        // a second build in DATA_PATH_APPS (see the script).
        Step {
            dir: "tests",
            env: browser_env(&debug_server, &app_dir),
            ..step(
                "data_path",
                "node",
                "bench/data-path.mjs",
                &[App, Browser, DebugServer],
            )
        },
        Step {
            env: vec![("GIAMSAT_CRASH_ROUNDS", "100".into())],
            ..step(
                "crash_100",
                "cargo",
                "test -p giamsat-tests --test crash -- --nocapture",
                &[DebugServer],
            )
        },
    ]);
    steps
}

/// What a browser bench (node, from tests/) needs told: the server binary, the app, and where
/// cargo builds (the harness looks under the repo's own target/ unless told).
fn browser_env(server: &std::path::Path, app_dir: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GIAMSAT_SERVER_BIN", server.to_string_lossy().into_owned()),
        (
            "CARGO_TARGET_DIR",
            sh::target_dir().to_string_lossy().into_owned(),
        ),
        ("GIAMSAT_APP_DIR", app_dir.to_owned()),
    ]
}

pub fn all() -> Result<(), String> {
    let (started, load) = (SystemTime::now(), summary::load_average());
    let (runs, jobs) = (fuzz::runs()?, fuzz::jobs()?);
    let mut steps = steps();
    let mut fuzz_targets = fuzz::targets()?;
    let skipped = select(&mut steps, &mut fuzz_targets)?;
    let needs: Vec<Need> = steps.iter().flat_map(|s| s.needs.iter().copied()).collect();
    prepare(&needs)?;
    let results = sh::target_dir().join("bench-results");
    std::fs::create_dir_all(&results).map_err(|e| e.to_string())?;
    let mut ran = Vec::new();
    for step in &steps {
        ran.push(run(step, &results)?);
    }
    let mut fuzzed = Vec::new();
    if !fuzz_targets.is_empty() {
        fuzz::prepare(&fuzz_targets)?;
        for t in &fuzz_targets {
            fuzzed.push(fuzz::run(t, runs, jobs, &results)?);
        }
    }

    let path = results.join("SUMMARY.md");
    let text = summary::render(started, load, SystemTime::now(), &skipped, &ran, &fuzzed);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    sh::step(&format!("summary: {}", path.display()));
    let failed: Vec<&str> = ran
        .iter()
        .chain(fuzzed.iter().map(|f| &f.ran))
        .filter(|r| !r.ok)
        .map(|r| r.name.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("benchmarks failed: {}", failed.join(", ")))
    }
}

/// Keep the steps and fuzz targets `GIAMSAT_BENCH_ONLY` names (all when it is unset or empty);
/// returns the names of those left out.
fn select(steps: &mut Vec<Step>, targets: &mut Vec<String>) -> Result<Vec<String>, String> {
    let Ok(only) = std::env::var("GIAMSAT_BENCH_ONLY") else {
        return Ok(vec![]);
    };
    let only: Vec<&str> = only
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if only.is_empty() {
        return Ok(vec![]);
    }
    let mut names: Vec<String> = steps.iter().map(|s| s.name.clone()).collect();
    names.push("fuzz".into());
    names.extend(targets.iter().map(|t| format!("fuzz_{t}")));
    if let Some(bad) = only.iter().find(|n| !names.iter().any(|m| m == *n)) {
        let all = names.join(", ");
        return Err(format!("GIAMSAT_BENCH_ONLY: no step {bad:?}; steps: {all}"));
    }
    let picked = |n: &str| only.contains(&n) || (n.starts_with("fuzz_") && only.contains(&"fuzz"));
    steps.retain(|s| picked(&s.name));
    targets.retain(|t| picked(&format!("fuzz_{t}")));
    names.retain(|n| n != "fuzz" && !picked(n));
    Ok(names)
}

/// Build and install what the selected steps need, in the order the full bench always used.
fn prepare(needs: &[Need]) -> Result<(), String> {
    let need = |n| needs.contains(&n);
    let words = |s: &'static str| s.split_whitespace().collect::<Vec<_>>();
    if need(Need::App) {
        build::app()?;
    }
    if need(Need::Browser) {
        install::chromium()?;
        install::npm_packages()?;
    }
    if need(Need::Reference) {
        sh::step("installing the reference JS sync server (npm ci in tests/reference-server/)");
        let ci = "ci --silent --no-audit --no-fund --prefix tests/reference-server";
        sh::run("npm", &words(ci), None)?;
    }
    if need(Need::ReleaseBins) {
        sh::step("building the server and the load generator (release)");
        let build = "build --release --quiet -p server -p giamsat-tests -p giamsat-load --bins";
        sh::run("cargo", &words(build), None)?;
    }
    if need(Need::Postgresql) {
        install::postgresql()?;
    }
    if need(Need::DebugServer) {
        sh::step("building the server (debug)");
        let build = "build --quiet -p server --bin giamsat-server";
        sh::run("cargo", &words(build), None)?;
    }
    Ok(())
}

/// The step as a shell line: `cd <dir> && VAR=value … program args…`.
fn command_line(step: &Step) -> String {
    let quote = |s: &str| {
        let plain = |c: char| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c);
        if !s.is_empty() && s.chars().all(plain) {
            s.to_owned()
        } else {
            format!("'{}'", s.replace('\'', r"'\''"))
        }
    };
    let mut words: Vec<String> = Vec::new();
    if !step.dir.is_empty() {
        words.extend(["cd".into(), quote(step.dir), "&&".into()]);
    }
    words.extend(step.env.iter().map(|(k, v)| format!("{k}={}", quote(v))));
    words.push(step.program.into());
    words.extend(step.args.iter().map(|a| quote(a)));
    words.join(" ")
}

/// Run one step, its standard output and error (interleaved) into `<results>/<name>.txt`.
pub fn run(step: &Step, results: &Path) -> Result<Ran, String> {
    sh::step(&format!("bench: {}", step.name));
    let command = command_line(step);
    let output = results.join(format!("{}.txt", step.name));
    eprintln!(
        "{command}\n(output → {}; tail -f to follow)",
        output.display()
    );
    let file = File::create(&output).map_err(|e| format!("{}: {e}", output.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(step.program);
    cmd.args(&step.args)
        .current_dir(sh::root().join(step.dir))
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err);
    for (k, v) in &step.env {
        cmd.env(k, v);
    }
    let t = Instant::now();
    let status = cmd.status();
    let secs = t.elapsed().as_secs_f64();
    let mut text = std::fs::read(&output)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let (ok, status) = match status {
        Ok(s) => (s.success(), s.to_string()),
        Err(e) => {
            text.push_str(&format!("could not start {}: {e}\n", step.program));
            std::fs::write(&output, &text).map_err(|e| e.to_string())?;
            (false, format!("could not start: {e}"))
        }
    };
    eprintln!(
        "{} ({status}) in {secs:.0} s → {}",
        if ok { "ok" } else { "FAILED" },
        output.display()
    );
    Ok(Ran {
        name: step.name.clone(),
        command,
        secs,
        ok,
        status,
        output,
        text,
    })
}
