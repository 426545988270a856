//! The error type at shared's edge: what can go wrong reading or changing a document.

use thiserror::Error;

/// A document or an input that shared could not use. Every variant reads as a sentence a
/// developer can act on; the app turns them into catalogue messages for the member.
#[derive(Debug, Error)]
pub enum ModelError {
    #[error("not a document id: {0}")]
    BadDocumentId(String),
    #[error("the document has no {0}; it is not a giamsat document of this kind")]
    Missing(&'static str),
    #[error(
        "the document's schema version {found} is newer than this app's ({supported}); update the app"
    )]
    TooNew { found: u64, supported: u64 },
    #[error("no record {0} in this document")]
    NoSuchRecord(String),
    #[error("field {field} has an unexpected value")]
    BadValue { field: &'static str },
    #[error(transparent)]
    Automerge(#[from] automerge::AutomergeError),
    /// An official document could not be laid out or written (a layout file that breaks a
    /// rule, a file that could not be packed).
    #[error("{0}")]
    Export(String),
}
