//! Issue 14: "figures and follow-up list for 1,000 supervisions / 10,000 recommendations".
//! An organisation's year: 1,000 supervisions (a fifth of them inspections) over 2026, each of
//! one unit with 10 recommendations (due dates spread over the year, a third answered in
//! writing, a fifth remedied), nine in ten issued. This times what a leader's tablet (or a
//! server, natively) does to show the follow-up screen: `facts` (read what the figures need
//! from each of the 1,000 documents, `Facts::read`), `figures_year` and `figures_quarter`, and
//! `list` (every recommendation with its standing, sorted) and `list_filtered` (a unit typed
//! without accents and a word of the text).
//!
//! Run: `cargo bench -p shared --bench followup` (about a minute; results in BENCHMARKS.md).

use std::hint::black_box;
use std::time::{Duration, Instant};

use automerge::Automerge;
use criterion::{Criterion, criterion_group, criterion_main};
use shared::followup::{self, Day, Facts, Filter, Period};
use shared::official::issue::{self, Letterhead};
use shared::recommendation::{self, FollowUp, NewRecommendation, Reply};
use shared::supervision::{self, Setup, Stamp, SupervisionKind};
use shared::{DocumentId, RecordId, finding, unit};

const SUPERVISIONS: usize = 1_000;
const PER_SUPERVISION: usize = 10;
const TOPICS: [&str; 5] = [
    "Quy chế dân chủ ở cơ sở",
    "Tiếp công dân, giải quyết khiếu nại",
    "Quản lý đất đai",
    "An sinh xã hội",
    "Xây dựng nông thôn mới",
];

fn stamp(now_ms: i64) -> Stamp<'static> {
    Stamp {
        member: "Nguyễn Thị Lan",
        now_ms,
    }
}

/// Supervision `i` of the year.
fn supervision(i: usize) -> Automerge {
    let day = Day::from_ymd(2026, 1, 1).plus((i * 365 / SUPERVISIONS) as i64);
    let setup = Setup {
        title: format!("Giám sát số {i} về {}", TOPICS[i % TOPICS.len()]),
        kind: if i % 5 == 0 {
            SupervisionKind::Inspection
        } else {
            SupervisionKind::Supervision
        },
        schedule_from: day.iso(),
        ..Default::default()
    };
    let mut doc = supervision::create(&setup, stamp(0)).expect("created");
    supervision::add_topic(&mut doc, TOPICS[i % TOPICS.len()], stamp(0)).expect("topic");
    let u = RecordId::from_bytes((i as u64).to_le_bytes());
    unit::add(
        &mut doc,
        &u,
        &format!("Ủy ban nhân dân phường số {}", i % 150),
        stamp(0),
    )
    .expect("unit");
    let f = RecordId::from_bytes(((i as u64) + (1 << 32)).to_le_bytes());
    finding::add(
        &mut doc,
        &f,
        &u,
        finding::FindingKind::Shortcoming,
        "Việc niêm yết công khai chưa đầy đủ.",
        stamp(0),
    )
    .expect("finding");
    for k in 0..PER_SUPERVISION {
        let r = RecordId::from_bytes(((i * PER_SUPERVISION + k) as u64 + (1 << 40)).to_le_bytes());
        let due = day.plus(30 + (k as i64 * 9)).iso();
        let answers = [f.clone()];
        let new = NewRecommendation {
            text: "Đề nghị bổ sung hồ sơ, niêm yết công khai dự toán và báo cáo kết quả khắc phục.",
            addressee: "Chủ tịch Ủy ban nhân dân phường",
            due: &due,
            answers: if k % 2 == 0 { &answers } else { &[] },
            ..Default::default()
        };
        recommendation::add(&mut doc, &r, &new, stamp(0)).expect("recommendation");
        if k % 3 == 0 {
            let reply = Reply {
                date: day.plus(5 + k as i64 * 2).iso(),
                number: format!("{k}/BC-UBND"),
                scan: None,
            };
            recommendation::record_reply(&mut doc, &r, &reply, stamp(1)).expect("reply");
        }
        if k % 5 == 0 {
            recommendation::set_status(&mut doc, &r, FollowUp::Remedied, stamp(2)).expect("status");
        }
    }
    if i % 10 != 0 {
        let letterhead = Letterhead {
            date: day.plus(3).ymd(),
            ..Default::default()
        };
        let id = DocumentId::from_bytes([(i % 256) as u8; 16]);
        issue::issue(
            &mut doc,
            &id,
            &letterhead,
            &RecordId::from_key("v1"),
            stamp(3),
        )
        .expect("issued");
    }
    doc
}

fn bench(c: &mut Criterion) {
    let started = Instant::now();
    let docs: Vec<Automerge> = (0..SUPERVISIONS).map(supervision).collect();
    eprintln!(
        "built {SUPERVISIONS} supervisions, {} recommendations, in {:.1} s",
        SUPERVISIONS * PER_SUPERVISION,
        started.elapsed().as_secs_f64()
    );
    let facts: Vec<Facts> = docs
        .iter()
        .map(|d| Facts::read(d).expect("facts"))
        .collect();
    let today = Day::from_ymd(2026, 12, 2);
    let year = followup::figures(&facts, Period::year(2026), today);
    eprintln!("the year's figures: {year:?}");
    assert_eq!(year.recommendations, SUPERVISIONS * PER_SUPERVISION);

    let mut g = c.benchmark_group("followup_1000_supervisions");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("facts", |b| {
        b.iter(|| {
            black_box(
                docs.iter()
                    .map(|d| Facts::read(d).expect("facts"))
                    .collect::<Vec<_>>(),
            )
        })
    });
    g.bench_function("figures_year", |b| {
        b.iter(|| black_box(followup::figures(&facts, Period::year(2026), today)))
    });
    g.bench_function("figures_quarter", |b| {
        b.iter(|| black_box(followup::figures(&facts, Period::quarter(2026, 2), today)))
    });
    g.bench_function("list", |b| {
        b.iter(|| black_box(followup::list(&facts, &Filter::default(), today)))
    });
    let filter = Filter {
        unit: "phuong so 12".into(),
        search: "niem yet".into(),
        ..Filter::default()
    };
    g.bench_function("list_filtered", |b| {
        b.iter(|| black_box(followup::list(&facts, &filter, today)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
