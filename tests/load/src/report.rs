//! What a run measured, as one JSON line (for scripts) and as a short summary (for people),
//! and the side-by-side table of two runs with the ratios against the goals.

use serde_json::{Value, json};

/// Latency percentiles, in milliseconds (nearest-rank on the sorted samples).
#[derive(Debug, Clone, Default)]
pub struct Percentiles {
    pub count: usize,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Percentiles {
    /// From samples in microseconds (sorted in place).
    pub fn of(us: &mut [u32]) -> Percentiles {
        if us.is_empty() {
            return Percentiles::default();
        }
        us.sort_unstable();
        let at = |q: f64| {
            let rank = ((q * us.len() as f64).ceil() as usize).clamp(1, us.len());
            us[rank - 1] as f64 / 1000.0
        };
        let sum: u64 = us.iter().map(|&u| u as u64).sum();
        Percentiles {
            count: us.len(),
            mean_ms: sum as f64 / us.len() as f64 / 1000.0,
            p50_ms: at(0.50),
            p90_ms: at(0.90),
            p99_ms: at(0.99),
            p999_ms: at(0.999),
            max_ms: *us.last().expect("non-empty") as f64 / 1000.0,
        }
    }

    fn json(&self) -> Value {
        json!({
            "count": self.count,
            "mean": round(self.mean_ms),
            "p50": round(self.p50_ms),
            "p90": round(self.p90_ms),
            "p99": round(self.p99_ms),
            "p999": round(self.p999_ms),
            "max": round(self.max_ms),
        })
    }
}

/// A process's resource use over the load window.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    /// CPU seconds (user + system) during the load window.
    pub cpu_s: f64,
    /// The same as a share of one core (200 % = both cores of this machine).
    pub cpu_pct: f64,
    /// Highest RSS sampled (every 500 ms) during the load window.
    pub peak_rss_kb: u64,
    /// Highest RSS sampled while setting up (connecting, handing out documents).
    pub setup_peak_rss_kb: u64,
    /// VmHWM at the end: the process's peak RSS over its whole life.
    pub hwm_kb: u64,
    /// RSS at the end of the load window.
    pub rss_kb: u64,
}

impl Usage {
    fn json(&self) -> Value {
        json!({
            "cpu_s": round(self.cpu_s),
            "cpu_pct": round(self.cpu_pct),
            "peak_rss_mb": mb(self.peak_rss_kb),
            "setup_peak_rss_mb": mb(self.setup_peak_rss_kb),
            "vm_hwm_mb": mb(self.hwm_kb),
            "rss_end_mb": mb(self.rss_kb),
        })
    }
}

/// Everything one load run measured.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub label: String,
    pub url: String,
    pub clients: usize,
    pub delegations: usize,
    /// The load window, in seconds (edits happen only inside it).
    pub duration_s: f64,
    pub edit_interval_ms: u64,
    /// From the first connection until every member held its document.
    pub setup_s: f64,
    /// How long the last edits took to arrive after the window (bounded by --drain-secs).
    pub drain_s: f64,
    /// Distinct edits (one change each) made during the window.
    pub edits: u64,
    pub edits_per_s: f64,
    /// Changes from others merged into members' replicas during the window, all members.
    pub merged_in_window: u64,
    pub merged_per_s: f64,
    /// Same, window and drain.
    pub merged_total: u64,
    /// (edit, other member of the delegation) pairs: every one should arrive.
    pub expected: u64,
    pub delivered: u64,
    pub delivered_in_window: u64,
    pub undelivered: u64,
    /// Edits a fresh client could not get from the server after the run; checked only when
    /// some deliveries were missing (`None` otherwise, or when the check could not connect):
    /// 0 means the server had them all and failed to pass them on.
    pub missing_on_server: Option<u64>,
    /// Members left missing edits whose link's last frame was theirs (waiting on the server)…
    pub stalled_on_server: usize,
    /// …or the server's (the server waiting on them).
    pub stalled_on_member: usize,
    pub latency: Percentiles,
    pub frames_in: u64,
    pub frames_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub server: Option<Usage>,
    pub loadgen: Option<Usage>,
    pub failed_members: usize,
    /// Times a member's link dropped or it was told "busy", and it connected again.
    pub busy_reconnects: usize,
    pub failures: Vec<String>,
    pub load_avg_before: String,
    /// `/health` and sign-in latency during the load window (our server only).
    pub probe: Option<super::probe::ProbeReport>,
    /// CPU seconds in the load window of each named group of processes (replicas, the
    /// database), when asked for.
    pub cpu_groups: Vec<(String, f64)>,
}

