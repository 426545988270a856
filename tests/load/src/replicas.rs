//! `loadgen --replicas` (issue 16): the same load against our server three ways, one after
//! the other on this machine:
//!
//! 1. one server on SQLite (the default deployment);
//! 2. one replica on PostgreSQL;
//! 3. two replicas on one PostgreSQL database, each member connecting to one of them in
//!    turn (as a load balancer spreads them), so a delegation's members sit on both.
//!
//! PostgreSQL is a throwaway cluster from Debian's package on loopback
//! (`giamsat_tests::postgres`), `fsync` on: a change is confirmed once committed there.
//! The server CPU of runs 2 and 3 counts the replicas *and* PostgreSQL's processes over the
//! load window; each is also reported apart. The table gives what issue 16 asks: throughput,
//! p99, CPU per 1,000 merged changes, two replicas against one, and the CPU a replica spends
//! on each change it did not receive itself.

use std::time::Duration;

use giamsat_tests::postgres::Postgres;

use crate::args::Args;
use crate::launch;
use crate::procstat;
use crate::report::RunReport;
use crate::sim;

/// One configuration's result.
struct Row {
    name: &'static str,
    report: RunReport,
}

pub async fn run(args: &Args) -> Result<(), String> {
    let bin = args
        .server_bin
        .clone()
        .unwrap_or_else(launch::default_server_bin);
    let tmp = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let mut rows = Vec::new();

    // 1. SQLite.
    let one = launch::start_ours(&bin, &tmp.path().join("sqlite")).await?;
    let mut cfg = args.run_config(one.url.clone(), "ours", Some(one.pid));
    cfg.cpu_groups = vec![("server".into(), vec![one.pid])];
    rows.push(measure(args, "one server, SQLite", "sqlite", cfg).await?);
    one.stop().await?;
    settle().await;

    let pg = tokio::task::spawn_blocking(Postgres::start)
        .await
        .map_err(|e| format!("starting PostgreSQL: {e}"))??;
    let postmaster = pg.postmaster_pid().ok_or("PostgreSQL's postmaster.pid")?;

    // 2. One replica on PostgreSQL.
    let url = pg.database("one")?;
    let a = launch::start_ours_on(&bin, &tmp.path().join("pg1"), Some(&url), true).await?;
    let pg_pids = procstat::postgres_processes(postmaster);
    let mut cfg = args.run_config(a.url.clone(), "ours", Some(a.pid));
    cfg.also_pids = pg_pids.clone();
    cfg.cpu_groups = vec![
        ("replica A".into(), vec![a.pid]),
        ("PostgreSQL".into(), pg_pids),
    ];
    rows.push(measure(args, "one replica, PostgreSQL", "pg-1", cfg).await?);
    a.stop().await?;
    settle().await;

    // 3. Two replicas on one PostgreSQL database.
    let url = pg.database("two")?;
    let a = launch::start_ours_on(&bin, &tmp.path().join("pg2a"), Some(&url), true).await?;
    let b = launch::start_ours_on(&bin, &tmp.path().join("pg2b"), Some(&url), false).await?;
    let pg_pids = procstat::postgres_processes(postmaster);
    let mut cfg = args.run_config(a.url.clone(), "ours", Some(a.pid));
    cfg.replicas = vec![b.url.clone()];
    cfg.also_pids = std::iter::once(b.pid).chain(pg_pids.clone()).collect();
    cfg.cpu_groups = vec![
        ("replica A".into(), vec![a.pid]),
        ("replica B".into(), vec![b.pid]),
        ("PostgreSQL".into(), pg_pids),
    ];
    rows.push(measure(args, "two replicas, PostgreSQL", "pg-2", cfg).await?);
    a.stop().await?;
    b.stop().await?;
    drop(pg);

    eprintln!("{}", table(&rows));
    Ok(())
}

/// One run; `label` names it in peer ids and the JSON line (letters, digits, `-`).
async fn measure(
    args: &Args,
    name: &'static str,
    label: &str,
    mut cfg: sim::RunConfig,
) -> Result<Row, String> {
    cfg.label = label.into();
    eprintln!(
        "[{name}] {} members in {} delegations",
        cfg.clients, cfg.delegations
    );
    let report = sim::run(&cfg).await?;
    args.emit(&report.json())?;
    eprint!("{}", report.summary());
    Ok(Row { name, report })
}

/// Let the machine settle between two runs.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(5)).await;
}

fn cpu(r: &RunReport) -> f64 {
    r.server.as_ref().map_or(f64::NAN, |u| u.cpu_s)
}

fn group(r: &RunReport, name: &str) -> f64 {
    r.cpu_groups
        .iter()
        .find(|(n, _)| n == name)
        .map_or(0.0, |(_, c)| *c)
}

/// CPU seconds of the servers alone (not the database) in the load window.
fn replicas(r: &RunReport) -> f64 {
    group(r, "server") + group(r, "replica A") + group(r, "replica B")
}

/// The comparison, as BENCHMARKS.md shows it.
fn table(rows: &[Row]) -> String {
    let mut s = String::from("\n| | ");
    s += &rows.iter().map(|r| r.name).collect::<Vec<_>>().join(" | ");
    s += " |\n|---|";
    s += &"---:|".repeat(rows.len());
    s += "\n";
    let line = |label: &str, f: &dyn Fn(&RunReport) -> String| {
        let cells: Vec<String> = rows.iter().map(|r| f(&r.report)).collect();
        format!("| {label} | {} |\n", cells.join(" | "))
    };
    s += &line("merged changes/s in the window", &|r| {
        format!("{:.0}", r.merged_per_s)
    });
    s += &line("delivered (edit, other member) pairs", &|r| {
        format!("{} of {}", r.delivered, r.expected)
    });
    s += &line("edit → visible p99", &|r| {
        format!("{:.1} ms", r.latency.p99_ms)
    });
    s += &line("CPU in the window (servers + PostgreSQL)", &|r| {
        format!("{:.1} s", cpu(r))
    });
    s += &line("… replicas / PostgreSQL", &|r| {
        format!("{:.1} s / {:.1} s", replicas(r), group(r, "PostgreSQL"))
    });
    s += &line("CPU per 1,000 merged changes", &|r| {
        format!(
            "{:.3} s",
            1000.0 * cpu(r) / r.merged_in_window.max(1) as f64
        )
    });
    if let [_, one, two] = rows {
        let (one, two) = (&one.report, &two.report);
        s += &format!(
            "\ntwo replicas carry {:.2}× what one carries (merged changes/s; goal ≥ 0.8 on the same cores)\n",
            two.merged_per_s / one.merged_per_s.max(f64::MIN_POSITIVE)
        );
        // Every edit made on one replica is a change the other receives from the database
        // and merges: with members spread evenly, each replica gets about half the edits
        // that way. The replicas' CPU per edit beyond one replica's is what those cost.
        let per_edit_one = replicas(one) / one.edits.max(1) as f64;
        let per_edit_two = replicas(two) / two.edits.max(1) as f64;
        s += &format!(
            "a replica's CPU per change it did not receive itself: {:.2} ms (replicas' CPU per edit {:.2} ms with two, {:.2} ms with one; each edit reaches exactly one other replica)\n",
            1000.0 * (per_edit_two - per_edit_one),
            1000.0 * per_edit_two,
            1000.0 * per_edit_one
        );
    }
    s
}
