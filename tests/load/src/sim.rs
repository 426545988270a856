//! One load run: delegations of simulated members, each shared's sans-IO [`SyncClient`] over
//! its own real WebSocket (tokio-tungstenite), one tokio task per member.
//!
//! Setup: per delegation, the first member creates one supervision (set-up, a unit, four
//! findings, four conclusion paragraphs) with shared's operations and inserts it; once the
//! server has confirmed all of them, the other members connect in batches and `want` their
//! delegation's document (asking again after `doc-unavailable`). The run fails with a clear
//! message if every member does not hold its document within the setup bound.
//!
//! Load: every member types in bursts (see [`Typist`]) through `shared::field::splice` into
//! a finding's text or a conclusion paragraph, and now and then adds a finding with
//! `shared::finding::add`. Each edit is one Automerge change, so after a local commit the
//! document's single head is that change's hash: the author logs (hash, time of the edit) in
//! its delegation's log before the frames leave. A receiver, after each frame that changed
//! its replica, checks which logged hashes it now holds (`get_missing_deps`, a hash lookup,
//! no scan of text or changes) and records now − edit time: the exact edit-to-visible
//! latency, for every (edit, other member) pair.
//!
//! Then the edits stop, the run waits (bounded) for the last ones to arrive, and every member
//! closes. Deliveries still missing at the end are counted, never silently dropped.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::{Automerge, ChangeHash, ReadDoc};
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use shared::conclusion::{self, Section};
use shared::field::{self, RecordKind, TextField};
use shared::finding::{self, FindingKind};
use shared::supervision::{self, Setup, Stamp};
use shared::sync::{Event, Output, SyncClient};
use shared::text::Splice;
use shared::{DocumentId, RecordId, unit};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::Rng;
use super::procstat::{self, Sampler};
use super::report::{Percentiles, RunReport, Usage};

/// What one run does.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub url: String,
    pub label: String,
    pub clients: usize,
    pub delegations: usize,
    pub duration: Duration,
    pub edit_interval_ms: u64,
    pub setup_timeout: Duration,
    pub drain: Duration,
    pub connect_batch: usize,
    pub server_pid: Option<u32>,
    /// Our server needs accounts: the server's address for the API (made per run, before the
    /// clock starts). `None` for the reference server, which has none.
    pub accounts_at: Option<String>,
    /// Whether the probe also signs in (see `--no-sign-in-probe`).
    pub sign_in_probe: bool,
    /// Further replicas of the same server (several replicas on one database): member `n`
    /// connects to `[url, replicas…][n % count]`, as a load balancer spreads them.
    pub replicas: Vec<String>,
    /// Processes whose CPU is counted with the server's over the load window (the other
    /// replicas, the database), and named groups reported apart.
    pub also_pids: Vec<u32>,
    pub cpu_groups: Vec<(String, Vec<u32>)>,
}

impl RunConfig {
    /// The replica member `cid` connects to.
    fn member_url(&self, cid: u32) -> String {
        let n = 1 + self.replicas.len();
        match cid as usize % n {
            0 => self.url.clone(),
            i => self.replicas[i - 1].clone(),
        }
    }

