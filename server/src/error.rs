//! The server's one error type. Client errors get a precise status and a plain message;
//! internal errors are logged in full and answered with a plain message, never the inner text.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ServerError {
    #[error("could not start: {0}")]
    Startup(String),
    #[error("storage failed: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("not found")]
    NotFound,
    #[error("internal error: {0}")]
    Internal(String),
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        match self {
            ServerError::NotFound => (StatusCode::NOT_FOUND, "Không tìm thấy / Not found").into_response(),
            other => {
                tracing::error!("{other}");
                (StatusCode::INTERNAL_SERVER_ERROR, "Lỗi máy chủ / Server error").into_response()
            }
        }
    }
}
