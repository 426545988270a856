//! `/api/blobs/{sha256}`: the photos and scanned documents members attach to findings as
//! evidence, stored by content.
//!
//! A finding names its evidence by SHA-256 (`shared::finding::Evidence`); the bytes travel
//! here, outside the Automerge document, and are uploaded when the tablet is online.
//! `PUT` stores the body under its hash, after checking that the hash in the path is the
//! hash of the body; the same upload again is a harmless no-op (200), so a tablet may retry
//! freely. `GET` returns the bytes, cacheable for ever (an address names one content), as
//! their stored type only when `shared::media` allows it (photos, PDF, plain text; Office
//! documents as downloads); any other type is served as `application/octet-stream` with
//! `Content-Disposition: attachment`. An upload over `--max-blob-bytes` is refused with 413 before
//! it is read (by its `Content-Length`) or as soon as it passes the limit (a chunked body,
//! through axum's [`DefaultBodyLimit`]); a refused upload stores nothing.
//!
//! Every blob belongs to the supervisions it was uploaded for (`?document=<id>`): `PUT`
//! needs write access to that supervision, `GET` read access and an upload for that same
//! supervision. Anyone else gets 404, as if the blob did not exist.
//!
//! Never trusted: the path, the `Content-Type`, the body. Uploads are served back with
//! `nosniff`, and anything but a PDF with a sandboxing content security policy, so a blob
//! cannot run script in the app's origin even if a browser ignored its type.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use shared::media::Disposition;

use crate::AppState;
use crate::accounts::{Access, audit, store};
use crate::auth::Caller;
use crate::error::ServerError;

/// Which supervision a blob is uploaded for or read through.
#[derive(serde::Deserialize)]
pub struct ForDocument {
    document: Option<String>,
}

/// 404 unless the caller has `needed` access to the supervision named in the query (and,
/// for reading, the blob was uploaded for it). The audit log notes refusals.
async fn authorise(
    state: &AppState,
    caller: &Caller,
    query: ForDocument,
    sha: &str,
    needed: Access,
) -> Result<String, ServerError> {
    let not_found = || {
        ServerError::NotFound(format!(
            "Không có tệp đính kèm {sha} cho cuộc giám sát này (có thể chưa được tải lên). \
             / No blob {sha} for this supervision (it may not have been uploaded yet)."
        ))
    };
    let Some(doc) = query
        .document
        .filter(|d| d.parse::<shared::DocumentId>().is_ok())
    else {
        return Err(ServerError::BadRequest(
            "Cần ?document=<mã cuộc giám sát>. / Add ?document=<supervision id>.".into(),
        ));
    };
    let (user, name) = (caller.user.id, caller.user.username.clone());
    let sha = sha.to_owned();
    let doc_for_check = doc.clone();
    let allowed = state
        .accounts
        .with(move |c| {
            let access = store::access(c, user, &doc_for_check)?;
            let ok = match needed {
                Access::Write => access == Access::Write,
                _ => access != Access::None && store::blob_linked(c, &sha, &doc_for_check)?,
            };
            if !ok {
                audit::record(
                    c,
                    crate::now_ms(),
                    "access-refused",
                    Some((user, &name)),
                    &format!("blob={sha} document={doc_for_check}"),
                );
            }
            Ok(ok)
        })
        .await?;
    if allowed { Ok(doc) } else { Err(not_found()) }
}

/// The mime type stored when an upload names none.
const DEFAULT_MIME: &str = "application/octet-stream";

/// The longest `Content-Type` accepted.
const MAX_MIME_CHARS: usize = 100;

/// The blob routes; uploads are limited to `max_blob_bytes`.
pub fn router(max_blob_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/api/blobs/{sha256}", get(download).put(upload))
        .layer(DefaultBodyLimit::max(max_blob_bytes))
}

