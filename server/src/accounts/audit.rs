//! The audit log: sign-ins (and failed ones), sign-outs, membership changes, invitations,
//! revoked sessions and refused access. Never a password or a token. At most
//! [`PER_SOURCE_PER_MINUTE`] rows per account (or anonymous event) per minute.

use std::collections::HashMap;

use crate::db::{Connection, params};
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

/// Refusal rows one source (an account, or for anonymous events the event itself) may add
/// in one minute. Past it, one `audit-suppressed` row says so and the rest of that minute's rows
/// from that source are dropped: a flood of refused requests cannot fill the disk with
/// fsync'd rows, and what it was is still on record.
pub const PER_SOURCE_PER_MINUTE: u32 = 30;

/// The events a stranger can cause at will (refusals and failures): the only ones limited.
/// What a signed-in user actually did (a sign-in, an administrator's change) is always
/// recorded.
const REFUSALS: [&str; 5] = [
    "sign-in-failed",
    "sign-in-throttled",
    "access-refused",
    "sync-refused",
    "change-refused",
];

/// Rows written per (source, minute).
static WRITTEN: std::sync::Mutex<Option<HashMap<String, (i64, u32)>>> = std::sync::Mutex::new(None);

/// Whether a row from `source` at `now` may be written, and whether it is the one that says
/// the rest are dropped.
fn admit(source: &str, now: i64) -> Option<bool> {
    let minute = now.div_euclid(60_000);
    let mut guard = WRITTEN.lock().unwrap_or_else(|p| p.into_inner());
    let map = guard.get_or_insert_with(HashMap::new);
    if map.len() > 10_000 {
        map.retain(|_, (m, _)| *m == minute);
    }
    let entry = map.entry(source.to_owned()).or_insert((minute, 0));
    if entry.0 != minute {
        *entry = (minute, 0);
    }
    entry.1 += 1;
    match entry.1 {
        n if n <= PER_SOURCE_PER_MINUTE => Some(false),
        n if n == PER_SOURCE_PER_MINUTE + 1 => Some(true),
        _ => None,
    }
}

/// Append a line, within [`PER_SOURCE_PER_MINUTE`]. A failure to write it is logged, never
/// fatal to the request.
pub fn record(c: &Connection, now: i64, event: &str, user: Option<(i64, &str)>, detail: &str) {
    let (id, name) = match user {
        Some((id, name)) => (Some(id), Some(name)),
        None => (None, None),
    };
    let source = match id {
        Some(id) => format!("user:{id}"),
        None => format!("event:{event}"),
    };
    let verdict = if REFUSALS.contains(&event) {
        admit(&source, now)
    } else {
        Some(false)
    };
    let (event, detail) = match verdict {
        Some(false) => (event, detail.to_owned()),
        Some(true) => (
            "audit-suppressed",
            format!(
                "more than {PER_SOURCE_PER_MINUTE} events this minute from {source}; the rest of the minute is not recorded (first dropped: {event})"
            ),
        ),
        None => {
            tracing::debug!(target: "audit", "dropped {event} {} {detail}", name.unwrap_or("-"));
            return;
        }
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
