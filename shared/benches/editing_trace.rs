//! Issue 3: "typing stays fast on a long text". The public automerge-perf editing trace (the
//! 259,778 keystrokes with which a LaTeX paper was written; `data/LICENCE-edit-trace.md`) is
//! replayed, one edit at a time, into a conclusion paragraph of a real supervision document
//! through `shared::field::Focus::splice` — the path every keystroke in a conclusion paragraph
//! or a finding takes in the app: the Text object found once when the field is focused, then
//! per edit the splice checked against the length, one transaction, the actor attributed
//! (read once), a commit time. In the same run
//! and interleaved with it, the same edits go through raw automerge: into the same paragraph
//! of the same supervision, one transaction and commit per edit (what the shared path is
//! compared with: the ratio is the cost of shared's layer alone, issue 3's and 15's goal
//! being ≤ 1.2×); into a bare Text object, one commit per edit (the ratio then also holds
//! what automerge costs more in a document with a supervision's structure); and into a bare
//! Text object in one transaction (automerge's best case, as in its own edit-trace benchmark).
//! Each run's final text is checked against the trace's expected one (replayed into a plain
//! gap buffer: 104,852 characters, with a fixed FNV-1a hash). Then: save time and saved size,
//! load time, and the peak memory of each path, each in a child process of its own (this
//! binary re-run with `--peak-memory <path>`), read as `VmHWM` from `/proc/self/status`.
//!
//! A breakdown follows: the first 50,000 edits replayed with what the one-shot
//! `field::splice` does (object looked up and attribution read on every edit, a commit
//! message) added step by step, then `Focus::splice`, to show where the difference goes.
//!
//! Not criterion: one replay takes seconds, so a plain loop of 5 repetitions (3 paths each,
//! the order rotated every repetition) reports the median and min–max of each path, and the
//! ratio shared/raw as measured within each repetition. Each replay is timed twice: wall
//! time, and the thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), which other processes on a
//! shared machine disturb far less; the ratios are given on both. `EDIT_TRACE_REPS` changes
//! the count. Without `--bench` (`cargo test --benches`) it replays the first 1,000 edits
//! once along each path, as a check (debug builds of automerge are ~100× slower).
//!
//! Run: `cargo bench -p shared --bench editing_trace` (3–5 minutes on 2 cores; results
//! in BENCHMARKS.md at the repository root, "Editing trace").

use std::hint::black_box;
use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc};
use serde::Deserialize;
use shared::RecordId;
use shared::conclusion::{self, Section};
use shared::field::{self, RecordKind, TextField};
use shared::supervision::{self, Setup, Stamp};
use shared::text::Splice;

/// The trace, gzipped, compiled in: the bench never reads outside the repository.
const TRACE_GZ: &[u8] = include_bytes!("data/automerge-paper-edits.json.gz");
const TRACE_EDITS: usize = 259_778;
const FINAL_CHARS: usize = 104_852;
/// FNV-1a (64-bit) of the final text's UTF-8 bytes.
const FINAL_FNV1A: u64 = 0xb9b6_0f23_382f_af42;
/// Edits replayed without `--bench`.
const QUICK_EDITS: usize = 1_000;
/// Edits replayed for the breakdown of `field::splice`'s time.
const BREAKDOWN_EDITS: usize = 50_000;
/// 2 August 2022, 08:00 (UTC+7); a keystroke every 200 ms after it.
const T0: i64 = 1_659_402_000_000;
const MEMBER: &str = "Nguyễn Thị Lan";

#[derive(Deserialize)]
#[serde(untagged)]
enum RawEdit {
    Insert(usize, usize, String),
    Delete(usize, usize),
}

fn load_trace() -> Vec<Splice> {
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(TRACE_GZ)
        .read_to_end(&mut json)
        .expect("the trace decompresses");
    let raw: Vec<RawEdit> = serde_json::from_slice(&json).expect("the trace parses");
    raw.into_iter()
        .map(|e| match e {
            RawEdit::Insert(pos, delete, insert) => Splice {
                pos,
                delete,
                insert,
            },
            RawEdit::Delete(pos, delete) => Splice {
                pos,
                delete,
                insert: String::new(),
            },
        })
        .collect()
}