/// `PUT /api/blobs/{sha256}`: 201 when stored, 200 when it already was.
async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
    Query(query): Query<ForDocument>,
    request: Request,
) -> Result<Response, ServerError> {
    check_sha(&sha)?;
    let doc = authorise(&state, &caller, query, &sha, Access::Write).await?;
    let mime = mime_of(request.headers())?;
    let limit = state.config.max_blob_bytes;
    if declared_length(request.headers()).is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    // Only now is the body read, through the limit the router's `DefaultBodyLimit` set.
    let body = Bytes::from_request(request, &state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(limit)
        } else {
            tracing::debug!("blob upload body failed: {rejection}");
            ServerError::BadRequest(
                "Không đọc được nội dung gửi lên; hãy gửi lại. / The upload's body could not be read; send it again."
                    .into(),
            )
        }
    })?;
    // Hashing 10 MiB takes a while in a debug build: off the async workers.
    let hashed = body.clone();
    let actual = tokio::task::spawn_blocking(move || sha256_hex(&hashed))
        .await
        .map_err(|e| ServerError::Internal(format!("hashing task failed: {e}")))?;
    if actual != sha {
        return Err(ServerError::BadRequest(format!(
            "Nội dung không khớp với mã SHA-256 trong địa chỉ: nội dung có mã {actual}; không lưu gì. \
             / The body does not match the SHA-256 in the address: the body's is {actual}; nothing was stored."
        )));
    }
    let size = body.len();
    check_quota(&state, &doc, &sha, size as u64).await?;
    let created = state
        .storage
        .put_blob(sha.clone(), mime.clone(), body)
        .await?;
    let linked = sha.clone();
    state
        .accounts
        .with(move |c| store::link_blob(c, &linked, &doc))
        .await?;
    tracing::info!(
        "blob {sha} ({mime}, {size} bytes) {}",
        if created { "stored" } else { "already stored" }
    );
    let (status, message) = if created {
        (StatusCode::CREATED, "Đã lưu tệp. / Stored.")
    } else {
        (StatusCode::OK, "Tệp đã có sẵn. / Already stored.")
    };
    Ok((
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response())
}

/// Refuse an upload that would take supervision `doc` past `--max-supervision-blob-bytes`
/// (413) or the server past `--max-blob-storage-bytes` (507). A file stored already, or
/// already attached to this supervision, adds nothing and always passes.
async fn check_quota(state: &AppState, doc: &str, sha: &str, size: u64) -> Result<(), ServerError> {
    let (d, s) = (doc.to_owned(), sha.to_owned());
    let (of_doc, total, stored, linked) = state
        .accounts
        .with(move |c| store::blob_usage(c, &d, &s))
        .await?;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let per_doc = state.config.max_supervision_blob_bytes;
    if !linked && of_doc + size > per_doc {
        return Err(ServerError::TooLarge(format!(
            "Cuộc giám sát này đã có {:.1} MiB tệp đính kèm; tối đa {:.1} MiB. Không lưu gì. \
             Hãy thu nhỏ ảnh hoặc xin quản trị viên nâng hạn mức. \
             / This supervision already holds {:.1} MiB of evidence; the limit is {:.1} MiB. \
             Nothing was stored. Downscale photos or ask an administrator to raise the limit.",
            mib(of_doc),
            mib(per_doc),
            mib(of_doc),
            mib(per_doc)
        )));
    }
    let room = state.config.max_blob_storage_bytes;
    if !stored && total + size > room {
        tracing::error!("evidence storage is full: {total} of {room} bytes used");
        return Err(ServerError::StorageFull(
            "Máy chủ đã hết chỗ lưu tệp đính kèm; không lưu gì. Tệp vẫn nằm trên máy tính bảng; \
             hãy báo quản trị viên. / The server has no room left for evidence; nothing was stored. \
             The file stays on the tablet; tell an administrator."
                .into(),
        ));
    }
    Ok(())
}

/// `GET /api/blobs/{sha256}`: the bytes, with the stored mime type.
async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(sha): Path<String>,
    Query(query): Query<ForDocument>,
) -> Result<Response, ServerError> {
    check_sha(&sha)?;
    authorise(&state, &caller, query, &sha, Access::Read).await?;
    let Some(blob) = state.storage.get_blob(sha.clone()).await? else {
        return Err(ServerError::NotFound(format!(
            "Không có tệp đính kèm {sha} trên máy chủ (có thể chưa được tải lên). \
             / No blob {sha} on the server (it may not have been uploaded yet)."
        )));
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Served as itself only from the allow-list (`shared::media`); anything that could run
    // script in the app's origin (HTML, JavaScript, SVG, unknown types) goes out as bytes to
    // save, never to render.
    let served = match shared::media::disposition(&blob.mime) {
        Disposition::Inline(mime) => mime,
        Disposition::Download(mime) => {
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment"),
            );
            mime
        }
    };
    // A PDF viewer refuses to open in a sandbox; every other type is sandboxed as well, so
    // even a browser that ignored the type could not run script from it.
    if served != "application/pdf" {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        );
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(served));
    Ok((StatusCode::OK, headers, blob.data).into_response())
}

