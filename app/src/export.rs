//! The DOCX of a paper, made by the export module (`app/export`), which `boot.js` fetches the
//! first time a member exports: the DOCX writer, the zip packer and the QR code's PNG
//! encoder stay out of the app's first load (BENCHMARKS.md, "the export module"). The
//! service worker keeps the module, so a tablet with no network exports too. [`save`] is what
//! every export button calls: the file made and handed to the browser, or the reason why not.

use leptos::prelude::*;
use shared::official::Paper;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::download;
use crate::i18n::{Msg, now};

const DOCX_MIME: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

#[wasm_bindgen]
extern "C" {
    /// `boot.js`: imports `/export.js` once and starts its wasm; resolves to the module.
    #[wasm_bindgen(js_name = giamsatExport, catch)]
    fn load() -> Result<js_sys::Promise, JsValue>;
}

/// The DOCX file of `paper`.
pub async fn docx(paper: &Paper) -> Result<Vec<u8>, String> {
    let json = serde_json::to_string(paper).map_err(|e| e.to_string())?;
    let module = wasm_bindgen_futures::JsFuture::from(load().map_err(message)?)
        .await
        .map_err(message)?;
    let build: js_sys::Function = js_sys::Reflect::get(&module, &JsValue::from_str("docx"))
        .map_err(message)?
        .dyn_into()
        .map_err(|_| "the export module has no docx function".to_owned())?;
    let out = build
        .call1(&JsValue::NULL, &JsValue::from_str(&json))
        .map_err(message)?;
    Ok(js_sys::Uint8Array::new(&out).to_vec())
}

/// Build the DOCX of `paper` and hand it to the browser as `<stem>.docx`, or put why not in
/// `error`. Every export button (an issued version, the draft, minutes, the review) calls it.
pub fn save(
    paper: Option<Result<Paper, shared::ModelError>>,
    stem: &str,
    error: RwSignal<Option<String>>,
) {
    let failed = now(Msg::ExportFailed);
    let paper = paper
        .ok_or_else(|| now(Msg::NotOnThisDevice).to_owned())
        .and_then(|p| p.map_err(|e| e.to_string()));
    let name = download::file_name(stem, "docx");
    leptos::task::spawn_local(async move {
        let made = match paper {
            Ok(p) => docx(&p).await,
            Err(e) => Err(e),
        };
        match made.and_then(|bytes| download::save(&name, DOCX_MIME, &bytes)) {
            Ok(()) => error.set(None),
            Err(e) => error.set(Some(format!("{failed}: {e}"))),
        }
    });
}

/// What a JS error says.
fn message(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}
