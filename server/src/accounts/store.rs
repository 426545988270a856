//! The queries on users, delegations, memberships, supervision ownership, actors and blob
//! ownership. Each is a plain function on a connection, so the HTTP handlers, the share
//! policy and the command-line tools use the same ones.

use crate::db::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{Access, Role};
use crate::error::ServerError;

/// One account, as the API shows it (never its password hash).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    /// Disabled by an administrator: cannot sign in, has no live session.
    pub disabled: bool,
}

/// A username: 3–40 letters, digits, `.`, `_`, `-` (ASCII, so it is typed the same on every
/// tablet keyboard).
pub fn check_username(username: &str) -> Result<(), ServerError> {
    let ok = (3..=40).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ServerError::BadRequest(
            "Tên đăng nhập gồm 3–40 chữ cái không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang. \
             / A username is 3–40 letters without accents, digits, dots, underscores or hyphens."
                .into(),
        ))
    }
}

/// A display name or a delegation name: 1–120 characters after trimming.
pub fn check_name(name: &str) -> Result<String, ServerError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(ServerError::BadRequest(
            "Tên cần từ 1 đến 120 ký tự. / A name needs 1 to 120 characters.".into(),
        ));
    }
    Ok(name.to_owned())
}

/// Create an account; `409` if the username is taken (case-insensitively).
pub fn create_user(
    c: &Connection,
    username: &str,
    display_name: &str,
    password_hash: &str,
    is_admin: bool,
    now: i64,
) -> Result<i64, ServerError> {
    let taken: bool = c.query_row(
        "SELECT EXISTS(SELECT 1 FROM users WHERE lower(username) = lower(?1))",
        [username],
        |r| r.get(0),
    )?;
    if taken {
        return Err(ServerError::Conflict(
            "Tên đăng nhập này đã có người dùng; hãy chọn tên khác. / This username is taken; choose another."
                .into(),
        ));
    }
    Ok(c.query_row(
        "INSERT INTO users (username, display_name, password_hash, is_admin, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        params![username, display_name, password_hash, is_admin, now],
        |r| r.get(0),
    )?)
}

/// An account and its password hash, by username.
pub fn user_for_login(
    c: &Connection,
    username: &str,
) -> Result<Option<(User, String)>, ServerError> {
    Ok(c.query_row(
        "SELECT id, username, display_name, is_admin, disabled_at IS NOT NULL, password_hash FROM users WHERE lower(username) = lower(?1)",
        [username],
        |r| Ok((user_row(r)?, r.get(5)?)),
    )
    .optional()?)
}

pub fn user(c: &Connection, id: i64) -> Result<Option<User>, ServerError> {
    Ok(c.query_row(
        "SELECT id, username, display_name, is_admin, disabled_at IS NOT NULL FROM users WHERE id = ?1",
        [id],
        user_row,
    )
    .optional()?)
}

/// How many accounts exist (none: the server says how to make the first administrator).
pub fn count_users(c: &Connection) -> Result<i64, ServerError> {
    Ok(c.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
}

pub fn users(c: &Connection) -> Result<Vec<User>, ServerError> {
    let mut q = c.prepare("SELECT id, username, display_name, is_admin, disabled_at IS NOT NULL FROM users ORDER BY id")?;
    let rows = q.query_map([], user_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn user_row(r: &crate::db::Row) -> crate::db::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        is_admin: r.get(3)?,
        disabled: r.get(4)?,
    })
}

/// Replace a user's password hash; `false` if there is no such user.
pub fn set_password(c: &Connection, id: i64, hash: &str) -> Result<bool, ServerError> {
    Ok(c.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![id, hash],
    )? == 1)
}

