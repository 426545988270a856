//! Issue 14: "figures and follow-up list for 1,000 supervisions / 10,000 recommendations".
//! An organisation's year (`shared::followup_sample`): 1,000 supervisions (a fifth of them
//! inspections) over 2026, each of one unit with 10 recommendations (due dates spread over
//! the year, a third answered in writing, a fifth remedied), nine in ten issued. This times what a leader's tablet (or a
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
use shared::followup_sample::{PER_SUPERVISION, SUPERVISIONS, supervision};

fn bench(c: &mut Criterion) {
    let started = Instant::now();
    let docs: Vec<Automerge> = (0..SUPERVISIONS)
        .map(|i| supervision(i).expect("built"))
        .collect();
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
