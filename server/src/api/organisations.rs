//! Administrators set up organisations: create one (under a parent, at a level they name),
//! put a delegation under it, and make an account one of its leaders (who then reads every
//! supervision below it, see `accounts::organisations`). Every change is audited, and every
//! open sync connection re-checks what it may read.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::Body;
use crate::accounts::organisations::{self, Organisation};
use crate::accounts::{audit, store};
use crate::auth::Admin;
use crate::error::ServerError;
use crate::{AppState, now_ms};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewOrganisation {
    name: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    parent_id: Option<i64>,
}

#[derive(serde::Serialize)]
pub struct Created {
    id: i64,
}

/// `POST /api/admin/organisations`.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(body): Body<NewOrganisation>,
) -> Result<(StatusCode, Json<Created>), ServerError> {
    let name = store::check_name(&body.name)?;
    let level = body.level.trim().chars().take(100).collect::<String>();
    let id = state
        .accounts
        .with(move |c| {
            let id = organisations::create(c, &name, &level, body.parent_id, now_ms())?;
            audit::record(
                c,
                now_ms(),
                "organisation-created",
                Some(admin.who()),
                &format!(
                    "organisation={id} name={name} level={level} parent={:?}",
                    body.parent_id
                ),
            );
            Ok(id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// `GET /api/admin/organisations`.
pub async fn list(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<Organisation>>, ServerError> {
    Ok(Json(state.accounts.with(|c| organisations::all(c)).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OwnerBody {
    organisation_id: Option<i64>,
}

/// `PUT /api/admin/delegations/{id}/organisation`: the organisation a delegation works for.
pub async fn set_owner(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(delegation): Path<i64>,
    Body(body): Body<OwnerBody>,
) -> Result<StatusCode, ServerError> {
    state
        .accounts
        .with(move |c| {
            if !organisations::set_owner(c, delegation, body.organisation_id)? {
                return Err(ServerError::NotFound(
                    "Không có đoàn này. / No such delegation.".into(),
                ));
            }
            audit::record(
                c,
                now_ms(),
                "delegation-organisation",
                Some(admin.who()),
                &format!(
                    "delegation={delegation} organisation={:?}",
                    body.organisation_id
                ),
            );
            Ok(())
        })
        .await?;
    state.accounts.changed();
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/admin/organisations/{id}/leaders/{user}`.
pub async fn add_leader(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path((org, user)): Path<(i64, i64)>,
) -> Result<StatusCode, ServerError> {
    state
        .accounts
        .with(move |c| {
            if store::user(c, user)?.is_none() {
                return Err(ServerError::NotFound(
                    "Không có tài khoản này. / No such account.".into(),
                ));
            }
            organisations::add_leader(c, org, user)?;
            audit::record(
                c,
                now_ms(),
                "organisation-leader-added",
                Some(admin.who()),
                &format!("organisation={org} user={user}"),
            );
            Ok(())
        })
        .await?;
    state.accounts.changed();
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/admin/organisations/{id}/leaders/{user}`: from now on they read nothing
/// of it (open sync connections are cut off from its supervisions).
pub async fn remove_leader(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path((org, user)): Path<(i64, i64)>,
) -> Result<StatusCode, ServerError> {
    state
        .accounts
        .with(move |c| {
            if !organisations::remove_leader(c, org, user)? {
                return Err(ServerError::NotFound(
                    "Người này không lãnh đạo tổ chức này. / Not a leader of this organisation."
                        .into(),
                ));
            }
            audit::record(
                c,
                now_ms(),
                "organisation-leader-removed",
                Some(admin.who()),
                &format!("organisation={org} user={user}"),
            );
            Ok(())
        })
        .await?;
    state.accounts.changed();
    Ok(StatusCode::NO_CONTENT)
}