/// A blob's address: 64 lowercase hex digits.
fn check_sha(sha: &str) -> Result<(), ServerError> {
    if sha.len() == 64
        && sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(ServerError::BadRequest(
            "Địa chỉ tệp phải là mã SHA-256 của nội dung: 64 chữ số thập lục phân viết thường. \
             / A blob's address must be the SHA-256 of its content: 64 lowercase hex digits."
                .into(),
        ))
    }
}

/// The upload's mime type: `type/subtype`, optionally with parameters, at most
/// [`MAX_MIME_CHARS`] characters; [`DEFAULT_MIME`] when none is given. The type and subtype
/// are stored in lowercase.
fn mime_of(headers: &HeaderMap) -> Result<String, ServerError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(DEFAULT_MIME.to_owned());
    };
    let bad = || {
        ServerError::BadRequest(format!(
            "Content-Type không hợp lệ: cần dạng loại/kiểu (ví dụ image/jpeg), tối đa {MAX_MIME_CHARS} ký tự. \
             / Invalid Content-Type: expected type/subtype (e.g. image/jpeg), at most {MAX_MIME_CHARS} characters."
        ))
    };
    let text = value.to_str().map_err(|_| bad())?.trim();
    if text.is_empty() {
        return Ok(DEFAULT_MIME.to_owned());
    }
    if text.len() > MAX_MIME_CHARS || !text.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        return Err(bad());
    }
    let (essence, params) = match text.split_once(';') {
        Some((essence, params)) => (essence.trim_end(), Some(params.trim())),
        None => (text, None),
    };
    let token = |s: &str| !s.is_empty() && s.bytes().all(is_token_byte);
    match essence.split_once('/') {
        Some((kind, subtype)) if token(kind) && token(subtype) => {}
        _ => return Err(bad()),
    }
    let essence = essence.to_ascii_lowercase();
    Ok(match params {
        Some(p) if !p.is_empty() => format!("{essence}; {p}"),
        _ => essence,
    })
}

/// RFC 9110 `tchar`: what a mime type or subtype may contain.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The body length the client declared, if it did and it is a number.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn too_large(limit: usize) -> ServerError {
    let mib = limit as f64 / (1024.0 * 1024.0);
    ServerError::TooLarge(format!(
        "Tệp quá lớn: tối đa {mib:.1} MiB ({limit} byte); không lưu gì. Hãy thu nhỏ ảnh hoặc chia tài liệu. \
         / The file is too large: at most {mib:.1} MiB ({limit} bytes); nothing was stored. \
         Downscale the photo or split the document."
    ))
}

