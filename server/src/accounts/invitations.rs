//! Invitation links: a head or deputy invites someone into their delegation with a role.
//! The link carries a random token (only its SHA-256 is stored); it works once, for 7 days,
//! and only while it is not withdrawn and its maker may still make it (an administrator, or
//! a head or deputy of that delegation, with an account that is not disabled): a head who
//! leaves the delegation takes their open links with them. Heads, deputies and
//! administrators list a delegation's open links and withdraw them ([`open`], [`revoke`]);
//! a link is named there by its stored hash, never by its token.

use crate::db::{Connection, OptionalExtension, params};

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

/// The condition that an invitation row `i` is open at `?now`: not used, withdrawn or
/// expired, and its maker still an administrator or a head or deputy of its delegation.
const OPEN: &str = "i.used_by IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?2
     AND EXISTS (SELECT 1 FROM users u WHERE u.id = i.created_by AND u.disabled_at IS NULL
                 AND (u.is_admin OR EXISTS (SELECT 1 FROM memberships m
                      WHERE m.user_id = u.id AND m.delegation_id = i.delegation_id
                        AND m.role IN ('head', 'deputy'))))";

/// The open invitation a token names: `None` if unknown, used, withdrawn, expired, or its
/// maker may no longer make it.
pub fn find(c: &Connection, token: &str, now: i64) -> Result<Option<Invitation>, ServerError> {
    let row: Option<(i64, String, String, i64)> = c
        .query_row(
            &format!(
                "SELECT i.delegation_id, d.name, i.role, i.expires_at
                 FROM invitations i JOIN delegations d ON d.id = i.delegation_id
                 WHERE i.token_sha = ?1 AND {OPEN}"
            ),
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

/// An open invitation as the delegation's screen lists it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenInvitation {
    /// The stored hash of the token: names the link for withdrawing it, cannot be used.
    pub id: String,
    pub role: Role,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A delegation's open invitations, newest first.
pub fn open(c: &Connection, delegation: i64, now: i64) -> Result<Vec<OpenInvitation>, ServerError> {
    let mut q = c.prepare(&format!(
        "SELECT i.token_sha, i.role, u.display_name, i.created_at, i.expires_at
         FROM invitations i JOIN users u ON u.id = i.created_by
         WHERE i.delegation_id = ?1 AND {OPEN} ORDER BY i.created_at DESC LIMIT 500"
    ))?;
    let rows = q.query_map(params![delegation, now], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, role, created_by, created_at, expires_at) = row?;
        if let Some(role) = Role::parse(&role) {
            out.push(OpenInvitation {
                id,
                role,
                created_by,
                created_at,
                expires_at,
            });
        }
    }
    Ok(out)
}

/// Withdraw delegation `delegation`'s unused invitation `id` (its stored hash); `false` if
/// there is no such open link.
pub fn revoke(c: &Connection, delegation: i64, id: &str, now: i64) -> Result<bool, ServerError> {
    Ok(c.execute(
        "UPDATE invitations SET revoked_at = ?3
         WHERE token_sha = ?1 AND delegation_id = ?2 AND used_by IS NULL AND revoked_at IS NULL",
        params![id, delegation, now],
    )? == 1)
}

/// Mark a link used; `false` if someone used it first (two tablets racing on one link).
pub fn use_once(c: &Connection, token: &str, user: i64, now: i64) -> Result<bool, ServerError> {
    Ok(c.execute(
        "UPDATE invitations SET used_by = ?2, used_at = ?3
         WHERE token_sha = ?1 AND used_by IS NULL AND revoked_at IS NULL AND expires_at > ?3",
        params![token_sha(token), user, now],
    )? == 1)
}