/// The password hash of user `id`.
pub fn password_hash(c: &Connection, id: i64) -> Result<Option<String>, ServerError> {
    Ok(
        c.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

/// Disable (`Some(now)`) or enable (`None`) an account; `false` if there is no such user.
pub fn set_disabled(c: &Connection, id: i64, at: Option<i64>) -> Result<bool, ServerError> {
    Ok(c.execute(
        "UPDATE users SET disabled_at = ?2 WHERE id = ?1",
        params![id, at],
    )? == 1)
}

pub fn create_delegation(c: &Connection, name: &str, now: i64) -> Result<i64, ServerError> {
    Ok(c.query_row(
        "INSERT INTO delegations (name, created_at) VALUES (?1, ?2) RETURNING id",
        params![name, now],
        |r| r.get(0),
    )?)
}

pub fn delegation_name(c: &Connection, id: i64) -> Result<Option<String>, ServerError> {
    Ok(
        c.query_row("SELECT name FROM delegations WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

pub fn delegation_by_name(c: &Connection, name: &str) -> Result<Option<i64>, ServerError> {
    Ok(
        c.query_row("SELECT id FROM delegations WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

/// Every delegation with its number of members (the admin screen).
pub fn delegations(c: &Connection) -> Result<Vec<(i64, String, i64)>, ServerError> {
    let mut q = c.prepare(
        "SELECT d.id, d.name, (SELECT COUNT(*) FROM memberships m WHERE m.delegation_id = d.id)
         FROM delegations d ORDER BY d.id",
    )?;
    let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The caller's role in a delegation, if a member.
pub fn role(c: &Connection, delegation: i64, user: i64) -> Result<Option<Role>, ServerError> {
    let role: Option<String> = c
        .query_row(
            "SELECT role FROM memberships WHERE delegation_id = ?1 AND user_id = ?2",
            params![delegation, user],
            |r| r.get(0),
        )
        .optional()?;
    Ok(role.as_deref().and_then(Role::parse))
}

pub fn set_role(c: &Connection, delegation: i64, user: i64, role: Role) -> Result<(), ServerError> {
    c.execute(
        "INSERT INTO memberships (delegation_id, user_id, role) VALUES (?1, ?2, ?3)
         ON CONFLICT (delegation_id, user_id) DO UPDATE SET role = excluded.role",
        params![delegation, user, role.as_str()],
    )?;
    Ok(())
}

pub fn remove_member(c: &Connection, delegation: i64, user: i64) -> Result<bool, ServerError> {
    Ok(c.execute(
        "DELETE FROM memberships WHERE delegation_id = ?1 AND user_id = ?2",
        params![delegation, user],
    )? == 1)
}

/// A delegation's members: (user, role), heads first.
pub fn members(c: &Connection, delegation: i64) -> Result<Vec<(User, Role)>, ServerError> {
    let mut q = c.prepare(
        "SELECT u.id, u.username, u.display_name, u.is_admin, u.disabled_at IS NOT NULL, m.role
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.delegation_id = ?1 ORDER BY u.display_name",
    )?;
    let rows = q.query_map([delegation], |r| Ok((user_row(r)?, r.get::<_, String>(5)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (u, role) = row?;
        if let Some(role) = Role::parse(&role) {
            out.push((u, role));
        }
    }
    Ok(out)
}

/// The delegations a user belongs to: (id, name, role).
pub fn memberships_of(c: &Connection, user: i64) -> Result<Vec<(i64, String, Role)>, ServerError> {
    let mut q = c.prepare(
        "SELECT d.id, d.name, m.role FROM memberships m JOIN delegations d ON d.id = m.delegation_id
         WHERE m.user_id = ?1 ORDER BY d.id",
    )?;
    let rows = q.query_map([user], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, role) = row?;
        if let Some(role) = Role::parse(&role) {
            out.push((id, name, role));
        }
    }
    Ok(out)
}

/// The supervisions registered to a delegation.
pub fn supervisions_of(c: &Connection, delegation: i64) -> Result<Vec<String>, ServerError> {
    let mut q = c.prepare(
        "SELECT document_id FROM supervisions WHERE delegation_id = ?1 ORDER BY registered_at",
    )?;
    let rows = q.query_map([delegation], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Which delegation a supervision belongs to.
pub fn owner(c: &Connection, document: &str) -> Result<Option<i64>, ServerError> {
    Ok(c.query_row(
        "SELECT delegation_id FROM supervisions WHERE document_id = ?1",
        [document],
        |r| r.get(0),
    )
    .optional()?)
}

/// Record that a supervision belongs to a delegation. `Ok(false)` if it already belongs to
/// another one (nothing changes).
pub fn register_supervision(
    c: &Connection,
    document: &str,
    delegation: i64,
    by: Option<i64>,
    now: i64,
) -> Result<bool, ServerError> {
    match owner(c, document)? {
        Some(d) => Ok(d == delegation),
        None => {
            c.execute(
                "INSERT INTO supervisions (document_id, delegation_id, registered_by, registered_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![document, delegation, by, now],
            )?;
            Ok(true)
        }
    }
}

/// What `user` may do with `document`: by their role in the delegation that owns it; a
/// leader of the organisation above that delegation reads it.
pub fn access(c: &Connection, user: i64, document: &str) -> Result<Access, ServerError> {
    Ok(match role_in(c, user, document)? {
        Some(r) if r.writes() => Access::Write,
        Some(_) => Access::Read,
        None if super::organisations::leads_document(c, user, document)? => Access::Read,
        None => Access::None,
    })
}

/// `user`'s role in the delegation that holds `document`, if any.
fn role_in(c: &Connection, user: i64, document: &str) -> Result<Option<Role>, ServerError> {
    let role: Option<String> = c
        .query_row(
            "SELECT m.role FROM supervisions s JOIN memberships m ON m.delegation_id = s.delegation_id
             WHERE s.document_id = ?1 AND m.user_id = ?2",
            params![document, user],
            |r| r.get(0),
        )
        .optional()?;
    Ok(role.as_deref().and_then(Role::parse))
}

/// Whether `user` may issue `document`'s conclusion: the head or the deputy of its
/// delegation.
pub fn may_issue(c: &Connection, user: i64, document: &str) -> Result<bool, ServerError> {
    Ok(role_in(c, user, document)?.is_some_and(Role::manages))
}

/// Register an Automerge actor (hex) to a user. `Ok(false)` if it is someone else's.
pub fn register_actor(
    c: &Connection,
    actor: &str,
    user: i64,
    now: i64,
) -> Result<bool, ServerError> {
    let existing: Option<i64> = c
        .query_row(
            "SELECT user_id FROM actors WHERE actor = ?1",
            [actor],
            |r| r.get(0),
        )
        .optional()?;
    match existing {
        Some(u) => Ok(u == user),
        None => {
            c.execute(
                "INSERT INTO actors (actor, user_id, registered_at) VALUES (?1, ?2, ?3)",
                params![actor, user, now],
            )?;
            Ok(true)
        }
    }
}

/// Every actor registered to a user.
/// The actors registered to `user` and to everyone who shares a delegation with them:
/// actor hex → display name.
pub fn actors_beside(
    c: &Connection,
    user: i64,
) -> Result<std::collections::BTreeMap<String, String>, ServerError> {
    let mut q = c.prepare(
        "SELECT a.actor, u.display_name FROM actors a JOIN users u ON u.id = a.user_id
         WHERE a.user_id = ?1 OR a.user_id IN (
             SELECT m2.user_id FROM memberships m1
             JOIN memberships m2 ON m2.delegation_id = m1.delegation_id
             WHERE m1.user_id = ?1)
         LIMIT 10000",
    )?;
    let rows = q.query_map([user], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out: std::collections::BTreeMap<String, String> = rows.collect::<Result<_, _>>()?;
    // A leader reads the delegations below: their writers too.
    let mut q = c.prepare(
        "SELECT a.actor, u.display_name FROM actors a JOIN users u ON u.id = a.user_id
         JOIN memberships m ON m.user_id = a.user_id WHERE m.delegation_id = ?1 LIMIT 10000",
    )?;
    for (delegation, _, _) in super::organisations::led_delegations(c, user)? {
        let rows = q.query_map([delegation], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (actor, name) = row?;
            out.insert(actor, name);
        }
    }
    Ok(out)
}

pub fn actors_of(c: &Connection, user: i64) -> Result<Vec<String>, ServerError> {
    let mut q = c.prepare("SELECT actor FROM actors WHERE user_id = ?1")?;
    let rows = q.query_map([user], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Record that a blob was uploaded for a supervision.
pub fn link_blob(c: &Connection, sha: &str, document: &str) -> Result<(), ServerError> {
    c.execute(
        "INSERT INTO blob_documents (sha, document_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![sha, document],
    )?;
    Ok(())
}

/// Bytes of evidence held: by supervision `document`, and by the whole server; and whether
/// blob `sha` is stored already, and already linked to `document` (then it adds nothing).
pub fn blob_usage(
    c: &Connection,
    document: &str,
    sha: &str,
) -> Result<(u64, u64, bool, bool), ServerError> {
    let of_doc: i64 = c.query_row(
        "SELECT COALESCE(SUM(length(b.data)), 0) FROM blob_documents bd
         JOIN blobs b ON b.sha = bd.sha WHERE bd.document_id = ?1",
        [document],
        |r| r.get(0),
    )?;
    let total: i64 = c.query_row(
        "SELECT COALESCE(SUM(length(data)), 0) FROM blobs",
        [],
        |r| r.get(0),
    )?;
    let stored: bool = c.query_row(
        "SELECT EXISTS(SELECT 1 FROM blobs WHERE sha = ?1)",
        [sha],
        |r| r.get(0),
    )?;
    Ok((
        of_doc.max(0) as u64,
        total.max(0) as u64,
        stored,
        blob_linked(c, sha, document)?,
    ))
}

/// Whether a blob was uploaded for a supervision.
pub fn blob_linked(c: &Connection, sha: &str, document: &str) -> Result<bool, ServerError> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM blob_documents WHERE sha = ?1 AND document_id = ?2)",
        params![sha, document],
        |r| r.get(0),
    )?)
}
