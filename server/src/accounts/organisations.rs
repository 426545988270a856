//! Organisations: the bodies that run supervisions (Ủy ban MTTQ phường X, Quận ủy Y, the
//! Women's Union of a province …). One owns delegations; its leaders (the standing or
//! inspection committee) read every supervision of its delegations, and of the delegations of
//! the organisations under it, and nothing else: read-only, never as a member. Levels are
//! data (a name the administrator gives, and a parent), never a list in code: the district
//! level went in 2025, and the next reform is another data change.

use crate::db::{Connection, OptionalExtension, params};

use crate::error::ServerError;

/// The organisations `org` and every one under it, at any depth (SQL, for `IN (…)`).
const SUBTREE: &str = "WITH RECURSIVE tree(id) AS (
        SELECT CAST(?1 AS BIGINT) UNION SELECT o.id FROM organisations o JOIN tree t ON o.parent_id = t.id)
    SELECT id FROM tree";

/// One organisation, as the administrator's screen lists it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    /// "phường", "tỉnh", "Trung ương": as the administrator writes it.
    pub level: String,
    pub parent_id: Option<i64>,
    pub delegations: Vec<i64>,
    pub leaders: Vec<i64>,
}

pub fn create(
    c: &Connection,
    name: &str,
    level: &str,
    parent: Option<i64>,
    now: i64,
) -> Result<i64, ServerError> {
    if let Some(p) = parent
        && !exists(c, p)?
    {
        return Err(not_found());
    }
    Ok(c.query_row(
        "INSERT INTO organisations (name, level, parent_id, created_at) VALUES (?1, ?2, ?3, ?4)
         RETURNING id",
        params![name, level, parent, now],
        |r| r.get(0),
    )?)
}

pub fn exists(c: &Connection, id: i64) -> Result<bool, ServerError> {
    Ok(c.query_row(
        "SELECT 1 FROM organisations WHERE id = ?1",
        [id],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

pub fn all(c: &Connection) -> Result<Vec<Organisation>, ServerError> {
    let mut q = c.prepare("SELECT id, name, level, parent_id FROM organisations ORDER BY id")?;
    let rows = q.query_map([], |r| {
        Ok(Organisation {
            id: r.get(0)?,
            name: r.get(1)?,
            level: r.get(2)?,
            parent_id: r.get(3)?,
            delegations: Vec::new(),
            leaders: Vec::new(),
        })
    })?;
    let mut out: Vec<Organisation> = rows.collect::<Result<_, _>>()?;
    for o in &mut out {
        o.delegations = ids(
            c,
            "SELECT id FROM delegations WHERE organisation_id = ?1 ORDER BY id",
            o.id,
        )?;
        o.leaders = ids(
            c,
            "SELECT user_id FROM organisation_leaders WHERE organisation_id = ?1 ORDER BY user_id",
            o.id,
        )?;
    }
    Ok(out)
}

fn ids(c: &Connection, sql: &str, id: i64) -> Result<Vec<i64>, ServerError> {
    let mut q = c.prepare(sql)?;
    let rows = q.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Put `delegation` under `org` (`None`: under none). `false` if there is no such delegation.
pub fn set_owner(c: &Connection, delegation: i64, org: Option<i64>) -> Result<bool, ServerError> {
    if let Some(o) = org
        && !exists(c, o)?
    {
        return Err(not_found());
    }
    Ok(c.execute(
        "UPDATE delegations SET organisation_id = ?2 WHERE id = ?1",
        params![delegation, org],
    )? == 1)
}

pub fn add_leader(c: &Connection, org: i64, user: i64) -> Result<(), ServerError> {
    if !exists(c, org)? {
        return Err(not_found());
    }
    c.execute(
        "INSERT INTO organisation_leaders (organisation_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![org, user],
    )?;
    Ok(())
}

pub fn remove_leader(c: &Connection, org: i64, user: i64) -> Result<bool, ServerError> {
    Ok(c.execute(
        "DELETE FROM organisation_leaders WHERE organisation_id = ?1 AND user_id = ?2",
        params![org, user],
    )? == 1)
}

/// The organisations `user` leads: (id, name, level).
pub fn led_by(c: &Connection, user: i64) -> Result<Vec<(i64, String, String)>, ServerError> {
    let mut q = c.prepare(
        "SELECT o.id, o.name, o.level FROM organisation_leaders l
         JOIN organisations o ON o.id = l.organisation_id WHERE l.user_id = ?1 ORDER BY o.id",
    )?;
    let rows = q.query_map([user], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The delegations `user` reads as a leader (of their organisation or one above it):
/// (delegation id, its name, the organisation that owns it).
pub fn led_delegations(
    c: &Connection,
    user: i64,
) -> Result<Vec<(i64, String, String)>, ServerError> {
    let mut out: Vec<(i64, String, String)> = Vec::new();
    for (org, _, _) in led_by(c, user)? {
        let mut q = c.prepare(&format!(
            "SELECT d.id, d.name, o.name FROM delegations d JOIN organisations o ON o.id = d.organisation_id
             WHERE d.organisation_id IN ({SUBTREE}) ORDER BY d.id"
        ))?;
        let rows = q.query_map([org], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        for row in rows {
            let row: (i64, String, String) = row?;
            if !out.iter().any(|(d, _, _)| *d == row.0) {
                out.push(row);
            }
        }
    }
    Ok(out)
}

/// Whether `user` leads an organisation that owns (directly or from above) the delegation
/// that holds `document`.
pub fn leads_document(c: &Connection, user: i64, document: &str) -> Result<bool, ServerError> {
    let Some(org): Option<Option<i64>> = c
        .query_row(
            "SELECT d.organisation_id FROM supervisions s JOIN delegations d ON d.id = s.delegation_id
             WHERE s.document_id = ?1",
            [document],
            |r| r.get(0),
        )
        .optional()?
    else {
        return Ok(false);
    };
    let Some(org) = org else {
        return Ok(false);
    };
    // The owner and every organisation above it; does the user lead one of them?
    Ok(c
        .query_row(
            "WITH RECURSIVE up(id) AS (
                 SELECT CAST(?1 AS BIGINT) UNION SELECT o.parent_id FROM organisations o JOIN up u ON o.id = u.id
                 WHERE o.parent_id IS NOT NULL)
             SELECT 1 FROM organisation_leaders WHERE user_id = ?2 AND organisation_id IN (SELECT id FROM up)",
            params![org, user],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn not_found() -> ServerError {
    ServerError::NotFound("Không có tổ chức này. / No such organisation.".into())
}
