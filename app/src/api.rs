//! The HTTP API of the server (`server/API.md`), as one small fetch wrapper: JSON in, JSON
//! out, the `X-Requested-With: giamsat` header on every call (the server's CSRF guard), the
//! session cookie sent by the browser. A failure keeps the server's own plain-text message
//! (Vietnamese, then English) so the screen can show it as it is.
//!
//! Nothing here knows about screens or documents.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No answer at all: offline, or the server is down.
    Network,
    /// The server answered with this status and this message.
    Status(u16, String),
    /// The server answered 2xx with a body this build does not understand.
    Decode(String),
}

impl ApiError {
    /// The session is gone (expired, revoked, signed out elsewhere).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiError::Status(401, _))
    }

    /// What to show a person. `offline` is the catalogue's word for [`ApiError::Network`].
    pub fn message(&self, offline: &str) -> String {
        match self {
            ApiError::Network => offline.to_owned(),
            ApiError::Status(status, text) if text.trim().is_empty() => format!("HTTP {status}"),
            ApiError::Status(_, text) => text.trim().to_owned(),
            ApiError::Decode(e) => e.clone(),
        }
    }
}

/// HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Call `path` and return the body as text (empty for `204`).
pub async fn call(
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<String, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method.as_str());
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let headers = web_sys::Headers::new().map_err(|_| ApiError::Network)?;
    let _ = headers.set("x-requested-with", "giamsat");
    if let Some(body) = body {
        let _ = headers.set("content-type", "application/json");
        init.set_body(&wasm_bindgen::JsValue::from_str(&body.to_string()));
    }
    init.set_headers(&headers);
    let request =
        web_sys::Request::new_with_str_and_init(path, &init).map_err(|_| ApiError::Network)?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| ApiError::Network)?
        .dyn_into()
        .map_err(|_| ApiError::Network)?;
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    if response.ok() {
        Ok(text)
    } else {
        Err(ApiError::Status(response.status(), text))
    }
}

/// Call `path` and decode its JSON answer.
pub async fn json<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<T, ApiError> {
    let text = call(method, path, body).await?;
    serde_json::from_str(&text).map_err(|e| ApiError::Decode(e.to_string()))
}

/// `GET path`, decoded.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    json(Method::Get, path, None).await
}

/// Call `path` with `body` serialized as JSON, ignoring the answer's body.
pub async fn send(method: Method, path: &str, body: &impl Serialize) -> Result<(), ApiError> {
    let value = serde_json::to_value(body).map_err(|e| ApiError::Decode(e.to_string()))?;
    call(method, path, Some(&value)).await.map(|_| ())
}

/// A path segment made safe for a URL (tokens and names from people or links).
pub fn segment(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}
