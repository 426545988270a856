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
    #[error("storage failed: {0}")]
    Store(#[from] crate::sync::store::StoreError),
    #[error("database failed: {0}")]
    Db(#[from] crate::db::DbError),
    /// 400: the request itself is wrong; the message says how (bilingual).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 404 with a message naming what is missing (bilingual).
    #[error("not found: {0}")]
    NotFound(String),
    /// 413: the body is over a configured limit; the message gives the limit (bilingual).
    #[error("too large: {0}")]
    TooLarge(String),
    /// 507: the server's room for this is used up (a quota); the message says which.
    #[error("storage full: {0}")]
    StorageFull(String),
    /// 401: not signed in, or the session expired or was revoked (bilingual).
    #[error("not signed in: {0}")]
    Unauthorized(String),
    /// 403: signed in, but this is not theirs to do (bilingual).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 409: it clashes with what is there (bilingual).
    #[error("conflict: {0}")]
    Conflict(String),
    /// 503: too busy to do this now; try again (bilingual).
    #[error("busy: {0}")]
    Busy(String),
    /// 429: too many attempts; try again after this many seconds.
    #[error("too many attempts: retry after {0} s")]
    TooManyAttempts(u64),
    #[error("internal error: {0}")]
    Internal(String),
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        if let ServerError::TooManyAttempts(secs) = self {
            let minutes = secs.div_ceil(60).max(1);
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    (
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; charset=utf-8".to_owned(),
                    ),
                    (axum::http::header::RETRY_AFTER, secs.to_string()),
                ],
                format!(
                    "Đăng nhập sai quá nhiều lần; hãy thử lại sau {minutes} phút. \
                     / Too many failed sign-ins; try again in {minutes} minutes."
                ),
            )
                .into_response();
        }
        let (status, message) = match self {
            ServerError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, m),
            ServerError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
            ServerError::Conflict(m) => (StatusCode::CONFLICT, m),
            ServerError::Busy(m) => (StatusCode::SERVICE_UNAVAILABLE, m),
            ServerError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            ServerError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            ServerError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, m),
            ServerError::StorageFull(m) => (StatusCode::INSUFFICIENT_STORAGE, m),
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
