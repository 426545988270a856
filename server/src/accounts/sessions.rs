//! Device sessions: one per signed-in tablet, long-lived so a tablet offline for weeks is
//! still signed in when it comes back, and revocable (sign-out, or an administrator
//! revoking a lost tablet). The cookie carries a random token; the database keeps only its
//! SHA-256, so a copy of the database does not sign anyone in.
//!
//! A session expires `ttl` after its last use: each use moves the expiry on (written at most
//! once a minute, so a busy tablet does not write on every request), and never lives past
//! `max_age` after it was made however often it is used ([`Lifetime`]). When the expiry
//! moves, [`Session::renewed`] says so and the cookie's `Max-Age` is renewed with it.

use crate::db::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{new_token, token_sha};
use crate::error::ServerError;

/// A live session, found by its token.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub expires_at: i64,
    /// This use moved the expiry on (the cookie should be sent again with a fresh Max-Age).
    pub renewed: bool,
}

/// How long sessions live, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Lifetime {
    /// After the last use.
    pub sliding_ms: i64,
    /// After the sign-in, at the most.
    pub absolute_ms: i64,
}

impl Lifetime {
    /// The expiry of a session made at `created` and used at `now`.
    pub fn expiry(self, created: i64, now: i64) -> i64 {
        now.saturating_add(self.sliding_ms)
            .min(created.saturating_add(self.absolute_ms))
    }
}

/// A session as the admin screen lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub device: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked: bool,
}

/// Start a session; returns the token for the cookie and the session.
pub fn create(
    c: &Connection,
    user_id: i64,
    device: &str,
    now: i64,
    life: Lifetime,
) -> Result<(String, Session), ServerError> {
    let (token, sha) = new_token()?;
    let device: String = device.chars().take(200).collect();
    let expires_at = life.expiry(now, now);
    let id: i64 = c.query_row(
        "INSERT INTO device_sessions (token_sha, user_id, device, created_at, last_seen_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5) RETURNING id",
        params![sha, user_id, device, now, expires_at],
        |r| r.get(0),
    )?;
    Ok((
        token,
        Session {
            id,
            user_id,
            expires_at,
            renewed: false,
        },
    ))
}

/// The live session a token names, moving its expiry on; `None` if unknown, expired,
/// past its absolute lifetime, revoked, or its account disabled.
pub fn find(
    c: &Connection,
    token: &str,
    now: i64,
    life: Lifetime,
) -> Result<Option<Session>, ServerError> {
    let row: Option<(i64, i64, i64, i64, i64)> = c
        .query_row(
            "SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at
             FROM device_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_sha = ?1 AND s.revoked_at IS NULL AND u.disabled_at IS NULL",
            [token_sha(token)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((id, user_id, created, last_seen, expires_at)) = row else {
        return Ok(None);
    };
    let expires_at = expires_at.min(created.saturating_add(life.absolute_ms));
    if expires_at <= now {
        return Ok(None);
    }
    let mut session = Session {
        id,
        user_id,
        expires_at,
        renewed: false,
    };
    let next = life.expiry(created, now);
    if now - last_seen >= 60_000 && next > expires_at {
        session.expires_at = next;
        session.renewed = true;
        c.execute(
            "UPDATE device_sessions SET last_seen_at = ?2, expires_at = ?3 WHERE id = ?1",
            params![id, now, next],
        )?;
    }
    Ok(Some(session))
}

/// Whether a session is still live (checked again by long-lived sync connections).
pub fn is_live(c: &Connection, id: i64, now: i64, life: Lifetime) -> Result<bool, ServerError> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM device_sessions s JOIN users u ON u.id = s.user_id
                       WHERE s.id = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2
                         AND s.created_at + ?3 > ?2 AND u.disabled_at IS NULL)",
        params![id, now, life.absolute_ms],
        |r| r.get(0),
    )?)
}

/// Revoke every live session of a user (all their devices), but `keep` if given; how many.
pub fn revoke_all(
    c: &Connection,
    user: i64,
    keep: Option<i64>,
    now: i64,
) -> Result<usize, ServerError> {
    Ok(c.execute(
        "UPDATE device_sessions SET revoked_at = ?2
         WHERE user_id = ?1 AND revoked_at IS NULL AND id IS DISTINCT FROM ?3",
        params![user, now, keep],
    )?)
}

