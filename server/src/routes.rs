//! The router: `/health`, the account and delegation API ([`crate::api`]), `/sync`,
//! `/api/blobs/{sha256}` (see [`crate::blobs`]), `/verify` (checking a printed copy, see
//! [`crate::verify`]), and the built app's files (precompressed
//! brotli/gzip where the build made them, `.wasm` as `application/wasm`, unknown paths
//! answered with `index.html` for the app's own routes). Every response carries the security
//! headers, every state-changing request passes the CSRF check ([`crate::auth`]).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router, middleware};
use serde::Serialize;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::{AppState, api, auth, blobs, sync_socket, verify};

/// The whole application router.
pub fn app(state: AppState) -> Router {
    let index = state.config.app_dir.join("index.html");
    let api = Router::new()
        .route("/health", get(health))
        .route("/sync", get(sync_socket::upgrade))
        .merge(api::router())
        .merge(blobs::router(state.config.max_blob_bytes))
        .merge(verify::router());
    let files: Router<AppState> = if index.exists() {
        let dir = ServeDir::new(&state.config.app_dir)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(ServeFile::new(&index));
        // Revalidate every time: a new build is picked up on the next load (the service
        // worker serves the cached copy only when the server cannot be reached).
        Router::new()
            .fallback_service(dir)
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-cache"),
            ))
    } else {
        Router::new().fallback(get(not_built))
    };
    api.merge(files)
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(auth::csrf))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::renew_cookie,
        ))
        .layer(middleware::from_fn(auth::security_headers))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::transport_security,
        ))
        .with_state(state)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

/// `{"status":"ok"}`, or 503 with `{"status":"database unreachable"}` when the database does
/// not answer (a load balancer in front of several replicas takes that one out).
async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let answers = state
        .accounts
        .with(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
        .await;
    match answers {
        Ok(_) => (StatusCode::OK, Json(Health { status: "ok" })),
        Err(e) => {
            tracing::error!("/health: the database does not answer: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "database unreachable",
                }),
            )
        }
    }
}

async fn not_built(State(state): State<AppState>) -> Html<String> {
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>giamsat</title>\
         <h1>Ứng dụng chưa được build / The app is not built</h1>\
         <p>Không tìm thấy <code>{dir}/index.html</code>. Chạy <code>cargo xtask run</code> \
         (build rồi chạy) hoặc <code>cargo xtask build</code>.</p>\
         <p>No <code>{dir}/index.html</code>. Run <code>cargo xtask run</code> (builds, then runs) \
         or <code>cargo xtask build</code>. The sync endpoint <code>/sync</code> works regardless.</p>",
        dir = state.config.app_dir.display()
    ))
}
