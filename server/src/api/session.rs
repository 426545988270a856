//! Sign in, sign out, who am I, and registering this device's Automerge actor.

use crate::db::Connection;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::{Deserialize, Serialize};

use super::Body;
use crate::accounts::store::{self, User};
use crate::accounts::{audit, organisations, password, sessions};
use crate::auth::{self, Caller, MaybeCaller};
use crate::error::ServerError;
use crate::{AppState, now_ms};

#[derive(Deserialize)]
pub struct SignIn {
    username: String,
    password: String,
}

/// `GET /api/me`'s body.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    user: User,
    session: SessionInfo,
    peer_prefix: String,
    delegations: Vec<MyDelegation>,
    /// The organisations the caller leads (their follow-up and figures).
    organisations: Vec<MyOrganisation>,
    /// Every Automerge actor registered to someone in the caller's delegations (the caller
    /// included): actor hex → display name. The app shows a record's author from this, never
    /// from the name typed into the record (`shared::authorship`).
    authors: std::collections::BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionInfo {
    id: i64,
    expires_at: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MyDelegation {
    id: i64,
    name: String,
    role: crate::accounts::Role,
    supervisions: Vec<String>,
    /// Read as a leader of this organisation (the role is then `observer`), not as a member.
    #[serde(skip_serializing_if = "Option::is_none")]
    organisation: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MyOrganisation {
    id: i64,
    name: String,
    level: String,
}

/// The peer id prefix a user's sync connections must use.
pub fn peer_prefix(user: i64) -> String {
    format!("u{user}-")
}

/// What `/api/me` answers for a session.
pub fn me_body(c: &Connection, user: User, session: sessions::Session) -> Result<Me, ServerError> {
    let mut delegations = Vec::new();
    for (id, name, role) in store::memberships_of(c, user.id)? {
        delegations.push(MyDelegation {
            id,
            name,
            role,
            supervisions: store::supervisions_of(c, id)?,
            organisation: None,
        });
    }
    // A leader reads the delegations of their organisation and those below, as an observer.
    for (id, name, organisation) in organisations::led_delegations(c, user.id)? {
        if delegations.iter().any(|d| d.id == id) {
            continue;
        }
        delegations.push(MyDelegation {
            id,
            name,
            role: crate::accounts::Role::Observer,
            supervisions: store::supervisions_of(c, id)?,
            organisation: Some(organisation),
        });
    }
    let organisations = organisations::led_by(c, user.id)?
        .into_iter()
        .map(|(id, name, level)| MyOrganisation { id, name, level })
        .collect();
    let authors = store::actors_beside(c, user.id)?;
    Ok(Me {
        authors,
        peer_prefix: peer_prefix(user.id),
        user,
        session: SessionInfo {
            id: session.id,
            expires_at: session.expires_at,
        },
        delegations,
        organisations,
    })
}

fn wrong_credentials() -> ServerError {
    ServerError::Unauthorized(
        "Tên đăng nhập hoặc mật khẩu không đúng. / Wrong username or password.".into(),
    )
}

/// The device's description for the sessions list: its user agent, shortened.
pub fn device_of(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("?")
        .chars()
        .take(200)
        .collect()
}

/// `POST /api/session`.
pub async fn sign_in(
    state: State<AppState>,
    auth::ClientAddr(addr): auth::ClientAddr,
    MaybeCaller(signed_in): MaybeCaller,
    jar: CookieJar,
    headers: HeaderMap,
    Body(body): Body<SignIn>,
) -> Result<Response, ServerError> {
    let username = body.username.trim().to_owned();
    if username.len() > 100 || body.password.len() > 1024 {
        return Err(wrong_credentials());
    }
    // A device already signed in as this username is its owner: a lock-out by someone
    // guessing elsewhere does not stop them (the address still counts).
    let owner_device = signed_in
        .as_ref()
        .is_some_and(|c| c.user.username.eq_ignore_ascii_case(&username));
    let attempt = match state.limiter.attempt(&username, addr, owner_device).await {
        Ok(a) => a,
        Err(refused) => {
            if refused.first {
                let name = username.clone();
                state
                    .accounts
                    .with(move |c| {
                        audit::record(
                            c,
                            now_ms(),
                            "sign-in-throttled",
                            None,
                            &format!("username={name}"),
                        );
                        Ok(())
                    })
                    .await?;
            }
            return Err(ServerError::TooManyAttempts(refused.wait_secs));
        }
    };
    let lookup = username.clone();
    let found = state
        .accounts
        .with(move |c| store::user_for_login(c, &lookup))
        .await?;
    let (user, hash) = match found {
        Some((u, h)) => (Some(u), Some(h)),
        None => (None, None),
    };
    let ok = password::verify(body.password, hash).await?;
    let Some(user) = user.filter(|_| ok) else {
        // The attempt stays counted as a failure.
        state
            .accounts
            .with(move |c| {
                audit::record(
                    c,
                    now_ms(),
                    "sign-in-failed",
                    None,
                    &format!("username={username}"),
                );
                Ok(())
            })
            .await?;
        return Err(wrong_credentials());
    };
    state.limiter.succeeded(attempt).await;
    if user.disabled {
        return Err(ServerError::Forbidden(
            "Tài khoản này đã bị khóa; hãy liên hệ quản trị viên. \
             / This account is disabled; contact an administrator."
                .into(),
        ));
    }
    let device = device_of(&headers);
    let life = auth::lifetime(&state);
    let (token, me) = state
        .accounts
        .with(move |c| {
            let (token, session) = sessions::create(c, user.id, &device, now_ms(), life)?;
            audit::record(
                c,
                now_ms(),
                "sign-in",
                Some((user.id, &user.username)),
                &format!("session={} device={device}", session.id),
            );
            Ok((token, me_body(c, user, session)?))
        })
        .await?;
    let jar = jar.add(auth::session_cookie(&state, token));
    Ok((jar, Json(me)).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewPassword {
    current: String,
    new: String,
}

/// `PUT /api/me/password`: a user changes their own password, giving the current one
/// (counted by the sign-in limiter like any password guess). Every other device of theirs
/// is signed out; this one stays signed in.
pub async fn change_password(
    State(state): State<AppState>,
    auth::ClientAddr(addr): auth::ClientAddr,
    caller: Caller,
    Body(body): Body<NewPassword>,
) -> Result<StatusCode, ServerError> {
    if body.current.len() > 1024 {
        return Err(wrong_password());
    }
    password::check_new(&body.new)?;
    let attempt = state
        .limiter
        // Asked on the owner's own signed-in device: a lock-out of the username by someone
        // guessing elsewhere does not stop it (the address still counts).
        .attempt(&caller.user.username, addr, true)
        .await
        .map_err(|r| ServerError::TooManyAttempts(r.wait_secs))?;
    let id = caller.user.id;
    let hash = state
        .accounts
        .with(move |c| store::password_hash(c, id))
        .await?;
    if !password::verify(body.current, hash).await? {
        return Err(wrong_password());
    }
    state.limiter.succeeded(attempt).await;
    let new_hash = password::hash(body.new).await?;
    let keep = caller.session.id;
    state
        .accounts
        .with(move |c| {
            let tx = c.transaction()?;
            let ended = sessions::new_password(&tx, id, &new_hash, Some(keep), now_ms())?
                .unwrap_or_default();
            audit::record(
                &tx,
                now_ms(),
                "password-changed",
                Some(caller.who()),
                &format!("other sessions ended={ended}"),
            );
            tx.commit()?;
            Ok(())
        })
        .await?;
    state.sessions_changed();
    Ok(StatusCode::NO_CONTENT)
}

/// 403, not 401: the session is fine (a 401 tells the app to sign in again).
fn wrong_password() -> ServerError {
    ServerError::Forbidden("Mật khẩu hiện tại không đúng. / The current password is wrong.".into())
}

/// `DELETE /api/session`.
pub async fn sign_out(
    state: State<AppState>,
    caller: Caller,
    jar: CookieJar,
) -> Result<Response, ServerError> {
    let id = caller.session.id;
    state
        .accounts
        .with(move |c| {
            sessions::revoke(c, id, now_ms())?;
            audit::record(
                c,
                now_ms(),
                "sign-out",
                Some(caller.who()),
                &format!("session={id}"),
            );
            Ok(())
        })
        .await?;
    state.sessions_changed();
    let jar = jar.add(auth::cleared_cookie(&state));
    Ok((jar, StatusCode::NO_CONTENT).into_response())
}

/// `GET /api/me`.
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Response, ServerError> {
    let me = state
        .accounts
        .with(move |c| me_body(c, caller.user, caller.session))
        .await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(me)).into_response())
}

#[derive(Deserialize)]
pub struct ActorBody {
    actor: String,
}

/// `POST /api/actors`: this device's Automerge actor belongs to the caller.
pub async fn register_actor(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<ActorBody>,
) -> Result<StatusCode, ServerError> {
    let actor = body.actor.to_ascii_lowercase();
    let well_formed = (2..=64).contains(&actor.len())
        && actor.len() % 2 == 0
        && actor.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(ServerError::BadRequest(
            "Mã thiết bị (actor) phải là 1–32 byte viết dạng hex. / An actor id is 1–32 bytes in hex."
                .into(),
        ));
    }
    let user = caller.user.id;
    let mine = state
        .accounts
        .with(move |c| {
            let mine = store::register_actor(c, &actor, user, now_ms())?;
            if !mine {
                audit::record(
                    c,
                    now_ms(),
                    "actor-refused",
                    Some(caller.who()),
                    &format!("actor={actor} belongs to another user"),
                );
            }
            Ok(mine)
        })
        .await?;
    if mine {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ServerError::Conflict(
            "Mã thiết bị này đã thuộc về người khác. / This actor id belongs to someone else."
                .into(),
        ))
    }
}
