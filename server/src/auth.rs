//! Who is calling, and the guards every request passes.
//!
//! - [`Caller`]: the signed-in user, from the `giamsat_session` cookie (401 otherwise).
//! - [`csrf`]: state-changing requests must carry `X-Requested-With: giamsat` and, when the
//!   browser names an `Origin`, come from this server's own.
//! - [`security_headers`]: CSP that allows the app's own script and wasm and nothing more,
//!   no framing, no sniffing, no referrer (invitation links carry a token).
//! - [`session_cookie`] / [`cleared_cookie`]: HttpOnly, SameSite=Strict, `Secure` on request;
//!   [`transport_security`]: HSTS with `--secure-cookies`.
//! - [`ClientAddr`]: the client's address, from a trusted proxy's header when configured.

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
    let Some(token) = cookie_token(headers) else {
        return Ok(None);
    };
    let life = lifetime(state);
    state
        .accounts
        .with(move |c| {
            let Some(session) = sessions::find(c, &token, now_ms(), life)? else {
                return Ok(None);
            };
            Ok(store::user(c, session.user_id)?.map(|user| Caller { session, user }))
        })
        .await
}

/// The session token in a request's cookie (none if absurdly long).
fn cookie_token(headers: &HeaderMap) -> Option<String> {
    let jar = CookieJar::from_headers(headers);
    let token = jar.get(COOKIE).map(|c| c.value().to_owned())?;
    (token.len() <= 100).then_some(token)
}

/// How long sessions live: `--session-ttl` after the last use, `--session-max-age` at most.
pub fn lifetime(state: &AppState) -> sessions::Lifetime {
    let ms = |secs: u64| (secs.min(i64::MAX as u64 / 1000) as i64) * 1000;
    sessions::Lifetime {
        sliding_ms: ms(state.config.session_ttl),
        absolute_ms: ms(state.config.session_max_age),
    }
}

/// Where the session extractors leave a renewed session for [`renew_cookie`]: its token and
/// new expiry.
#[derive(Clone, Default)]
pub struct Renewal(std::sync::Arc<std::sync::Mutex<Option<(String, i64)>>>);

/// Tell [`renew_cookie`] that this request's session slid (a no-op without that layer).
fn note_renewal(parts: &Parts, caller: &Caller) {
    if !caller.session.renewed {
        return;
    }
    if let (Some(slot), Some(token)) = (
        parts.extensions.get::<Renewal>(),
        cookie_token(&parts.headers),
    ) {
        let mut slot = slot.0.lock().unwrap_or_else(|p| p.into_inner());
        *slot = Some((token, caller.session.expires_at));
    }
}

/// When a request moved its session's expiry on, send the cookie again with a `Max-Age`
/// that matches (unless the handler set a cookie of its own), so a tablet in daily use is
/// not signed out by its browser when the first cookie's age runs out.
pub async fn renew_cookie(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let slot = Renewal::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let renewed = slot.0.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some((token, expires_at)) = renewed
        && !response.headers().contains_key(header::SET_COOKIE)
    {
        let secs = ((expires_at - now_ms()) / 1000).max(0) as u64;
        let cookie = cookie_with_age(&state.config, token, secs);
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = caller(state, &parts.headers)
            .await?
            .ok_or_else(not_signed_in)?;
        note_renewal(parts, &caller);
        Ok(caller)
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
        let found = caller(state, &parts.headers).await?;
        if let Some(c) = &found {
            note_renewal(parts, c);
        }
        Ok(MaybeCaller(found))
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

/// The client's address: from the header `--client-ip-header` names when the server sits
/// behind a reverse proxy (the proxy's own address would make every member one client), else
/// from the connection. None in tests that drive the router without a socket.
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let from_socket = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let from_proxy = state
            .config
            .client_ip_header
            .as_deref()
            .and_then(|name| forwarded_addr(&parts.headers, name));
        Ok(ClientAddr(from_proxy.or(from_socket)))
    }
}

