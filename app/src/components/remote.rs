//! Calls to the server from the screens: [`crate::api`], plus what a screen does with a
//! failure — a `401` tells the app the session is over (the notice with the sign-in form
//! appears), and every failure becomes a message a person can read — and [`Fetched`], what
//! a screen shows from a `GET`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{self, ApiError, Method};
use crate::i18n::{Msg, now, t};

fn noticed<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(e) = &result
        && e.is_unauthorized()
    {
        crate::workspace::session_lost();
    }
    result
}

/// `GET path`, decoded.
pub async fn get<T: DeserializeOwned>(path: String) -> Result<T, ApiError> {
    noticed(api::get(&path).await)
}

/// Call `path` with a JSON body, decoding the JSON answer.
pub async fn json<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: &impl Serialize,
) -> Result<T, ApiError> {
    let value = serde_json::to_value(body).map_err(|e| ApiError::Decode(e.to_string()))?;
    noticed(api::json(method, path, Some(&value)).await)
}

/// Call `path` with a JSON body, ignoring the answer's body.
pub async fn send(method: Method, path: &str, body: &impl Serialize) -> Result<(), ApiError> {
    noticed(api::send(method, path, body).await)
}

/// `DELETE path`.
pub async fn delete(path: &str) -> Result<(), ApiError> {
    noticed(api::call(Method::Delete, path, None).await.map(|_| ()))
}

/// What to show for a failure.
pub fn message(e: &ApiError) -> String {
    e.message(now(Msg::ServerUnreachable))
}

/// Something a screen fetched from the server (`GET`), fetched again on demand: `None`
/// while loading. A `Copy` handle.
pub struct Fetched<T: Send + Sync + 'static> {
    value: RwSignal<Option<Result<T, ApiError>>>,
    path: StoredValue<String>,
}

impl<T: Send + Sync + 'static> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Fetched<T> {}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> Fetched<T> {
    /// Start fetching `path`.
    pub fn new(path: String) -> Self {
        let fetched = Fetched {
            value: RwSignal::new(None),
            path: StoredValue::new(path),
        };
        fetched.refetch();
        fetched
    }

    /// The answer, once there (reactive).
    pub fn get(&self) -> Option<Result<T, ApiError>> {
        self.value.get()
    }

    /// The answer if it succeeded (reactive).
    pub fn ok(&self) -> Option<T> {
        self.get().and_then(Result::ok)
    }

    /// Fetch again (after a change).
    pub fn refetch(&self) {
        let (value, path) = (self.value, self.path.get_value());
        spawn_local(async move { value.set(Some(get(path).await)) });
    }

    /// "Loading…", the failure, or `show` of the answer (reactive).
    pub fn view<V: IntoView + 'static>(
        self,
        show: impl Fn(T) -> V + Send + Sync + 'static,
    ) -> impl IntoView {
        move || match self.get() {
            None => view! { <p class="empty">{t(Msg::LoadingTitle)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{message(&e)}</p> }.into_any(),
            Some(Ok(value)) => show(value).into_any(),
        }
    }
}
