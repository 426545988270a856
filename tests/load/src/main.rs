//! # loadgen: simulated delegations against an automerge-repo sync server
//!
//! Many delegation members, each shared's sans-IO `SyncClient` over its own real WebSocket,
//! co-edit their delegation's supervision through shared's operations while the load
//! generator measures the edit-to-visible latency of every (edit, other member) pair by
//! change hash, the changes merged per second, and the server's CPU and memory from `/proc`.
//! Traffic goes only to loopback. Modes (`loadgen --help` has every flag):
//!
//! - `--url ws://127.0.0.1:PORT/sync [--server-pid PID]`: one run against a running server.
//! - `--compare`: starts `target/release/giamsat-server`, runs the load, stops it; then the
//!   reference JS server (`tests/reference-server`), the same load; prints the table of both
//!   with the ratios against the goals (p99 ≤ 1/3 of the reference, throughput ≥ 3×).
//! - `--scale`: 10,000 stored supervisions, a restart, 1,000 live clients; the server's RSS
//!   at each step.
//!
//! Each run prints one JSON line on stdout (and appends it to `--json-out FILE` if given) and
//! a readable summary on stderr. One tokio runtime with two workers, as the machine has two
//! cores. The pieces are the library beside this file (`tests/load/src/`).

use std::time::Duration;

use giamsat_load::args::{Args, Mode};
use giamsat_load::report::{self, RunReport};
use giamsat_load::{launch, replicas, scale, sim};

fn main() -> std::process::ExitCode {
    let args = match Args::parse(std::env::args()) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            let help = std::env::args().any(|a| a == "--help" || a == "-h");
            return if help {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::from(2)
            };
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the tokio runtime");
    let result = runtime.block_on(async {
        match args.mode {
            Mode::Run => single(&args).await,
            Mode::Compare => compare(&args).await,
            Mode::Scale => scale_mode(&args).await,
            Mode::Replicas => replicas::run(&args).await,
        }
    });
    // Member tasks still blocked on a socket must not hold the process open.
    runtime.shutdown_timeout(Duration::from_secs(5));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn single(args: &Args) -> Result<(), String> {
    let url = args.url.clone().expect("checked by Args::parse");
    let report = sim::run(&args.run_config(url, &args.label, args.server_pid)).await?;
    args.emit(&report.json())?;
    eprint!("{}", report.summary());
    check(&report)
}

/// A run whose members failed, or whose edits did not all arrive, is reported and then
/// counted as a failure (exit status 1), so a script notices.
fn check(r: &RunReport) -> Result<(), String> {
    if r.failed_members > 0 {
        return Err(format!(
            "[{}] {} member(s) failed",
            r.label, r.failed_members
        ));
    }
    if r.delivered < r.expected {
        return Err(format!(
            "[{}] {} of {} deliveries never arrived",
            r.label,
            r.expected - r.delivered,
            r.expected
        ));
    }
    Ok(())
}

async fn compare(args: &Args) -> Result<(), String> {
    let bin = args
        .server_bin
        .clone()
        .unwrap_or_else(launch::default_server_bin);
    let tmp = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;

    let ours = launch::start_ours(&bin, &tmp.path().join("ours")).await?;
    eprintln!(
        "[ours] {} started (pid {}) at {} in {:.2} s",
        bin.display(),
        ours.pid,
        ours.url,
        ours.startup.as_secs_f64()
    );
    let ours_report = sim::run(&args.run_config(ours.url.clone(), "ours", Some(ours.pid))).await;
    let ours_report =
        ours_report.inspect_err(|_| eprintln!("[ours] server log tail:\n{}", ours.log_tail()));
    if let Ok(r) = &ours_report {
        args.emit(&r.json())?;
        eprint!("{}", r.summary());
    }
    let stop_started = std::time::Instant::now();
    if let Err(e) = ours.stop().await {
        eprintln!("[ours] {e}");
    }
    eprintln!(
        "[ours] stopped in {:.1} s",
        stop_started.elapsed().as_secs_f64()
    );

    // Let the machine settle between the two.
    tokio::time::sleep(Duration::from_secs(5)).await;

    let reference = launch::start_reference(
        &args.node,
        &args.reference_dir,
        &tmp.path().join("reference"),
    )
    .await?;
    eprintln!(
        "[reference] node started (pid {}) at {} in {:.2} s",
        reference.pid,
        reference.url,
        reference.startup.as_secs_f64()
    );
    let ref_report =
        sim::run(&args.run_config(reference.url.clone(), "reference", Some(reference.pid))).await;
    let ref_report = ref_report
        .inspect_err(|_| eprintln!("[reference] server log tail:\n{}", reference.log_tail()));
    if let Ok(r) = &ref_report {
        args.emit(&r.json())?;
        eprint!("{}", r.summary());
    }
    let stop_started = std::time::Instant::now();
    if let Err(e) = reference.stop().await {
        eprintln!("[reference] {e}");
    }
    eprintln!(
        "[reference] stopped in {:.1} s",
        stop_started.elapsed().as_secs_f64()
    );
    // One side failing still lets the other run and report; the table needs both.
    let (ours_report, ref_report) = match (ours_report, ref_report) {
        (Ok(o), Ok(r)) => (o, r),
        (Err(e), _) => return Err(format!("ours: {e}")),
        (_, Err(e)) => return Err(format!("reference: {e}")),
    };

    let table = report::compare_table(&ours_report, &ref_report);
    eprintln!("\n{table}");
    args.emit(
        &serde_json::json!({
            "kind": "sync-load-comparison",
            // null when either side delivered nothing (its latency is unbounded, not zero).
            "p99_ratio": (ours_report.latency.count > 0 && ref_report.latency.count > 0)
                .then(|| report::round(ours_report.latency.p99_ms / ref_report.latency.p99_ms)),
            "throughput_ratio": report::round(ours_report.merged_per_s / ref_report.merged_per_s.max(f64::MIN_POSITIVE)),
        }),
    )?;
    check(&ours_report)?;
    // The reference failing under a load is a measurement (the table shows it), not a
    // failure of the run: only ours decides the exit status.
    if let Err(e) = check(&ref_report) {
        eprintln!("loadgen: {e} (the reference's result, reported above)");
    }
    Ok(())
}

async fn scale_mode(args: &Args) -> Result<(), String> {
    let cfg = scale::ScaleConfig {
        server_bin: args
            .server_bin
            .clone()
            .unwrap_or_else(launch::default_server_bin),
        docs: args.docs,
        live: args.live,
        create_limit: args.create_limit,
        setup_timeout: args.setup_timeout,
        connect_batch: args.connect_batch,
        rss_cap_mb: args.rss_cap_mb,
    };
    let report = scale::run(&cfg).await?;
    args.emit(&report)?;
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    Ok(())
}
