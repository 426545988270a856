//! `target/bench-results/SUMMARY.md`, written at the end of `cargo xtask bench`: when (UTC)
//! and where it ran (commit, machine, toolchain), then, per step, the command, the wall time,
//! ok or FAILED and every Markdown table it printed (its last lines when it printed none),
//! and the fuzz targets' table.

use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::bench::Ran;
use crate::{fuzz, sh};

/// Lines kept from a step that prints no table.
const TAIL: usize = 30;

pub fn render(
    started: SystemTime,
    load_at_start: String,
    ended: SystemTime,
    skipped: &[String],
    steps: &[Ran],
    fuzzed: &[fuzz::Run],
) -> String {
    let mut s = String::from("# cargo xtask bench\n\n");
    let _ = writeln!(s, "- run: {} → {}", utc(started), utc(ended));
    let _ = writeln!(s, "- commit: {}", commit());
    let _ = writeln!(
        s,
        "- load average at the start (1, 5, 15 min): {load_at_start}"
    );
    for (k, v) in machine() {
        let _ = writeln!(s, "- {k}: {v}");
    }
    for var in [
        "GIAMSAT_BENCH_ONLY",
        "GIAMSAT_FUZZ_RUNS",
        "GIAMSAT_FUZZ_JOBS",
        "CARGO_TARGET_DIR",
    ] {
        if let Ok(v) = std::env::var(var) {
            let _ = writeln!(s, "- {var}={v}");
        }
    }
    if !skipped.is_empty() {
        let _ = writeln!(s, "- not run: {}", skipped.join(", "));
    }
    for r in steps {
        let _ = write!(s, "\n## {}\n\n{}", r.name, about(r));
        let tables = tables(&r.text);
        if tables.is_empty() || !r.ok {
            let _ = write!(s, "\n```text\n{}\n```\n", tail(&r.text, TAIL));
        }
        for t in tables {
            let _ = write!(s, "\n{t}");
        }
    }
    if !fuzzed.is_empty() {
        let _ = write!(s, "\n## fuzz\n\n{}", fuzz::table(fuzzed));
        for f in fuzzed {
            let _ = write!(s, "\n### {}\n\n{}", f.ran.name, about(&f.ran));
            if !f.ran.ok {
                let _ = write!(s, "\n```text\n{}\n```\n", tail(&f.ran.text, TAIL));
            }
        }
    }
    s
}

/// A step's command, time, outcome and output file, as a list.
fn about(r: &Ran) -> String {
    let outcome = if r.ok {
        "ok".to_owned()
    } else {
        format!("**FAILED** ({})", r.status)
    };
    format!(
        "- command: `{}`\n- wall time: {:.1} s\n- result: {outcome}\n- output: {}\n",
        r.command,
        r.secs,
        r.output.display()
    )
}

/// Every run of consecutive lines starting with `|`, each ending in a newline, with its
/// caption: the line just above (a blank line between allowed) when it ends in `:`.
fn tables(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut out: Vec<String> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line.starts_with('|') {
            continue;
        }
        let starts = i == 0 || !lines[i - 1].starts_with('|');
        if starts {
            let above = lines[..i].iter().rev().take(2).find(|l| !l.is_empty());
            let caption = above.filter(|l| l.ends_with(':') && !l.starts_with('|'));
            out.push(caption.map_or_else(String::new, |c| format!("{c}\n\n")));
        }
        if let Some(t) = out.last_mut() {
            t.push_str(line);
            t.push('\n');
        }
    }
    out
}

/// The last `n` lines; when the output ends in a pretty-printed JSON object (loadgen
/// `--scale`'s report), all of it and the 10 lines above it.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let mut from = lines.len().saturating_sub(n);
    let open = lines.iter().rposition(|l| *l == "{");
    if let (Some(open), Some(&"}")) = (open, lines.last()) {
        from = from.min(open.saturating_sub(10));
    }
    lines[from..].join("\n")
}

/// `git rev-parse HEAD`, and "dirty" when the working tree has changes.
fn commit() -> String {
    let root = sh::root();
    let root = root.to_string_lossy();
    let head = sh::output("git", &["-C", &root, "rev-parse", "HEAD"]);
    let status = sh::output("git", &["-C", &root, "status", "--porcelain"]);
    let dirty = status.is_some_and(|s| !s.trim().is_empty());
    match head {
        Some(h) => format!("{}{}", h.trim(), if dirty { " (dirty)" } else { "" }),
        None => "unknown (git rev-parse HEAD failed)".into(),
    }
}

/// The machine: cores, CPU, memory, load and toolchain.
fn machine() -> Vec<(&'static str, String)> {
    let out = |p: &str, a: &[&str]| {
        sh::output(p, a).map_or_else(|| format!("({p} failed)"), |s| s.trim().to_owned())
    };
    let proc_field = |file: &str, key: &str| {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let line = text.lines().find(|l| l.starts_with(key));
        line.and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown".into(), |(_, v)| v.trim().to_owned())
    };
    vec![
        ("cores (nproc)", out("nproc", &[])),
        ("CPU", proc_field("/proc/cpuinfo", "model name")),
        (
            "memory (MemTotal)",
            memory(&proc_field("/proc/meminfo", "MemTotal")),
        ),
        ("load average at the end (1, 5, 15 min)", load_average()),
        ("rustc", out("rustc", &["--version"])),
        ("node", out("node", &["--version"])),
    ]
}

/// `24684084 kB` → `24684084 kB (23.5 GiB)`.
fn memory(total: &str) -> String {
    let kb = total
        .strip_suffix(" kB")
        .and_then(|n| n.parse::<f64>().ok());
    kb.map_or_else(
        || total.to_owned(),
        |kb| format!("{total} ({:.1} GiB)", kb / 1024.0 / 1024.0),
    )
}

/// `/proc/loadavg`'s 1, 5 and 15 minute figures.
pub fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    load.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A time as `YYYY-MM-DD hh:mm:ss UTC` (days to a civil date: Howard Hinnant's algorithm).
pub fn utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rem / 3_600, rem / 60 % 60, rem % 60);
    format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02} UTC")
}
