//! `/verify/{code}`: anyone holding a printed copy of an issued conclusion checks it, with
//! no account. The page says whether a version with that check code was issued and shows
//! exactly what its first page prints, the signer, and the fingerprint of its whole printed
//! text; `?fingerprint=` compares one (from a digital copy) with it. Nothing else: not the
//! supervision, not its body, not who typed it ([`shared::official::issue::Shown`]).
//!
//! Codes are 50 random-looking bits derived from the document, so they cannot be guessed in
//! useful numbers; on top of that an address gets [`crate::rate_limit::PER_ADDRESS`] codes
//! that match nothing per window, then "try later" (a found code costs nothing). `/verify`
//! itself is a form to type a code into (it sends `?code=`, redirected to the code's page).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use shared::official::issue::{self, Shown};

use crate::AppState;
use crate::auth::ClientAddr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/verify", get(form))
        .route("/verify/{code}", get(check))
}

#[derive(Deserialize)]
struct Typed {
    code: Option<String>,
}

#[derive(Deserialize)]
struct Compare {
    fingerprint: Option<String>,
}

async fn form(Query(q): Query<Typed>) -> Response {
    match q.code.as_deref().map(issue::normalize_code) {
        Some(Some(code)) => Redirect::to(&format!("/verify/{code}")).into_response(),
        Some(None) => page(
            StatusCode::BAD_REQUEST,
            "Mã không hợp lệ / Not a check code",
            &format!("<p>{}</p>{FORM}", NOT_A_CODE),
        ),
        None => page(StatusCode::OK, "Kiểm tra văn bản / Check a document", FORM),
    }
}

async fn check(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(typed): Path<String>,
    Query(q): Query<Compare>,
) -> Response {
    let Some(code) = issue::normalize_code(&typed) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Mã không hợp lệ / Not a check code",
            &format!("<p>{NOT_A_CODE}</p>{FORM}"),
        );
    };
    let attempt = match state.verify_limiter.attempt("", addr, true).await {
        Ok(a) => a,
        Err(refused) => {
            return page(
                StatusCode::TOO_MANY_REQUESTS,
                "Thử lại sau / Try later",
                &format!(
                    "<p>Quá nhiều mã không đúng từ địa chỉ này. Thử lại sau {} giây.<br>\
                     Too many codes that match nothing from this address. Try again in {} s.</p>",
                    refused.wait_secs, refused.wait_secs
                ),
            );
        }
    };
    let store = state.documents.store();
    let found = tokio::task::spawn_blocking(move || {
        let code = code;
        store.find_issued(&code)
    })
    .await;
    match found {
        Ok(Ok(Some(shown))) => {
            state.verify_limiter.succeeded(attempt).await;
            page(
                StatusCode::OK,
                "Văn bản đã ban hành / An issued document",
                &describe(&shown, q.fingerprint.as_deref()),
            )
        }
        Ok(Ok(None)) => page(
            StatusCode::NOT_FOUND,
            "Không tìm thấy / Not found",
            &format!(
                "<p data-result=\"not-found\">Không có văn bản nào được ban hành với mã <code>{}</code>. \
                 Bản in mang mã này không phải bản do đoàn ban hành.<br>\
                 No document was issued with code <code>{}</code>: a paper carrying it is not one \
                 the delegation issued.</p>{FORM}",
                escape(&typed),
                escape(&typed)
            ),
        ),
        Ok(Err(e)) => {
            state.verify_limiter.succeeded(attempt).await;
            tracing::error!("/verify: the index could not be read: {e}");
            unavailable()
        }
        Err(e) => {
            state.verify_limiter.succeeded(attempt).await;
            tracing::error!("/verify: {e}");
            unavailable()
        }
    }
}

fn unavailable() -> Response {
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Chưa kiểm tra được / Cannot check now",
        "<p>Máy chủ chưa đọc được sổ mã. Thử lại sau.<br>The server cannot read its codes now. Try again later.</p>",
    )
}

const NOT_A_CODE: &str = "Mã kiểm tra gồm 10 chữ và số, ví dụ <code>7KQ2M-XW9RD</code>.<br>\
     A check code is 10 letters and digits, like <code>7KQ2M-XW9RD</code>.";

const FORM: &str = "<form method=\"get\" action=\"/verify\">\
     <label>Mã kiểm tra in trên văn bản / Check code printed on the paper \
     <input name=\"code\" autocomplete=\"off\" required></label> \
     <button type=\"submit\">Kiểm tra / Check</button></form>";

/// The found version, as the paper should read.
fn describe(s: &Shown, compare: Option<&str>) -> String {
    let mut out = String::from(
        "<p data-result=\"issued\">Văn bản mang mã này đã được ban hành. Trang đầu của bản thật ghi:<br>\
         A document with this code was issued. The genuine paper's first page reads:</p><dl>",
    );
    let mut row = |label: &str, value: &str| {
        if !value.trim().is_empty() {
            out.push_str(&format!("<dt>{label}</dt><dd>{}</dd>", escape(value)));
        }
    };
    row("Cơ quan chủ quản / Superior body", &s.superior);
    row("Cơ quan ban hành / Issuing body", &s.issuer);
    row("Số, ký hiệu / Number", &s.number_line);
    row("Địa danh, ngày / Place and date", &s.place_date_line);
    row("Loại văn bản / Type", &s.doc_type);
    row("Trích yếu / Summary", &s.summary);
    row("Người ký / Signed", &s.signer.join(" — "));
    row("Bản số / Version", &s.number.to_string());
    row("Mã vân tay / Fingerprint", &s.fingerprint);
    out.push_str("</dl>");
    if s.superseded {
        out.push_str(
            "<p data-result=\"superseded\">Bản này đã được thay bằng một bản ban hành khác.<br>\
             This version was set aside for another issued version.</p>",
        );
    }
    if let Some(given) = compare {
        let given: String = given
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if given == s.fingerprint {
            out.push_str(
                "<p data-result=\"fingerprint-matches\">Mã vân tay khớp: nội dung đúng như bản đã ban hành.<br>\
                 The fingerprint matches: the text is the one issued.</p>",
            );
        } else {
            out.push_str(
                "<p data-result=\"fingerprint-differs\">Mã vân tay KHÔNG khớp: nội dung đã bị thay đổi so với bản ban hành.<br>\
                 The fingerprint does NOT match: the text differs from the one issued.</p>",
            );
        }
    }
    out
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — giamsat</title><h1>{title}</h1>{body}</html>"
    );
    (status, Html(html)).into_response()
}

/// Text as HTML: what a member typed into a letterhead never becomes markup here.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