/// The text the edits give, replayed into a gap buffer (no automerge involved).
fn expected_text(edits: &[Splice]) -> String {
    let mut buf: Vec<char> = vec!['\0'; 1 << 18];
    let (mut gap_start, mut gap_end) = (0usize, buf.len());
    for e in edits {
        // Move the gap to `e.pos`.
        if e.pos < gap_start {
            let n = gap_start - e.pos;
            buf.copy_within(e.pos..gap_start, gap_end - n);
            gap_start -= n;
            gap_end -= n;
        } else if e.pos > gap_start {
            let n = e.pos - gap_start;
            buf.copy_within(gap_end..gap_end + n, gap_start);
            gap_start += n;
            gap_end += n;
        }
        gap_end += e.delete;
        for c in e.insert.chars() {
            assert!(gap_start < gap_end, "gap buffer full");
            buf[gap_start] = c;
            gap_start += 1;
        }
    }
    buf[..gap_start].iter().chain(&buf[gap_end..]).collect()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A supervision with one (empty) conclusion paragraph, and that paragraph's text field.
fn supervision_with_paragraph() -> (Automerge, TextField) {
    let setup = Setup {
        schedule_from: "2022-08-02".into(),
        schedule_to: "2022-08-11".into(),
        ..shared::fixtures::thanh_khe_tay()
    };
    let stamp = Stamp {
        member: MEMBER,
        now_ms: T0,
    };
    let mut doc = supervision::create(&setup, stamp).unwrap();
    let id = RecordId::from_bytes(1u64.to_be_bytes());
    conclusion::add_paragraph(&mut doc, &id, Section::Overview, None, "", stamp).unwrap();
    (doc, TextField::new(RecordKind::Paragraph, &id, "text"))
}

fn raw_text_doc() -> (Automerge, ObjId) {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let t = tx.put_object(ROOT, "text", ObjType::Text).unwrap();
    tx.commit();
    (doc, t)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Path {
    /// `field::splice`, one call per edit.
    Shared,
    /// `splice_text` in its own transaction, committed, per edit, on a bare Text object.
    RawPerEdit,
    /// The same, into the same conclusion paragraph of the same supervision as `Shared`
    /// (its Text object looked up once): what shared's layer itself costs is the difference.
    RawInSupervision,
    /// Every `splice_text` in one transaction.
    RawOneTx,
}

const PATHS: [Path; 4] = [
    Path::Shared,
    Path::RawPerEdit,
    Path::RawOneTx,
    Path::RawInSupervision,
];

impl Path {
    fn name(self) -> &'static str {
        match self {
            Path::Shared => "shared",
            Path::RawPerEdit => "raw-per-edit",
            Path::RawOneTx => "raw-one-tx",
            Path::RawInSupervision => "raw-in-supervision",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Path::Shared => {
                "shared `field::Focus::splice` (the app's keystroke path), one commit per edit"
            }
            Path::RawPerEdit => "raw automerge, one transaction + commit per edit",
            Path::RawOneTx => "raw automerge, all edits in one transaction",
            Path::RawInSupervision => {
                "raw automerge, one transaction + commit per edit, in the same supervision's paragraph"
            }
        }
    }

    fn parse(s: &str) -> Option<Path> {
        PATHS.into_iter().find(|p| p.name() == s)
    }
}

/// Replay `edits` along `path`: the document, its text object, and the time the edits took
/// (setting the document up is not timed).
fn replay(path: Path, edits: &[Splice]) -> (Automerge, ObjId, Took) {
    match path {
        Path::Shared => {
            let (mut doc, field) = supervision_with_paragraph();
            let start = Clock::start();
            // The app finds the field's object when the member focuses it, then types.
            let mut focus = field::Focus::new(&doc, &field).unwrap();
            for (i, e) in edits.iter().enumerate() {
                let stamp = Stamp {
                    member: MEMBER,
                    now_ms: T0 + 200 * i as i64,
                };
                focus.splice(&mut doc, black_box(e), stamp).unwrap();
            }
            let took = start.took();
            let obj = field.object(&doc).unwrap();
            (doc, obj, took)
        }
        Path::RawPerEdit => {
            let (doc, t) = raw_text_doc();
            raw_per_edit(doc, t, edits)
        }
        Path::RawInSupervision => {
            let (doc, field) = supervision_with_paragraph();
            let t = field.object(&doc).unwrap();
            raw_per_edit(doc, t, edits)
        }
        Path::RawOneTx => {
            let (mut doc, t) = raw_text_doc();
            let start = Clock::start();
            let mut tx = doc.transaction();
            for e in edits {
                let e = black_box(e);
                tx.splice_text(&t, e.pos, e.delete as isize, &e.insert)
                    .unwrap();
            }
            tx.commit();
            (doc, t, start.took())
        }
    }
}

/// Raw automerge into `t`: one transaction, spliced and committed, per edit (timed).
fn raw_per_edit(mut doc: Automerge, t: ObjId, edits: &[Splice]) -> (Automerge, ObjId, Took) {
    let start = Clock::start();
    for e in edits {
        let e = black_box(e);
        let mut tx = doc.transaction();
        tx.splice_text(&t, e.pos, e.delete as isize, &e.insert)
            .unwrap();
        tx.commit();
    }
    (doc, t, start.took())
}

/// Where `field::splice`'s extra time goes: the same prefix of the trace replayed in the
/// supervision document, adding one by one what `field::splice` does around the splice.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Step {
    /// Raw automerge, one transaction + `commit()` per edit, on a bare Text object.
    Bare,
    /// The same into the conclusion paragraph's Text object (looked up once).
    InSupervision,
    /// + `commit_with` a message and a time, as shared commits.
    CommitMessage,
    /// + the Text object looked up by record id on every edit.
    Lookup,
    /// + its length read (to check the splice) on every edit.
    Length,
    /// + the actor's hex id, and the attribution read inside the transaction.
    Attribution,
    /// `field::splice` itself.
    FieldSplice,
}