impl RunReport {
    pub fn json(&self) -> Value {
        json!({
            "kind": "sync-load",
            "label": self.label,
            "url": self.url,
            "clients": self.clients,
            "delegations": self.delegations,
            "duration_s": round(self.duration_s),
            "edit_interval_ms": self.edit_interval_ms,
            "setup_s": round(self.setup_s),
            "drain_s": round(self.drain_s),
            "edits": self.edits,
            "edits_per_s": round(self.edits_per_s),
            "merged_changes_in_window": self.merged_in_window,
            "merged_changes_per_s": round(self.merged_per_s),
            "merged_changes_total": self.merged_total,
            "deliveries_expected": self.expected,
            "deliveries": self.delivered,
            "deliveries_in_window": self.delivered_in_window,
            "undelivered": self.undelivered,
            "missing_on_server": self.missing_on_server,
            "stalled_members_last_frame_theirs": self.stalled_on_server,
            "stalled_members_last_frame_servers": self.stalled_on_member,
            "latency_ms": self.latency.json(),
            "frames_in": self.frames_in,
            "frames_out": self.frames_out,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "server": self.server.as_ref().map(Usage::json),
            "loadgen": self.loadgen.as_ref().map(Usage::json),
            "failed_members": self.failed_members,
            "busy_reconnects": self.busy_reconnects,
            "failures": self.failures,
            "load_avg_before": self.load_avg_before,
            "cpu_groups_s": self.cpu_groups.iter().map(|(n, c)| json!({ "name": n, "cpu_s": round(*c) })).collect::<Vec<_>>(),
            "probe": self.probe.as_ref().map(|p| json!({
                "health_ms": p.health.json(),
                "sign_in_ms": p.sign_in.json(),
                "failures": p.failures,
            })),
        })
    }

    pub fn summary(&self) -> String {
        let l = &self.latency;
        let mut s = format!(
            "── {} ({}) ──\n\
             {} members in {} delegations, {:.0} s of load, one edit per {} ms per member on average; setup {:.1} s\n\
             edits sent:     {} ({:.1}/s)\n\
             merged changes: {} in the window ({:.1}/s), {} with the drain ({:.1} s)\n\
             delivered:      {} of {} (edit, other member) pairs{}\n\
             edit→visible:   p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, p99.9 {:.1} ms, max {:.1} ms ({} samples)\n\
             traffic:        {} frames / {:.1} MB in, {} frames / {:.1} MB out (client side)\n",
            self.label,
            self.url,
            self.clients,
            self.delegations,
            self.duration_s,
            self.edit_interval_ms,
            self.setup_s,
            self.edits,
            self.edits_per_s,
            self.merged_in_window,
            self.merged_per_s,
            self.merged_total,
            self.drain_s,
            self.delivered,
            self.expected,
            if self.undelivered > 0 {
                format!(
                    " — {} never arrived; {}; of the members left behind, {} sent the last frame on \
                     their link, {} received it",
                    self.undelivered,
                    match self.missing_on_server {
                        Some(m) => format!("a fresh client found {m} edits missing on the server"),
                        None => "the server's copy could not be checked".to_owned(),
                    },
                    self.stalled_on_server,
                    self.stalled_on_member
                )
            } else {
                String::new()
            },
            l.p50_ms,
            l.p90_ms,
            l.p99_ms,
            l.p999_ms,
            l.max_ms,
            l.count,
            self.frames_in,
            self.bytes_in as f64 / 1e6,
            self.frames_out,
            self.bytes_out as f64 / 1e6,
        );
        if let Some(u) = &self.server {
            s += &format!(
                "server:         CPU {:.1} s = {:.0} % of one core; RSS peak {:.1} MB in the window ({:.1} MB in setup), VmHWM {:.1} MB\n",
                u.cpu_s,
                u.cpu_pct,
                mb(u.peak_rss_kb),
                mb(u.setup_peak_rss_kb),
                mb(u.hwm_kb)
            );
        }
        if let Some(u) = &self.loadgen {
            s += &format!(
                "loadgen itself: CPU {:.0} % of one core, VmHWM {:.1} MB\n",
                u.cpu_pct,
                mb(u.hwm_kb)
            );
        }
        if let Some(p) = &self.probe {
            s += &format!(
                "under the load: /health p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({}); sign-in p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({}); {} failed\n",
                p.health.p50_ms,
                p.health.p99_ms,
                p.health.max_ms,
                p.health.count,
                p.sign_in.p50_ms,
                p.sign_in.p99_ms,
                p.sign_in.max_ms,
                p.sign_in.count,
                p.failures
            );
        }
        if self.busy_reconnects > 0 {
            s += &format!(
                "members reconnected (told \"busy\", or the link dropped; as the app does): {} times\n",
                self.busy_reconnects
            );
        }
        if self.failed_members > 0 {
            s += &format!(
                "FAILED members: {} — {}\n",
                self.failed_members,
                self.failures.join("; ")
            );
        }
        s += &format!("load average before the run: {}\n", self.load_avg_before);
        s
    }
}

