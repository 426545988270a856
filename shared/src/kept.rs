//! A supervision's reading kept on the tablet beside its document, so the supervision opens
//! to be read before Automerge has loaded it: loading the 500-finding supervision takes
//! ~200 ms in the browser, reading it back from this form a few.
//!
//! The form is JSON: the heads the reading was made at, and the [`Supervision`]. Whoever
//! keeps one must drop it whenever the document's stored changes change (the app deletes it
//! in the same IndexedDB transaction as each write), so a kept reading is the stored
//! document as it was read; [`decode`] still gives its heads, and the app checks them
//! against the document once loaded.
//!
//! A reading kept by an older build, or damaged, does not decode: the supervision then opens
//! as before, once its document is loaded.

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};

use crate::reading::{Reading, Supervision};

/// Bumped whenever [`Supervision`]'s shape changes, so a reading kept by another build is
/// not read as this one's.
const FORM: u32 = 1;

#[derive(Serialize)]
struct Out<'a> {
    form: u32,
    heads: Vec<String>,
    supervision: &'a Supervision,
}

#[derive(Deserialize)]
struct In {
    form: u32,
    heads: Vec<String>,
    supervision: Supervision,
}

/// Why a kept reading is not used.
#[derive(Debug, thiserror::Error)]
pub enum KeptError {
    #[error("the kept reading is not in this build's form: {0}")]
    Form(String),
    #[error("the kept reading names a head that is not a change hash")]
    Heads,
}

/// The form to keep `reading` in.
pub fn encode(reading: &Reading) -> String {
    let out = Out {
        form: FORM,
        heads: reading.heads().iter().map(ChangeHash::to_string).collect(),
        supervision: &reading.supervision,
    };
    // Plain strings, integers and booleans: serializing cannot fail.
    serde_json::to_string(&out).unwrap_or_default()
}

/// A kept reading read back.
pub fn decode(kept: &str) -> Result<Reading, KeptError> {
    let read: In = serde_json::from_str(kept).map_err(|e| KeptError::Form(e.to_string()))?;
    if read.form != FORM {
        return Err(KeptError::Form(format!("form {}", read.form)));
    }
    let heads = read
        .heads
        .iter()
        .map(|h| h.parse::<ChangeHash>().map_err(|_| KeptError::Heads))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Reading::at(heads, read.supervision))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn the_big_supervision_comes_back_as_it_was_read() {
        let big = fixtures::big_supervision();
        let reading = Reading::new(&big.doc).expect("the fixture reads");
        let back = decode(&encode(&reading)).expect("decodes");
        assert_eq!(back.heads(), big.doc.get_heads().as_slice());
        assert_eq!(back.supervision, reading.supervision);
        assert_eq!(back.supervision.findings.len(), fixtures::FINDINGS);
    }

    #[test]
    fn another_builds_form_or_damage_is_refused() {
        let big = fixtures::big_supervision();
        let kept = encode(&Reading::new(&big.doc).expect("the fixture reads"));
        let older = kept.replacen("\"form\":1", "\"form\":0", 1);
        assert!(matches!(decode(&older), Err(KeptError::Form(_))));
        let cut = kept.find("\"findings\"").expect("has findings");
        assert!(matches!(decode(&kept[..cut]), Err(KeptError::Form(_))));
        let bad_head = kept.replacen("\"heads\":[\"", "\"heads\":[\"zz", 1);
        assert!(matches!(decode(&bad_head), Err(KeptError::Heads)));
    }
}
