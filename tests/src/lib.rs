//! # giamsat-tests: the harness for end-to-end tests over the real server
//!
//! - [`server`]: starts the real `giamsat-server` binary on a free loopback port with its own
//!   data directory, and stops or restarts it.
//! - [`proxy`]: a loopback TCP proxy that delays, cuts and holds back connections (bad network).
//! - [`hostile`]: what the attack tests share: a delegation with a hostile member, a raw
//!   peer that sends any bytes, and the check that honest members still sync.
//! - [`postgres`]: a throwaway PostgreSQL cluster on loopback (for the PostgreSQL-backed
//!   server, issue 16).
//! - [`member`]: a simulated delegation member — shared's sync client over a real WebSocket —
//!   that can go offline, edit, come back, and wait (with a bound) for what it expects.
//!
//! The tests themselves are in `tests/tests/`; the browser tests (Playwright) and the
//! JavaScript interop client are in `tests/browser/` and `tests/interop/`.

pub mod hostile;
pub mod member;
pub mod postgres;
pub mod proxy;
pub mod seeding;
pub mod server;

/// Random bytes for ids (tests draw them; shared never does).
pub fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the OS random source");
    b
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The supervision the end-to-end tests create: the walking skeleton's example.
pub fn sample_setup() -> shared::supervision::Setup {
    shared::fixtures::thanh_khe_tay()
}

/// `name` making a change now.
pub fn stamp(name: &str) -> shared::supervision::Stamp<'_> {
    shared::supervision::Stamp {
        member: name,
        now_ms: now_ms(),
    }
}