/// Lowercase hex SHA-256.
fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::body::Body;
    use axum::http::Method;
    use futures::StreamExt;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;
    use crate::{Config, routes};

    const LIMIT: usize = 4096;

    thread_local! {
        /// The signed-in member's cookie and their supervision, for this test's requests.
        static MEMBER: std::cell::RefCell<(String, String)> = Default::default();
    }

    /// A state over a fresh data directory, blobs limited to [`LIMIT`] bytes, with one member
    /// signed in whose delegation owns one supervision.
    async fn state(dir: &tempfile::TempDir) -> AppState {
        let mut config = Config::for_test(dir.path().to_owned());
        config.max_blob_bytes = LIMIT;
        let state = crate::open(config).await.expect("open the server state");
        let doc = shared::DocumentId::from_bytes([7; 16]).to_string();
        let registered = doc.clone();
        let token = state
            .accounts
            .with(move |c| {
                let user = store::create_user(c, "an", "An", "x", false, 0)?;
                let d = store::create_delegation(c, "Đoàn", 0)?;
                store::set_role(c, d, user, crate::accounts::Role::Member)?;
                store::register_supervision(c, &registered, d, None, 0)?;
                let (token, _) = crate::accounts::sessions::create(
                    c,
                    user,
                    "test",
                    crate::now_ms(),
                    crate::accounts::sessions::Lifetime {
                        sliding_ms: 3_600_000,
                        absolute_ms: 3_600_000,
                    },
                )?;
                Ok(token)
            })
            .await
            .unwrap();
        MEMBER.with(|m| *m.borrow_mut() = (format!("{}={token}", crate::auth::COOKIE), doc));
        state
    }

    /// A request builder as the signed-in member, for `sha` in their supervision.
    fn authed(method: Method, sha: &str) -> axum::http::request::Builder {
        let (cookie, doc) = MEMBER.with(|m| m.borrow().clone());
        Request::builder()
            .method(method)
            .uri(format!("/api/blobs/{sha}?document={doc}"))
            .header(header::COOKIE, cookie)
            .header(crate::auth::CSRF_HEADER, crate::auth::CSRF_VALUE)
    }

    fn put(sha: &str, mime: Option<&str>, body: Vec<u8>) -> Request {
        let mut req = authed(Method::PUT, sha).header(header::CONTENT_LENGTH, body.len());
        if let Some(m) = mime {
            req = req.header(header::CONTENT_TYPE, m);
        }
        req.body(Body::from(body)).unwrap()
    }

    fn get_req(sha: &str) -> Request {
        authed(Method::GET, sha).body(Body::empty()).unwrap()
    }

    /// Send one request to a fresh router over `state`: (status, headers, body).
    async fn send(state: &AppState, req: Request) -> (StatusCode, HeaderMap, Vec<u8>) {
        let res = routes::app(state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, headers, body)
    }

    fn text(body: &[u8]) -> String {
        String::from_utf8_lossy(body).into_owned()
    }

    #[tokio::test]
    async fn an_upload_downloads_with_its_bytes_and_mime_type_and_again_is_200() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir).await;
        let photo = b"\xff\xd8\xff\xe0 a photo of the ward's records".to_vec();
        let sha = sha256_hex(&photo);

        // Step 1: the first upload stores it.
        let (status, _, body) = send(&state, put(&sha, Some("Image/JPEG"), photo.clone())).await;
        assert_eq!(status, StatusCode::CREATED, "{}", text(&body));

        // Step 2: it comes back byte for byte, with its type, cacheable for ever.
        let (status, headers, body) = send(&state, get_req(&sha)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, photo);
        assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "private, max-age=31536000, immutable"
        );
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

        // Step 3: a tablet retrying the same upload is told it is already there.
        let (status, _, body) = send(&state, put(&sha, Some("image/jpeg"), photo.clone())).await;
        assert_eq!(status, StatusCode::OK, "{}", text(&body));
        state.documents.stop().await;
    }

    #[tokio::test]
    async fn html_script_and_svg_uploads_come_back_only_as_downloads() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir).await;
        // Step 1: a member uploads a page and its script, and an SVG, under their own types.
        for (mime, body) in [
            ("text/html", b"<script src=x.js></script>".to_vec()),
            ("text/javascript", b"localStorage.pwned = 1".to_vec()),
            ("image/svg+xml", b"<svg onload=alert(1)></svg>".to_vec()),
            ("application/xhtml+xml", b"<html/>".to_vec()),
        ] {
            let sha = sha256_hex(&body);
            let (status, _, answer) = send(&state, put(&sha, Some(mime), body.clone())).await;
            assert_eq!(status, StatusCode::CREATED, "{}", text(&answer));
            // Step 2: each comes back as bytes to save, never as its declared type.
            let (status, headers, back) = send(&state, get_req(&sha)).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(back, body);
            assert_eq!(
                headers[header::CONTENT_TYPE],
                "application/octet-stream",
                "{mime}"
            );
            assert_eq!(headers[header::CONTENT_DISPOSITION], "attachment", "{mime}");
            assert_eq!(
                headers[header::CONTENT_SECURITY_POLICY],
                "default-src 'none'; sandbox"
            );
        }
        // A Word document keeps its type, but is downloaded too.
        let docx = b"PK\x03\x04 word".to_vec();
        let sha = sha256_hex(&docx);
        let word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        send(&state, put(&sha, Some(word), docx)).await;
        let (_, headers, _) = send(&state, get_req(&sha)).await;
        assert_eq!(headers[header::CONTENT_TYPE], word);
        assert_eq!(headers[header::CONTENT_DISPOSITION], "attachment");
        state.documents.stop().await;
    }

    #[tokio::test]
    async fn an_upload_without_a_content_type_is_stored_as_octet_stream() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir).await;
        let scan = b"%PDF-1.4 scan".to_vec();
        let sha = sha256_hex(&scan);
        assert_eq!(
            send(&state, put(&sha, None, scan)).await.0,
            StatusCode::CREATED
        );
        let (_, headers, _) = send(&state, get_req(&sha)).await;
        assert_eq!(headers[header::CONTENT_TYPE], DEFAULT_MIME);
        state.documents.stop().await;
    }

    #[tokio::test]
    async fn a_body_that_does_not_match_its_address_is_refused_and_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir).await;
        let claimed = sha256_hex(b"the real photo");
        let (status, _, body) = send(
            &state,
            put(&claimed, Some("image/png"), b"something else".to_vec()),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let message = text(&body);
        assert!(message.starts_with("Nội dung không khớp"), "{message}");
        assert!(
            message.contains("does not match") && message.contains(&sha256_hex(b"something else")),
            "{message}"
        );
        assert_eq!(
            send(&state, get_req(&claimed)).await.0,
            StatusCode::NOT_FOUND
        );
        state.documents.stop().await;
    }

    #[tokio::test]
    async fn an_oversized_upload_is_refused_with_413_and_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir).await;
        let big = vec![7u8; LIMIT + 1];
        let sha = sha256_hex(&big);
        let (status, _, body) = send(&state, put(&sha, Some("image/jpeg"), big)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        let message = text(&body);
        assert!(
            message.starts_with("Tệp quá lớn") && message.contains(&format!("{LIMIT} bytes")),
            "{message}"
        );
        assert_eq!(send(&state, get_req(&sha)).await.0, StatusCode::NOT_FOUND);

        // Exactly at the limit is accepted.
        let fits = vec![7u8; LIMIT];
        assert_eq!(
            send(&state, put(&sha256_hex(&fits), None, fits)).await.0,
            StatusCode::CREATED
        );
        state.documents.stop().await;
    }

    #[tokio::test]
    async fn a_chunked_upload_without_a_length_stops_being_read_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir).await;
        // 64 chunks of 1 KiB, 16 times the limit, with no Content-Length: the server learns
        // the size only by reading, and must stop soon after the limit.
        let pulled = Arc::new(AtomicUsize::new(0));
        let counter = pulled.clone();
        let chunks = futures::stream::iter(0..64).map(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok::<_, std::io::Error>(Bytes::from(vec![1u8; 1024]))
        });
        let whole = vec![1u8; 64 * 1024];
        let sha = sha256_hex(&whole);
        let req = authed(Method::PUT, &sha)
            .body(Body::from_stream(chunks))
            .unwrap();
        let (status, _, _) = send(&state, req).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        let read = pulled.load(Ordering::SeqCst);
        assert!(
            read <= LIMIT / 1024 + 1,
            "read {read} chunks of 64 for a {LIMIT}-byte limit"
        );
        assert_eq!(send(&state, get_req(&sha)).await.0, StatusCode::NOT_FOUND);
        state.documents.stop().await;
    }

    #[tokio::test]
    async fn an_unknown_blob_is_404_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir).await;
        let sha = "0".repeat(64);
        let (status, _, body) = send(&state, get_req(&sha)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let message = text(&body);
        assert!(
            message.starts_with("Không có tệp") && message.contains("No blob"),
            "{message}"
        );
        state.documents.stop().await;
    }

    #[tokio::test]
    async fn a_bad_address_or_content_type_is_400() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir).await;
        let body = b"x".to_vec();
        let sha = sha256_hex(&body);
        for bad in [
            sha.to_uppercase(),
            sha[..63].to_owned(),
            format!("{sha}0"),
            "g".repeat(64),
            "photo.jpg".into(),
        ] {
            let (status, _, msg) = send(&state, put(&bad, None, body.clone())).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "PUT {bad}");
            assert!(
                text(&msg).contains("64 lowercase hex digits"),
                "{}",
                text(&msg)
            );
            assert_eq!(
                send(&state, get_req(&bad)).await.0,
                StatusCode::BAD_REQUEST,
                "GET {bad}"
            );
        }
        let long = format!("image/{}", "x".repeat(MAX_MIME_CHARS));
        for mime in [
            "jpeg",
            "image/",
            "/jpeg",
            "image jpeg/x",
            "image/jp\u{e9}g",
            long.as_str(),
        ] {
            let (status, _, msg) = send(&state, put(&sha, Some(mime), body.clone())).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "Content-Type {mime:?}");
            assert!(
                text(&msg).contains("Invalid Content-Type"),
                "{}",
                text(&msg)
            );
        }
        assert_eq!(send(&state, get_req(&sha)).await.0, StatusCode::NOT_FOUND);
        state.documents.stop().await;
    }

    #[test]
    fn mime_types_are_normalised_and_keep_their_parameters() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Text/Plain ;charset=UTF-8"),
        );
        assert_eq!(mime_of(&headers).unwrap(), "text/plain; charset=UTF-8");
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
        );
        assert_eq!(
            mime_of(&headers).unwrap(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
    }

    #[test]
    fn sha256_hex_is_the_standard_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