const STEPS: [Step; 7] = [
    Step::Bare,
    Step::InSupervision,
    Step::CommitMessage,
    Step::Lookup,
    Step::Length,
    Step::Attribution,
    Step::FieldSplice,
];

impl Step {
    fn label(self) -> &'static str {
        match self {
            Step::Bare => "raw, one commit per edit, bare Text object",
            Step::InSupervision => "the same, in the supervision's conclusion paragraph",
            Step::CommitMessage => "+ `commit_with` message and time",
            Step::Lookup => {
                "+ look the Text object up by record id (`TextField::object`), every edit"
            }
            Step::Length => "+ read the text's length (`doc.length`), every edit",
            Step::Attribution => "+ actor hex id and the attribution read in the transaction",
            Step::FieldSplice => {
                "`field::Focus::splice` itself (object found once, attribution once, no message)"
            }
        }
    }
}

fn replay_step(step: Step, edits: &[Splice]) -> Took {
    use automerge::transaction::CommitOptions;
    if step == Step::Bare {
        return replay(Path::RawPerEdit, edits).2;
    }
    if step == Step::FieldSplice {
        return replay(Path::Shared, edits).2;
    }
    let (mut doc, field) = supervision_with_paragraph();
    let obj = field.object(&doc).unwrap();
    let start = Clock::start();
    for (i, e) in edits.iter().enumerate() {
        let e = black_box(e);
        let now_ms = T0 + 200 * i as i64;
        let t = if matches!(step, Step::Lookup | Step::Length | Step::Attribution) {
            field.object(&doc).unwrap()
        } else {
            obj.clone()
        };
        if matches!(step, Step::Length | Step::Attribution) {
            assert!(e.pos + e.delete <= doc.length(&t));
        }
        let actor = if step == Step::Attribution {
            Some(doc.get_actor().to_hex_string())
        } else {
            None
        };
        let mut tx = doc.transaction();
        tx.splice_text(&t, e.pos, e.delete as isize, &e.insert)
            .unwrap();
        if let Some(actor) = actor {
            let actors = match tx.get(ROOT, "actors").unwrap() {
                Some((automerge::Value::Object(_), id)) => id,
                _ => panic!("actors"),
            };
            let same = matches!(tx.get(&actors, &actor).unwrap(), Some((automerge::Value::Scalar(s), _)) if s.as_str() == Some(MEMBER));
            assert!(same);
        }
        if step == Step::InSupervision {
            tx.commit();
        } else {
            tx.commit_with(
                CommitOptions::default()
                    .with_message("sửa nội dung".to_owned())
                    .with_time(now_ms / 1000),
            );
        }
    }
    start.took()
}

