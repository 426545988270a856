//! What administrators do: accounts, delegations, device sessions (revoking a lost tablet)
//! and reading the audit log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::Body;
use crate::accounts::store::{self, User};
use crate::accounts::{audit, password, sessions};
use crate::auth::Admin;
use crate::error::ServerError;
use crate::{AppState, now_ms};

#[derive(Deserialize)]
pub struct NameBody {
    name: String,
}

#[derive(Serialize)]
pub struct Created {
    id: i64,
}

/// `POST /api/delegations`.
pub async fn create_delegation(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(body): Body<NameBody>,
) -> Result<(StatusCode, Json<Created>), ServerError> {
    let name = store::check_name(&body.name)?;
    let id = state
        .accounts
        .with(move |c| {
            let id = store::create_delegation(c, &name, now_ms())?;
            audit::record(
                c,
                now_ms(),
                "delegation-created",
                Some(admin.who()),
                &format!("delegation={id} name={name}"),
            );
            Ok(id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Serialize)]
pub struct DelegationRow {
    id: i64,
    name: String,
    members: i64,
}

/// `GET /api/admin/delegations`.
pub async fn delegations(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<DelegationRow>>, ServerError> {
    let rows = state.accounts.with(|c| store::delegations(c)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, name, members)| DelegationRow { id, name, members })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    username: String,
    password: String,
    display_name: Option<String>,
    #[serde(default)]
    is_admin: bool,
}

/// `POST /api/admin/users`.
pub async fn create_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(body): Body<NewUser>,
) -> Result<(StatusCode, Json<Created>), ServerError> {
    let username = body.username.trim().to_owned();
    store::check_username(&username)?;
    let display = store::check_name(body.display_name.as_deref().unwrap_or(&username))?;
    password::check_new(&body.password)?;
    let hash = password::hash(body.password).await?;
    let is_admin = body.is_admin;
    let id = state
        .accounts
        .with(move |c| {
            let id = store::create_user(c, &username, &display, &hash, is_admin, now_ms())?;
            audit::record(
                c,
                now_ms(),
                "account-created",
                Some(admin.who()),
                &format!("user={username} admin={is_admin}"),
            );
            Ok(id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// `GET /api/admin/users`.
pub async fn users(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<User>>, ServerError> {
    Ok(Json(state.accounts.with(|c| store::users(c)).await?))
}

/// `GET /api/admin/sessions`.
pub async fn sessions(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<sessions::SessionRow>>, ServerError> {
    Ok(Json(
        state.accounts.with(|c| sessions::list(c, now_ms())).await?,
    ))
}

/// `DELETE /api/admin/sessions/{id}`: a lost tablet; its sync connections close at once.
pub async fn revoke_session(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> Result<StatusCode, ServerError> {
    let revoked = state
        .accounts
        .with(move |c| {
            let revoked = sessions::revoke(c, id, now_ms())?;
            if revoked {
                audit::record(
                    c,
                    now_ms(),
                    "session-revoked",
                    Some(admin.who()),
                    &format!("session={id}"),
                );
            }
            Ok(revoked)
        })
        .await?;
    if !revoked {
        return Err(ServerError::NotFound(
            "Không có phiên đăng nhập đang hoạt động này. / No such live session.".into(),
        ));
    }
    state.sessions_changed();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct Limit {
    limit: Option<i64>,
}

/// `GET /api/admin/audit?limit=N`.
pub async fn audit(
    State(state): State<AppState>,
    _admin: Admin,
    Query(q): Query<Limit>,
) -> Result<Json<Vec<audit::Entry>>, ServerError> {
    let limit = q.limit.unwrap_or(200);
    Ok(Json(
        state
            .accounts
            .with(move |c| audit::recent(c, limit))
            .await?,
    ))
}

#[derive(Deserialize)]
pub struct PasswordBody {
    password: String,
}

/// No such account (for the per-user routes below).
fn no_user() -> ServerError {
    ServerError::NotFound("Không có tài khoản này. / No such account.".into())
}

/// `PUT /api/admin/users/{id}/password`: set a new password for someone who forgot theirs.
/// Every session of theirs ends (the tablet that knew the old one signs in again).
pub async fn reset_password(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Body(body): Body<PasswordBody>,
) -> Result<StatusCode, ServerError> {
    password::check_new(&body.password)?;
    let hash = password::hash(body.password).await?;
    state
        .accounts
        .with(move |c| {
            let tx = c.transaction()?;
            let ended =
                sessions::new_password(&tx, id, &hash, None, now_ms())?.ok_or_else(no_user)?;
            audit::record(
                &tx,
                now_ms(),
                "password-reset",
                Some(admin.who()),
                &format!("user={id} sessions ended={ended}"),
            );
            tx.commit()?;
            Ok(())
        })
        .await?;
    state.sessions_changed();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct DisabledBody {
    disabled: bool,
}

/// `PUT /api/admin/users/{id}/disabled` `{"disabled": true|false}`: a disabled account
/// cannot sign in, its sessions end and its sync connections close at once. An
/// administrator cannot disable their own account (someone must be left to undo it).
pub async fn set_disabled(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Body(body): Body<DisabledBody>,
) -> Result<StatusCode, ServerError> {
    if id == admin.user.id && body.disabled {
        return Err(ServerError::BadRequest(
            "Không thể tự khóa tài khoản của mình. / You cannot disable your own account.".into(),
        ));
    }
    state
        .accounts
        .with(move |c| {
            let tx = c.transaction()?;
            let now = now_ms();
            if !store::set_disabled(&tx, id, body.disabled.then_some(now))? {
                return Err(no_user());
            }
            let ended = if body.disabled {
                sessions::revoke_all(&tx, id, None, now)?
            } else {
                0
            };
            audit::record(
                &tx,
                now,
                if body.disabled {
                    "account-disabled"
                } else {
                    "account-enabled"
                },
                Some(admin.who()),
                &format!("user={id} sessions ended={ended}"),
            );
            tx.commit()?;
            Ok(())
        })
        .await?;
    state.accounts.changed();
    state.sessions_changed();
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/admin/users/{id}/sessions`: sign a user out of every device.
pub async fn end_sessions(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> Result<StatusCode, ServerError> {
    state
        .accounts
        .with(move |c| {
            if store::user(c, id)?.is_none() {
                return Err(no_user());
            }
            let ended = sessions::revoke_all(c, id, None, now_ms())?;
            audit::record(
                c,
                now_ms(),
                "sessions-ended",
                Some(admin.who()),
                &format!("user={id} sessions ended={ended}"),
            );
            Ok(())
        })
        .await?;
    state.sessions_changed();
    Ok(StatusCode::NO_CONTENT)
}
