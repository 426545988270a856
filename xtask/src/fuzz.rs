//! The fuzz steps of `cargo xtask bench`: each target in `shared/fuzz/fuzz_targets/`, one
//! after the other (nothing else running), for `GIAMSAT_FUZZ_RUNS` executions in all, with
//! libFuzzer's final stats and whether it crashed, for SUMMARY.md.
//!
//! A target runs as `GIAMSAT_FUZZ_JOBS` libFuzzer jobs side by side (default: one per core),
//! each doing its share of the executions on the one shared corpus (libFuzzer's `-jobs`,
//! which logs each job to `shared/fuzz/fuzz-<n>.log` and prints each log as its job ends);
//! the table adds the jobs' executions up.
//!
//! The fuzz crate is its own workspace and builds into its own `shared/fuzz/target/` (other
//! flags, another lock file), as BENCHMARKS.md's runs did, whatever `CARGO_TARGET_DIR` says.
//! A target's growing corpus is `shared/fuzz/work/<target>` (git-ignored), seeded from the
//! checked-in `corpus/<target>`; libFuzzer writes crashing inputs to `artifacts/<target>/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::bench::{self, Ran, Step};
use crate::sh;

/// Issue 5's goal: 10 million executions per target without a crash.
pub const DEFAULT_RUNS: u64 = 10_000_000;

/// One target's run and what libFuzzer said about it.
pub struct Run {
    pub target: String,
    pub ran: Ran,
    /// libFuzzer jobs side by side; the figures below are their sum (edges: the most any saw).
    pub jobs: u64,
    pub executions: Option<u64>,
    pub exec_per_sec: Option<u64>,
    pub edges: Option<u64>,
    /// Whether libFuzzer started (a build failure is not a crash).
    pub started: bool,
    /// Why the run counts as a crash (exit status, sanitizer report, new artifacts), if it does.
    pub crash: Option<String>,
}

fn dir() -> PathBuf {
    sh::root().join("shared").join("fuzz")
}

/// The fuzz crate's own build directory, passed as `CARGO_TARGET_DIR` to its cargo commands:
/// `$GIAMSAT_FUZZ_TARGET_DIR` if set (to keep one warm build across clones), else
/// `shared/fuzz/target`.
fn target_dir() -> (&'static str, String) {
    let d = std::env::var("GIAMSAT_FUZZ_TARGET_DIR")
        .ok()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| dir().join("target").to_string_lossy().into_owned());
    ("CARGO_TARGET_DIR", d)
}

/// The targets: `fuzz_targets/<name>.rs`, sorted.
pub fn targets() -> Result<Vec<String>, String> {
    let d = dir().join("fuzz_targets");
    let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".rs").map(String::from))
        .collect();
    names.sort();
    Ok(names)
}

/// cargo-fuzz if missing, the seed corpus if a target has none, and the targets built once
/// (so a run's time is fuzzing, not compiling).
pub fn prepare(targets: &[String]) -> Result<(), String> {
    if sh::output("cargo", &["fuzz", "--version"]).is_none() {
        sh::step("installing cargo-fuzz (cargo install, ~2 min, needs g++)");
        sh::run("cargo", &["install", "cargo-fuzz", "--locked"], None)?;
    }
    let fuzz = dir();
    let seeded = |t: &String| {
        std::fs::read_dir(fuzz.join("corpus").join(t))
            .map(|mut d| {
                d.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("seed-")))
            })
            .unwrap_or(false)
    };
    if !targets.iter().all(seeded) {
        sh::step("writing the seed corpus (cargo run --example seed in shared/fuzz/)");
        sh::run_env(
            "cargo",
            &["run", "--example", "seed"],
            Some(&fuzz),
            &[target_dir()],
        )?;
    }
    for t in targets {
        sh::step(&format!(
            "building fuzz target {t} (cargo fuzz build --sanitizer none {t})"
        ));
        let build = ["fuzz", "build", "--sanitizer", "none", t];
        if let Err(e) = sh::run_env("cargo", &build, Some(&fuzz), &[target_dir()]) {
            eprintln!("{e}; its run will say why");
        }
    }
    Ok(())
}

/// Crash, out-of-memory, timeout and leak inputs libFuzzer wrote for `target`.
fn artifacts(target: &str) -> BTreeSet<String> {
    let kinds = ["crash-", "oom-", "timeout-", "leak-"];
    std::fs::read_dir(dir().join("artifacts").join(target))
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| kinds.iter().any(|k| n.starts_with(k)))
                .collect()
        })
        .unwrap_or_default()
}

/// Executions per target, in all: `$GIAMSAT_FUZZ_RUNS`, else [`DEFAULT_RUNS`].
pub fn runs() -> Result<u64, String> {
    match std::env::var("GIAMSAT_FUZZ_RUNS") {
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("GIAMSAT_FUZZ_RUNS={v}: not a number")),
        Err(_) => Ok(DEFAULT_RUNS),
    }
}

