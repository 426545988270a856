//! A process's CPU time and resident memory, read from `/proc` (Linux).
//!
//! CPU: fields 14 and 15 of `/proc/PID/stat` (utime + stime, in clock ticks), so CPU seconds
//! between two readings divided by the wall time between them is the CPU share (100 % = one
//! core). Memory: `VmRSS` (now) and `VmHWM` (the peak since the process started) from
//! `/proc/PID/status`. A [`Sampler`] reads every 500 ms and keeps the highest RSS it saw.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One reading.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    pub at: Instant,
    /// utime + stime, in seconds.
    pub cpu_s: f64,
    pub rss_kb: u64,
    /// The process's peak RSS since it started.
    pub hwm_kb: u64,
    /// Its threads now.
    pub threads: u64,
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux if that fails).
fn ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .filter(|t| *t > 0.0)
            .unwrap_or(100.0)
    })
}

/// Read `pid` now (`None` if it is gone). `pid` 0 means this process.
pub fn read(pid: u32) -> Option<Reading> {
    let dir = if pid == 0 {
        "/proc/self".to_owned()
    } else {
        format!("/proc/{pid}")
    };
    let stat = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count fields after its closing ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state), so utime (14) and stime (15) are at 11 and 12.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("{dir}/status")).ok()?;
    let kb = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Some(Reading {
        at: Instant::now(),
        cpu_s: (utime + stime) as f64 / ticks_per_second(),
        rss_kb: kb("VmRSS:"),
        hwm_kb: kb("VmHWM:"),
        threads: kb("Threads:"),
    })
}

/// `pids` read together: CPU and memory summed (`None` if any is gone).
pub fn read_all(pids: &[u32]) -> Option<Reading> {
    let mut sum: Option<Reading> = None;
    for pid in pids {
        let r = read(*pid)?;
        sum = Some(match sum {
            None => r,
            Some(s) => Reading {
                at: r.at,
                cpu_s: s.cpu_s + r.cpu_s,
                rss_kb: s.rss_kb + r.rss_kb,
                hwm_kb: s.hwm_kb + r.hwm_kb,
                threads: s.threads + r.threads,
            },
        });
    }
    sum
}

/// The processes of the PostgreSQL cluster whose postmaster is `postmaster`: it and its
/// children now (the servers' connections are long-lived, so the backends that do the
/// work are all here during a run).
pub fn postgres_processes(postmaster: u32) -> Vec<u32> {
    let mut pids = vec![postmaster];
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return pids;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let parent = stat
            .rfind(')')
            .and_then(|i| stat[i + 2..].split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if parent == Some(postmaster) {
            pids.push(pid);
        }
    }
    pids
}

/// Reads a process every 500 ms in the background and keeps the highest RSS seen.
pub struct Sampler {
    pub pid: u32,
    peak_rss_kb: Arc<Mutex<u64>>,
    task: tokio::task::JoinHandle<()>,
}

impl Sampler {
    pub fn start(pid: u32) -> Sampler {
        let peak = Arc::new(Mutex::new(0u64));
        let p = peak.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            loop {
                tick.tick().await;
                let Some(r) = read(pid) else { return };
                let mut g = p.lock().expect("peak");
                *g = (*g).max(r.rss_kb);
            }
        });
        Sampler {
            pid,
            peak_rss_kb: peak,
            task,
        }
    }

    /// The highest RSS sampled since the last reset, and reset it to the current RSS.
    pub fn take_peak(&self) -> u64 {
        let now = read(self.pid).map(|r| r.rss_kb).unwrap_or(0);
        let mut g = self.peak_rss_kb.lock().expect("peak");
        let peak = (*g).max(now);
        *g = now;
        peak
    }

    pub fn read(&self) -> Option<Reading> {
        read(self.pid)
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// CPU use between two readings: (CPU seconds, percent of one core).
pub fn cpu_between(a: &Reading, b: &Reading) -> (f64, f64) {
    let cpu = (b.cpu_s - a.cpu_s).max(0.0);
    let wall = b.at.duration_since(a.at).as_secs_f64();
    (cpu, if wall > 0.0 { 100.0 * cpu / wall } else { 0.0 })
}
