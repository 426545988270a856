//! Identifiers: automerge-repo document ids and the ids of records inside a document.
//!
//! A [`DocumentId`] is 16 random bytes written in bs58check, exactly as automerge-repo writes
//! them, so any automerge-repo peer can name our documents (`automerge:<id>`). A [`RecordId`]
//! keys a unit or a finding inside a document's maps: random, so two members adding records
//! offline never collide. No randomness is drawn here: callers pass the bytes in.

use std::fmt;
use std::str::FromStr;

use crate::error::ModelError;

/// One automerge-repo document (a supervision).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocumentId([u8; 16]);

impl DocumentId {
    /// A document id from 16 random bytes (the caller draws them).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The `automerge:<id>` URL form that automerge-repo clients take.
    pub fn url(&self) -> String {
        format!("automerge:{self}")
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.strip_prefix("automerge:").unwrap_or(s);
        let bytes = bs58::decode(s)
            .with_check(None)
            .into_vec()
            .map_err(|_| ModelError::BadDocumentId(s.to_owned()))?;
        let bytes: [u8; 16] = bytes
            .try_into()
            .map_err(|_| ModelError::BadDocumentId(s.to_owned()))?;
        Ok(Self(bytes))
    }
}

impl TryFrom<&[u8]> for DocumentId {
    type Error = ModelError;

    fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
        let bytes: [u8; 16] = bytes
            .try_into()
            .map_err(|_| ModelError::BadDocumentId(format!("{} bytes", bytes.len())))?;
        Ok(Self(bytes))
    }
}

/// The key of a record (unit, finding) in one of a document's maps.
#[derive(
    Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize, serde::Deserialize,
)]
pub struct RecordId(String);

impl RecordId {
    /// A record id from 8 random bytes (the caller draws them), as 16 lowercase hex digits.
    pub fn from_bytes(bytes: [u8; 8]) -> Self {
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// A record id read back from a document key.
    pub fn from_key(key: &str) -> Self {
        Self(key.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_id_round_trips_through_bs58check_and_url() {
        let id = DocumentId::from_bytes([7; 16]);
        let text = id.to_string();
        assert_eq!(text.parse::<DocumentId>().unwrap(), id);
        assert_eq!(id.url().parse::<DocumentId>().unwrap(), id);
    }

    #[test]
    fn a_corrupted_document_id_is_refused() {
        let mut text = DocumentId::from_bytes([9; 16]).to_string();
        text.replace_range(0..1, if text.starts_with('2') { "3" } else { "2" });
        assert!(text.parse::<DocumentId>().is_err());
        assert!("".parse::<DocumentId>().is_err());
        assert!(DocumentId::try_from(&[1u8, 2][..]).is_err());
    }

    #[test]
    fn record_ids_are_hex() {
        assert_eq!(
            RecordId::from_bytes([0, 1, 2, 3, 0xab, 0xcd, 0xef, 0xff]).as_str(),
            "00010203abcdefff"
        );
    }
}