/// Wall time and this thread's CPU time: the machine is shared, and CPU time is what the
/// code itself costs when other processes take turns on the cores.
#[derive(Clone, Copy, Debug)]
struct Took {
    wall: Duration,
    cpu: Duration,
}

struct Clock {
    wall: Instant,
    cpu: Duration,
}

fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which `ts` is.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Clock {
    fn start() -> Clock {
        Clock {
            wall: Instant::now(),
            cpu: thread_cpu(),
        }
    }

    fn took(&self) -> Took {
        Took {
            wall: self.wall.elapsed(),
            cpu: thread_cpu() - self.cpu,
        }
    }
}

/// Median, min and max.
fn stats<T: Copy + PartialOrd>(xs: &[T], mid: impl Fn(T, T) -> T) -> (T, T, T) {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        mid(v[n / 2 - 1], v[n / 2])
    };
    (median, v[0], v[n - 1])
}

fn dur_stats(xs: &[Duration]) -> (Duration, Duration, Duration) {
    stats(xs, |a, b| (a + b) / 2)
}

fn ratio_stats(xs: &[f64]) -> (f64, f64, f64) {
    stats(xs, |a, b| (a + b) / 2.0)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// A field of /proc/self/status, in kB.
fn status_kb(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("{key} in /proc/self/status"))
}

/// In a child process: replay along one path and print the memory figures.
fn peak_memory_child(path: Path) {
    let edits = load_trace();
    let rss_before = status_kb("VmRSS");
    let hwm_before = status_kb("VmHWM");
    let (doc, obj, _) = replay(path, &edits);
    assert_eq!(doc.length(&obj), FINAL_CHARS);
    let rss_after = status_kb("VmRSS");
    let hwm = status_kb("VmHWM");
    println!(
        "peak-memory {} {rss_before} {hwm_before} {rss_after} {hwm}",
        path.name()
    );
    drop(black_box(doc));
}

struct Memory {
    rss_before: u64,
    hwm_before: u64,
    rss_after: u64,
    hwm: u64,
}

fn peak_memory(path: Path) -> Memory {
    let exe = std::env::current_exe().expect("this binary's path");
    let out = Command::new(exe)
        .args(["--peak-memory", path.name()])
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the peak-memory child for {} failed: {stdout}",
        path.name()
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("peak-memory "))
        .expect("the child's figures");
    let f: Vec<u64> = line
        .split_whitespace()
        .skip(2)
        .map(|x| x.parse().unwrap())
        .collect();
    Memory {
        rss_before: f[0],
        hwm_before: f[1],
        rss_after: f[2],
        hwm: f[3],
    }
}

