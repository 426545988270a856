//! How many new changes one account may bring to the server in a minute.
//!
//! Every change the server accepts is stored and entered in the durability ledger
//! ([`crate::durable`], 32 bytes a change, for as long as the process runs), so an account
//! that scripted changes at full speed would grow both without end. A tablet's real work is
//! far below the limit (a member typing all day makes a few thousand changes; a tablet back
//! after a week offline, tens of thousands at once), so the default,
//! `--max-changes-per-minute` 100,000, only stops a flood. A sync message that would pass the
//! limit is refused whole with an `error` naming it, nothing of it is applied, and the
//! tablet keeps its changes and sends them again when it reconnects. Changes the server has
//! already (relayed back) do not count.
//!
//! Kept in memory, per process (a second replica would keep its own count).

use std::collections::HashMap;
use std::sync::Mutex;

/// The per-account, per-minute count of new changes.
pub struct ChangeQuota {
    per_minute: u64,
    used: Mutex<HashMap<i64, (i64, u64)>>,
}

impl ChangeQuota {
    pub fn new(per_minute: u64) -> Self {
        Self {
            per_minute,
            used: Mutex::new(HashMap::new()),
        }
    }

    /// The limit.
    pub fn per_minute(&self) -> u64 {
        self.per_minute
    }

    /// Count `n` new changes by `user` at `now_ms`; `false` (and nothing counted) if that
    /// would pass the limit for this minute.
    pub fn take(&self, user: i64, n: u64, now_ms: i64) -> bool {
        if n == 0 {
            return true;
        }
        let minute = now_ms.div_euclid(60_000);
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        if used.len() > 10_000 {
            used.retain(|_, (m, _)| *m == minute);
        }
        let entry = used.entry(user).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1.saturating_add(n) > self.per_minute {
            return false;
        }
        entry.1 += n;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_gets_its_minute_and_no_more_and_the_next_minute_starts_afresh() {
        let q = ChangeQuota::new(10);
        assert!(q.take(1, 6, 0));
        assert!(!q.take(1, 5, 1_000), "6 + 5 passes 10: refused whole");
        assert!(q.take(1, 4, 2_000));
        assert!(!q.take(1, 1, 3_000));
        assert!(q.take(2, 10, 3_000), "another account has its own");
        assert!(q.take(1, 10, 60_000), "a new minute");
        assert!(q.take(1, 0, 60_001), "nothing new always passes");
    }
}
