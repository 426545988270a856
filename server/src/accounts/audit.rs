//! The audit log: sign-ins (and failed ones), sign-outs, membership changes, invitations,
//! revoked sessions and refused access. Never a password or a token.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::ServerError;

/// One line of the log.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub at: i64,
    pub event: String,
    pub username: Option<String>,
    pub detail: String,
}

/// Append a line. A failure to write it is logged, never fatal to the request.
pub fn record(c: &Connection, now: i64, event: &str, user: Option<(i64, &str)>, detail: &str) {
    let (id, name) = match user {
        Some((id, name)) => (Some(id), Some(name)),
        None => (None, None),
    };
    if let Err(e) = c.execute(
        "INSERT INTO audit (at, event, user_id, username, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now, event, id, name, detail],
    ) {
        tracing::error!("could not write the audit log ({event}): {e}");
    }
    tracing::info!(target: "audit", "{event} {} {detail}", name.unwrap_or("-"));
}

/// The newest `limit` lines.
pub fn recent(c: &Connection, limit: i64) -> Result<Vec<Entry>, ServerError> {
    let mut q =
        c.prepare("SELECT at, event, username, detail FROM audit ORDER BY id DESC LIMIT ?1")?;
    let rows = q.query_map([limit.clamp(1, 1000)], |r| {
        Ok(Entry {
            at: r.get(0)?,
            event: r.get(1)?,
            username: r.get(2)?,
            detail: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
