//! Which screen is shown, kept in the URL's hash (`#/s/<document id>`) so a reload, or a
//! second tab, opens the same supervision.

use leptos::prelude::*;
use shared::DocumentId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    List,
    Supervision(DocumentId),
}

impl Route {
    pub fn from_hash(hash: &str) -> Route {
        hash.strip_prefix("#/s/")
            .and_then(|id| id.parse().ok())
            .map(Route::Supervision)
            .unwrap_or(Route::List)
    }

    pub fn to_hash(self) -> String {
        match self {
            Route::List => "#/".into(),
            Route::Supervision(id) => format!("#/s/{id}"),
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
