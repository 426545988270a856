//! Opening an invitation link, and accepting it: with a new account, or (signed in already)
//! with one's own. The link works once.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::{Deserialize, Serialize};

use super::Body;
use super::session::{device_of, me_body};
use crate::accounts::store::{self};
use crate::accounts::{Role, audit, invitations, password, sessions};
use crate::auth::{self, MaybeCaller};
use crate::error::ServerError;
use crate::{AppState, now_ms};

fn gone() -> ServerError {
    ServerError::NotFound(
        "Lời mời không còn hiệu lực (đã dùng hoặc đã hết hạn); hãy xin trưởng đoàn một đường dẫn mới. \
         / This invitation no longer works (used or expired); ask the head of delegation for a new link."
            .into(),
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shown {
    delegation_name: String,
    role: Role,
    expires_at: i64,
}

/// `GET /api/invitations/{token}`.
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Shown>, ServerError> {
    if token.len() > 100 {
        return Err(gone());
    }
    let inv = state
        .accounts
        .with(move |c| invitations::find(c, &token, now_ms()))
        .await?
        .ok_or_else(gone)?;
    Ok(Json(Shown {
        delegation_name: inv.delegation_name,
        role: inv.role,
        expires_at: inv.expires_at,
    }))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Accept {
    username: Option<String>,
    password: Option<String>,
    display_name: Option<String>,
}

/// `POST /api/invitations/{token}/accept`.
pub async fn accept(
    state: axum::extract::State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Path(token): Path<String>,
    jar: CookieJar,
    headers: HeaderMap,
    Body(body): Body<Accept>,
) -> Result<Response, ServerError> {
    if token.len() > 100 {
        return Err(gone());
    }
    let life = auth::lifetime(&state);
    let device = device_of(&headers);
    // The link first: hashing a password (tens of milliseconds of a core) is spent only on
    // a link that works, so made-up tokens cannot keep the server busy.
    let probe = token.clone();
    state
        .accounts
        .with(move |c| invitations::find(c, &probe, now_ms()))
        .await?
        .ok_or_else(gone)?;
    // A new account: check and hash before taking the database.
    let new_account = match (&caller, &body.username) {
        (Some(_), None) => None,
        (_, Some(username)) => {
            let username = username.trim().to_owned();
            store::check_username(&username)?;
            let display = store::check_name(body.display_name.as_deref().unwrap_or(&username))?;
            let pw = body.password.clone().unwrap_or_default();
            password::check_new(&pw)?;
            Some((username, display, password::hash(pw).await?))
        }
        (None, None) => {
            return Err(ServerError::BadRequest(
                "Cần tên đăng nhập, họ tên và mật khẩu. / A username, a name and a password are needed."
                    .into(),
            ));
        }
    };
    let (me, token_out) = state
        .accounts
        .with(move |c| {
            let tx = c.transaction()?;
            let now = now_ms();
            let inv = invitations::find(&tx, &token, now)?.ok_or_else(gone)?;
            let (user, session, cookie) = match new_account {
                Some((username, display, hash)) => {
                    let id = store::create_user(&tx, &username, &display, &hash, false, now)?;
                    audit::record(
                        &tx,
                        now,
                        "account-created",
                        Some((id, &username)),
                        "by invitation",
                    );
                    let user = store::user(&tx, id)?
                        .ok_or_else(|| ServerError::Internal("new account vanished".into()))?;
                    let (cookie, session) = sessions::create(&tx, id, &device, now, life)?;
                    (user, session, Some(cookie))
                }
                None => {
                    let Some(caller) = caller else {
                        return Err(ServerError::Internal("no caller and no account".into()));
                    };
                    (caller.user, caller.session, None)
                }
            };
            if !invitations::use_once(&tx, &token, user.id, now)? {
                return Err(gone());
            }
            // A link brings someone into the delegation; it never changes the role of someone
            // already in it (an observer cannot raise their own role with a link they were
            // given; a head or deputy changes roles on the delegation's screen).
            let current = store::role(&tx, inv.delegation_id, user.id)?;
            if current.is_some() {
                return Err(ServerError::Conflict(
                    "Bạn đã ở trong đoàn này; vai trò do trưởng đoàn thay đổi. \
                     / You are already in this delegation; the head changes roles."
                        .into(),
                ));
            }
            store::set_role(&tx, inv.delegation_id, user.id, inv.role)?;
            audit::record(
                &tx,
                now,
                "membership-set",
                Some((user.id, &user.username)),
                &format!(
                    "delegation={} role={} by invitation",
                    inv.delegation_id,
                    inv.role.as_str()
                ),
            );
            let me = me_body(&tx, user, session)?;
            tx.commit()?;
            Ok((me, cookie))
        })
        .await?;
    state.accounts.changed();
    let jar = match token_out {
        Some(t) => jar.add(auth::session_cookie(&state, t)),
        None => jar,
    };
    Ok((StatusCode::CREATED, jar, Json(me)).into_response())
}
