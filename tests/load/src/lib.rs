//! # giamsat-load: the sync load generator's pieces (the `loadgen` binary is `main.rs`)
//!
//! Its own crate beside the test harness (`giamsat-tests`, whose server, member and seeding
//! helpers it uses), so the end-to-end tests do not compile it and it does not live inside
//! the harness.
//!
//! - [`args`]: the command line.
//! - [`sim`]: one load run: delegations of simulated members over real WebSockets, edits
//!   through shared's operations, edit-to-visible latency by change hash.
//! - [`probe`]: `/health` and sign-in latency while the load runs.
//! - [`procstat`]: a server's CPU time and resident memory, read from `/proc`.
//! - [`launch`]: our server binary and the reference JavaScript server as child processes.
//! - [`scale`]: 10,000 stored supervisions, a restart, then 1,000 live clients.
//! - [`replicas`]: the same load on SQLite, on PostgreSQL, and on two PostgreSQL replicas.
//! - [`seats`]: accounts, delegations and registrations for runs against our server.
//! - [`report`]: percentiles, the JSON line, the human summary, the side-by-side table.

pub mod args;
pub mod launch;
pub mod probe;
pub mod procstat;
pub mod replicas;
pub mod report;
pub mod scale;
pub mod seats;
pub mod sim;

/// A small, fast pseudo-random generator (xorshift64*): the load needs many cheap draws, not
/// good randomness. Seeded from the OS per run, so runs differ but each draw is free.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn from_os() -> Rng {
        Rng::new(u64::from_le_bytes(giamsat_tests::random()))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Exponentially distributed with this mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        -(1.0 - self.unit()).ln() * mean
    }
}
