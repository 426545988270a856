//! Sign-in rate limiting: at most 5 failed sign-ins for one username, and 20 from one
//! address, within 15 minutes; past that, attempts are refused (429) until the oldest failure
//! ages out, before any password is checked. A success clears the username's failures.
//!
//! An attempt is counted **before** its password is hashed ([`LoginLimiter::attempt`]
//! reserves a place as a failure; a success gives it back), so guesses sent in parallel
//! cannot exceed the limit while their hashes run. Passwords are checked with the same
//! limiter wherever they are asked for (sign-in, a user changing their own password).
//!
//! The per-username limit does not apply to a device that is already signed in as that
//! user (the owner re-entering their password is not the attacker guessing it), and a
//! locked-out username never touches sessions: every signed-in device keeps working.
//!
//! Kept in memory on SQLite: a restart forgets the failures, which costs an attacker nothing
//! they could not get by waiting, and keeps the database free of attacker-driven writes.
//! Several replicas count in their shared PostgreSQL database instead ([`crate::throttle`]). The audit log
//! notes a throttled key once per window ([`Refused::first`]), not once per attempt.

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

/// The failures of one key (a username or an address) within the window.
#[derive(Default)]
struct Failures {
    at: VecDeque<Instant>,
    /// The audit log was told this key is throttled (reset when it no longer is).
    noted: bool,
}

#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Failures>>,
}

/// An attempt under way, counted as a failure until [`LoginLimiter::succeeded`].
#[derive(Debug, Clone)]
pub struct Attempt {
    keys: Vec<String>,
    at: Instant,
}

/// A refused attempt: how long to wait, and whether this is the first refusal for the key in
/// this window (the one the audit log records).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub wait_secs: u64,
    pub first: bool,
}

impl LoginLimiter {
    /// Count an attempt by `username` from `addr` as a failure now, unless a key is over its
    /// limit already. `owner_device`: the request comes from a device signed in as this very
    /// username, so only the address counts.
    pub fn attempt(
        &self,
        username: &str,
        addr: Option<IpAddr>,
        owner_device: bool,
        now: Instant,
    ) -> Result<Attempt, Refused> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let keys: Vec<(String, usize)> = keys(username, addr)
            .into_iter()
            .filter(|(k, _)| !(owner_device && k.starts_with("u:")))
            .collect();
        let mut refused: Option<Refused> = None;
        for (key, limit) in &keys {
            let Some(f) = map.get_mut(key) else { continue };
            while f
                .at
                .front()
                .is_some_and(|t| now.duration_since(*t) >= WINDOW)
            {
                f.at.pop_front();
            }
            if f.at.len() < *limit {
                f.noted = false;
                continue;
            }
            let left =
                f.at.front()
                    .map(|oldest| WINDOW.saturating_sub(now.duration_since(*oldest)))
                    .unwrap_or(WINDOW);
            let first = !f.noted;
            f.noted = true;
            let r = refused.get_or_insert(Refused {
                wait_secs: 0,
                first: false,
            });
            r.wait_secs = r.wait_secs.max(left.as_secs().max(1));
            r.first |= first;
        }
        if let Some(r) = refused {
            return Err(r);
        }
        if map.len() >= MAX_KEYS {
            map.retain(|_, f| f.at.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        for (key, _) in &keys {
            map.entry(key.clone()).or_default().at.push_back(now);
        }
        Ok(Attempt {
            keys: keys.into_iter().map(|(k, _)| k).collect(),
            at: now,
        })
    }

    /// The attempt's password was right: give back the place it held for its address, and
    /// clear the username's failures.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in attempt.keys {
            if key.starts_with("u:") {
                map.remove(&key);
            } else if let Some(f) = map.get_mut(&key)
                && let Some(i) = f.at.iter().rposition(|t| *t == attempt.at)
            {
                f.at.remove(i);
            }
        }
    }
}

/// The keys an attempt counts under, with their limits: `u:<username>` (lowercase) and, if
/// known, `a:<address>`.
pub fn keys(username: &str, addr: Option<IpAddr>) -> Vec<(String, usize)> {
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
    fn the_sixth_attempt_for_a_username_waits_until_the_first_ages_out() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for i in 0..PER_USERNAME {
            assert!(l.attempt("An", None, false, t0).is_ok(), "attempt {i}");
        }
        let refused = l
            .attempt("AN", None, false, t0 + Duration::from_secs(60))
            .unwrap_err();
        assert_eq!(refused.wait_secs, WINDOW.as_secs() - 60);
        assert!(refused.first, "the first refusal is the one recorded");
        let again = l.attempt("an", None, false, t0 + Duration::from_secs(61));
        assert!(
            !again.unwrap_err().first,
            "later refusals are not recorded again"
        );
        assert!(l.attempt("an", None, false, t0 + WINDOW).is_ok());
        assert!(
            l.attempt("binh", None, false, t0).is_ok(),
            "other usernames are not affected"
        );
    }

    #[test]
    fn attempts_count_before_their_outcome_so_parallel_guesses_cannot_pass_the_limit() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        // Twenty guesses arrive together; none has finished hashing.
        let admitted = (0..20)
            .filter(|_| l.attempt("chi", None, false, t0).is_ok())
            .count();
        assert_eq!(admitted, PER_USERNAME);
    }

    #[test]
    fn one_address_trying_many_usernames_is_stopped_too() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        let a: IpAddr = [10, 0, 0, 7].into();
        for i in 0..PER_ADDRESS {
            l.attempt(&format!("user{i}"), Some(a), false, t0).unwrap();
        }
        assert!(l.attempt("someone-new", Some(a), false, t0).is_err());
        assert!(
            l.attempt("someone-new", Some([10, 0, 0, 8].into()), false, t0)
                .is_ok()
        );
    }

    #[test]
    fn success_clears_the_usernames_failures_and_gives_back_the_address_place() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        let a: IpAddr = [10, 0, 0, 9].into();
        for _ in 0..PER_USERNAME - 1 {
            l.attempt("chi", Some(a), false, t0).unwrap();
        }
        let ok = l.attempt("Chi", Some(a), false, t0).unwrap();
        l.succeeded(ok);
        assert!(l.attempt("chi", Some(a), false, t0).is_ok());
        // A busy office behind one address: successful sign-ins never fill its quota.
        let l = LoginLimiter::default();
        for i in 0..PER_ADDRESS * 3 {
            let ok = l
                .attempt(&format!("member{i}"), Some(a), false, t0)
                .unwrap();
            l.succeeded(ok);
        }
        assert!(l.attempt("one-more", Some(a), false, t0).is_ok());
    }

    #[test]
    fn a_locked_username_does_not_refuse_its_owners_signed_in_device() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for _ in 0..PER_USERNAME {
            l.attempt("lan", Some([10, 0, 0, 66].into()), false, t0)
                .unwrap();
        }
        assert!(
            l.attempt("lan", Some([10, 0, 0, 1].into()), false, t0)
                .is_err()
        );
        assert!(
            l.attempt("lan", Some([10, 0, 0, 1].into()), true, t0)
                .is_ok()
        );
    }
}
