//! Who is calling, and the guards every request passes.
//!
//! - [`Caller`]: the signed-in user, from the `giamsat_session` cookie (401 otherwise).
//! - [`csrf`]: state-changing requests must carry `X-Requested-With: giamsat` and, when the
//!   browser names an `Origin`, come from this server's own.
//! - [`security_headers`]: CSP that allows the app's own script and wasm and nothing more,
//!   no framing, no sniffing, no referrer (invitation links carry a token).
//! - [`session_cookie`] / [`cleared_cookie`]: HttpOnly, SameSite=Strict, `Secure` on request.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::accounts::sessions::{self, Session};
use crate::accounts::store::{self, User};
use crate::error::ServerError;
use crate::{AppState, now_ms};

/// The cookie's name.
pub const COOKIE: &str = "giamsat_session";

/// The header a state-changing request must carry, and its value.
pub const CSRF_HEADER: &str = "x-requested-with";
pub const CSRF_VALUE: &str = "giamsat";

/// A signed-in caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub session: Session,
    pub user: User,
}

impl Caller {
    /// `(id, username)` for the audit log.
    pub fn who(&self) -> (i64, &str) {
        (self.user.id, &self.user.username)
    }
}

fn not_signed_in() -> ServerError {
    ServerError::Unauthorized(
        "Chưa đăng nhập, hoặc phiên đăng nhập đã hết hạn; hãy đăng nhập lại. \
         / Not signed in, or the session has expired; sign in again."
            .into(),
    )
}

/// The session a request's cookie names, if live.
pub async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Option<Caller>, ServerError> {
    let jar = CookieJar::from_headers(headers);
    let Some(token) = jar.get(COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    if token.len() > 100 {
        return Ok(None);
    }
    let ttl = ttl_ms(state);
    state
        .accounts
        .with(move |c| {
            let Some(session) = sessions::find(c, &token, now_ms(), ttl)? else {
                return Ok(None);
            };
            Ok(store::user(c, session.user_id)?.map(|user| Caller { session, user }))
        })
        .await
}

/// The session lifetime in milliseconds.
pub fn ttl_ms(state: &AppState) -> i64 {
    (state.config.session_ttl as i64).saturating_mul(1000)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        caller(state, &parts.headers)
            .await?
            .ok_or_else(not_signed_in)
    }
}

/// A caller who may or may not be signed in.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeCaller(caller(state, &parts.headers).await?))
    }
}

/// An administrator.
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if !caller.user.is_admin {
            return Err(ServerError::Forbidden(
                "Chỉ quản trị viên được làm việc này. / Only an administrator may do this.".into(),
            ));
        }
        Ok(Admin(caller))
    }
}

/// The client's address, when the server was started with connection info (not in tests
/// that drive the router directly).
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Whether the request's `Origin` (if any) is this server's own.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let (Ok(origin), Some(Ok(host))) = (
        origin.to_str(),
        headers.get(header::HOST).map(|h| h.to_str()),
    ) else {
        return false;
    };
    origin == format!("http://{host}") || origin == format!("https://{host}")
}

/// Refuse a state-changing request without the CSRF header, or from another origin.
pub async fn csrf(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe {
        let headers = request.headers();
        let marked = headers
            .get(CSRF_HEADER)
            .is_some_and(|v| v.as_bytes() == CSRF_VALUE.as_bytes());
        if !marked || !same_origin(headers) {
            tracing::warn!(
                "refused a cross-site or unmarked {} {}",
                request.method(),
                request.uri().path()
            );
            return ServerError::Forbidden(
                "Yêu cầu bị từ chối: không đến từ ứng dụng giamsat. \
                 / Request refused: it did not come from the giamsat app."
                    .into(),
            )
            .into_response();
        }
    }
    next.run(request).await
}

/// The content security policy: the app's own script, its wasm, its styles; nothing inline.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     img-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Security headers on every response (a route may set a stricter CSP of its own).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("geolocation=(), microphone=(), camera=(self)"),
    );
    response
}

/// The cookie that carries a new session.
pub fn session_cookie(state: &State<AppState>, token: String) -> Cookie<'static> {
    Cookie::build((COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies)
        .path("/")
        .max_age(time_secs(state.config.session_ttl))
        .build()
}

/// The cookie that clears the session on sign-out.
pub fn cleared_cookie(state: &State<AppState>) -> Cookie<'static> {
    Cookie::build((COOKIE, ""))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies)
        .path("/")
        .max_age(time_secs(0))
        .build()
}

fn time_secs(secs: u64) -> time::Duration {
    time::Duration::seconds(secs.min(i64::MAX as u64) as i64)
}
