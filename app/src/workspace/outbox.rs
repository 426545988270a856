//! What this tablet owes the server besides sync frames, and what the workspace does with
//! the answers: its actors and the supervisions created here are registered before every
//! connection (and a new supervision at once), and evidence files taken offline are
//! uploaded once connected. The requests themselves are [`crate::registry`] and
//! [`crate::blobs`], which take what they need as arguments; a `401` from any of them ends
//! the session ([`Workspace::session_lost`]).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::DocumentId;

use super::{Workspace, ws};
use crate::api::ApiError;
use crate::blobs::{self, Upload};
use crate::registry::{self, Registration};
use crate::store::{keys, split_list};

/// Register every actor of this device, then every supervision created here, that the
/// server does not have yet. An error means: not now (offline, or the session is over).
pub async fn register_all() -> Result<(), ApiError> {
    let w = ws();
    registry::register_actors(w.store(), w.actors()).await?;
    for pending in w.pending_registrations() {
        if let Some(id) = pending.id() {
            register(&w, id, pending.delegation).await?;
        }
    }
    Ok(())
}

/// Try to register a supervision just created; if it cannot be done now it stays queued
/// for the next connection.
pub fn register_soon(id: DocumentId, delegation: i64) {
    spawn_local(async move {
        let w = ws();
        if let Err(e) = register(&w, id, delegation).await
            && e.is_unauthorized()
        {
            w.session_lost();
        }
    });
}

async fn register(w: &Workspace, id: DocumentId, delegation: i64) -> Result<(), ApiError> {
    match registry::register(id, delegation).await? {
        Registration::Registered => w.registered(&id, delegation),
        Registration::Refused(message) => w.registration_refused(&id, &message),
    }
    Ok(())
}

/// Upload every blob this device has that the server has not acknowledged, for each
/// supervision it was attached in. A supervision not yet registered with its delegation
/// waits (the server would not know it).
pub async fn upload_pending() {
    let w = ws();
    let store = w.store();
    let Ok(shas) = store.blob_keys().await else {
        return;
    };
    for sha in shas {
        let docs = split_list(store.meta(&keys::blob_docs(&sha)).await.ok().flatten());
        for doc in docs {
            if doc.parse().is_ok_and(|id| w.is_unregistered(&id)) {
                continue;
            }
            let key = keys::uploaded(&doc, &sha);
            if store.meta(&key).await.ok().flatten().is_some() {
                continue;
            }
            let Some((bytes, mime)) = store.blob(&sha).await.ok().flatten() else {
                continue;
            };
            match blobs::upload(&sha, &doc, &mime, &bytes).await {
                Upload::Done => {
                    let _ = store.set_meta(&key, "1").await;
                }
                Upload::Unauthorized => {
                    w.session_lost();
                    return;
                }
                // The server will never take it (too large, refused): say so once, stop retrying.
                Upload::Refused(message) => {
                    let _ = store.set_meta(&key, "refused").await;
                    w.signals.storage_error.set(Some(message));
                }
                // The server is full: say so, keep the file, try again on the next connection.
                Upload::Full(message) => {
                    w.signals.storage_error.set(Some(message));
                    return;
                }
                Upload::Later => {}
            }
        }
    }
}
