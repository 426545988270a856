//! The documents a delegation issues (a conclusion, a report, minutes), laid out as the rules
//! for official documents require, and exported. Never any IO.
//!
//! - [`layout`]: one rule's layout as data (`shared/layouts/*.json`: page, margins, fonts,
//!   sizes, the header's lines, how a number and a date are written, the signer's authority
//!   words). A new or changed rule is a new or changed data file, not code.
//! - [`paper`]: what is printed: the issuing body, number, place and date, type and summary,
//!   the body in numbered sections, the signature block and recipients; and the first-page
//!   lines exactly as printed, for the export and for checking a paper copy.
//! - [`docx`]: the DOCX file, built here so a tablet can export it offline.
//! - [`issue`]: issuing: each issued version fixed at the document's heads, numbered, with
//!   its letterhead, check code and fingerprint; concurrent issues kept side by side.
//! - [`qr`]: the QR code of an issued paper's check address (PNG for the DOCX, SVG to print).
//! - [`minutes`]: the minutes of a working session (biên bản làm việc), same layouts.
//! - [`samples`]: two sample documents, one per layout.
//!
//! (The quarterly or yearly review of follow-up figures, `crate::review`, builds a paper in
//! these layouts from `crate::followup`; it lives beside followup so neither imports the other
//! in a circle.)

pub mod docx;
pub mod issue;
pub mod layout;
pub mod minutes;
pub mod paper;
pub mod qr;
pub mod samples;

#[cfg(test)]
mod issue_tests;
#[cfg(test)]
pub(crate) mod tests;

pub use layout::{Layout, LayoutId, TextStyle};
pub use paper::{Authority, FirstPage, Paper, PaperSection, conclusion_body};
