//! One reading of a frame: a check of a CBOR item's *form* before anything decodes it.
//!
//! Two CBOR decoders can read the same bytes differently: given a map with the key `type`
//! twice, ciborium-based code that looks up the first entry sees one message and a decoder
//! that keeps the last one (samod's, built on minicbor) sees another. That difference once
//! let a frame pass the server's checks as an `ephemeral` message and reach the sync engine
//! as a `sync` message that crashed automerge. So a frame is accepted only in a form every
//! decoder reads one way:
//!
//! - exactly one data item, nothing after it;
//! - every string, array and map of definite length (no indefinite-length encodings);
//! - every map keyed by text strings, each key at most once;
//! - no reserved or malformed headers, text that is UTF-8, nesting at most [`MAX_DEPTH`].
//!
//! Integers written as floats and tagged byte strings (cbor-x) stay allowed: they have one
//! meaning. Pure: no IO, no allocation beyond the keys of the map being read.

use std::collections::BTreeSet;

use thiserror::Error;

/// How deeply arrays, maps and tags may nest (automerge-repo messages use three levels).
pub const MAX_DEPTH: usize = 32;

/// Why a frame's form is refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FormError {
    #[error("the frame ends before its CBOR item does")]
    Truncated,
    #[error("{0} bytes after the message")]
    Trailing(usize),
    #[error("an indefinite-length item at byte {0} (only definite lengths are accepted)")]
    Indefinite(usize),
    #[error("the key {key:?} appears twice in one map (at byte {at})")]
    DuplicateKey { key: String, at: usize },
    #[error("a map key at byte {0} is not a text string")]
    NonTextKey(usize),
    #[error("a reserved or malformed CBOR header at byte {0}")]
    Malformed(usize),
    #[error("text that is not UTF-8 at byte {0}")]
    NotUtf8(usize),
    #[error("nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
}

/// Check that `bytes` is exactly one CBOR item in the unambiguous form described above.
pub fn check(bytes: &[u8]) -> Result<(), FormError> {
    let mut reader = Reader { bytes, at: 0 };
    reader.item(0)?;
    match bytes.len() - reader.at {
        0 => Ok(()),
        rest => Err(FormError::Trailing(rest)),
    }
}

