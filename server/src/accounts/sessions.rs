//! Device sessions: one per signed-in tablet, long-lived so a tablet offline for weeks is
//! still signed in when it comes back, and revocable (sign-out, or an administrator
//! revoking a lost tablet). The cookie carries a random token; the database keeps only its
//! SHA-256, so a copy of the database does not sign anyone in.
//!
//! A session expires `ttl` after its last use: each use moves the expiry on (written at most
//! once a minute, so a busy tablet does not write on every request).

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{new_token, token_sha};
use crate::error::ServerError;

/// A live session, found by its token.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub expires_at: i64,
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
    ttl_ms: i64,
) -> Result<(String, Session), ServerError> {
    let (token, sha) = new_token()?;
    let device: String = device.chars().take(200).collect();
    let expires_at = now + ttl_ms;
    c.execute(
        "INSERT INTO device_sessions (token_sha, user_id, device, created_at, last_seen_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
        params![sha, user_id, device, now, expires_at],
    )?;
    Ok((
        token,
        Session {
            id: c.last_insert_rowid(),
            user_id,
            expires_at,
        },
    ))
}

/// The live session a token names, moving its expiry on; `None` if unknown, expired or
/// revoked.
pub fn find(
    c: &Connection,
    token: &str,
    now: i64,
    ttl_ms: i64,
) -> Result<Option<Session>, ServerError> {
    let row: Option<(i64, i64, i64, i64)> = c
        .query_row(
            "SELECT id, user_id, last_seen_at, expires_at FROM device_sessions
             WHERE token_sha = ?1 AND revoked_at IS NULL",
            [token_sha(token)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((id, user_id, last_seen, expires_at)) = row else {
        return Ok(None);
    };
    if expires_at <= now {
        return Ok(None);
    }
    let mut session = Session {
        id,
        user_id,
        expires_at,
    };
    if now - last_seen >= 60_000 {
        session.expires_at = now + ttl_ms;
        c.execute(
            "UPDATE device_sessions SET last_seen_at = ?2, expires_at = ?3 WHERE id = ?1",
            params![id, now, session.expires_at],
        )?;
    }
    Ok(Some(session))
}

/// Whether a session is still live (checked again by long-lived sync connections).
pub fn is_live(c: &Connection, id: i64, now: i64) -> Result<bool, ServerError> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM device_sessions WHERE id = ?1 AND revoked_at IS NULL AND expires_at > ?2)",
        params![id, now],
        |r| r.get(0),
    )?)
}

/// Revoke a session; `false` if there is no such live session.
pub fn revoke(c: &Connection, id: i64, now: i64) -> Result<bool, ServerError> {
    Ok(c.execute(
        "UPDATE device_sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now],
    )? == 1)
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
