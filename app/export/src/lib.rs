//! The DOCX export, as a wasm module of its own: the app fetches it the first time a member
//! exports (`app/src/export.rs`), so the first load of the app does not carry the DOCX
//! writer, the zip packer and the PNG encoder of the QR code (what they weigh is in
//! BENCHMARKS.md). The service worker keeps it, so exporting still works offline.
//!
//! What crosses over is the `Paper` (what is printed, already read from the supervision by
//! the app) as JSON; what comes back is the file's bytes. Nothing else: the module holds no
//! state and reads no document.

use shared::official::{Paper, docx};
use wasm_bindgen::prelude::*;

/// The DOCX of the paper given as JSON (`shared::official::Paper`).
#[wasm_bindgen]
pub fn docx(paper: &str) -> Result<Vec<u8>, JsError> {
    build(paper).map_err(|e| JsError::new(&e))
}

/// The same, natively testable.
pub fn build(paper: &str) -> Result<Vec<u8>, String> {
    let paper: Paper = serde_json::from_str(paper).map_err(|e| format!("paper: {e}"))?;
    docx::build(&paper).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::official::samples;

    #[test]
    fn a_paper_sent_as_json_comes_back_as_the_same_docx_the_app_would_build() {
        for paper in [samples::front_notice(), samples::party_notice()] {
            let json = serde_json::to_string(&paper).expect("a paper serialises");
            let made = build(&json).expect("the module builds it");
            assert_eq!(made, docx::build(&paper).expect("built directly"));
        }
    }

    #[test]
    fn a_malformed_paper_is_refused_with_a_message() {
        let err = build("{\"layout\": 3}").expect_err("not a paper");
        assert!(err.starts_with("paper:"), "{err}");
    }
}
