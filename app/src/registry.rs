//! What the server must be told before this tablet syncs (see `server/API.md`):
//!
//! - every Automerge actor this device has written with (`POST /api/actors`): the server
//!   refuses changes by an actor it cannot attribute to a member;
//! - every supervision created here, with the delegation it belongs to
//!   (`POST /api/delegations/{id}/supervisions`): the server shares a supervision only with
//!   its delegation, and answers doc-unavailable for one no delegation has.
//!
//! Both are retried before every connection until the server has them; the lists live in
//! IndexedDB meta (`actors`, `actors-registered`, `pending-supervisions`).

use leptos::task::spawn_local;
use serde_json::json;
use shared::DocumentId;

use crate::api::{self, ApiError, Method};
use crate::workspace::{split_list, ws};

/// Register every actor of this device the server does not have yet.
pub async fn register_actors() -> Result<(), ApiError> {
    let w = ws();
    let mut registered = split_list(
        w.store()
            .meta(crate::store::keys::ACTORS_REGISTERED)
            .await
            .ok()
            .flatten(),
    );
    for actor in w.actors() {
        let hex = actor.to_hex_string();
        if registered.contains(&hex) {
            continue;
        }
        match api::send(Method::Post, "/api/actors", &json!({ "actor": hex })).await {
            Ok(()) => {
                registered.push(hex);
                if let Err(e) = w
                    .store()
                    .set_meta(crate::store::keys::ACTORS_REGISTERED, &registered.join(","))
                    .await
                {
                    web_sys::console::warn_1(&format!("actors-registered: {e}").into());
                }
            }
            Err(e) if refused(&e) => {
                // Another member's actor (409) or one the server will not take: changes by it
                // can never be attributed to this member; ask no more this page.
                web_sys::console::warn_1(&format!("actor {hex} not registered: {e:?}").into());
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Register every supervision created here that its delegation does not have yet.
pub async fn register_supervisions() -> Result<(), ApiError> {
    for pending in ws().pending_registrations() {
        let Some(id) = pending.id() else {
            continue;
        };
        register(id, pending.delegation).await?;
    }
    Ok(())
}

/// Try to register a supervision just created; if it cannot be done now it stays queued
/// for the next connection.
pub fn register_soon(id: DocumentId, delegation: i64) {
    spawn_local(async move {
        if let Err(e) = register(id, delegation).await
            && e.is_unauthorized()
        {
            crate::net::session_lost();
        }
    });
}

async fn register(id: DocumentId, delegation: i64) -> Result<(), ApiError> {
    let path = format!("/api/delegations/{delegation}/supervisions");
    match api::send(
        Method::Post,
        &path,
        &json!({ "documentId": id.to_string() }),
    )
    .await
    {
        Ok(()) => {
            ws().registered(&id, delegation);
            Ok(())
        }
        Err(ApiError::Status(status, message)) if refused_status(status) => {
            ws().registration_refused(&id, &message);
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// A client error other than 401 and 429: asking again will not help.
fn refused(e: &ApiError) -> bool {
    matches!(e, ApiError::Status(status, _) if refused_status(*status))
}

fn refused_status(status: u16) -> bool {
    (400..500).contains(&status) && status != 401 && status != 429
}