fn mib(kb: u64) -> String {
    format!("{:.0} MiB", kb as f64 / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--peak-memory") {
        let path = args
            .get(i + 1)
            .and_then(|s| Path::parse(s))
            .expect("--peak-memory shared|raw-per-edit|raw-one-tx|raw-in-supervision");
        peak_memory_child(path);
        return;
    }
    let full = args.iter().any(|a| a == "--bench");

    let started = Instant::now();
    let all = load_trace();
    let parsed_in = started.elapsed();
    assert_eq!(all.len(), TRACE_EDITS);
    let edits = if full { &all[..] } else { &all[..QUICK_EDITS] };
    let expected = expected_text(edits);
    if full {
        assert_eq!(
            expected.chars().count(),
            FINAL_CHARS,
            "the trace's final text has 104,852 characters"
        );
        assert_eq!(
            fnv1a(expected.as_bytes()),
            FINAL_FNV1A,
            "the trace's final text is the expected one"
        );
    }
    let reps: usize = if full {
        std::env::var("EDIT_TRACE_REPS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(5)
    } else {
        1
    };
    println!(
        "editing trace: {} edits (of {}), final text {} characters; decompressed and parsed in {:.0?}; {} repetitions",
        edits.len(),
        all.len(),
        expected.chars().count(),
        parsed_in,
        reps
    );

    // Warm up each path (allocator, caches) on a short prefix.
    for p in PATHS.into_iter().filter(|_| full) {
        black_box(replay(p, &edits[..edits.len().min(10_000)]));
    }

    let mut times: Vec<Vec<Took>> = vec![Vec::new(); PATHS.len()];
    let (mut ratio_wall, mut ratio_cpu, mut ratio_one_tx_cpu, mut ratio_in_doc_cpu) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut last: Vec<Option<Automerge>> = vec![None, None, None, None];
    for r in 0..reps {
        let mut this = [Took {
            wall: Duration::ZERO,
            cpu: Duration::ZERO,
        }; 4];
        for k in 0..PATHS.len() {
            let i = (r + k) % PATHS.len(); // rotate the order: no path always runs first
            last[i] = None; // free the previous repetition's document first
            let (doc, obj, took) = replay(PATHS[i], edits);
            assert_eq!(
                doc.text(&obj).unwrap(),
                expected,
                "{}: final text",
                PATHS[i].name()
            );
            this[i] = took;
            times[i].push(took);
            last[i] = Some(doc);
        }
        ratio_wall.push(this[0].wall.as_secs_f64() / this[1].wall.as_secs_f64());
        ratio_cpu.push(this[0].cpu.as_secs_f64() / this[1].cpu.as_secs_f64());
        ratio_one_tx_cpu.push(this[0].cpu.as_secs_f64() / this[2].cpu.as_secs_f64());
        ratio_in_doc_cpu.push(this[0].cpu.as_secs_f64() / this[3].cpu.as_secs_f64());
        println!(
            "  repetition {}: CPU (wall) shared {} ({}), raw per edit {} ({}), raw one transaction {} ({}), raw in the supervision {} ({}); shared/raw per edit {:.3} CPU, {:.3} wall",
            r + 1,
            secs(this[0].cpu),
            secs(this[0].wall),
            secs(this[1].cpu),
            secs(this[1].wall),
            secs(this[2].cpu),
            secs(this[2].wall),
            secs(this[3].cpu),
            secs(this[3].wall),
            ratio_cpu[r],
            ratio_wall[r]
        );
    }

    println!();
    println!("| path | CPU, median (min–max) | wall, median (min–max) | per edit, CPU median |");
    println!("| --- | ---: | ---: | ---: |");
    for (i, p) in PATHS.iter().enumerate() {
        let (cm, clo, chi) = dur_stats(&times[i].iter().map(|t| t.cpu).collect::<Vec<_>>());
        let (wm, wlo, whi) = dur_stats(&times[i].iter().map(|t| t.wall).collect::<Vec<_>>());
        println!(
            "| {} | {} ({}–{}) | {} ({}–{}) | {:.1} µs |",
            p.label(),
            secs(cm),
            secs(clo).trim_end_matches(" s"),
            secs(chi),
            secs(wm),
            secs(wlo).trim_end_matches(" s"),
            secs(whi),
            cm.as_secs_f64() * 1e6 / edits.len() as f64
        );
    }
    println!();
    let (m, lo, hi) = ratio_stats(&ratio_cpu);
    println!(
        "shared / raw one commit per edit, CPU time, within each repetition: median {m:.3}, min–max {lo:.3}–{hi:.3} (goal ≤ 1.2)"
    );
    let (m, lo, hi) = ratio_stats(&ratio_in_doc_cpu);
    println!(
        "shared / raw one commit per edit in the same supervision's paragraph (shared's layer alone), CPU time, within each repetition: median {m:.3}, min–max {lo:.3}–{hi:.3} (goal ≤ 1.2)"
    );
    let (m, lo, hi) = ratio_stats(&ratio_wall);
    println!(
        "shared / raw one commit per edit, wall time, within each repetition: median {m:.3}, min–max {lo:.3}–{hi:.3}"
    );
    let (m, lo, hi) = ratio_stats(&ratio_one_tx_cpu);
    println!(
        "shared / raw all in one transaction, CPU time, within each repetition: median {m:.3}, min–max {lo:.3}–{hi:.3}"
    );

    // Where the difference goes: cumulative steps on a prefix, interleaved, 3 repetitions.
    let prefix = &edits[..edits.len().min(BREAKDOWN_EDITS)];
    let mut step_times: Vec<Vec<Took>> = vec![Vec::new(); STEPS.len()];
    for r in 0..if full { 3 } else { 0 } {
        for k in 0..STEPS.len() {
            let i = (r + k) % STEPS.len();
            step_times[i].push(replay_step(STEPS[i], prefix));
        }
    }
    if full {
        println!();
        println!(
            "where `field::splice`'s time goes: the first {} edits, each step adding to the one before ({} repetitions):",
            prefix.len(),
            step_times[0].len()
        );
        println!("| step | per edit, CPU median (min–max) | wall median |");
        println!("| --- | ---: | ---: |");
        for (i, st) in STEPS.iter().enumerate() {
            let us = |d: Duration| d.as_secs_f64() * 1e6 / prefix.len() as f64;
            let (m, lo, hi) = dur_stats(&step_times[i].iter().map(|t| t.cpu).collect::<Vec<_>>());
            let (w, _, _) = dur_stats(&step_times[i].iter().map(|t| t.wall).collect::<Vec<_>>());
            println!(
                "| {} | {:.1} µs ({:.1}–{:.1}) | {:.1} µs |",
                st.label(),
                us(m),
                us(lo),
                us(hi),
                us(w)
            );
        }
    }

    // Save and load, 5 times each, the documents of the last repetition side by side.
    let docs: Vec<Automerge> = last.into_iter().map(|d| d.expect("a document")).collect();
    let mut save_t: Vec<Vec<Took>> = vec![Vec::new(); PATHS.len()];
    let mut load_t: Vec<Vec<Took>> = vec![Vec::new(); PATHS.len()];
    let mut sizes = [0usize; PATHS.len()];
    let mut changes = [0usize; PATHS.len()];
    for _ in 0..5 {
        for (i, doc) in docs.iter().enumerate() {
            let start = Clock::start();
            let bytes = black_box(doc.save());
            save_t[i].push(start.took());
            sizes[i] = bytes.len();
            let start = Clock::start();
            let loaded = Automerge::load(black_box(&bytes)).unwrap();
            load_t[i].push(start.took());
            changes[i] = loaded.get_changes(&[]).len();
            drop(loaded);
        }
    }
    // The loaded shared document still reads as the paragraph, through shared.
    let reloaded = Automerge::load(&docs[0].save()).unwrap();
    let paragraph = conclusion::read(&reloaded).unwrap();
    assert_eq!(paragraph.len(), 1);
    assert_eq!(paragraph[0].text, expected);
    drop(reloaded);
    drop(docs);

    println!();
    println!(
        "| document | changes | saved size | save, CPU median (min–max) | load, CPU median (min–max) | load, wall median |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (i, p) in PATHS.iter().enumerate() {
        let (sm, slo, shi) = dur_stats(&save_t[i].iter().map(|t| t.cpu).collect::<Vec<_>>());
        let (lm, llo, lhi) = dur_stats(&load_t[i].iter().map(|t| t.cpu).collect::<Vec<_>>());
        let (lw, _, _) = dur_stats(&load_t[i].iter().map(|t| t.wall).collect::<Vec<_>>());
        println!(
            "| {} | {} | {} B | {} ({}–{}) | {} ({}–{}) | {} |",
            p.name(),
            changes[i],
            sizes[i],
            ms(sm),
            ms(slo).trim_end_matches(" ms"),
            ms(shi),
            ms(lm),
            ms(llo).trim_end_matches(" ms"),
            ms(lhi),
            ms(lw)
        );
    }

    if full {
        println!();
        println!(
            "peak memory, one child process per path (VmHWM; RSS once the trace is parsed, before replaying):"
        );
        println!(
            "| path | RSS before | VmHWM before | RSS after | VmHWM (peak) | peak − RSS before |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        for p in PATHS {
            let m = peak_memory(p);
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                p.name(),
                mib(m.rss_before),
                mib(m.hwm_before),
                mib(m.rss_after),
                mib(m.hwm),
                mib(m.hwm.saturating_sub(m.rss_before))
            );
        }
    }
    println!();
    println!("editing trace: done in {:.0?}", started.elapsed());
}
