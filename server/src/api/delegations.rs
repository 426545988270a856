//! One delegation: who is in it with which role, invitation links, and which supervisions
//! belong to it. A non-member (not an administrator) gets 404: they do not learn that the
//! delegation exists.

use crate::db::Connection;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::Body;
use crate::accounts::store::{self};
use crate::accounts::{Role, audit, invitations};
use crate::auth::Caller;
use crate::error::ServerError;
use crate::{AppState, now_ms};

fn not_found() -> ServerError {
    ServerError::NotFound("Không có đoàn này. / No such delegation.".into())
}

fn not_manager() -> ServerError {
    ServerError::Forbidden(
        "Chỉ trưởng đoàn, phó đoàn hoặc quản trị viên được làm việc này. \
         / Only the head, a deputy or an administrator may do this."
            .into(),
    )
}

/// The caller's role in the delegation; 404 if they are neither in it nor an administrator.
/// An administrator who is not a member answers `None`.
fn visible(c: &Connection, delegation: i64, caller: &Caller) -> Result<Option<Role>, ServerError> {
    if store::delegation_name(c, delegation)?.is_none() {
        return Err(not_found());
    }
    let role = store::role(c, delegation, caller.user.id)?;
    if role.is_none() && !caller.user.is_admin {
        audit::record(
            c,
            now_ms(),
            "access-refused",
            Some(caller.who()),
            &format!("delegation={delegation}"),
        );
        return Err(not_found());
    }
    Ok(role)
}

