//! The HTTP routes: `/health`, `/api/catalogue`, `/sync`, `/api/blobs/{sha256}` (see
//! [`crate::blobs`]), and the built app's files (precompressed brotli/gzip where the build
//! made them, `.wasm` as `application/wasm`, unknown paths answered with `index.html` for the
//! app's own routes).

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::{AppState, blobs, sync_socket};

/// The whole application router.
pub fn app(state: AppState) -> Router {
    let index = state.config.app_dir.join("index.html");
    let api = Router::new()
        .route("/health", get(health))
        .route("/api/catalogue", get(catalogue))
        .route("/sync", get(sync_socket::upgrade))
        .merge(blobs::router(state.config.max_blob_bytes));
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
        .with_state(state)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    catalogue: String,
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        catalogue: state.catalogue_id.to_string(),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CatalogueRef {
    document_id: String,
}

/// The catalogue's document id: the one fact a new tablet needs to find every supervision.
async fn catalogue(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Json(CatalogueRef {
            document_id: state.catalogue_id.to_string(),
        }),
    )
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