/// How many libFuzzer jobs run a target side by side: `$GIAMSAT_FUZZ_JOBS`, else one per core.
pub fn jobs() -> Result<u64, String> {
    match std::env::var("GIAMSAT_FUZZ_JOBS") {
        Ok(v) => match v.trim().parse() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("GIAMSAT_FUZZ_JOBS={v}: not a positive number")),
        },
        Err(_) => Ok(std::thread::available_parallelism().map_or(1, |n| n.get() as u64)),
    }
}

/// The per-job logs libFuzzer's `-jobs` writes into `shared/fuzz/`.
fn job_logs() -> Vec<PathBuf> {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir())
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("fuzz-") && n.ends_with(".log"))
        })
        .collect();
    logs.sort();
    logs
}

/// Fuzz one target for `runs` executions in all, split over `jobs` libFuzzer jobs.
pub fn run(target: &str, runs: u64, jobs: u64, results: &Path) -> Result<Run, String> {
    let work = format!("work/{target}");
    std::fs::create_dir_all(dir().join(&work)).map_err(|e| format!("{work}: {e}"))?;
    for old in job_logs() {
        std::fs::remove_file(&old).map_err(|e| format!("{}: {e}", old.display()))?;
    }
    let mut flags = vec![format!("-runs={}", runs.div_ceil(jobs))];
    if jobs > 1 {
        flags.push(format!("-jobs={jobs}"));
        flags.push(format!("-workers={jobs}"));
    }
    let step = Step {
        name: format!("fuzz_{target}"),
        program: "cargo",
        args: [
            "fuzz",
            "run",
            "--sanitizer",
            "none",
            target,
            &work,
            &format!("corpus/{target}"),
            "--",
            "-rss_limit_mb=2048",
            "-print_final_stats=1",
        ]
        .map(String::from)
        .into_iter()
        .chain(flags)
        .collect(),
        env: vec![target_dir()],
        dir: "shared/fuzz",
        needs: &[],
    };
    let before = artifacts(target);
    let mut ran = bench::run(&step, results)?;
    // Each job's statistics are the last ones in its own log. libFuzzer's parent prints every
    // log as its job ends, so the step's output already holds them; they are read here only
    // to take each job's figures apart.
    let mut logs = Vec::new();
    for log in job_logs() {
        let text = std::fs::read(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        logs.push(String::from_utf8_lossy(&text).into_owned());
    }
    if logs.is_empty() {
        logs.push(ran.text.clone());
    }
    let said = |what: &str| ran.text.contains(what) || logs.iter().any(|l| l.contains(what));
    let new: Vec<String> = artifacts(target).difference(&before).cloned().collect();
    let mut why = Vec::new();
    if !ran.ok {
        why.push(ran.status.clone());
    }
    if said("==ERROR") || said("== ERROR:") {
        why.push("libFuzzer ERROR".into());
    }
    if said("panicked") {
        why.push("panicked".into());
    }
    if !new.is_empty() {
        why.push(format!("wrote artifacts/{target}/{}", new.join(", ")));
    }
    let started = said("INFO: Seed:");
    ran.ok = started && why.is_empty();
    let each = |key: &str| {
        logs.iter()
            .map(|l| stat(l, key))
            .collect::<Option<Vec<u64>>>()
    };
    let sum = |key: &str| each(key).map(|v| v.iter().sum());
    Ok(Run {
        target: target.into(),
        jobs,
        executions: sum("stat::number_of_executed_units:"),
        exec_per_sec: sum("stat::average_exec_per_sec:"),
        edges: each("cov:").and_then(|v| v.into_iter().max()),
        started,
        crash: (started && !why.is_empty()).then(|| why.join("; ")),
        ran,
    })
}

/// The number after the last `key` in libFuzzer's output.
fn stat(text: &str, key: &str) -> Option<u64> {
    let (_, after) = text.rsplit_once(key)?;
    after.split_whitespace().next()?.parse().ok()
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The Markdown table of the runs.
pub fn table(runs: &[Run]) -> String {
    let cell = |n: Option<u64>| n.map(thousands).unwrap_or_else(|| "—".into());
    let mut t =
        String::from("| target | jobs | executions | exec/s | edges | crashes | seconds |\n");
    t.push_str("|---|---:|---:|---:|---:|---|---:|\n");
    for r in runs {
        let crashes = match &r.crash {
            _ if !r.started => format!("— (libFuzzer did not start: {})", r.ran.status),
            None => "0".to_owned(),
            Some(why) => format!("**yes**: {why}"),
        };
        t.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {crashes} | {:.0} |\n",
            r.target,
            r.jobs,
            cell(r.executions),
            cell(r.exec_per_sec),
            cell(r.edges),
            r.ran.secs
        ));
    }
    t
}