/// The side-by-side table (Markdown), with ratios ours / reference and the goals.
pub fn compare_table(ours: &RunReport, reference: &RunReport) -> String {
    let mut rows: Vec<Row> = Vec::new();
    let (lo, lr) = (&ours.latency, &reference.latency);
    // With no edit delivered at all, a latency is unknown (unbounded), not zero.
    let p99_met = lo.count > 0 && (lr.count == 0 || lo.p99_ms <= lr.p99_ms / 3.0);
    for (what, o, r, goal) in [
        ("edit→visible p50", lo.p50_ms, lr.p50_ms, None),
        ("edit→visible p90", lo.p90_ms, lr.p90_ms, None),
        (
            "edit→visible p99",
            lo.p99_ms,
            lr.p99_ms,
            Some(("≤ 0.33", p99_met)),
        ),
        ("edit→visible max", lo.max_ms, lr.max_ms, None),
    ] {
        if lo.count > 0 && lr.count > 0 {
            row(&mut rows, what, o, r, "ms", goal);
        } else {
            let show = |count: usize, v: f64| {
                if count > 0 {
                    format!("{} ms", fmt(v))
                } else {
                    "none arrived".to_owned()
                }
            };
            let goal = goal
                .map(|(g, met)| format!("{g}: {}", if met { "met" } else { "NOT met" }))
                .unwrap_or_default();
            rows.push((
                what.to_owned(),
                show(lo.count, o),
                show(lr.count, r),
                "–".into(),
                goal,
            ));
        }
    }
    row(
        &mut rows,
        "edits sent",
        ours.edits_per_s,
        reference.edits_per_s,
        "/s",
        None,
    );
    let tp_ratio = if reference.merged_per_s > 0.0 {
        ours.merged_per_s / reference.merged_per_s
    } else {
        f64::INFINITY
    };
    row(
        &mut rows,
        "merged changes (all receivers)",
        ours.merged_per_s,
        reference.merged_per_s,
        "/s",
        Some(("≥ 3", tp_ratio >= 3.0)),
    );
    let share = |r: &RunReport| {
        if r.expected > 0 {
            100.0 * r.delivered as f64 / r.expected as f64
        } else {
            0.0
        }
    };
    let in_window = |r: &RunReport| {
        if r.expected > 0 {
            100.0 * r.delivered_in_window as f64 / r.expected as f64
        } else {
            0.0
        }
    };
    row(
        &mut rows,
        "delivered by the window's end",
        in_window(ours),
        in_window(reference),
        "%",
        None,
    );
    row(
        &mut rows,
        "delivered after the drain",
        share(ours),
        share(reference),
        "%",
        None,
    );
    if let (Some(so), Some(sr)) = (&ours.server, &reference.server) {
        row(
            &mut rows,
            "server CPU (load window)",
            so.cpu_pct,
            sr.cpu_pct,
            "% of a core",
            None,
        );
        let per_k = |u: &Usage, r: &RunReport| {
            if r.merged_in_window > 0 {
                1000.0 * u.cpu_s / r.merged_in_window as f64
            } else {
                0.0
            }
        };
        row(
            &mut rows,
            "server CPU per 1,000 merged changes",
            per_k(so, ours),
            per_k(sr, reference),
            "s",
            None,
        );
        row(
            &mut rows,
            "server peak RSS (load window)",
            mb(so.peak_rss_kb),
            mb(sr.peak_rss_kb),
            "MB",
            None,
        );
        row(
            &mut rows,
            "server VmHWM (whole run)",
            mb(so.hwm_kb),
            mb(sr.hwm_kb),
            "MB",
            None,
        );
    }
    if let (Some(go), Some(gr)) = (&ours.loadgen, &reference.loadgen) {
        row(
            &mut rows,
            "loadgen CPU (same machine)",
            go.cpu_pct,
            gr.cpu_pct,
            "% of a core",
            None,
        );
    }
    row(
        &mut rows,
        "setup (connect, hand out documents)",
        ours.setup_s,
        reference.setup_s,
        "s",
        None,
    );
    let mut t =
        String::from("| | ours | reference | ours / ref | goal |\n|---|---:|---:|---:|---|\n");
    for (a, b, c, d, e) in rows {
        t += &format!("| {a} | {b} | {c} | {d} | {e} |\n");
    }
    t
}

type Row = (String, String, String, String, String);

fn row(rows: &mut Vec<Row>, what: &str, o: f64, r: f64, unit: &str, goal: Option<(&str, bool)>) {
    let ratio = if r != 0.0 {
        format!("{:.2}", o / r)
    } else {
        "–".into()
    };
    let goal = match goal {
        Some((g, met)) => format!("{g}: {}", if met { "met" } else { "NOT met" }),
        None => String::new(),
    };
    rows.push((
        what.to_owned(),
        format!("{} {unit}", fmt(o)),
        format!("{} {unit}", fmt(r)),
        ratio,
        goal,
    ));
}

fn fmt(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

pub fn mb(kb: u64) -> f64 {
    (kb as f64 / 1024.0 * 10.0).round() / 10.0
}

pub fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
