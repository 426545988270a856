//! Who wrote the changes a sync message carries: the server refuses a change whose
//! Automerge actor is not registered to the account that sent it (attribution), so it must
//! know every change's actor before the engine applies any of it.
//!
//! A sync message holds chunks for `Automerge::load_incremental`; one chunk may be several
//! change chunks back to back (the v2 message format) or a whole document. Every chunk starts
//! with the same header — magic bytes, a 4-byte checksum, a type byte (0 document, 1 change,
//! 2 compressed change) and a LEB128 length — so the concatenation is split on those headers
//! and each piece is read on its own, without needing its dependencies.

use automerge::{ActorId, Automerge, Change, ChangeHash};

/// Every (actor, change hash) in one chunk of a sync message; an error if any part of it
/// is not a well-formed change or document.
pub fn changes_in(chunk: &[u8]) -> Result<Vec<(ActorId, ChangeHash)>, String> {
    let mut out = Vec::new();
    let mut rest = chunk;
    while !rest.is_empty() {
        let (piece, after) = crate::sync_guard::split_chunk(rest)?;
        match piece[8] {
            0 => {
                let doc = Automerge::load(piece).map_err(|e| format!("document chunk: {e}"))?;
                out.extend(
                    doc.get_changes(&[])
                        .iter()
                        .map(|c| (c.actor_id().clone(), c.hash())),
                );
            }
            1 | 2 => {
                let change = read_change(piece)?;
                out.push((change.actor_id().clone(), change.hash()));
            }
            other => return Err(format!("unknown chunk type {other}")),
        }
        rest = after;
    }
    Ok(out)
}

/// Whether one chunk of a sync message holds a change by an actor `own` accepts that issues
/// a conclusion or sets an issued version aside ([`crate::official::issue::change_issues`]).
/// An error if the chunk does not read.
pub fn own_change_issues(chunk: &[u8], own: impl Fn(&ActorId) -> bool) -> Result<bool, String> {
    use crate::official::issue::change_issues;
    let mut rest = chunk;
    while !rest.is_empty() {
        let (piece, after) = crate::sync_guard::split_chunk(rest)?;
        let issues = match piece[8] {
            0 => {
                let doc = Automerge::load(piece).map_err(|e| format!("document chunk: {e}"))?;
                doc.get_changes(&[])
                    .iter()
                    .any(|c| own(c.actor_id()) && change_issues(c))
            }
            // An uncompressed change stores its map keys as plain UTF-8: without either
            // prefix in its bytes it touches no issuance key, and is not decoded (the server
            // asks this of nearly every member's keystroke).
            1 if !mentions_issuance(piece) => false,
            1 | 2 => {
                let change = read_change(piece)?;
                own(change.actor_id()) && change_issues(&change)
            }
            other => return Err(format!("unknown chunk type {other}")),
        };
        if issues {
            return Ok(true);
        }
        rest = after;
    }
    Ok(false)
}

/// Whether `bytes` contain either prefix of an issuance key.
fn mentions_issuance(bytes: &[u8]) -> bool {
    [b"issued/".as_slice(), b"superseded/".as_slice()]
        .iter()
        .any(|p| bytes.windows(p.len()).any(|w| w == *p))
}

/// One change chunk, read by automerge. automerge 0.12 panics on some crafted changes
/// (an `unwrap` on a column's integer while verifying ops: found by fuzzing `engine_input`,
/// crash 5 in `shared/fuzz/crashes/README.md`), so the panic is caught and reported as a
/// malformed chunk: the sender's frame is refused, nothing else is touched.
pub fn read_change(piece: &[u8]) -> Result<Change, String> {
    READING_A_CHANGE.set(true);
    let read = std::panic::catch_unwind(|| Change::try_from(piece));
    READING_A_CHANGE.set(false);
    read.map_err(|_| "change chunk: automerge could not read it".to_owned())?
        .map_err(|e| format!("change chunk: {e}"))
}

