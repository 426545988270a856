//! Sign-in rate limiting: after 5 failed sign-ins for one username, or 20 from one address,
//! within 15 minutes, further attempts are refused (429) until the oldest failure ages out,
//! before any password is checked. A success clears the username's failures.
//!
//! Kept in memory: a restart forgets the failures, which costs an attacker nothing they could
//! not get by waiting, and keeps the database free of attacker-driven writes.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures per username within the window.
pub const PER_USERNAME: usize = 5;
/// Failures per address within the window.
pub const PER_ADDRESS: usize = 20;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// The most keys kept; past it the oldest entries are dropped (bounded memory under a flood
/// of invented usernames).
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// `Err(seconds to wait)` if this username or address is over its limit now.
    pub fn check(&self, username: &str, addr: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = 0u64;
        for (key, limit) in keys(username, addr) {
            if let Some(q) = map.get_mut(&key) {
                while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                    q.pop_front();
                }
                if q.len() >= limit {
                    if let Some(oldest) = q.front() {
                        let left = WINDOW.saturating_sub(now.duration_since(*oldest));
                        wait = wait.max(left.as_secs().max(1));
                    }
                }
            }
        }
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    /// Count a failed sign-in.
    pub fn failed(&self, username: &str, addr: Option<IpAddr>, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        for (key, limit) in keys(username, addr) {
            let q = map.entry(key).or_default();
            q.push_back(now);
            while q.len() > limit {
                q.pop_front();
            }
        }
    }

    /// A successful sign-in clears the username's failures.
    pub fn succeeded(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("u:{}", username.to_lowercase()));
    }
}

fn keys(username: &str, addr: Option<IpAddr>) -> Vec<(String, usize)> {
    let mut keys = vec![(format!("u:{}", username.to_lowercase()), PER_USERNAME)];
    if let Some(a) = addr {
        keys.push((format!("a:{a}"), PER_ADDRESS));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_for_a_username_waits_until_the_first_ages_out() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for i in 0..PER_USERNAME {
            assert!(l.check("An", None, t0).is_ok(), "attempt {i}");
            l.failed("an", None, t0);
        }
        let wait = l
            .check("AN", None, t0 + Duration::from_secs(60))
            .unwrap_err();
        assert_eq!(wait, WINDOW.as_secs() - 60);
        assert!(l.check("an", None, t0 + WINDOW).is_ok());
        assert!(
            l.check("binh", None, t0).is_ok(),
            "other usernames are not affected"
        );
    }

    #[test]
    fn one_address_trying_many_usernames_is_stopped_too() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        let a: IpAddr = [10, 0, 0, 7].into();
        for i in 0..PER_ADDRESS {
            l.failed(&format!("user{i}"), Some(a), t0);
        }
        assert!(l.check("someone-new", Some(a), t0).is_err());
        assert!(
            l.check("someone-new", Some([10, 0, 0, 8].into()), t0)
                .is_ok()
        );
    }

    #[test]
    fn success_clears_the_usernames_failures() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for _ in 0..PER_USERNAME - 1 {
            l.failed("chi", None, t0);
        }
        l.succeeded("Chi");
        l.failed("chi", None, t0);
        assert!(l.check("chi", None, t0).is_ok());
    }
}
