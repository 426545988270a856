//! Evidence files on the tablet: photos taken or chosen offline are downscaled on the
//! device (longest side 1600 px, JPEG), hashed (SHA-256), kept in IndexedDB, uploaded to
//! `/api/blobs/<sha256>?document=<supervision id>` when online (the server files each blob
//! under the supervisions it was uploaded for, and shows it only to their readers), and
//! fetched by other members on demand. Which blobs to upload, and when, is
//! `crate::workspace::outbox`.

use js_sys::{Array, Uint8Array};
use sha2::{Digest, Sha256};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File};

use crate::store::{Store, keys};

/// The longest side a photo keeps.
const MAX_SIDE: f64 = 1600.0;

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Read a chosen file; photos come back downscaled as JPEG. Returns (bytes, mime).
pub async fn prepare(file: &File) -> Result<(Vec<u8>, String), String> {
    let mime = file.type_();
    if mime.starts_with("image/")
        && mime != "image/svg+xml"
        && let Ok(jpeg) = downscale(file).await
    {
        return Ok((jpeg, "image/jpeg".into()));
    }
    let buf = JsFuture::from(file.array_buffer()).await.map_err(js_err)?;
    let mime = if mime.is_empty() {
        "application/octet-stream".to_owned()
    } else {
        mime
    };
    Ok((Uint8Array::new(&buf).to_vec(), mime))
}

async fn downscale(file: &File) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let bitmap: web_sys::ImageBitmap =
        JsFuture::from(window.create_image_bitmap_with_blob(file).map_err(js_err)?)
            .await
            .map_err(js_err)?
            .dyn_into()
            .map_err(js_err)?;
    let (w, h) = (bitmap.width() as f64, bitmap.height() as f64);
    let scale = (MAX_SIDE / w.max(h)).min(1.0);
    let (tw, th) = ((w * scale).round().max(1.0), (h * scale).round().max(1.0));
    let document = window.document().ok_or("no document")?;
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(js_err)?
        .dyn_into()
        .map_err(|_| "not a canvas".to_owned())?;
    canvas.set_width(tw as u32);
    canvas.set_height(th as u32);
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(js_err)?
        .ok_or("no 2d context")?
        .dyn_into()
        .map_err(|_| "not a 2d context".to_owned())?;
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, tw, th)
        .map_err(js_err)?;
    let url = canvas
        .to_data_url_with_type_and_encoder_options("image/jpeg", &JsValue::from_f64(0.85))
        .map_err(js_err)?;
    let b64 = url.split_once(',').map(|(_, b)| b).ok_or("bad data URL")?;
    let bin = window.atob(b64).map_err(js_err)?;
    Ok(bin.chars().map(|c| c as u8).collect())
}

/// An object URL for a blob of supervision `doc`: from IndexedDB, else fetched from the
/// server and kept. Typed as a photo only for the raster types `shared::media` allows.
pub async fn object_url(store: &Store, sha: &str, doc: &str) -> Option<String> {
    let (bytes, mime) = match store.blob(sha).await.ok().flatten() {
        Some(found) => found,
        None => {
            let fetched = fetch(sha, doc).await?;
            let _ = store.put_blob(sha, &fetched.1, &fetched.0, doc).await;
            let _ = store.set_meta(&keys::uploaded(doc, sha), "1").await;
            fetched
        }
    };
    let parts = Array::new();
    parts.push(&Uint8Array::from(bytes.as_slice()));
    // The object URL lives in the app's origin: only a raster photo keeps its type (an
    // <img> never runs script); anything else is bytes, so even opened in a tab it cannot
    // run as a page of the app (`shared::media`).
    let opts = BlobPropertyBag::new();
    opts.set_type(if shared::media::is_shown_image(&mime) {
        &mime
    } else {
        shared::media::DOWNLOAD_ONLY
    });
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &opts).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

fn blob_path(sha: &str, doc: &str) -> String {
    format!(
        "/api/blobs/{}?document={}",
        crate::api::segment(sha),
        crate::api::segment(doc)
    )
}

async fn fetch(sha: &str, doc: &str) -> Option<(Vec<u8>, String)> {
    let window = web_sys::window()?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(&blob_path(sha, doc)))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if !resp.ok() {
        return None;
    }
    let mime = resp
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_else(|| "application/octet-stream".into());
    let buf = JsFuture::from(resp.array_buffer().ok()?).await.ok()?;
    let bytes = Uint8Array::new(&buf).to_vec();
    // Content addressing: refuse what does not match its name.
    (sha256_hex(&bytes) == sha).then_some((bytes, mime))
}

/// How one upload ended.
pub enum Upload {
    Done,
    /// The session is over: sign in again, then it is retried.
    Unauthorized,
    /// A 4xx: the server's message.
    Refused(String),
    /// 507: the server has no room now; its message, and try again later.
    Full(String),
    /// Offline or a server error: try again on the next connection.
    Later,
}

/// `PUT` one blob of supervision `doc`.
pub async fn upload(sha: &str, doc: &str, mime: &str, bytes: &[u8]) -> Upload {
    let Some(window) = web_sys::window() else {
        return Upload::Later;
    };
    let init = web_sys::RequestInit::new();
    init.set_method("PUT");
    let body = Uint8Array::from(bytes);
    init.set_body(&body);
    let headers = web_sys::Headers::new().ok();
    if let Some(h) = &headers {
        let _ = h.set("content-type", mime);
        let _ = h.set("x-requested-with", "giamsat");
        init.set_headers(h);
    }
    let Ok(req) = web_sys::Request::new_with_str_and_init(&blob_path(sha, doc), &init) else {
        return Upload::Later;
    };
    let Ok(resp) = JsFuture::from(window.fetch_with_request(&req)).await else {
        return Upload::Later;
    };
    let Ok(resp) = resp.dyn_into::<web_sys::Response>() else {
        return Upload::Later;
    };
    let text = || async {
        match resp.text() {
            Ok(p) => JsFuture::from(p)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        }
    };
    match resp.status() {
        200..=299 => Upload::Done,
        401 => Upload::Unauthorized,
        400..=499 => Upload::Refused(text().await),
        507 => Upload::Full(text().await),
        _ => Upload::Later,
    }
}

fn js_err(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}
