//! A check on automerge sync messages before automerge reads them.
//!
//! automerge 0.12 trusts the bloom filter parameters a peer sends in a sync message's `have`:
//! zero bits per entry makes it divide by zero (a panic that, on the server, once stopped
//! a document's sync for everyone), and a huge probe count makes it allocate gigabytes. Both
//! were found by fuzzing (`shared/fuzz/`). automerge itself writes 10 bits per entry and 7
//! probes; anything outside sane bounds is refused here, on both sides of the wire.
//!
//! A third, also found by fuzzing: automerge 0.12 reads an experimental "bundle" chunk (type
//! 3) in a sync message's changes, and its bundle parser panics on a truncated number
//! (`hexane` unwraps a LEB128 read). Sync never produces bundles (automerge writes them only
//! through its experimental `bundle` API), so a sync message may carry only documents,
//! changes and compressed changes; anything else is refused.

use automerge::sync::Message;

/// Bounds no honest peer exceeds (automerge writes 10 bits per entry and 7 probes).
const MAX_BITS_PER_ENTRY: u64 = 64;
const MAX_PROBES: u64 = 64;

/// Decode a sync message, refusing one whose bloom filters automerge cannot handle safely.
pub fn decode(data: &[u8]) -> Result<Message, String> {
    let message = Message::decode(data).map_err(|e| e.to_string())?;
    for have in &message.have {
        let bytes = have.bloom.to_bytes();
        let mut input = bytes.as_slice();
        let (Some(entries), Some(bits), Some(probes)) =
            (leb128(&mut input), leb128(&mut input), leb128(&mut input))
        else {
            continue; // an empty filter has no parameters
        };
        if entries != 0
            && (bits == 0 || bits > MAX_BITS_PER_ENTRY || probes == 0 || probes > MAX_PROBES)
        {
            return Err(format!(
                "bloom filter with {entries} entries, {bits} bits per entry and {probes} probes is out of bounds"
            ));
        }
    }
    for chunk in message.changes.iter() {
        let mut rest = chunk;
        while !rest.is_empty() {
            let (piece, after) = split_chunk(rest)?;
            if piece[8] > 2 {
                return Err(format!(
                    "chunk of type {} in a sync message (only documents and changes are synced)",
                    piece[8]
                ));
            }
            rest = after;
        }
    }
    Ok(message)
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// The first automerge chunk of `bytes` (header included) and what follows it. Every chunk
/// starts with magic bytes, a 4-byte checksum, a type byte (0 document, 1 change, 2
/// compressed change, 3 bundle) and a LEB128 length.
pub(crate) fn split_chunk(bytes: &[u8]) -> Result<(&[u8], &[u8]), String> {
    if bytes.len() < 10 || bytes[..4] != MAGIC {
        return Err("not an automerge chunk".into());
    }
    let mut input = &bytes[9..];
    let before = input.len();
    let length = leb128(&mut input).ok_or("truncated chunk length")?;
    let header = 9 + (before - input.len());
    let end = usize::try_from(length)
        .ok()
        .and_then(|n| header.checked_add(n))
        .filter(|&end| end <= bytes.len())
        .ok_or("chunk longer than the message")?;
    Ok(bytes.split_at(end))
}

pub(crate) fn leb128(input: &mut &[u8]) -> Option<u64> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input.split_first()?;
        *input = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::sync::{State, SyncDoc};
    use automerge::transaction::Transactable;

    #[test]
    fn the_fuzzer_s_crashing_messages_are_refused() {
        assert!(decode(&[0x42, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, 0x00, 0x07, 0x00]).is_err());
        assert!(
            decode(&[
                0x42, 0x00, 0x00, 0x01, 0x00, 0x09, 0x01, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00,
                0x00, 0x00
            ])
            .is_err()
        );
    }

    #[test]
    fn a_bundle_chunk_is_refused_and_garbage_after_a_change_too() {
        let mut doc = automerge::Automerge::new();
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "k", "v").unwrap();
        tx.commit();
        let hashes = doc.get_heads();
        let bundle = doc.bundle(hashes.clone()).unwrap().bytes().to_vec();
        assert_eq!(bundle[8], 3, "a bundle chunk");
        let change = doc.get_changes(&[])[0].raw_bytes().to_vec();
        let message = |chunks: Vec<Vec<u8>>| {
            Message {
                heads: hashes.clone(),
                need: Vec::new(),
                have: Vec::new(),
                changes: chunks.into(),
                flags: None,
                version: automerge::sync::MessageVersion::V1,
            }
            .encode()
        };
        assert!(decode(&message(vec![change.clone()])).is_ok());
        let e = decode(&message(vec![bundle])).unwrap_err();
        assert!(e.contains("type 3"), "{e}");
        let mut trailing = change.clone();
        trailing.extend_from_slice(&[0x85, 0x6f, 0x4a]);
        assert!(decode(&message(vec![trailing])).is_err());
    }

    #[test]
    fn real_sync_messages_pass() {
        let mut a = automerge::Automerge::new();
        let mut tx = a.transaction();
        tx.put(automerge::ROOT, "k", "v").unwrap();
        tx.commit();
        let mut b = automerge::Automerge::new();
        let (mut sa, mut sb) = (State::new(), State::new());
        for _ in 0..4 {
            if let Some(m) = a.generate_sync_message(&mut sa) {
                let m = decode(&m.encode()).unwrap();
                b.receive_sync_message(&mut sb, m).unwrap();
            }
            if let Some(m) = b.generate_sync_message(&mut sb) {
                let m = decode(&m.encode()).unwrap();
                a.receive_sync_message(&mut sa, m).unwrap();
            }
        }
        assert_eq!(a.get_heads(), b.get_heads());
    }
}
