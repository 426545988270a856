//! Invitation links: a head or deputy invites someone into their delegation with a role.
//! The link carries a random token (only its SHA-256 is stored); it works once, for 7 days.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Role, new_token, token_sha};
use crate::error::ServerError;

/// How long a link works.
pub const VALID_MS: i64 = 7 * 24 * 3600 * 1000;

/// An open invitation.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub delegation_id: i64,
    pub delegation_name: String,
    pub role: Role,
    pub expires_at: i64,
}

/// Make a link; returns its token.
pub fn create(
    c: &Connection,
    delegation: i64,
    role: Role,
    by: i64,
    now: i64,
) -> Result<(String, i64), ServerError> {
    let (token, sha) = new_token()?;
    let expires_at = now + VALID_MS;
    c.execute(
        "INSERT INTO invitations (token_sha, delegation_id, role, created_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![sha, delegation, role.as_str(), by, now, expires_at],
    )?;
    Ok((token, expires_at))
}

/// The open invitation a token names: `None` if unknown, used or expired.
pub fn find(c: &Connection, token: &str, now: i64) -> Result<Option<Invitation>, ServerError> {
    let row: Option<(i64, String, String, i64)> = c
        .query_row(
            "SELECT i.delegation_id, d.name, i.role, i.expires_at
             FROM invitations i JOIN delegations d ON d.id = i.delegation_id
             WHERE i.token_sha = ?1 AND i.used_by IS NULL AND i.expires_at > ?2",
            params![token_sha(token), now],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(
        row.and_then(|(delegation_id, delegation_name, role, expires_at)| {
            Some(Invitation {
                delegation_id,
                delegation_name,
                role: Role::parse(&role)?,
                expires_at,
            })
        }),
    )
}

/// Mark a link used; `false` if someone used it first (two tablets racing on one link).
pub fn use_once(c: &Connection, token: &str, user: i64, now: i64) -> Result<bool, ServerError> {
    Ok(c.execute(
        "UPDATE invitations SET used_by = ?2, used_at = ?3
         WHERE token_sha = ?1 AND used_by IS NULL AND expires_at > ?3",
        params![token_sha(token), user, now],
    )? == 1)
}