std::thread_local! {
    static READING_A_CHANGE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside [`read_change`], whose panics are caught: a panic hook that
/// aborts on every panic (libFuzzer's) asks this to let these unwind to the catch.
pub fn reading_a_change() -> bool {
    READING_A_CHANGE.get()
}

/// The heads a document chunk (`Automerge::save`) records in its header, read without loading
/// it: the chunk body starts with its actors (a count, then each as a length and bytes) and
/// then its heads (a count, then 32 bytes each). Loading a document to list its changes costs
/// milliseconds per thousand changes; this costs microseconds.
pub fn document_heads(chunk: &[u8]) -> Result<Vec<ChangeHash>, String> {
    let (piece, _) = crate::sync_guard::split_chunk(chunk)?;
    if piece[8] != 0 {
        return Err(format!("chunk type {} is not a document", piece[8]));
    }
    let mut input = &piece[9..];
    crate::sync_guard::leb128(&mut input).ok_or("truncated chunk length")?;
    let actors = crate::sync_guard::leb128(&mut input).ok_or("truncated actor count")?;
    for _ in 0..actors {
        let len = crate::sync_guard::leb128(&mut input).ok_or("truncated actor")?;
        let len = usize::try_from(len).map_err(|_| "actor too long")?;
        input = input.get(len..).ok_or("truncated actor")?;
    }
    let heads = crate::sync_guard::leb128(&mut input).ok_or("truncated head count")?;
    let mut out = Vec::new();
    for _ in 0..heads {
        let bytes = input.get(..32).ok_or("truncated head")?;
        out.push(ChangeHash::try_from(bytes).map_err(|e| format!("head: {e}"))?);
        input = &input[32..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{ROOT, ReadDoc};

    fn doc_by(actor: &[u8], edits: usize) -> Automerge {
        let mut doc = Automerge::new().with_actor(ActorId::from(actor));
        for i in 0..edits {
            let mut tx = doc.transaction();
            tx.put(ROOT, "n", i as i64).unwrap();
            tx.commit();
        }
        doc
    }

    #[test]
    fn back_to_back_changes_are_each_attributed_even_without_their_dependencies() {
        let doc = doc_by(b"lan-device", 3);
        let changes = doc.get_changes(&[]);
        // The last two, concatenated: the first of them depends on a change not included.
        let joined: Vec<u8> = changes[1..]
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect();
        let found = changes_in(&joined).unwrap();
        assert_eq!(found.len(), 2);
        assert!(
            found
                .iter()
                .all(|(a, _)| *a == ActorId::from(&b"lan-device"[..]))
        );
        assert_eq!(found[1].1, changes[2].hash());
    }

    #[test]
    fn a_whole_document_names_every_author() {
        let mut lan = doc_by(b"lan", 1);
        let mut minh = lan.fork().with_actor(ActorId::from(&b"minh"[..]));
        let mut tx = minh.transaction();
        tx.put(ROOT, "m", 1).unwrap();
        tx.commit();
        lan.merge(&mut minh).unwrap();
        let found = changes_in(&lan.save()).unwrap();
        let mut actors: Vec<_> = found.iter().map(|(a, _)| a.to_hex_string()).collect();
        actors.sort();
        assert_eq!(actors, [hex(b"lan"), hex(b"minh")]);
        assert!(lan.get(ROOT, "m").unwrap().is_some());
    }

    #[test]
    fn a_document_s_heads_are_read_from_its_header() {
        let mut lan = doc_by(b"lan", 3);
        let mut minh = lan.fork().with_actor(ActorId::from(&b"minh"[..]));
        let mut tx = minh.transaction();
        tx.put(ROOT, "m", 1).unwrap();
        tx.commit();
        let mut tx = lan.transaction();
        tx.put(ROOT, "l", 1).unwrap();
        tx.commit();
        lan.merge(&mut minh).unwrap();
        let mut expected = lan.get_heads();
        expected.sort();
        assert_eq!(expected.len(), 2);
        let mut found = document_heads(&lan.save()).unwrap();
        found.sort();
        assert_eq!(found, expected);
        let change = lan.get_changes(&[])[0].raw_bytes().to_vec();
        assert!(document_heads(&change).is_err());
        let saved = lan.save();
        assert!(document_heads(&saved[..20]).is_err());
    }

    #[test]
    fn garbage_and_truncated_chunks_are_refused() {
        assert!(changes_in(b"not a chunk at all").is_err());
        let doc = doc_by(b"x", 1);
        let bytes = doc.get_changes(&[])[0].raw_bytes().to_vec();
        assert!(changes_in(&bytes[..bytes.len() - 1]).is_err());
        let mut extra = bytes.clone();
        extra.extend_from_slice(&[0x85, 0x6f]);
        assert!(changes_in(&extra).is_err());
    }

    fn hex(b: &[u8]) -> String {
        ActorId::from(b).to_hex_string()
    }
}
