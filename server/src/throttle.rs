//! Sign-in throttling as the handlers use it: the rules of [`crate::rate_limit`] (5 failures
//! per username, 20 per address, 15 minutes), counted in this process's memory on SQLite, and
//! in the database when several replicas share one PostgreSQL database, so an attacker who
//! spreads guesses over the replicas still gets 5, not 5 per replica.
//!
//! On PostgreSQL an attempt is one transaction: the keys are locked (advisory locks, in a
//! fixed order), their failures older than the window are dropped, and the attempt is
//! refused or counted as a failure before any password is hashed, as in memory.

use std::net::IpAddr;
use std::time::Instant;

use crate::accounts::Accounts;
use crate::db::{Connection, params};
use crate::rate_limit::{self, LoginLimiter, Refused};

/// Where failures are counted.
pub enum Throttle {
    Local(LoginLimiter),
    /// In the database every replica shares; `what` keeps apart the keys of different
    /// throttles (sign-ins, check codes).
    Shared {
        accounts: Accounts,
        what: &'static str,
    },
}

/// An attempt under way, counted as a failure until [`Throttle::succeeded`].
pub enum Attempt {
    Local(rate_limit::Attempt),
    Shared { keys: Vec<String>, ids: Vec<i64> },
}

impl Throttle {
    /// In memory, or in `accounts`' database if it is PostgreSQL, under the name `what`.
    pub fn for_accounts(accounts: &Accounts, what: &'static str) -> Throttle {
        if accounts.is_shared() {
            Throttle::Shared {
                accounts: accounts.clone(),
                what,
            }
        } else {
            Throttle::Local(LoginLimiter::default())
        }
    }

    /// Count an attempt by `username` from `addr` as a failure now, unless a key is over its
    /// limit already (see [`LoginLimiter::attempt`]). A database failure refuses the attempt
    /// for a minute rather than let it through unthrottled.
    pub async fn attempt(
        &self,
        username: &str,
        addr: Option<IpAddr>,
        owner_device: bool,
    ) -> Result<Attempt, Refused> {
        match self {
            Throttle::Local(l) => l
                .attempt(username, addr, owner_device, Instant::now())
                .map(Attempt::Local),
            Throttle::Shared { accounts, what } => {
                let keys: Vec<(String, usize)> = rate_limit::keys(username, addr)
                    .into_iter()
                    .filter(|(k, _)| !(owner_device && k.starts_with("u:")))
                    .map(|(k, limit)| (format!("{what}/{k}"), limit))
                    .collect();
                let now = crate::now_ms();
                match accounts.with(move |c| Ok(attempt_in(c, keys, now))).await {
                    Ok(result) => result,
                    Err(e) => {
                        tracing::error!("counting a sign-in attempt: {e}");
                        Err(Refused {
                            wait_secs: 60,
                            first: false,
                        })
                    }
                }
            }
        }
    }

    /// The attempt's password was right: clear the username's failures and give back the
    /// address's place.
    pub async fn succeeded(&self, attempt: Attempt) {
        match (self, attempt) {
            (Throttle::Local(l), Attempt::Local(a)) => l.succeeded(a),
            (Throttle::Shared { accounts, what }, Attempt::Shared { keys, ids }) => {
                let user = format!("{what}/u:");
                let done = accounts
                    .with(move |c| {
                        for key in keys.iter().filter(|k| k.starts_with(&user)) {
                            c.execute("DELETE FROM login_failures WHERE key = ?1", [key])?;
                        }
                        for id in ids {
                            c.execute("DELETE FROM login_failures WHERE id = ?1", [id])?;
                        }
                        Ok(())
                    })
                    .await;
                if let Err(e) = done {
                    tracing::error!("clearing sign-in failures: {e}");
                }
            }
            _ => {}
        }
    }
}

/// One attempt in the shared table (see the module's opening).
fn attempt_in(
    c: &mut Connection,
    mut keys: Vec<(String, usize)>,
    now: i64,
) -> Result<Attempt, Refused> {
    let window = rate_limit::WINDOW.as_millis() as i64;
    let run = |c: &mut Connection| -> crate::db::Result<Result<Attempt, Refused>> {
        keys.sort();
        let tx = c.transaction()?;
        // Failures of keys nobody tries any more go too (bounded table).
        tx.execute("DELETE FROM login_failures WHERE at <= ?1", [now - window])?;
        let mut refused: Option<Refused> = None;
        for (key, limit) in &keys {
            tx.query_row(
                "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext(?1))) AS locked",
                [key],
                |_| Ok(()),
            )?;
            let (count, oldest): (i64, Option<i64>) = tx.query_row(
                "SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if (count as usize) < *limit {
                tx.execute("DELETE FROM login_throttled WHERE key = ?1", [key])?;
                continue;
            }
            let left = oldest.map_or(window, |o| window - (now - o)).max(1000);
            let first = tx.execute(
                "INSERT INTO login_throttled (key, since) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![key, now],
            )? == 1;
            let r = refused.get_or_insert(Refused {
                wait_secs: 0,
                first: false,
            });
            r.wait_secs = r.wait_secs.max((left as u64).div_ceil(1000));
            r.first |= first;
        }
        if let Some(r) = refused {
            tx.commit()?;
            return Ok(Err(r));
        }
        let mut ids = Vec::new();
        for (key, _) in &keys {
            ids.push(tx.query_row(
                "INSERT INTO login_failures (key, at) VALUES (?1, ?2) RETURNING id",
                params![key, now],
                |r| r.get(0),
            )?);
        }
        tx.commit()?;
        Ok(Ok(Attempt::Shared {
            keys: keys.into_iter().map(|(k, _)| k).collect(),
            ids,
        }))
    };
    run(c).unwrap_or_else(|e| {
        tracing::error!("counting a sign-in attempt: {e}");
        Err(Refused {
            wait_secs: 60,
            first: false,
        })
    })
}
