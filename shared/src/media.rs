//! Which evidence files may be shown as what they are, and which only downloaded.
//!
//! Evidence is user content: a member (or a stolen tablet) may upload any bytes under any
//! declared type. A file is shown in the app's origin only if its type is on this
//! allow-list of formats that cannot run script there (raster images, PDF, plain text);
//! Office documents keep their type but are always downloaded; everything else (HTML,
//! JavaScript, SVG, unknown types) is handed out as `application/octet-stream` with
//! `Content-Disposition: attachment`. The server ([`Disposition`] for `GET /api/blobs`) and
//! the app (the `blob:` URLs it makes) decide from this one list.

/// How a file of some declared type is handed to a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Shown as this type (an image in the page, a PDF in the viewer).
    Inline(&'static str),
    /// Downloaded as this type (never rendered in the app's origin).
    Download(&'static str),
}

/// Raster images and the other types shown as themselves.
const INLINE: [&str; 7] = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/avif",
    "application/pdf",
    "text/plain",
];

/// Office documents: kept as their type, always downloaded.
const OFFICE: [&str; 9] = [
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/rtf",
];

/// What everything off the lists becomes.
pub const DOWNLOAD_ONLY: &str = "application/octet-stream";

/// The disposition of a file declared as `mime` (parameters and case ignored).
pub fn disposition(mime: &str) -> Disposition {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if let Some(t) = INLINE.iter().find(|t| **t == essence) {
        Disposition::Inline(t)
    } else if let Some(t) = OFFICE.iter().find(|t| **t == essence) {
        Disposition::Download(t)
    } else {
        Disposition::Download(DOWNLOAD_ONLY)
    }
}

/// Whether a file of this type is a photo the app shows as a thumbnail.
pub fn is_shown_image(mime: &str) -> bool {
    matches!(disposition(mime), Disposition::Inline(t) if t.starts_with("image/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_capable_types_are_only_downloaded_as_bytes() {
        for mime in [
            "text/html",
            "text/html; charset=utf-8",
            "TEXT/HTML",
            "text/javascript",
            "application/javascript",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/xml",
            "",
            "x/unknown",
        ] {
            assert_eq!(
                disposition(mime),
                Disposition::Download(DOWNLOAD_ONLY),
                "{mime}"
            );
            assert!(!is_shown_image(mime), "{mime}");
        }
    }

    #[test]
    fn photos_pdf_and_text_are_shown_and_office_documents_downloaded_as_themselves() {
        assert_eq!(disposition("image/JPEG"), Disposition::Inline("image/jpeg"));
        assert_eq!(
            disposition("text/plain; charset=UTF-8"),
            Disposition::Inline("text/plain")
        );
        assert_eq!(
            disposition("application/pdf"),
            Disposition::Inline("application/pdf")
        );
        assert!(is_shown_image("image/png"));
        assert!(!is_shown_image("application/pdf"));
        assert_eq!(
            disposition("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            Disposition::Download(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            )
        );
    }
}
