//! Issue 3: "a supervision with 500 findings and a 20-page conclusion opens and stays
//! responsive". A delegation of five members, one unit each, writes 500 findings of ~300
//! characters of Vietnamese (strengths, shortcomings, causes) on their own tablets, merged; the
//! head of delegation agrees half of them, adds 30 recommendations, generates the conclusion and
//! writes the overview by hand. The conclusion must reach 60,000 characters (~20 pages of
//! ~3,000); generating from 250 agreed findings already gives ~90,000 (~30 pages), so the bench
//! measures a somewhat heavier document than the issue names. On it, this times what the tablet
//! does all day: `open` (load the bytes IndexedDB holds, then read the whole supervision),
//! `read` (what every re-render calls), `keystroke_in_conclusion` and `keystroke_in_finding`
//! (one character typed, through `field::set`, the path the app's inputs
//! take), and `save` (the bytes written to IndexedDB after each change). The document is built
//! with shared's public operations, one change per operation (~800 changes), so its history is
//! far shorter than that of a document typed character by character, and its text repeats
//! phrases, so the saved size is a lower bound: the numbers are those of the content.
//!
//! Run: `cargo bench -p shared --bench big_supervision` (about a minute; results in
//! BENCHMARKS.md at the repository root).

use std::hint::black_box;
use std::time::{Duration, Instant};

use automerge::{Automerge, PatchLog};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shared::field::{self, RecordKind, TextField};
use shared::finding::{self, FindingStatus};
use shared::fixtures::{
    self, Big, CONCLUSION_TARGET_CHARS, FINDINGS, MEMBERS, T0, conclusion_chars,
};
use shared::reading;
use shared::reading::Reading;
use shared::supervision::Stamp;
use shared::{conclusion, recommendation};

/// What the member types, one character at a time.
const TYPED: &str = "đề nghị bổ sung số liệu cụ thể về kết quả khắc phục sau giám sát ";

/// Keystrokes typed this many at a time into one field, after which the document is put back
/// (untimed) as it was built: the document never drifts more than this many one-character
/// changes from the one described, and the field never grows by more than a sentence.
const KEYSTROKES_PER_ROUND: usize = 64;

/// Time `iters` keystrokes, each on its own: `set` makes the field read its current text with
/// one more character at the caret (the caret starts mid-text and moves on as the member
/// types). The text the input would hold is prepared outside the timing, as the browser does.
fn type_into(
    built: &Big,
    fields: &[TextField],
    round: &mut usize,
    iters: u64,
    set: impl Fn(&mut Automerge, &TextField, &str) -> bool,
) -> Duration {
    let typed: Vec<char> = TYPED.chars().collect();
    let mut total = Duration::ZERO;
    let mut done = 0u64;
    while done < iters {
        let mut doc = built.doc.clone(); // same actor: a member's own tablet, already attributed
        let target = &fields[*round % fields.len()];
        *round += 1;
        let mut text: Vec<char> = target.read(&doc).unwrap().chars().collect();
        let mid = text.len() / 2;
        for j in 0..KEYSTROKES_PER_ROUND.min((iters - done) as usize) {
            text.insert(mid + j, typed[j % typed.len()]); // the caret moves on as they type
            let next: String = text.iter().collect();
            let start = Instant::now();
            let changed = set(&mut doc, target, black_box(&next));
            total += start.elapsed();
            assert!(changed);
            done += 1;
        }
    }
    total
}

