//! What the server must be told before this tablet syncs (see `server/API.md`):
//!
//! - every Automerge actor this device has written with (`POST /api/actors`): the server
//!   refuses changes by an actor it cannot attribute to a member;
//! - every supervision created here, with the delegation it belongs to
//!   (`POST /api/delegations/{id}/supervisions`): the server shares a supervision only with
//!   its delegation, and answers doc-unavailable for one no delegation has.
//!
//! Both are retried before every connection until the server has them; the lists live in
//! IndexedDB meta (`actors`, `actors-registered`, `pending-supervisions`). These are the
//! requests alone, given what they need; when to make them and what the workspace does with
//! the answers is `crate::workspace::outbox`.

use automerge::ActorId;
use serde_json::json;
use shared::DocumentId;

use crate::api::{self, ApiError, Method};
use crate::store::{Store, keys, split_list};

/// Register every one of `actors` the server does not have yet (the ones it has are listed
/// in `store`'s meta, and each one it takes is added there).
pub async fn register_actors(store: &Store, actors: &[ActorId]) -> Result<(), ApiError> {
    let mut registered = split_list(store.meta(keys::ACTORS_REGISTERED).await.ok().flatten());
    for actor in actors {
        let hex = actor.to_hex_string();
        if registered.contains(&hex) {
            continue;
        }
        match api::send(Method::Post, "/api/actors", &json!({ "actor": hex })).await {
            Ok(()) => {
                registered.push(hex);
                if let Err(e) = store
                    .set_meta(keys::ACTORS_REGISTERED, &registered.join(","))
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

/// What the server said to a supervision's registration.
pub enum Registration {
    Registered,
    /// It never will (a 4xx other than 401 and 429): its message.
    Refused(String),
}

/// Register supervision `id` with `delegation`. An error is worth retrying later (offline,
/// the server failed, 429), or says the session is over (401).
pub async fn register(id: DocumentId, delegation: i64) -> Result<Registration, ApiError> {
    let path = format!("/api/delegations/{delegation}/supervisions");
    match api::send(
        Method::Post,
        &path,
        &json!({ "documentId": id.to_string() }),
    )
    .await
    {
        Ok(()) => Ok(Registration::Registered),
        Err(ApiError::Status(status, message)) if refused_status(status) => {
            Ok(Registration::Refused(message))
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