/// Revoke a session; `false` if there is no such live session.
pub fn revoke(c: &Connection, id: i64, now: i64) -> Result<bool, ServerError> {
    Ok(c.execute(
        "UPDATE device_sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now],
    )? == 1)
}

/// Give `user` a new password hash and end their sessions but `keep` (a reset by an
/// administrator keeps none; a user's own change keeps the device it was made on). `None`
/// if there is no such user; else how many sessions ended.
pub fn new_password(
    c: &Connection,
    user: i64,
    hash: &str,
    keep: Option<i64>,
    now: i64,
) -> Result<Option<usize>, ServerError> {
    if !super::store::set_password(c, user, hash)? {
        return Ok(None);
    }
    revoke_all(c, user, keep, now).map(Some)
}

/// Every session, newest first.
pub fn list(c: &Connection, now: i64) -> Result<Vec<SessionRow>, ServerError> {
    let mut q = c.prepare(
        "SELECT s.id, s.user_id, u.username, s.device, s.created_at, s.last_seen_at, s.expires_at,
                s.revoked_at IS NOT NULL OR s.expires_at <= ?1
         FROM device_sessions s JOIN users u ON u.id = s.user_id ORDER BY s.id DESC LIMIT 500",
    )?;
    let rows = q.query_map([now], |r| {
        Ok(SessionRow {
            id: r.get(0)?,
            user_id: r.get(1)?,
            username: r.get(2)?,
            device: r.get(3)?,
            created_at: r.get(4)?,
            last_seen_at: r.get(5)?,
            expires_at: r.get(6)?,
            revoked: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{Accounts, store};

    const MIN: i64 = 60_000;
    const DAY: i64 = 24 * 60 * MIN;
    const LIFE: Lifetime = Lifetime {
        sliding_ms: 30 * DAY,
        absolute_ms: 90 * DAY,
    };

    fn accounts() -> (tempfile::TempDir, Accounts, i64) {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::open(&dir.path().join("db.sqlite3")).unwrap();
        let user = accounts
            .with_now(|c| store::create_user(c, "lan", "Lan", "x", false, 0))
            .unwrap();
        (dir, accounts, user)
    }

    #[test]
    fn a_session_slides_with_use_says_so_and_never_outlives_its_absolute_lifetime() {
        let (_dir, accounts, user) = accounts();
        accounts
            .with_now(|c| {
                // Step 1: signed in at day 0; it expires 30 days after the last use.
                let (token, s) = create(c, user, "tablet", 0, LIFE)?;
                assert_eq!(s.expires_at, 30 * DAY);
                // Step 2: used within the minute: nothing moves, no new cookie.
                let s = find(c, &token, 30_000, LIFE)?.unwrap();
                assert!(!s.renewed);
                // Step 3: used every 20 days, it slides, and says so (the cookie is sent again).
                for day in [20, 40, 60] {
                    let s = find(c, &token, day * DAY, LIFE)?.unwrap();
                    assert!(s.renewed, "day {day}");
                    assert_eq!(s.expires_at, (day + 30) * DAY);
                    assert!(is_live(c, s.id, day * DAY, LIFE)?);
                }
                // Step 4: past day 60 the absolute lifetime caps it: day 80 expires at 90.
                let s = find(c, &token, 80 * DAY, LIFE)?.unwrap();
                assert_eq!(s.expires_at, 90 * DAY);
                // Step 5: at day 90 it is over, however busy the tablet is.
                assert!(find(c, &token, 90 * DAY, LIFE)?.is_none());
                assert!(!is_live(c, s.id, 90 * DAY, LIFE)?);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn revoking_all_of_a_users_sessions_can_keep_the_current_one() {
        let (_dir, accounts, user) = accounts();
        accounts
            .with_now(|c| {
                let (a, sa) = create(c, user, "a", 0, LIFE)?;
                let (b, _) = create(c, user, "b", 0, LIFE)?;
                assert_eq!(revoke_all(c, user, Some(sa.id), MIN)?, 1);
                assert!(find(c, &a, 2 * MIN, LIFE)?.is_some());
                assert!(find(c, &b, 2 * MIN, LIFE)?.is_none());
                // A disabled account has no live session at all.
                store::set_disabled(c, user, Some(3 * MIN))?;
                assert!(find(c, &a, 4 * MIN, LIFE)?.is_none());
                Ok(())
            })
            .unwrap();
    }
}
