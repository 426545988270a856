//! Which screen is shown, kept in the URL's hash so a reload, a second tab or a link opens
//! the same screen: `#/` the list, `#/s/<document id>` a supervision, `#/d/<id>` a
//! delegation's members and invitations, `#/admin` administration, `#/invite/<token>` an
//! invitation, `#/theo-doi` the follow-up and figures.

use leptos::prelude::*;
use shared::DocumentId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    List,
    Supervision(DocumentId),
    Delegation(i64),
    Admin,
    Invite(String),
    FollowUp,
}

impl Route {
    pub fn from_hash(hash: &str) -> Route {
        let path = hash.trim_start_matches('#');
        if let Some(id) = path.strip_prefix("/s/").and_then(|id| id.parse().ok()) {
            return Route::Supervision(id);
        }
        if let Some(id) = path.strip_prefix("/d/").and_then(|id| id.parse().ok()) {
            return Route::Delegation(id);
        }
        if let Some(token) = path.strip_prefix("/invite/").filter(|t| !t.is_empty()) {
            return Route::Invite(token.to_owned());
        }
        if path == "/admin" {
            return Route::Admin;
        }
        if path == "/theo-doi" {
            return Route::FollowUp;
        }
        Route::List
    }

    pub fn to_hash(&self) -> String {
        match self {
            Route::List => "#/".into(),
            Route::Supervision(id) => format!("#/s/{id}"),
            Route::Delegation(id) => format!("#/d/{id}"),
            Route::Admin => "#/admin".into(),
            Route::Invite(token) => format!("#/invite/{token}"),
            Route::FollowUp => "#/theo-doi".into(),
        }
    }
}

/// The current route, shared through context.
#[derive(Clone, Copy)]
pub struct Router(pub RwSignal<Route>);

impl Router {
    /// Go to `route`, recording it in the address bar.
    pub fn go(self, route: Route) {
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_hash(&route.to_hash());
        }
        self.0.set(route);
    }
}

/// The route in the address bar now.
pub fn current() -> Route {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    Route::from_hash(&hash)
}