    /// Every process counted as the server's.
    fn server_pids(&self) -> Option<Vec<u32>> {
        let main = self.server_pid?;
        Some(
            std::iter::once(main)
                .chain(self.also_pids.iter().copied())
                .collect(),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Setup,
    Load,
    Drain,
    Stop,
}

/// One edit as its author logged it.
struct Sent {
    hash: ChangeHash,
    at: Instant,
    author: u32,
}

/// One delegation: its document and the log of its members' edits.
struct Delegation {
    id: DocumentId,
    members: usize,
    /// The creator's heads once the document was made: a member holds the document when it
    /// holds these.
    initial: Vec<ChangeHash>,
    unit: RecordId,
    findings: Vec<RecordId>,
    paragraphs: Vec<RecordId>,
    log: Mutex<Vec<Sent>>,
}

/// What every member task shares.
struct Global {
    delegations: Vec<Delegation>,
    phase: watch::Sender<Phase>,
    connected: AtomicUsize,
    held: AtomicUsize,
    edits: AtomicU64,
    expected: AtomicU64,
    delivered: AtomicU64,
    /// Members that have seen the drain begin: none of them edits again, so once all have,
    /// `expected` is final (an edit can fire just as the load window closes).
    stopped_editing: AtomicUsize,
    failures: Mutex<Vec<String>>,
    failed: AtomicUsize,
    /// Times a member's link dropped or it was told "busy", and it connected again (as the
    /// app does).
    reconnects: AtomicUsize,
    label: String,
    edit_interval_ms: u64,
}

impl Global {
    fn fail(&self, what: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut f = self.failures.lock().expect("failures");
        if f.len() < 10 {
            f.push(what);
        }
    }
}

/// What one member measured.
#[derive(Debug, Default)]
struct MemberResult {
    latencies_us: Vec<u32>,
    /// Changes from others applied to this replica during the load window.
    applied_in_load: u64,
    /// Same, over load and drain.
    applied_total: u64,
    frames_in: u64,
    frames_out: u64,
    bytes_in: u64,
    bytes_out: u64,
    /// Others' edits this member never received.
    undelivered: u64,
    /// For a member left missing edits: whether the last frame on its link was its own
    /// (it waits for the server) rather than the server's (the server waits for it).
    stalled_waiting_for_server: Option<bool>,
    last_was_ours: bool,
}

/// Run the load against `cfg.url` and measure it.
pub async fn run(cfg: &RunConfig) -> Result<RunReport, String> {
    let load_avg = std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let sampler = cfg.server_pid.map(Sampler::start);
    let started = Instant::now();
    let mut rng = Rng::from_os();

    // The documents, made by each delegation's first member.
    let base = cfg.clients / cfg.delegations;
    let extra = cfg.clients % cfg.delegations;
    let mut delegations = Vec::new();
    let mut creator_docs = Vec::new();
    for d in 0..cfg.delegations {
        let members = base + usize::from(d < extra);
        let (doc, unit, findings, paragraphs) = create_document(d, &creator_name(d))
            .map_err(|e| format!("creating a document: {e}"))?;
        delegations.push(Delegation {
            id: DocumentId::from_bytes(giamsat_tests::random()),
            members,
            initial: doc.get_heads(),
            unit,
            findings,
            paragraphs,
            log: Mutex::new(Vec::new()),
        });
        creator_docs.push(doc);
    }
    let (phase, _) = watch::channel(Phase::Setup);
    let g = Arc::new(Global {
        delegations,
        phase,
        connected: AtomicUsize::new(0),
        held: AtomicUsize::new(0),
        edits: AtomicU64::new(0),
        expected: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        stopped_editing: AtomicUsize::new(0),
        failures: Mutex::new(Vec::new()),
        failed: AtomicUsize::new(0),
        reconnects: AtomicUsize::new(0),
        label: cfg.label.clone(),
        edit_interval_ms: cfg.edit_interval_ms,
    });
    // Accounts (ours only): made and registered before the setup clock matters.
    let seats = match &cfg.accounts_at {
        Some(addr) => {
            let sizes: Vec<usize> = g.delegations.iter().map(|d| d.members).collect();
            let seats = super::seats::make(addr, &sizes).await?;
            for (del, (delegation, accounts)) in g.delegations.iter().zip(&seats.delegations) {
                super::seats::register(&accounts[0], *delegation, del.id).await?;
            }
            eprintln!(
                "[{}] {} accounts in {} delegations ready in {:.1} s",
                cfg.label,
                cfg.clients,
                cfg.delegations,
                started.elapsed().as_secs_f64()
            );
            Some(seats)
        }
        None => None,
    };
    let seat = |d: usize, m: usize| seats.as_ref().map(|s| s.delegations[d].1[m].clone());
    let started = Instant::now();
    let deadline = started + cfg.setup_timeout;
    let mut tasks = Vec::with_capacity(cfg.clients);
    let mut cid: u32 = 0;

    // Creators first; the others only once the server has every document.
    for (d, doc) in creator_docs.into_iter().enumerate() {
        tasks.push(tokio::spawn(member(
            g.clone(),
            d,
            cid,
            Some(doc),
            cfg.member_url(cid),
            rng.next_u64(),
            seat(d, 0),
        )));
        cid += 1;
    }
    let setup = async {
        wait_until(
            &g,
            deadline,
            "the server to confirm every delegation's new document",
            |g| g.held.load(Ordering::Relaxed) >= cfg.delegations,
        )
        .await?;
        let mut joiners = Vec::new();
        for (d, del) in g.delegations.iter().enumerate() {
            joiners.extend((1..del.members).map(|m| (d, m)));
        }
        let mut spawned = cfg.delegations;
        for batch in joiners.chunks(cfg.connect_batch) {
            for &(d, m) in batch {
                tasks.push(tokio::spawn(member(
                    g.clone(),
                    d,
                    cid,
                    None,
                    cfg.member_url(cid),
                    rng.next_u64(),
                    seat(d, m),
                )));
                cid += 1;
            }
            spawned += batch.len();
            wait_until(&g, deadline, "the members' WebSockets to open", |g| {
                g.connected.load(Ordering::Relaxed) >= spawned
            })
            .await?;
        }
        wait_until(
            &g,
            deadline,
            "every member to hold its delegation's document",
            |g| g.held.load(Ordering::Relaxed) >= cfg.clients,
        )
        .await
    };
    if let Err(e) = setup.await {
        let _ = g.phase.send(Phase::Stop);
        for t in &tasks {
            t.abort();
        }
        return Err(e);
    }
    let setup_s = started.elapsed().as_secs_f64();
    eprintln!(
        "[{}] setup done in {setup_s:.1} s: {} members hold {} documents; load for {} s",
        cfg.label,
        cfg.clients,
        cfg.delegations,
        cfg.duration.as_secs()
    );

    // The load window.
    let all = cfg.server_pids();
    let read_servers = || all.as_deref().and_then(procstat::read_all);
    let read_groups = || -> Vec<Option<procstat::Reading>> {
        cfg.cpu_groups
            .iter()
            .map(|(_, p)| procstat::read_all(p))
            .collect()
    };
    let srv0 = read_servers();
    let groups0 = read_groups();
    let setup_peak = sampler.as_ref().map(Sampler::take_peak);
    let me0 = procstat::read(0);
    let _ = g.phase.send(Phase::Load);
    let probe = cfg
        .accounts_at
        .clone()
        .map(|at| super::probe::Probe::start(at, cfg.sign_in_probe));
    let t0 = Instant::now();
    let end = t0 + cfg.duration;
    while Instant::now() < end {
        tokio::time::sleep_until((Instant::now() + Duration::from_secs(5)).min(end)).await;
        eprintln!(
            "[{}] {:>4.0} s: {} edits, {} of {} deliveries, {} members failed, {} reconnections",
            cfg.label,
            t0.elapsed().as_secs_f64(),
            g.edits.load(Ordering::Relaxed),
            g.delivered.load(Ordering::Relaxed),
            g.expected.load(Ordering::Relaxed),
            g.failed.load(Ordering::Relaxed),
            g.reconnects.load(Ordering::Relaxed)
        );
    }
    let _ = g.phase.send(Phase::Drain);
    let window = t0.elapsed().as_secs_f64();
    let probe = match probe {
        Some(p) => Some(p.finish().await),
        None => None,
    };
    let srv1 = read_servers();
    let groups1 = read_groups();
    let load_peak = sampler.as_ref().map(Sampler::take_peak);
    let me1 = procstat::read(0);
    let delivered_in_window = g.delivered.load(Ordering::Relaxed);

    // Let the last edits arrive (bounded).
    let drain_start = Instant::now();
    let drain_end = drain_start + cfg.drain;
    while Instant::now() < drain_end
        && (g.stopped_editing.load(Ordering::Relaxed) < cfg.clients
            || g.delivered.load(Ordering::Relaxed) < g.expected.load(Ordering::Relaxed))
        && g.failed.load(Ordering::Relaxed) == 0
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let waited = drain_start.elapsed().as_millis();
        if waited % 5000 < 100 && waited >= 100 {
            eprintln!(
                "[{}] drain {:>3.0} s: {} of {} deliveries",
                cfg.label,
                drain_start.elapsed().as_secs_f64(),
                g.delivered.load(Ordering::Relaxed),
                g.expected.load(Ordering::Relaxed)
            );
        }
    }
    let drain_s = drain_start.elapsed().as_secs_f64();
    let _ = g.phase.send(Phase::Stop);

    let mut results = Vec::with_capacity(tasks.len());
    let collect_end = Instant::now() + Duration::from_secs(30);
    for t in tasks {
        match tokio::time::timeout_at(collect_end, t).await {
            Ok(Ok(r)) => results.push(r),
            Ok(Err(e)) => g.fail(format!("a member task panicked: {e}")),
            Err(_) => g.fail("a member did not stop within 30 s".into()),
        }
    }
    let srv_end = read_servers();

    // Does the server hold every edit? A fresh client per delegation fetches its document.
    let mut missing_on_server = None;
    if g.delivered.load(Ordering::Relaxed) < g.expected.load(Ordering::Relaxed) {
        missing_on_server = Some(0u64);
        // All delegations at once, within one 20 s bound.
        let checks = g.delegations.iter().enumerate().map(|(d, del)| {
            let seat = seat(d, 0);
            let hashes: Vec<ChangeHash> = del
                .log
                .lock()
                .expect("log")
                .iter()
                .map(|s| s.hash)
                .collect();
            let (url, id) = (cfg.url.clone(), del.id);
            tokio::spawn(async move {
                (
                    id,
                    fetch(&url, seat.as_ref(), id, &hashes, Duration::from_secs(20)).await,
                )
            })
        });
        for check in checks.collect::<Vec<_>>() {
            match check.await {
                Ok((_, Ok(missing))) => {
                    missing_on_server = missing_on_server.map(|m| m + missing as u64)
                }
                Ok((id, Err(e))) => {
                    missing_on_server = None;
                    g.fail(format!("checking the server's copy of {id}: {e}"));
                }
                Err(e) => {
                    missing_on_server = None;
                    g.fail(format!("a check panicked: {e}"));
                }
            }
        }
        match missing_on_server {
            Some(m) => eprintln!(
                "[{}] a fresh client per delegation finds {m} of the edits missing on the server",
                cfg.label
            ),
            None => eprintln!(
                "[{}] the server's copy could not be checked (see the failures)",
                cfg.label
            ),
        }
    }

    let mut lat: Vec<u32> = Vec::with_capacity(results.iter().map(|r| r.latencies_us.len()).sum());
    let mut total = MemberResult::default();
    let (mut stalled_on_server, mut stalled_on_member) = (0usize, 0usize);
    for r in results {
        lat.extend_from_slice(&r.latencies_us);
        total.applied_in_load += r.applied_in_load;
        total.applied_total += r.applied_total;
        total.frames_in += r.frames_in;
        total.frames_out += r.frames_out;
        total.bytes_in += r.bytes_in;
        total.bytes_out += r.bytes_out;
        total.undelivered += r.undelivered;
        match r.stalled_waiting_for_server {
            Some(true) => stalled_on_server += 1,
            Some(false) => stalled_on_member += 1,
            None => {}
        }
    }
    let edits = g.edits.load(Ordering::Relaxed);
    let server = match (&srv0, &srv1) {
        (Some(a), Some(b)) => {
            let (cpu_s, cpu_pct) = procstat::cpu_between(a, b);
            Some(Usage {
                cpu_s,
                cpu_pct,
                peak_rss_kb: load_peak.unwrap_or(0),
                setup_peak_rss_kb: setup_peak.unwrap_or(0),
                hwm_kb: srv_end.or(srv1).map(|r| r.hwm_kb).unwrap_or(0),
                rss_kb: b.rss_kb,
            })
        }
        _ => None,
    };
    let loadgen = match (&me0, &me1) {
        (Some(a), Some(b)) => {
            let (cpu_s, cpu_pct) = procstat::cpu_between(a, b);
            Some(Usage {
                cpu_s,
                cpu_pct,
                peak_rss_kb: b.hwm_kb,
                setup_peak_rss_kb: 0,
                hwm_kb: b.hwm_kb,
                rss_kb: b.rss_kb,
            })
        }
        _ => None,
    };
    let failures = g.failures.lock().expect("failures").clone();
    Ok(RunReport {
        label: cfg.label.clone(),
        url: cfg.url.clone(),
        clients: cfg.clients,
        delegations: cfg.delegations,
        duration_s: window,
        edit_interval_ms: cfg.edit_interval_ms,
        setup_s,
        drain_s,
        edits,
        edits_per_s: edits as f64 / window,
        merged_in_window: total.applied_in_load,
        merged_per_s: total.applied_in_load as f64 / window,
        merged_total: total.applied_total,
        expected: g.expected.load(Ordering::Relaxed),
        delivered: g.delivered.load(Ordering::Relaxed),
        delivered_in_window,
        undelivered: total.undelivered,
        missing_on_server,
        stalled_on_server,
        stalled_on_member,
        latency: Percentiles::of(&mut lat),
        frames_in: total.frames_in,
        frames_out: total.frames_out,
        bytes_in: total.bytes_in,
        bytes_out: total.bytes_out,
        server,
        loadgen,
        failed_members: g.failed.load(Ordering::Relaxed),
        busy_reconnects: g.reconnects.load(Ordering::Relaxed),
        failures,
        load_avg_before: load_avg,
        probe,
        cpu_groups: cfg
            .cpu_groups
            .iter()
            .zip(groups0.iter().zip(&groups1))
            .map(|((name, _), (a, b))| {
                let cpu = match (a, b) {
                    (Some(a), Some(b)) => procstat::cpu_between(a, b).0,
                    _ => f64::NAN,
                };
                (name.clone(), cpu)
            })
            .collect(),
    })
}

/// Poll `cond` every 50 ms until it holds, a member fails, or `deadline` passes.
async fn wait_until(
    g: &Global,
    deadline: Instant,
    what: &str,
    cond: impl Fn(&Global) -> bool,
) -> Result<(), String> {
    let mut next_note = Instant::now() + Duration::from_secs(15);
    loop {
        if Instant::now() >= next_note {
            next_note += Duration::from_secs(15);
            eprintln!(
                "[{}] setup: waiting for {what}: {} connected, {} hold their document",
                g.label,
                g.connected.load(Ordering::Relaxed),
                g.held.load(Ordering::Relaxed)
            );
        }
        if cond(g) {
            return Ok(());
        }
        if g.failed.load(Ordering::Relaxed) > 0 {
            let f = g.failures.lock().expect("failures");
            return Err(format!(
                "setup failed while waiting for {what}: {} member(s) failed; first: {}",
                g.failed.load(Ordering::Relaxed),
                f.join("; ")
            ));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "setup gave up waiting for {what}: {} connected, {} hold their document",
                g.connected.load(Ordering::Relaxed),
                g.held.load(Ordering::Relaxed)
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn creator_name(d: usize) -> String {
    format!("Trưởng đoàn {d}")
}

/// A delegation's supervision: set-up, one unit, four findings, four conclusion paragraphs.
#[allow(clippy::type_complexity)]
pub fn create_document(
    d: usize,
    who: &str,
) -> Result<(Automerge, RecordId, Vec<RecordId>, Vec<RecordId>), shared::ModelError> {
    let stamp = Stamp {
        member: who,
        now_ms: giamsat_tests::now_ms(),
    };
    let setup = Setup {
        title: format!("Giám sát việc thực hiện Quyết định 217-QĐ/TW tại Đảng ủy phường số {d}"),
        ..shared::fixtures::thanh_khe_tay()
    };
    let mut doc = supervision::create(&setup, stamp)?;
    let unit_id = RecordId::from_bytes(giamsat_tests::random());
    unit::add(&mut doc, &unit_id, &format!("Đảng ủy phường số {d}"), stamp)?;
    let texts = [
        (
            FindingKind::Strength,
            "Ban hành đầy đủ kế hoạch thực hiện Quy định 217-QĐ/TW.",
        ),
        (
            FindingKind::Strength,
            "Tổ chức 03 buổi đối thoại với Nhân dân trong năm.",
        ),
        (
            FindingKind::Shortcoming,
            "Việc tổng hợp ý kiến của Nhân dân chưa kịp thời.",
        ),
        (
            FindingKind::Cause,
            "Cán bộ phụ trách còn kiêm nhiệm nhiều việc.",
        ),
    ];
    let mut findings = Vec::new();
    for (kind, text) in texts {
        let id = RecordId::from_bytes(giamsat_tests::random());
        finding::add(&mut doc, &id, &unit_id, kind, text, stamp)?;
        findings.push(id);
    }
    let paragraphs_text = [
        (
            Section::Overview,
            "Thực hiện Quyết định số 1175-QĐ/QU, Đoàn giám sát đã làm việc với Đảng ủy phường.",
        ),
        (
            Section::Strengths,
            "Đảng ủy phường đã quán triệt, triển khai kịp thời các văn bản của cấp trên.",
        ),
        (
            Section::Shortcomings,
            "Một số nội dung còn chậm, chưa đáp ứng yêu cầu.",
        ),
        (
            Section::Recommendations,
            "Đề nghị Đảng ủy phường khắc phục những hạn chế đã nêu.",
        ),
    ];
    let mut paragraphs = Vec::new();
    for (section, text) in paragraphs_text {
        let id = RecordId::from_bytes(giamsat_tests::random());
        conclusion::add_paragraph(&mut doc, &id, section, None, text, stamp)?;
        paragraphs.push(id);
    }
    Ok((doc, unit_id, findings, paragraphs))
}

/// One member's typing: bursts of keystrokes into one text field at a caret, pauses between.
///
/// A burst is 3 to 8 keystrokes, 120 to 330 ms apart (mean 225 ms); the pause before the
/// next burst is exponential with the mean that makes the overall mean interval between a
/// member's edits `interval_ms` (for 2,000 ms: a pause of about 10 s). A burst types into a
/// finding (65 %) or a conclusion paragraph (35 %) at a random caret; one burst in twenty
/// starts by adding a finding (`finding::add`, one edit) and types into it. One keystroke in
/// twenty is a backspace.
struct Typist {
    rng: Rng,
    interval_ms: f64,
    burst_left: u32,
    field: Option<TextField>,
    caret: usize,
    add: Option<RecordId>,
    own_findings: Vec<RecordId>,
    words: &'static [&'static str],
    word: usize,
    letter: usize,
}

const WORDS: &[&str] = &[
    "chưa", "kịp", "thời", "đề", "nghị", "khắc", "phục", "cán", "bộ", "đảng", "viên", "nhân",
    "dân", "đối", "thoại", "kiểm", "tra", "giám", "sát", "quy", "định", "thực", "hiện", "tốt",
];
const MEAN_BURST: f64 = 5.5;
const MEAN_GAP_MS: f64 = 225.0;

impl Typist {
    fn new(seed: u64, interval_ms: u64) -> Typist {
        let mut rng = Rng::new(seed);
        let word = rng.below(WORDS.len() as u64) as usize;
        Typist {
            rng,
            interval_ms: interval_ms as f64,
            burst_left: 0,
            field: None,
            caret: 0,
            add: None,
            own_findings: Vec::new(),
            words: WORDS,
            word,
            letter: 0,
        }
    }

    fn pause_mean_ms(&self) -> f64 {
        (self.interval_ms * MEAN_BURST - (MEAN_BURST - 1.0) * MEAN_GAP_MS).max(0.0)
    }

    /// The wait before the first edit: anywhere in one pause, so members do not start together.
    fn first_delay(&mut self) -> Duration {
        Duration::from_secs_f64(self.rng.unit() * (self.pause_mean_ms() + MEAN_GAP_MS) / 1000.0)
    }

    /// The wait after an edit.
    fn next_delay(&mut self) -> Duration {
        let ms = if self.burst_left > 0 {
            120.0 + self.rng.below(211) as f64
        } else {
            self.rng.exp(self.pause_mean_ms())
        };
        Duration::from_secs_f64(ms / 1000.0)
    }

    /// Start a burst if none is going: pick what to type into.
    fn plan(&mut self, del: &Delegation) {
        if self.burst_left > 0 && self.field.is_some() {
            return;
        }
        self.burst_left = 3 + self.rng.below(6) as u32;
        self.caret = usize::MAX; // placed at random on the first keystroke
        if self.rng.below(20) == 0 {
            let id = RecordId::from_bytes(self.rng.next_u64().to_le_bytes());
            self.field = Some(TextField::new(RecordKind::Finding, &id, "text"));
            self.add = Some(id);
        } else if self.rng.below(100) < 65 {
            let n = del.findings.len() + self.own_findings.len();
            let i = self.rng.below(n as u64) as usize;
            let id = del
                .findings
                .get(i)
                .unwrap_or_else(|| &self.own_findings[i - del.findings.len()]);
            self.field = Some(TextField::new(RecordKind::Finding, id, "text"));
        } else {
            let id = &del.paragraphs[self.rng.below(del.paragraphs.len() as u64) as usize];
            self.field = Some(TextField::new(RecordKind::Paragraph, id, "text"));
        }
    }

    /// The next keystroke's text: the next letter of the current word, or a space after it.
    fn next_letter(&mut self) -> String {
        let w: Vec<char> = self.words[self.word].chars().collect();
        if self.letter < w.len() {
            self.letter += 1;
            w[self.letter - 1].to_string()
        } else {
            self.word = self.rng.below(self.words.len() as u64) as usize;
            self.letter = 0;
            " ".to_owned()
        }
    }

    /// Make one edit in `doc`: add the planned finding, or one keystroke at the caret.
    fn edit(
        &mut self,
        doc: &mut Automerge,
        del: &Delegation,
        stamp: Stamp<'_>,
    ) -> Result<(), shared::ModelError> {
        self.burst_left = self.burst_left.saturating_sub(1);
        if let Some(id) = self.add.take() {
            finding::add(
                doc,
                &id,
                &del.unit,
                FindingKind::Shortcoming,
                "Nhận xét mới: ",
                stamp,
            )?;
            self.caret = "Nhận xét mới: ".chars().count();
            self.own_findings.push(id);
            return Ok(());
        }
        let field = self.field.clone().expect("planned");
        let obj = field.object(doc)?;
        let len = doc.length(&obj);
        if self.caret == usize::MAX {
            self.caret = self.rng.below(len as u64 + 1) as usize;
        }
        self.caret = self.caret.min(len);
        if self.caret > 0 && self.rng.below(20) == 0 {
            self.caret -= 1;
            return field::splice(
                doc,
                &field,
                &Splice {
                    pos: self.caret,
                    delete: 1,
                    insert: String::new(),
                },
                stamp,
            );
        }
        let insert = self.next_letter();
        field::splice(
            doc,
            &field,
            &Splice {
                pos: self.caret,
                delete: 0,
                insert,
            },
            stamp,
        )?;
        self.caret += 1;
        Ok(())
    }
}

/// Whether `doc` holds the change `h` (a hash lookup in the change graph).
fn holds(doc: &Automerge, h: &ChangeHash) -> bool {
    !doc.get_missing_deps(std::slice::from_ref(h)).contains(h)
}

pub(crate) type Sink = SplitSink<WebSocketStream<MaybeTlsStream<TcpStream>>, Message>;

async fn send(sink: &mut Sink, out: Output, res: &mut MemberResult) -> Result<(), String> {
    if out.frames.is_empty() {
        return Ok(());
    }
    res.last_was_ours = true;
    res.frames_out += out.frames.len() as u64;
    res.bytes_out += out.frames.iter().map(|f| f.len() as u64).sum::<u64>();
    send_frames(sink, out.frames).await
}

/// Send these frames as binary messages, then flush.
pub(crate) async fn send_frames(
    sink: &mut Sink,
    frames: impl IntoIterator<Item = Vec<u8>>,
) -> Result<(), String> {
    for f in frames {
        sink.feed(Message::Binary(f.into()))
            .await
            .map_err(|e| format!("send: {e}"))?;
    }
    sink.flush().await.map_err(|e| format!("send: {e}"))
}

/// One member, from connecting to the end of the run.
async fn member(
    g: Arc<Global>,
    d: usize,
    cid: u32,
    created: Option<Automerge>,
    url: String,
    seed: u64,
    seat: Option<giamsat_tests::server::Account>,
) -> MemberResult {
    let mut res = MemberResult::default();
    if let Err(e) = member_inner(&g, d, cid, created, &url, seed, seat, &mut res).await {
        g.fail(format!("member {cid} (delegation {d}): {e}"));
    }
    res
}

#[allow(clippy::too_many_arguments)]
async fn member_inner(
    g: &Global,
    d: usize,
    cid: u32,
    created: Option<Automerge>,
    url: &str,
    seed: u64,
    seat: Option<giamsat_tests::server::Account>,
    res: &mut MemberResult,
) -> Result<(), String> {
    let del = &g.delegations[d];
    let id = del.id;
    let creator = created.is_some();
    let name = if creator {
        creator_name(d)
    } else {
        format!("Thành viên {cid}")
    };
    // This device's actor: every edit of ours carries it (registered to the account first,
    // with the actors of the document the creator made).
    let actor = automerge::ActorId::from(giamsat_tests::random::<16>());
    if let Some(a) = &seat {
        let mut actors = vec![actor.clone()];
        if let Some(doc) = &created {
            for c in doc.get_changes(&[]) {
                if !actors.contains(c.actor_id()) {
                    actors.push(c.actor_id().clone());
                }
            }
        }
        super::seats::register_actors(a, actors).await?;
    }
    let suffix = format!("{}-{cid}-{:08x}", g.label, seed as u32);
    let (ws, mut client) = super::seats::connect(url, seat.as_ref(), &suffix).await?;
    let mut backoff = Duration::from_millis(500);
    g.connected.fetch_add(1, Ordering::Relaxed);
    let (mut sink, mut stream) = ws.split();
    let out = client.handle(Event::Connected).map_err(|e| e.to_string())?;
    send(&mut sink, out, res).await?;
    let out = match created {
        Some(doc) => client.insert(id, doc, Vec::new()),
        None => client.want(id),
    };
    send(&mut sink, out, res).await?;

    let mut phase_rx = g.phase.subscribe();
    let mut phase = *phase_rx.borrow_and_update();
    let mut held = false;
    let mut retry_at: Option<Instant> = None;
    let mut next_edit: Option<Instant> = None;
    let mut typist = Typist::new(seed, g.edit_interval_ms);
    // Others' edits pulled from the log and not yet seen here.
    let mut waiting: Vec<(ChangeHash, Instant)> = Vec::new();
    let mut cursor = 0usize;
    let mut changes_seen = 0u64;
    let far = Instant::now() + Duration::from_secs(24 * 3600);

    let mut lost: Option<String> = None;
    loop {
        if lost.take().is_some() {
            // The link dropped (or the server said "busy"): as the app does, wait (0.5 s,
            // doubling to 10 s), connect again, and sync from where the tablet stands.
            g.reconnects.fetch_add(1, Ordering::Relaxed);
            let _ = client.handle(Event::Disconnected);
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
            let (ws, _) = super::seats::connect(url, seat.as_ref(), &suffix).await?;
            (sink, stream) = ws.split();
            let out = client.handle(Event::Connected).map_err(|e| e.to_string())?;
            if let Err(e) = send(&mut sink, out, res).await {
                lost = Some(e);
            }
            continue;
        }
        tokio::select! {
            msg = stream.next() => {
                let bytes = match msg {
                    Some(Ok(Message::Binary(b))) => b,
                    Some(Ok(Message::Close(_))) | None => {
                        lost = Some("the server closed the connection".into());
                        continue;
                    }
                    Some(Err(e)) => {
                        lost = Some(format!("receive: {e}"));
                        continue;
                    }
                    Some(Ok(_)) => continue,
                };
                backoff = Duration::from_millis(500);
                res.frames_in += 1;
                res.bytes_in += bytes.len() as u64;
                res.last_was_ours = false;
                let out = client.handle(Event::Frame(&bytes)).map_err(|e| e.to_string())?;
                if traced(cid) {
                    trace(cid, "<-", &bytes, client.doc(&id));
                    for f in &out.frames {
                        trace(cid, "->", f, client.doc(&id));
                    }
                }
                if let Some(e) = &out.server_error {
                    if !e.contains("the server is busy") {
                        return Err(format!("the server sent an error: {e}"));
                    }
                    lost = Some(e.clone());
                    continue;
                }
                if !out.unavailable.is_empty() && retry_at.is_none() {
                    retry_at = Some(Instant::now() + Duration::from_millis(300));
                }
                let changed = out.changed.contains(&id);
                let confirmed = out.confirmed.contains(&id);
                if let Err(e) = send(&mut sink, out, res).await {
                    lost = Some(e);
                    continue;
                }
                if !held {
                    let now_held = if creator {
                        confirmed && client.pending(&id) == 0
                    } else {
                        changed && client.doc(&id).is_some_and(|doc| del.initial.iter().all(|h| holds(doc, h)))
                    };
                    if now_held {
                        held = true;
                        changes_seen = client.doc(&id).map(|doc| doc.stats().num_changes).unwrap_or(0);
                        g.held.fetch_add(1, Ordering::Relaxed);
                    }
                } else if changed && matches!(phase, Phase::Load | Phase::Drain) {
                    let doc = client.doc(&id).ok_or("the held document vanished")?;
                    let n = doc.stats().num_changes;
                    let new = n.saturating_sub(changes_seen);
                    changes_seen = n;
                    res.applied_total += new;
                    if phase == Phase::Load {
                        res.applied_in_load += new;
                    }
                    {
                        let log = del.log.lock().expect("log");
                        waiting.extend(log[cursor..].iter().filter(|s| s.author != cid).map(|s| (s.hash, s.at)));
                        cursor = log.len();
                    }
                    let now = Instant::now();
                    let before = waiting.len();
                    waiting.retain(|(h, at)| {
                        if holds(doc, h) {
                            let us = now.duration_since(*at).as_micros().min(u32::MAX as u128) as u32;
                            res.latencies_us.push(us);
                            false
                        } else {
                            true
                        }
                    });
                    g.delivered.fetch_add((before - waiting.len()) as u64, Ordering::Relaxed);
                }
            }
            _ = tokio::time::sleep_until(retry_at.unwrap_or(far)), if retry_at.is_some() => {
                retry_at = None;
                let out = client.retry(id);
                if let Err(e) = send(&mut sink, out, res).await {
                    lost = Some(e);
                    continue;
                }
            }
            _ = tokio::time::sleep_until(next_edit.unwrap_or(far)), if next_edit.is_some() => {
                typist.plan(del);
                let at = Instant::now();
                let stamp = Stamp { member: &name, now_ms: giamsat_tests::now_ms() };
                let result = client
                    .edit(&id, |doc| {
                        doc.set_actor(actor.clone());
                        let before = doc.get_heads();
                        typist.edit(doc, del, stamp)?;
                        let heads = doc.get_heads();
                        // A local commit depends on every head before it: it is the one head now.
                        Ok::<_, shared::ModelError>((heads != before).then(|| (heads[0], doc.stats().num_changes)))
                    })
                    .ok_or("the held document vanished")?;
                let out = client.announce(&id);
                if traced(cid) {
                    for f in &out.frames {
                        trace(cid, "-> (edit)", f, client.doc(&id));
                    }
                }
                if let Some((hash, n)) = result.map_err(|e| format!("edit: {e}"))? {
                    changes_seen = n;
                    del.log.lock().expect("log").push(Sent { hash, at, author: cid });
                    g.edits.fetch_add(1, Ordering::Relaxed);
                    g.expected.fetch_add(del.members as u64 - 1, Ordering::Relaxed);
                }
                if let Err(e) = send(&mut sink, out, res).await {
                    lost = Some(e);
                    continue;
                }
                next_edit = Some(Instant::now() + typist.next_delay());
            }
            r = phase_rx.changed() => {
                if r.is_err() {
                    break;
                }
                phase = *phase_rx.borrow_and_update();
                match phase {
                    Phase::Load if held => next_edit = Some(Instant::now() + typist.first_delay()),
                    Phase::Drain => {
                        next_edit = None;
                        g.stopped_editing.fetch_add(1, Ordering::Relaxed);
                    }
                    Phase::Stop => break,
                    _ => {}
                }
            }
        }
    }
    // What never arrived: the ones pulled and not seen, and the ones never pulled.
    let never_pulled = {
        let log = del.log.lock().expect("log");
        log[cursor.min(log.len())..]
            .iter()
            .filter(|s| s.author != cid)
            .count() as u64
    };
    res.undelivered = waiting.len() as u64 + never_pulled;
    if res.undelivered > 0 {
        res.stalled_waiting_for_server = Some(res.last_was_ours);
    }
    let _ = sink.send(Message::Close(None)).await;
    Ok(())
}

/// Connect a fresh client, want `id`, and wait (at most `bound`) until it holds every one of
/// `hashes`; returns how many it still lacks then, or an error if the document never came.
pub async fn fetch(
    url: &str,
    seat: Option<&giamsat_tests::server::Account>,
    id: DocumentId,
    hashes: &[ChangeHash],
    bound: Duration,
) -> Result<usize, String> {
    let (ws, mut client) = super::seats::connect(
        url,
        seat,
        &format!("check-{:016x}", u64::from_le_bytes(giamsat_tests::random())),
    )
    .await?;
    let (mut sink, mut stream) = ws.split();
    let mut res = MemberResult::default();
    send(
        &mut sink,
        client.handle(Event::Connected).map_err(|e| e.to_string())?,
        &mut res,
    )
    .await?;
    send(&mut sink, client.want(id), &mut res).await?;
    let deadline = Instant::now() + bound;
    let missing = |client: &SyncClient| match client.doc(&id) {
        Some(doc) => hashes.iter().filter(|h| !holds(doc, h)).count(),
        None => hashes.len(),
    };
    while missing(&client) > 0 {
        let Ok(msg) = tokio::time::timeout_at(deadline, stream.next()).await else {
            break;
        };
        let bytes = match msg {
            Some(Ok(Message::Binary(b))) => b,
            Some(Ok(_)) => continue,
            _ => break,
        };
        let out = client
            .handle(Event::Frame(&bytes))
            .map_err(|e| e.to_string())?;
        send(&mut sink, out, &mut res).await?;
    }
    let _ = sink.send(Message::Close(None)).await;
    // No document at all is not "every edit missing": the server has not answered yet.
    if client.doc(&id).is_none() {
        return Err(format!(
            "the document did not arrive within {} s",
            bound.as_secs()
        ));
    }
    Ok(missing(&client))
}

/// `LOADGEN_TRACE=<member number>`: print that member's frames (a debugging aid).
fn traced(cid: u32) -> bool {
    static WHO: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    *WHO.get_or_init(|| {
        std::env::var("LOADGEN_TRACE")
            .ok()
            .and_then(|v| v.parse().ok())
    }) == Some(cid)
}

fn trace(cid: u32, dir: &str, bytes: &[u8], doc: Option<&Automerge>) {
    use shared::wire::WireMessage;
    let short = |hs: &[ChangeHash]| {
        hs.iter()
            .map(|h| h.to_string()[..6].to_owned())
            .collect::<Vec<_>>()
            .join(",")
    };
    let what = match WireMessage::decode(bytes) {
        Ok(WireMessage::Sync(m)) | Ok(WireMessage::Request(m)) => {
            match automerge::sync::Message::decode(&m.data) {
                Ok(msg) => format!(
                    "sync heads=[{}] need=[{}] have={} changes={}",
                    short(&msg.heads),
                    short(&msg.need),
                    msg.have.len(),
                    msg.changes.len()
                ),
                Err(e) => format!("sync (undecodable: {e})"),
            }
        }
        Ok(other) => format!("{other:?}").chars().take(80).collect(),
        Err(e) => format!("bad frame: {e}"),
    };
    let mine = doc.map(|d| short(&d.get_heads())).unwrap_or_default();
    eprintln!(
        "[trace {cid}] {:?} {dir} {what} | my heads [{mine}]",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() % 100_000)
            .unwrap_or(0)
    );
}
