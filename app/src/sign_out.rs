//! A sign-out the server has not heard of yet. Signing out on a tablet with no network
//! empties its storage at once, but the session cookie stays in the browser (HttpOnly: the
//! page cannot delete it) and the server's session stays valid. So the tablet remembers, in
//! `localStorage` (which signing out does not empty), that it still owes the server a
//! `DELETE /api/session`, and sends it before anything else the next time it can: when the
//! page starts or comes online, and before someone signs in again on it.

use crate::api::{self, ApiError, Method};

const KEY: &str = "giamsat.sign-out-pending";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Remember that the server has not been told of a sign-out.
pub fn mark_pending() {
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, "1");
    }
}

/// Whether a sign-out is still owed to the server.
pub fn is_pending() -> bool {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .is_some()
}

/// Tell the server now, if owed. `Err` only when the server could not be reached (the
/// session is then still open there, and this is tried again later).
pub async fn finish() -> Result<(), ApiError> {
    if !is_pending() {
        return Ok(());
    }
    match api::call(Method::Delete, "/api/session", None).await {
        // Done, or the session was already over (expired, revoked): nothing is owed.
        Ok(_) | Err(ApiError::Status(..)) => {
            if let Some(s) = storage() {
                let _ = s.remove_item(KEY);
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}