/// The address a trusted proxy put in header `name`: the last entry of a list (each proxy
/// appends the address it saw, so the last is the one our own proxy wrote; earlier entries
/// come from the client and prove nothing).
pub fn forwarded_addr(headers: &HeaderMap, name: &str) -> Option<std::net::IpAddr> {
    let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
    value.rsplit(',').next()?.trim().parse().ok()
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
                loggable_path(request.uri().path())
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

/// A request path fit for a log line: an invitation link's token (a credential until it is
/// used) is replaced by `…`.
pub fn loggable_path(path: &str) -> String {
    match path.split_once("/api/invitations/") {
        Some((before, after)) => {
            let rest = after.find('/').map(|i| &after[i..]).unwrap_or("");
            format!("{before}/api/invitations/…{rest}")
        }
        None => path.to_owned(),
    }
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

/// `Strict-Transport-Security` when the server is reached over HTTPS (`--secure-cookies`).
pub async fn transport_security(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if state.config.secure_cookies {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// The cookie that carries a new session.
pub fn session_cookie(state: &State<AppState>, token: String) -> Cookie<'static> {
    let age = state.config.session_ttl.min(state.config.session_max_age);
    cookie_with_age(&state.config, token, age)
}

fn cookie_with_age(config: &crate::Config, token: String, secs: u64) -> Cookie<'static> {
    Cookie::build((COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(config.secure_cookies)
        .path("/")
        .max_age(time_secs(secs))
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

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;
    use crate::{Config, routes};

    /// A state with one user whose session was made and last used `days_ago` days ago; the
    /// state and that session's cookie header.
    async fn state_with_session(config: Config, days_ago: i64) -> (AppState, String) {
        let state = crate::open(config).await.expect("open the server state");
        let life = lifetime(&state);
        let then = now_ms() - days_ago * 24 * 3600 * 1000;
        let token = state
            .accounts
            .with(move |c| {
                let user = store::create_user(c, "an", "An", "x", false, 0)?;
                let (token, _) = sessions::create(c, user, "tablet", then, life)?;
                Ok(token)
            })
            .await
            .unwrap();
        (state, format!("{COOKIE}={token}"))
    }

    async fn get(state: &AppState, path: &str, cookie: &str) -> axum::response::Response {
        let req = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        routes::app(state.clone()).oneshot(req).await.unwrap()
    }

    #[tokio::test]
    async fn a_session_in_use_gets_its_cookie_again_with_a_fresh_max_age() {
        let dir = tempfile::tempdir().unwrap();
        let (state, cookie) = state_with_session(Config::for_test(dir.path().into()), 2).await;
        // Step 1: two days after sign-in the tablet calls the API: the session slides, and
        // the answer carries the cookie again with the whole sliding lifetime (60 days).
        let res = get(&state, "/api/me", &cookie).await;
        assert_eq!(res.status(), StatusCode::OK);
        let set = res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(set.starts_with(&cookie), "the same token: {set}");
        let age: i64 = set
            .split(';')
            .find_map(|p| p.trim().strip_prefix("Max-Age="))
            .and_then(|v| v.parse().ok())
            .unwrap();
        assert!(
            (60 * 24 * 3600 - 60..=60 * 24 * 3600).contains(&age),
            "Max-Age={age}"
        );
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
        // Step 2: again within the minute: nothing slid, no cookie.
        let res = get(&state, "/api/me", &cookie).await;
        assert!(res.headers().get(header::SET_COOKIE).is_none());
        state.documents.stop().await;
    }

    #[tokio::test]
    async fn a_session_older_than_its_absolute_lifetime_is_over_however_busy() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_test(dir.path().into());
        config.session_max_age = 24 * 3600;
        let (state, cookie) = state_with_session(config, 2).await;
        assert_eq!(
            get(&state, "/api/me", &cookie).await.status(),
            StatusCode::UNAUTHORIZED
        );
        state.documents.stop().await;
    }

    #[tokio::test]
    async fn hsts_is_sent_only_when_the_server_is_reached_over_https() {
        for secure in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let mut config = Config::for_test(dir.path().into());
            config.secure_cookies = secure;
            let (state, _) = state_with_session(config, 0).await;
            let res = get(&state, "/health", "").await;
            assert_eq!(
                res.headers()
                    .get(header::STRICT_TRANSPORT_SECURITY)
                    .is_some(),
                secure
            );
            state.documents.stop().await;
        }
    }

    #[test]
    fn a_proxys_header_gives_the_address_it_added_and_logs_never_hold_a_token() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 10.0.0.7"),
        );
        assert_eq!(
            forwarded_addr(&h, "X-Forwarded-For"),
            Some([10, 0, 0, 7].into())
        );
        h.insert("x-real-ip", HeaderValue::from_static("not an address"));
        assert_eq!(forwarded_addr(&h, "x-real-ip"), None);
        assert_eq!(
            loggable_path("/api/invitations/SECRET-token/accept"),
            "/api/invitations/…/accept"
        );
        assert_eq!(
            loggable_path("/api/invitations/SECRET"),
            "/api/invitations/…"
        );
        assert_eq!(loggable_path("/api/me"), "/api/me");
    }
}