/// 403 unless the caller is head, deputy or administrator (after [`visible`]). A deputy
/// manages everyone but the heads: only a head (or an administrator) changes or removes a
/// head, or makes someone head.
fn manager(
    c: &Connection,
    delegation: i64,
    caller: &Caller,
    touches_head: bool,
) -> Result<(), ServerError> {
    let role = visible(c, delegation, caller)?;
    let allowed = caller.user.is_admin
        || match role {
            Some(Role::Head) => true,
            Some(Role::Deputy) => !touches_head,
            _ => false,
        };
    if allowed {
        Ok(())
    } else {
        audit::record(
            c,
            now_ms(),
            "access-refused",
            Some(caller.who()),
            &format!("manage delegation={delegation}"),
        );
        Err(if role.is_some_and(Role::manages) {
            ServerError::Forbidden(
                "Chỉ trưởng đoàn hoặc quản trị viên được thay đổi trưởng đoàn. \
                 / Only the head or an administrator may change a head of delegation."
                    .into(),
            )
        } else {
            not_manager()
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shown {
    id: i64,
    name: String,
    members: Vec<MemberRow>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MemberRow {
    user_id: i64,
    username: String,
    display_name: String,
    role: Role,
}

/// `GET /api/delegations/{id}`.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Shown>, ServerError> {
    state
        .accounts
        .with(move |c| {
            visible(c, id, &caller)?;
            let name = store::delegation_name(c, id)?.ok_or_else(not_found)?;
            let members = store::members(c, id)?
                .into_iter()
                .map(|(u, role)| MemberRow {
                    user_id: u.id,
                    username: u.username,
                    display_name: u.display_name,
                    role,
                })
                .collect();
            Ok(Json(Shown { id, name, members }))
        })
        .await
}

#[derive(Deserialize)]
pub struct RoleBody {
    role: String,
}

fn parse_role(role: &str) -> Result<Role, ServerError> {
    Role::parse(role).ok_or_else(|| {
        ServerError::BadRequest(format!(
            "Vai trò không hợp lệ: {role:?}; chọn head, deputy, member, secretary hoặc observer. \
             / Unknown role {role:?}; choose head, deputy, member, secretary or observer."
        ))
    })
}

/// `PUT /api/delegations/{id}/members/{user}`.
pub async fn set_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(i64, i64)>,
    Body(body): Body<RoleBody>,
) -> Result<StatusCode, ServerError> {
    let role = parse_role(&body.role)?;
    state
        .accounts
        .with(move |c| {
            let touches_head = role == Role::Head || store::role(c, id, user)? == Some(Role::Head);
            manager(c, id, &caller, touches_head)?;
            let target = store::user(c, user)?.ok_or_else(|| {
                ServerError::NotFound("Không có tài khoản này. / No such account.".into())
            })?;
            store::set_role(c, id, user, role)?;
            audit::record(
                c,
                now_ms(),
                "membership-set",
                Some(caller.who()),
                &format!(
                    "delegation={id} user={} role={}",
                    target.username,
                    role.as_str()
                ),
            );
            Ok(())
        })
        .await?;
    state.accounts.changed();
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/delegations/{id}/members/{user}`.
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(i64, i64)>,
) -> Result<StatusCode, ServerError> {
    state
        .accounts
        .with(move |c| {
            let touches_head = store::role(c, id, user)? == Some(Role::Head);
            manager(c, id, &caller, touches_head)?;
            if !store::remove_member(c, id, user)? {
                return Err(ServerError::NotFound(
                    "Người này không ở trong đoàn. / This person is not in the delegation.".into(),
                ));
            }
            audit::record(
                c,
                now_ms(),
                "membership-removed",
                Some(caller.who()),
                &format!("delegation={id} user={user}"),
            );
            Ok(())
        })
        .await?;
    state.accounts.changed();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invited {
    token: String,
    path: String,
    expires_at: i64,
}

/// `POST /api/delegations/{id}/invitations`.
pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<RoleBody>,
) -> Result<(StatusCode, Json<Invited>), ServerError> {
    let role = parse_role(&body.role)?;
    let (token, expires_at) = state
        .accounts
        .with(move |c| {
            manager(c, id, &caller, role == Role::Head)?;
            let made = invitations::create(c, id, role, caller.user.id, now_ms())?;
            audit::record(
                c,
                now_ms(),
                "invitation-created",
                Some(caller.who()),
                &format!("delegation={id} role={}", role.as_str()),
            );
            Ok(made)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Invited {
            path: format!("/#/invite/{token}"),
            token,
            expires_at,
        }),
    ))
}

/// `GET /api/delegations/{id}/invitations`: the open links (heads, deputies, admins).
pub async fn open_invitations(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<invitations::OpenInvitation>>, ServerError> {
    state
        .accounts
        .with(move |c| {
            manager(c, id, &caller, false)?;
            Ok(Json(invitations::open(c, id, now_ms())?))
        })
        .await
}

/// `DELETE /api/delegations/{id}/invitations/{invitation}`: withdraw an unused link.
pub async fn revoke_invitation(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, invitation)): Path<(i64, String)>,
) -> Result<StatusCode, ServerError> {
    state
        .accounts
        .with(move |c| {
            manager(c, id, &caller, false)?;
            if invitation.len() != 64 || !invitations::revoke(c, id, &invitation, now_ms())? {
                return Err(ServerError::NotFound(
                    "Không có lời mời đang mở này. / No such open invitation.".into(),
                ));
            }
            audit::record(
                c,
                now_ms(),
                "invitation-revoked",
                Some(caller.who()),
                &format!("delegation={id}"),
            );
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupervisionBody {
    document_id: String,
}

/// `POST /api/delegations/{id}/supervisions`: a supervision made on a tablet belongs to this
/// delegation. Only writers of the delegation may say so, and only once.
pub async fn register_supervision(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<SupervisionBody>,
) -> Result<StatusCode, ServerError> {
    let doc: shared::DocumentId = body.document_id.parse().map_err(|_| {
        ServerError::BadRequest("Mã tài liệu không hợp lệ. / Not a valid document id.".into())
    })?;
    let doc = doc.to_string();
    state
        .accounts
        .with(move |c| {
            let role = visible(c, id, &caller)?;
            if !role.is_some_and(Role::writes) {
                return Err(ServerError::Forbidden(
                    "Chỉ thành viên (không phải quan sát viên) được thêm cuộc giám sát vào đoàn. \
                     / Only members (not observers) may add a supervision to the delegation."
                        .into(),
                ));
            }
            if !store::register_supervision(c, &doc, id, Some(caller.user.id), now_ms())? {
                audit::record(
                    c,
                    now_ms(),
                    "access-refused",
                    Some(caller.who()),
                    &format!("register document={doc} owned by another delegation"),
                );
                return Err(ServerError::Conflict(
                    "Cuộc giám sát này đã thuộc một đoàn khác. / This supervision belongs to another delegation."
                        .into(),
                ));
            }
            Ok(())
        })
        .await?;
    state.accounts.changed();
    Ok(StatusCode::NO_CONTENT)
}