fn big_supervision(c: &mut Criterion) {
    let started = Instant::now();
    let built = fixtures::big_supervision();
    let bytes = built.doc.save();
    let read = reading::read(&built.doc).unwrap();
    let chars = conclusion_chars(&built.doc);
    let finding_chars: usize = read.findings.iter().map(|f| f.text.chars().count()).sum();
    let agreed = read
        .findings
        .iter()
        .filter(|f| f.status == FindingStatus::Agreed)
        .count();
    println!(
        "big supervision: {} findings ({} agreed, {} characters of text on average), {} recommendations, \
         {} conclusion paragraphs, {} characters in the conclusion (~{:.1} pages of 3,000), \
         {} changes, saved size {} bytes ({:.2} MiB); built in {:.1?}",
        read.findings.len(),
        agreed,
        finding_chars / read.findings.len(),
        read.recommendations.len(),
        read.conclusion.len(),
        chars,
        chars as f64 / 3_000.0,
        built.doc.get_changes(&[]).len(),
        bytes.len(),
        bytes.len() as f64 / (1024.0 * 1024.0),
        started.elapsed(),
    );
    assert_eq!(read.findings.len(), FINDINGS);
    assert!(chars >= CONCLUSION_TARGET_CHARS);
    // Where a read goes (one-shot, outside criterion: a mean of 5 calls each).
    let mean_of_5 = |f: &dyn Fn()| {
        let t = Instant::now();
        (0..5).for_each(|_| f());
        t.elapsed() / 5
    };
    let d = &built.doc;
    println!(
        "one read, by part (mean of 5, untimed by criterion): findings {:.1?}, conclusion {:.1?}, recommendations {:.1?}",
        mean_of_5(&|| drop(black_box(finding::read_all(d).unwrap()))),
        mean_of_5(&|| drop(black_box(conclusion::read(d).unwrap()))),
        mean_of_5(&|| drop(black_box(recommendation::read_all(d).unwrap()))),
    );

    let me = Stamp {
        member: MEMBERS[0],
        now_ms: T0 + 86_400_000,
    };
    let paragraph_fields: Vec<TextField> = built
        .paragraphs
        .iter()
        .map(|id| TextField::new(RecordKind::Paragraph, id, "text"))
        .collect();
    let finding_fields: Vec<TextField> = built
        .findings
        .iter()
        .map(|id| TextField::new(RecordKind::Finding, id, "text"))
        .collect();

    let mut g = c.benchmark_group("big_supervision");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));

    // `read` first: criterion keeps a group's throughput once set, and a read has none worth
    // stating. `open` and `save` are in bytes of the saved document, keystrokes per second.
    g.bench_function("read", |b| {
        b.iter(|| reading::read(black_box(&built.doc)).unwrap())
    });

    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.measurement_time(Duration::from_secs(8)); // ~0.2 s a call: 20 samples need ~8 s
    g.bench_function("open", |b| {
        b.iter(|| {
            let doc = Automerge::load(black_box(&bytes)).unwrap();
            reading::read(&doc).unwrap()
        })
    });
    g.measurement_time(Duration::from_secs(6));

    g.throughput(Throughput::Elements(1));

    let mut round = 0;
    g.bench_function("keystroke_in_conclusion", |b| {
        b.iter_custom(|iters| {
            type_into(
                &built,
                &paragraph_fields,
                &mut round,
                iters,
                |doc, f, text| field::set(doc, f, text, me).unwrap(),
            )
        })
    });
    let mut round = 0;
    g.bench_function("keystroke_in_finding", |b| {
        b.iter_custom(|iters| {
            type_into(
                &built,
                &finding_fields,
                &mut round,
                iters,
                |doc, f, text| {
                    shared::field::set(doc, &finding::text_field(&f.id), text, me).unwrap()
                },
            )
        })
    });

    // Another member's keystroke arriving (issue 15): merged with patches logged, then the
    // reading brought up to date record by record — what the app does with a remote change.
    let mut minh = built.doc.fork();
    minh.set_actor(automerge::ActorId::from([42; 16]));
    let minh_stamp = Stamp {
        member: MEMBERS[1],
        now_ms: T0 + 86_400_000,
    };
    let keystrokes: Vec<Vec<automerge::Change>> = (0..64)
        .map(|i| {
            let f = &finding_fields[(i * 37) % finding_fields.len()];
            let before = minh.get_heads();
            let mut text = f.read(&minh).unwrap();
            text.push('x');
            field::set(&mut minh, f, &text, minh_stamp).unwrap();
            minh.get_changes(&before)
        })
        .collect();
    g.bench_function("remote_keystroke_read_again_by_patches", |b| {
        b.iter_custom(|iters| {
            remote_keystrokes(&built.doc, &keystrokes, iters, |lan, reading, changes| {
                let before = lan.get_heads();
                let mut log = PatchLog::active();
                lan.apply_changes_log_patches(changes.to_vec(), &mut log)
                    .unwrap();
                let patches = lan.make_patches(&mut log);
                reading.apply(lan, &before, &patches).unwrap();
            })
        })
    });
    // The same, as the app does it since the sixteenth session: what the changes wrote, found
    // from their operations and each object's parents (`shared::touched`), not from patches.
    g.bench_function("remote_keystroke_read_again_by_touched", |b| {
        b.iter_custom(|iters| {
            remote_keystrokes(&built.doc, &keystrokes, iters, |lan, reading, changes| {
                let chunks = changes.iter().map(|c| c.raw_bytes());
                let before = lan.get_heads();
                let incoming = shared::touched::expect(lan, chunks).unwrap();
                lan.apply_changes(changes.to_vec()).unwrap();
                let written = shared::touched::touched(lan, &incoming);
                reading.follow(lan, &before, written.as_deref()).unwrap();
            })
        })
    });

    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("save", |b| b.iter(|| black_box(&built.doc).save()));
    g.finish();
}

/// `iters` remote keystrokes merged into copies of `doc` by `merge`, each timed alone; every
/// 64 keystrokes, the reading must read as the document read afresh.
fn remote_keystrokes(
    doc: &Automerge,
    keystrokes: &[Vec<automerge::Change>],
    iters: u64,
    mut merge: impl FnMut(&mut Automerge, &mut Reading, &[automerge::Change]),
) -> Duration {
    let mut total = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let mut lan = doc.clone();
        let mut reading = Reading::new(&lan).unwrap();
        for changes in keystrokes.iter().take((iters - done).min(64) as usize) {
            let start = Instant::now();
            merge(&mut lan, &mut reading, changes);
            total += start.elapsed();
            done += 1;
        }
        assert_eq!(reading.supervision, reading::read(&lan).unwrap());
    }
    total
}

criterion_group!(benches, big_supervision);
criterion_main!(benches);
