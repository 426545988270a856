//! The changes a document received lately, kept as the bytes their authors sent, so that a
//! fan-out sends the same bytes to every member.
//!
//! automerge 0.12 keeps no change bytes: each `generate_sync_message` rebuilds every change
//! it sends from the op set, once per peer (`ChangeCollector::from_build_meta`, 12 % of the
//! server's time at a province's day, with six members to tell per edit). With the bytes
//! here, [`super::peer::Peer`] builds the message itself when the peer's state is the plain
//! "it has everything up to what we last told it" (see `Peer::generate`). Bounded; a change
//! not found here (loaded from disk, evicted, or in a whole-document chunk) only means
//! automerge builds that message. Never any IO.

use std::collections::{HashMap, VecDeque};

use automerge::ChangeHash;

/// At most this many changes per document…
pub const MAX_RECENT_CHANGES: usize = 256;
/// …and this many bytes of them.
pub const MAX_RECENT_BYTES: usize = 256 * 1024;

/// Change bytes by hash, oldest evicted first.
#[derive(Debug, Default)]
pub struct Recent {
    bytes_of: HashMap<ChangeHash, Vec<u8>>,
    order: VecDeque<ChangeHash>,
    bytes: usize,
}

impl Recent {
    /// Keep the changes of a sync message's chunks. `hashes`, when given, are those of its
    /// changes in order (as `crate::authors::changes_in` lists them), so nothing is parsed
    /// here; without them each change is read. Change chunks only: at a document chunk
    /// (whose changes the list spells out one by one) it stops, and anything that does not
    /// parse is left to automerge.
    pub fn remember<'a>(
        &mut self,
        chunks: impl Iterator<Item = &'a [u8]>,
        hashes: Option<&[ChangeHash]>,
    ) {
        let mut hashes = hashes.map(|h| h.iter());
        'chunks: for chunk in chunks {
            let mut rest = chunk;
            while !rest.is_empty() {
                let Ok((piece, after)) = crate::sync_guard::split_chunk(rest) else {
                    break 'chunks;
                };
                rest = after;
                if !matches!(piece[8], 1 | 2) {
                    break 'chunks;
                }
                let hash = match hashes.as_mut() {
                    Some(known) => match known.next() {
                        Some(h) => *h,
                        None => break 'chunks,
                    },
                    None => match crate::authors::read_change(piece) {
                        Ok(change) => change.hash(),
                        Err(_) => break 'chunks,
                    },
                };
                if piece.len() > MAX_RECENT_BYTES || self.bytes_of.contains_key(&hash) {
                    continue;
                }
                self.bytes += piece.len();
                self.bytes_of.insert(hash, piece.to_vec());
                self.order.push_back(hash);
            }
        }
        while self.order.len() > MAX_RECENT_CHANGES || self.bytes > MAX_RECENT_BYTES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(b) = self.bytes_of.remove(&old) {
                self.bytes -= b.len();
            }
        }
    }

    /// The bytes of a change, if it is here.
    pub fn get(&self, hash: &ChangeHash) -> Option<&[u8]> {
        self.bytes_of.get(hash).map(Vec::as_slice)
    }
}
