//! A check on automerge sync messages before automerge reads them.
//!
//! automerge 0.12 trusts the bloom filter parameters a peer sends in a sync message's `have`:
//! zero bits per entry makes it divide by zero (a panic that, on the server, stops samod's
//! document task for everyone), and a huge probe count makes it allocate gigabytes. Both
//! were found by fuzzing (`shared/fuzz/`). automerge itself writes 10 bits per entry and 7
//! probes; anything outside sane bounds is refused here, on both sides of the wire.

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
    Ok(message)
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
