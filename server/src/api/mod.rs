//! The account and delegation routes (see `server/API.md` for the whole table):
//!
//! - [`session`]: sign in, sign out, `/api/me`, actor registration.
//! - [`delegations`]: a delegation's members, roles, invitations and supervisions.
//! - [`invitations`]: opening and accepting an invitation link.
//! - [`admin`]: accounts, delegations, device sessions and the audit log, for administrators.
//! - [`organisations`]: organisations, the delegations they own and their leaders (admins).

pub mod admin;
pub mod delegations;
pub mod invitations;
pub mod organisations;
pub mod session;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};

use crate::AppState;

/// The largest JSON body these routes read.
const MAX_BODY: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/session",
            post(session::sign_in).delete(session::sign_out),
        )
        .route("/api/me", get(session::me))
        .route("/api/actors", post(session::register_actor))
        .route("/api/delegations", post(admin::create_delegation))
        .route("/api/delegations/{id}", get(delegations::show))
        .route(
            "/api/delegations/{id}/members/{user}",
            put(delegations::set_member).delete(delegations::remove_member),
        )
        .route(
            "/api/delegations/{id}/invitations",
            post(delegations::invite).get(delegations::open_invitations),
        )
        .route(
            "/api/delegations/{id}/invitations/{invitation}",
            delete(delegations::revoke_invitation),
        )
        .route("/api/me/password", put(session::change_password))
        .route(
            "/api/delegations/{id}/supervisions",
            post(delegations::register_supervision),
        )
        .route("/api/invitations/{token}", get(invitations::show))
        .route("/api/invitations/{token}/accept", post(invitations::accept))
        .route(
            "/api/admin/users",
            get(admin::users).post(admin::create_user),
        )
        .route("/api/admin/delegations", get(admin::delegations))
        .route("/api/admin/sessions", get(admin::sessions))
        .route("/api/admin/sessions/{id}", delete(admin::revoke_session))
        .route("/api/admin/users/{id}/password", put(admin::reset_password))
        .route("/api/admin/users/{id}/disabled", put(admin::set_disabled))
        .route(
            "/api/admin/users/{id}/sessions",
            delete(admin::end_sessions),
        )
        .route("/api/admin/audit", get(admin::audit))
        .route(
            "/api/admin/organisations",
            get(organisations::list).post(organisations::create),
        )
        .route(
            "/api/admin/delegations/{id}/organisation",
            put(organisations::set_owner),
        )
        .route(
            "/api/admin/organisations/{id}/leaders/{user}",
            put(organisations::add_leader).delete(organisations::remove_leader),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// A JSON body that failed to parse, as a bilingual 400 (not axum's English-only text).
pub struct Body<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Body<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = crate::ServerError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(rejection) => {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    return Err(crate::ServerError::TooLarge(format!(
                        "Nội dung gửi lên quá {MAX_BODY} byte. / The request body is over {MAX_BODY} bytes."
                    )));
                }
                Err(crate::ServerError::BadRequest(format!(
                    "Nội dung gửi lên không đúng dạng JSON mong đợi. / The request body is not the expected JSON: {}",
                    rejection.body_text()
                )))
            }
        }
    }
}