/// A cursor over the frame.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// One item's header: major type and argument (a length, a count or a value).
struct Header {
    major: u8,
    argument: u64,
    /// Where the header starts, for error messages.
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64) -> Result<&'a [u8], FormError> {
        let bytes = self.bytes;
        let n = usize::try_from(n).map_err(|_| FormError::Truncated)?;
        let end = self.at.checked_add(n).ok_or(FormError::Truncated)?;
        let slice = bytes.get(self.at..end).ok_or(FormError::Truncated)?;
        self.at = end;
        Ok(slice)
    }

    fn header(&mut self) -> Result<Header, FormError> {
        let at = self.at;
        let initial = self.take(1)?[0];
        let (major, info) = (initial >> 5, initial & 0x1f);
        let argument = match info {
            0..=23 => u64::from(info),
            24..=27 => {
                let width = 1u64 << (info - 24);
                self.take(width)?
                    .iter()
                    .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
            }
            28..=30 => return Err(FormError::Malformed(at)),
            // 31: indefinite length (or, for major 7, the "break" that ends one).
            _ => {
                return Err(match major {
                    2..=5 => FormError::Indefinite(at),
                    _ => FormError::Malformed(at),
                });
            }
        };
        Ok(Header {
            major,
            argument,
            at,
        })
    }

    /// Each element of an array or map takes at least one byte: a count beyond what is left
    /// is a truncated frame, found before looping over it.
    fn count(&self, n: u64) -> Result<u64, FormError> {
        if n > (self.bytes.len() - self.at) as u64 {
            return Err(FormError::Truncated);
        }
        Ok(n)
    }

    fn item(&mut self, depth: usize) -> Result<(), FormError> {
        if depth > MAX_DEPTH {
            return Err(FormError::TooDeep);
        }
        let h = self.header()?;
        match h.major {
            // Integers, and simple values and floats (their bytes were taken by the header).
            0 | 1 | 7 => Ok(()),
            2 => self.take(h.argument).map(|_| ()),
            3 => {
                let text = self.take(h.argument)?;
                std::str::from_utf8(text).map_err(|_| FormError::NotUtf8(h.at))?;
                Ok(())
            }
            4 => {
                for _ in 0..self.count(h.argument)? {
                    self.item(depth + 1)?;
                }
                Ok(())
            }
            5 => {
                // A set, not a list: a map of many keys must not cost their square.
                let mut keys: BTreeSet<&'a str> = BTreeSet::new();
                for _ in 0..self.count(h.argument)? {
                    let key = self.key()?;
                    if !keys.insert(key.1) {
                        return Err(FormError::DuplicateKey {
                            key: key.1.to_owned(),
                            at: key.0,
                        });
                    }
                    self.item(depth + 1)?;
                }
                Ok(())
            }
            // A tag: its one item follows.
            6 => self.item(depth + 1),
            _ => Err(FormError::Malformed(h.at)),
        }
    }

    /// A map key: a definite-length text string, with where it starts.
    fn key(&mut self) -> Result<(usize, &'a str), FormError> {
        let h = self.header()?;
        if h.major != 3 {
            return Err(FormError::NonTextKey(h.at));
        }
        let text = self.take(h.argument)?;
        let key = std::str::from_utf8(text).map_err(|_| FormError::NotUtf8(h.at))?;
        Ok((h.at, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{"type": "x"}` with the key and value as given.
    fn map(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut out = vec![0xa0 | entries.len() as u8];
        for (k, v) in entries {
            out.extend_from_slice(k);
            out.extend_from_slice(v);
        }
        out
    }

    const TYPE: &[u8] = b"\x64type";
    const SYNC: &[u8] = b"\x64sync";
    const EPHEMERAL: &[u8] = b"\x69ephemeral";

    #[test]
    fn a_plain_map_passes() {
        assert_eq!(check(&map(&[(TYPE, SYNC)])), Ok(()));
    }

    #[test]
    fn a_repeated_key_is_refused_even_spelled_with_a_longer_length() {
        let twice = map(&[(TYPE, EPHEMERAL), (TYPE, SYNC)]);
        assert!(
            matches!(check(&twice), Err(FormError::DuplicateKey { ref key, .. }) if key == "type")
        );
        // The same key with its length in a one-byte argument (0x78 0x04) is the same key.
        let long_form: &[u8] = b"\x78\x04type";
        let disguised = map(&[(TYPE, EPHEMERAL), (long_form, SYNC)]);
        assert!(matches!(
            check(&disguised),
            Err(FormError::DuplicateKey { .. })
        ));
    }

    #[test]
    fn a_repeated_key_in_a_nested_map_is_refused() {
        let inner = map(&[(b"\x61a", b"\x01"), (b"\x61a", b"\x02")]);
        let outer = map(&[(TYPE, SYNC), (b"\x61m", &inner)]);
        assert!(matches!(check(&outer), Err(FormError::DuplicateKey { .. })));
    }

    #[test]
    fn indefinite_lengths_are_refused() {
        // An indefinite map, an indefinite text, an indefinite array inside a map.
        assert!(matches!(
            check(b"\xbf\x64type\x64sync\xff"),
            Err(FormError::Indefinite(0))
        ));
        assert!(matches!(
            check(&map(&[(TYPE, b"\x7f\x62sy\x62nc\xff")])),
            Err(FormError::Indefinite(_))
        ));
        assert!(matches!(
            check(&map(&[(TYPE, b"\x9f\x01\xff")])),
            Err(FormError::Indefinite(_))
        ));
    }

    #[test]
    fn trailing_bytes_truncation_and_odd_keys_are_told_apart() {
        let mut trailing = map(&[(TYPE, SYNC)]);
        trailing.push(0xa0);
        assert_eq!(check(&trailing), Err(FormError::Trailing(1)));
        let whole = map(&[(TYPE, SYNC)]);
        for cut in 0..whole.len() {
            assert_eq!(
                check(&whole[..cut]),
                Err(FormError::Truncated),
                "cut at {cut}"
            );
        }
        assert_eq!(
            check(&map(&[(b"\x01", SYNC)])),
            Err(FormError::NonTextKey(1))
        );
        assert_eq!(check(b"\xa1\x62\xff\xfe\x01"), Err(FormError::NotUtf8(1)));
        assert_eq!(check(b"\xff"), Err(FormError::Malformed(0)));
        assert_eq!(check(b"\x1c"), Err(FormError::Malformed(0)));
        // A count far beyond the frame is truncation, found without looping over it.
        assert_eq!(
            check(b"\x9b\xff\xff\xff\xff\xff\xff\xff\xff"),
            Err(FormError::Truncated)
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = [0x81u8; 100];
        assert_eq!(check(&deep), Err(FormError::TooDeep));
    }

    #[test]
    fn floats_and_tagged_bytes_are_fine() {
        let m = map(&[
            (TYPE, SYNC),
            (b"\x65count", b"\xfb\x40\x08\0\0\0\0\0\0"),
            (b"\x64data", b"\xd8\x40\x42\x01\x02"),
        ]);
        assert_eq!(check(&m), Ok(()));
    }
}
