//! Seeds a running server with the organisation's year of `shared::followup_sample` (1,000
//! supervisions, 10,000 recommendations) for `tests/bench/followup-open.mjs`: each document is
//! built with shared's operations, registered to the delegation and sent through a simulated
//! member (shared's sync client over a real WebSocket); it waits until the server has
//! confirmed every change, prints one JSON line (`{"supervisions": n, "seconds": s}`) and exits.
//!
//! Usage: `seed_followup <server address or URL> <username> <password> <delegation id>`. The
//! account must be a writing member of the delegation.

use std::time::{Duration, Instant};

use giamsat_tests::member::Member;
use giamsat_tests::seeding;
use giamsat_tests::server::sign_in;
use shared::followup_sample::{SUPERVISIONS, supervision};

const BOUND: Duration = Duration::from_secs(600);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, username, password, delegation] = args.as_slice() else {
        eprintln!("usage: seed_followup <server address> <username> <password> <delegation id>");
        std::process::exit(2);
    };
    let addr = addr.trim_start_matches("http://").trim_end_matches('/');
    let delegation: i64 = delegation.parse().expect("a delegation id");
    let started = Instant::now();
    let account = sign_in(addr, username, password, username).await;
    let ws = format!("ws://{addr}/sync");
    let mut member = Member::new(&account);
    member.connect(&ws).await;
    let mut ids = Vec::with_capacity(SUPERVISIONS);
    for i in 0..SUPERVISIONS {
        let doc = supervision(i).expect("a sample supervision");
        ids.push(
            seeding::register(&mut member, delegation, doc, &format!("supervision {i}")).await,
        );
    }
    seeding::until_confirmed(&mut member, &ws, &ids, BOUND, "the year").await;
    println!(
        "{}",
        serde_json::json!({ "supervisions": ids.len(), "seconds": started.elapsed().as_secs_f64() })
    );
}
