//! The server's one error type. Client errors get a precise status and a plain message;
//! internal errors are logged in full and answered with a plain message, never the inner text.
//!
//! Messages a person reads are Vietnamese first, then English, in one plain-text line.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ServerError {
    #[error("could not start: {0}")]
    Startup(String),
    #[error("storage failed: {0}")]
    Storage(#[from] rusqlite::Error),
    /// 400: the request itself is wrong; the message says how (bilingual).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 404 with a message naming what is missing (bilingual).
    #[error("not found: {0}")]
    NotFound(String),
    /// 413: the body is over a configured limit; the message gives the limit (bilingual).
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ServerError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            ServerError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            ServerError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, m),
            other => {
                tracing::error!("{other}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Lỗi máy chủ / Server error".to_owned(),
                )
            }
        };
        tracing::debug!("refused a request: {status} {message}");
        (
            status,
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; charset=utf-8",
            )],
            message,
        )
            .into_response()
    }
}
