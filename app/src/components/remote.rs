//! Calls to the server from the screens: [`crate::api`], plus what a screen does with a
//! failure — a `401` tells the app the session is over (the notice with the sign-in form
//! appears), and every failure becomes a message a person can read.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{self, ApiError, Method};
use crate::i18n::{Msg, now};

fn noticed<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(e) = &result {
        if e.is_unauthorized() {
            crate::net::session_lost();
        }
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
