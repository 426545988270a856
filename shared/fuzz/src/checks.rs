//! The properties the fuzz targets check, one function per target, shared word for word by
//! the libFuzzer targets (`fuzz_targets/*.rs`) and by the corpus replay in the normal test
//! suite (`tests/tests/fuzz_corpus_replay.rs` includes this file with `#[path]`). It uses
//! only `shared`, `automerge`, `minicbor` (the CBOR library samod decodes with) and std, so
//! both crates can compile it.
//!
//! - [`wire_decode`]: `WireMessage::decode` never panics, and whatever decodes re-encodes to
//!   bytes that decode to an equal message.
//! - [`sync_client`]: a [`SyncClient`] holding one document and wanting another, fed
//!   `Connected` and then arbitrary frames, never panics, and every frame it answers with is
//!   a well-formed wire message.
//! - [`sync_message`]: the same client, after a proper handshake, fed well-formed `sync` wire
//!   messages whose automerge sync payload is arbitrary.
//! - [`wire_differential`]: whatever our decoder accepts, samod's way of reading a frame
//!   (minicbor, last duplicate wins) reads the same, from the peer's bytes and from the
//!   server's re-encoding of them.
//! - [`server_frame`]: one inbound frame through the server's `/sync` checks (wire decode,
//!   `sync_guard`, every chunk's authors); whatever they let through, automerge applies to a
//!   document as samod would, without panicking.
//! - [`engine_input`]: the server's engine for one document (`shared::engine`) fed a run of
//!   inputs (sync messages with arbitrary payloads from four peers, presence, departures,
//!   writes confirmed or failed, full queues, time): never panics, never advertises heads
//!   the storage has not confirmed, never sends to a peer whose queue is full, and never
//!   holds more peers than its bound.
//!
//! Input layout of the two client targets (so the fuzzer can cut a run into messages): a
//! sequence of chunks, each a little-endian `u16` length and that many bytes (the last chunk
//! takes what is left if it is short). In `sync_client` a chunk of length 0 stands for the
//! socket dropping and reopening (`Disconnected`, `Connected`). In `sync_message` each
//! chunk's first byte picks the document (held, wanted, or one the client never heard of)
//! and the rest is the automerge sync message.
//!
//! Known bugs: automerge 0.12 trusts the parameters of a sync message's bloom filter (zero
//! bits per entry: a remainder by zero, a panic; a huge probe count: a 16 GiB allocation).
//! Inputs in `shared/fuzz/crashes/` reproduce them. With `GIAMSAT_FUZZ_MASK_KNOWN=1` in the
//! environment, the targets skip payloads that hit those two bugs, so a long run looks for
//! new ones instead of finding the same one again; the corpus replay never masks.

#![allow(dead_code)]

use std::sync::OnceLock;

use automerge::{ActorId, Automerge};
use shared::DocumentId;
use shared::sync::{Event, Output, SyncClient};
use shared::wire::{DocMessage, PeerMetadata, WireMessage};

/// The client's peer id, and the server's.
pub const CLIENT_PEER: &str = "fuzz-client";
pub const SERVER_PEER: &str = "fuzz-server";

/// libFuzzer's panic hook aborts on every panic, even one that is caught. The panics
/// `shared::authors::read_change` catches (automerge 0.12 on some crafted changes, crash 5)
/// are the server refusing a frame, not a crash: this hook lets those unwind to their catch
/// and hands every other panic to the hook it replaces. Installed once, on the first input.
fn let_caught_panics_unwind() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !shared::authors::reading_a_change() {
                abort(info);
            }
        }));
    });
}

/// The document the client holds.
pub fn held() -> DocumentId {
    DocumentId::from_bytes([1; 16])
}

/// The document the client asks the server for.
pub fn wanted() -> DocumentId {
    DocumentId::from_bytes([2; 16])
}

/// A document the client never heard of.
pub fn stranger() -> DocumentId {
    DocumentId::from_bytes([3; 16])
}

/// Target `wire_decode`.
pub fn wire_decode(data: &[u8]) {
    let_caught_panics_unwind();
    if let Ok(message) = WireMessage::decode(data) {
        let again = WireMessage::encode(&message);
        match WireMessage::decode(&again) {
            Ok(back) => assert_eq!(back, message, "re-encoding changed the message"),
            Err(e) => panic!("{message:?} re-encodes to bytes that do not decode: {e}"),
        }
    }
}

/// Target `sync_client`.
pub fn sync_client(data: &[u8]) {
    let_caught_panics_unwind();
    let mut client = fixture_client();
    feed(&mut client, Event::Connected);
    for chunk in chunks(data) {
        if chunk.is_empty() {
            feed(&mut client, Event::Disconnected);
            feed(&mut client, Event::Connected);
        } else if !(mask_known() && frame_hits_known_bug(chunk)) {
            feed(&mut client, Event::Frame(chunk));
        }
    }
    touch(&client, data);
}

/// Target `sync_message`.
pub fn sync_message(data: &[u8]) {
    let_caught_panics_unwind();
    let mut client = fixture_client();
    feed(&mut client, Event::Connected);
    let peer = WireMessage::Peer {
        sender_id: SERVER_PEER.into(),
        target_id: CLIENT_PEER.into(),
        peer_metadata: PeerMetadata {
            storage_id: Some("fuzz-storage".into()),
            is_ephemeral: false,
        },
        selected_protocol_version: "1".into(),
    };
    feed(&mut client, Event::Frame(&peer.encode()));
    for chunk in chunks(data) {
        let Some((&pick, payload)) = chunk.split_first() else {
            continue;
        };
        if mask_known() && payload_hits_known_bug(payload) {
            continue;
        }
        let frame = sync_frame(pick_doc(pick), payload.to_vec());
        feed(&mut client, Event::Frame(&frame));
    }
    touch(&client, data);
}

/// Target `server_frame`: the checks `server/src/sync_socket.rs` makes on every inbound
/// frame, then what samod does with a `sync`/`request` they let through.
pub fn server_frame(data: &[u8]) {
    let_caught_panics_unwind();
    let Ok(message) = WireMessage::decode(data) else {
        return;
    };
    let (WireMessage::Sync(m) | WireMessage::Request(m)) = message else {
        return;
    };
    let Ok(sync) = shared::sync_guard::decode(&m.data) else {
        return;
    };
    if sync
        .changes
        .iter()
        .any(|chunk| shared::authors::changes_in(chunk).is_err())
    {
        return;
    }
    use automerge::sync::SyncDoc;
    let mut doc = held_doc().clone();
    let mut state = automerge::sync::State::new();
    let _ = doc.receive_sync_message(&mut state, sync);
    let _ = doc.generate_sync_message(&mut state);
}

/// Target `engine_input`. Input: chunks (see [`chunks`]); each chunk's first byte is the
/// operation (low three bits) and the peer (high bits, four peers; peer 3 is an observer,
/// peer 2's queue is full when bit 3 is set), the rest is its payload.
pub fn engine_input(data: &[u8]) {
    let_caught_panics_unwind();
    use automerge::ReadDoc;
    use shared::engine::{
        Access, Action, ConnId, DocumentEngine, Inbound, Input, MAX_PEERS, Stored, Write,
    };

    let (mut engine, _) = DocumentEngine::new(held(), SERVER_PEER, 0);
    // What the storage holds: everything the engine may advertise.
    let mut durable = held_doc().clone();
    let mut pending: Option<(u64, Write)> = None;
    let mut now = 0u64;
    let feed = |engine: &mut DocumentEngine,
                now: u64,
                input: Input,
                full: Option<ConnId>,
                pending: &mut Option<(u64, Write)>,
                durable: &Automerge| {
        let room = |c: ConnId| Some(c) != full;
        for action in engine.handle(now, input, &room) {
            match action {
                Action::Write { ticket, write } => *pending = Some((ticket, write)),
                Action::Send { conn, message } => {
                    assert!(room(conn), "sent to a peer whose queue is full");
                    if let WireMessage::Sync(m) = message {
                        let msg = automerge::sync::Message::decode(&m.data)
                            .expect("the engine's own message decodes");
                        for h in &msg.heads {
                            assert!(
                                durable.get_change_by_hash(h).is_some(),
                                "advertised a head that is not on disk"
                            );
                        }
                    }
                }
                Action::Load | Action::Refuse { .. } | Action::Report(_) => {}
            }
        }
        assert!(engine.peer_count() <= MAX_PEERS);
    };
    let loaded = Input::Loaded(Stored {
        chunks: vec![held_doc_saved().to_vec()],
    });
    feed(&mut engine, now, loaded, None, &mut pending, &durable);
    for chunk in chunks(data) {
        let Some((&op, rest)) = chunk.split_first() else {
            continue;
        };
        let conn = ConnId::from(op >> 4) % 4;
        let full = (op & 8 != 0).then_some(2);
        let input = match op % 8 {
            0 | 1 => {
                let Ok(message) = shared::sync_guard::decode(rest) else {
                    continue;
                };
                let Ok(changes) = message
                    .changes
                    .iter()
                    .map(shared::authors::changes_in)
                    .collect::<Result<Vec<_>, _>>()
                else {
                    continue;
                };
                let changes: Vec<_> = changes.into_iter().flatten().collect();
                Input::Message(Inbound {
                    conn,
                    peer_id: format!("peer{conn}"),
                    access: if conn == 3 {
                        Access::Read
                    } else {
                        Access::Write
                    },
                    request: op % 8 == 1,
                    message,
                    // Half the time as the server's shell sends it, half the engine reads.
                    change_hashes: (op & 64 != 0)
                        .then(|| changes.into_iter().map(|(_, hash)| hash).collect()),
                })
            }
            2 => Input::Ephemeral {
                conn,
                message: WireMessage::Ephemeral {
                    sender_id: format!("peer{conn}"),
                    target_id: SERVER_PEER.into(),
                    document_id: held(),
                    count: 1,
                    session_id: "s".into(),
                    data: rest.to_vec(),
                },
            },
            3 => Input::Gone(conn),
            4 | 5 => {
                let Some((ticket, write)) = pending.take() else {
                    continue;
                };
                let result = if op % 8 == 4 {
                    if let Some(snapshot) = &write.snapshot {
                        durable = Automerge::load(snapshot).expect("the engine's snapshot loads");
                    } else if !write.changes.is_empty() {
                        durable
                            .load_incremental(&write.changes)
                            .expect("the engine's chunk loads");
                    }
                    Ok(())
                } else {
                    Err("disk full".to_owned())
                };
                Input::Written { ticket, result }
            }
            6 => {
                now += u64::from(rest.first().copied().unwrap_or(1)) * 20;
                Input::Tick
            }
            _ => match rest.first().map(|b| b % 3) {
                Some(0) => Input::Undelivered(conn),
                Some(1) => Input::Access { conn, access: None },
                _ => Input::Access {
                    conn,
                    access: Some(Access::Read),
                },
            },
        };
        feed(&mut engine, now, input, full, &mut pending, &durable);
    }
}

/// Target `wire_differential`: the server's reading of a frame against the engine's.
///
/// samod's decoder (`samod-core`'s `wire_protocol`, private to that crate) reads a frame
/// with minicbor, skips keys it does not know and keeps the **last** of a repeated key; ours
/// reads with ciborium. [`engine_reading`] repeats samod's reading of the fields that decide
/// what a frame does (type, sender, target, document, payload). Two properties:
///
/// 1. Whatever our decoder accepts, the engine reads the same way: from the peer's own bytes
///    where the engine's reading succeeds at all (this is the check the duplicate-key frame
///    failed), and always from the bytes the server forwards (our re-encoding).
/// 2. Our re-encoding decodes back to the very message.
pub fn wire_differential(data: &[u8]) {
    let_caught_panics_unwind();
    let Ok(ours) = WireMessage::decode(data) else {
        return;
    };
    if matches!(ours, WireMessage::Unknown { .. }) {
        return; // the server drops these; nothing reaches the engine
    }
    let expected = our_reading(&ours);
    if let Some(engine) = engine_reading(data) {
        assert_eq!(
            engine, expected,
            "the engine reads the peer's frame differently"
        );
    }
    let forwarded = ours.encode();
    assert_eq!(
        engine_reading(&forwarded).as_ref(),
        Some(&expected),
        "the engine reads the forwarded frame differently"
    );
    assert_eq!(WireMessage::decode(&forwarded).as_ref(), Ok(&ours));
}

/// The fields of a frame that decide what it does.
#[derive(Debug, PartialEq, Eq, Default)]
pub struct Reading {
    pub kind: String,
    pub sender: Option<String>,
    pub target: Option<String>,
    pub document: Option<String>,
    pub data: Option<Vec<u8>>,
}

fn our_reading(m: &WireMessage) -> Reading {
    let kind = |k: &str| k.to_owned();
    let doc = |d: &DocumentId| Some(d.to_string());
    match m {
        WireMessage::Join { sender_id, .. } => Reading {
            kind: kind("join"),
            sender: Some(sender_id.clone()),
            ..Reading::default()
        },
        WireMessage::Peer {
            sender_id,
            target_id,
            ..
        } => Reading {
            kind: kind("peer"),
            sender: Some(sender_id.clone()),
            target: Some(target_id.clone()),
            ..Reading::default()
        },
        WireMessage::Leave { sender_id } => Reading {
            kind: kind("leave"),
            sender: Some(sender_id.clone()),
            ..Reading::default()
        },
        WireMessage::Error { .. } => Reading {
            kind: kind("error"),
            ..Reading::default()
        },
        WireMessage::Request(d) | WireMessage::Sync(d) => Reading {
            kind: kind(if matches!(m, WireMessage::Request(_)) {
                "request"
            } else {
                "sync"
            }),
            sender: Some(d.sender_id.clone()),
            target: Some(d.target_id.clone()),
            document: doc(&d.document_id),
            data: Some(d.data.clone()),
        },
        WireMessage::DocUnavailable {
            sender_id,
            target_id,
            document_id,
        } => Reading {
            kind: kind("doc-unavailable"),
            sender: Some(sender_id.clone()),
            target: Some(target_id.clone()),
            document: doc(document_id),
            data: None,
        },
        WireMessage::Ephemeral {
            sender_id,
            target_id,
            document_id,
            data,
            ..
        } => Reading {
            kind: kind("ephemeral"),
            sender: Some(sender_id.clone()),
            target: Some(target_id.clone()),
            document: doc(document_id),
            data: Some(data.clone()),
        },
        WireMessage::RemoteSubscriptionChange {
            sender_id,
            target_id,
            ..
        } => Reading {
            kind: kind("remote-subscription-change"),
            sender: Some(sender_id.clone()),
            target: Some(target_id.clone()),
            ..Reading::default()
        },
        WireMessage::RemoteHeadsChanged {
            sender_id,
            target_id,
            document_id,
            ..
        } => Reading {
            kind: kind("remote-heads-changed"),
            sender: Some(sender_id.clone()),
            target: Some(target_id.clone()),
            document: doc(document_id),
            data: None,
        },
        WireMessage::Unknown { kind: k } => Reading {
            kind: k.clone(),
            ..Reading::default()
        },
    }
}

/// samod-core 0.16's reading of a frame, field by field as its `WireMessage::decode` takes
/// them: a definite-length map of text keys, later duplicates replacing earlier ones, keys it
/// does not know skipped. None where samod would refuse the frame.
pub fn engine_reading(data: &[u8]) -> Option<Reading> {
    let mut d = minicbor::Decoder::new(data);
    let len = d.map().ok()??;
    let mut r = Reading::default();
    let mut kind = None;
    for _ in 0..len {
        let key = d.str().ok()?;
        match key {
            "type" => kind = Some(d.str().ok()?.to_owned()),
            "senderId" => r.sender = Some(d.str().ok()?.to_owned()),
            "targetId" => r.target = Some(d.str().ok()?.to_owned()),
            "documentId" => {
                r.document = Some(if d.probe().str().is_ok() {
                    d.str().ok()?.to_owned()
                } else {
                    DocumentId::try_from(d.bytes().ok()?).ok()?.to_string()
                })
            }
            "data" => r.data = Some(d.bytes().ok()?.to_vec()),
            _ => d.skip().ok()?,
        }
    }
    r.kind = kind?;
    // Only what the message type uses counts; samod ignores the rest.
    match r.kind.as_str() {
        "join" | "leave" => {
            r.target = None;
            r.document = None;
            r.data = None;
        }
        "peer" | "remote-subscription-change" => {
            r.document = None;
            r.data = None;
        }
        "doc-unavailable" | "remote-heads-changed" => r.data = None,
        "error" => {
            r = Reading {
                kind: r.kind,
                ..Reading::default()
            }
        }
        _ => {}
    }
    Some(r)
}

/// Whether `GIAMSAT_FUZZ_MASK_KNOWN` asks to skip inputs that hit the known bugs.
pub fn mask_known() -> bool {
    static MASK: OnceLock<bool> = OnceLock::new();
    *MASK.get_or_init(|| {
        std::env::var_os("GIAMSAT_FUZZ_MASK_KNOWN").is_some_and(|v| !v.is_empty() && v != "0")
    })
}

/// Whether an automerge sync message carries a bloom filter that automerge 0.12 mishandles:
/// entries but zero bits per entry (remainder by zero), or more than 1,000 probes (one
/// allocation of 4 bytes per probe, per change hash looked up: up to 16 GiB).
pub fn payload_hits_known_bug(payload: &[u8]) -> bool {
    let Ok(message) = automerge::sync::Message::decode(payload) else {
        return false;
    };
    message.have.iter().any(|have| {
        let bytes = have.bloom.to_bytes();
        let mut input = bytes.as_slice();
        let mut next = || leb128_u64(&mut input);
        match (next(), next(), next()) {
            (Some(entries), Some(bits), Some(probes)) => {
                entries != 0 && (bits == 0 || probes > 1000)
            }
            _ => false,
        }
    })
}

/// [`payload_hits_known_bug`] for a whole wire frame (`sync` or `request`).
pub fn frame_hits_known_bug(frame: &[u8]) -> bool {
    match WireMessage::decode(frame) {
        Ok(WireMessage::Sync(m) | WireMessage::Request(m)) => payload_hits_known_bug(&m.data),
        _ => false,
    }
}

fn leb128_u64(input: &mut &[u8]) -> Option<u64> {
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

/// Which document a `sync_message` chunk's first byte names.
pub fn pick_doc(b: u8) -> DocumentId {
    match b % 3 {
        0 => held(),
        1 => wanted(),
        _ => stranger(),
    }
}

/// A well-formed `sync` from the server about `doc`.
pub fn sync_frame(doc: DocumentId, data: Vec<u8>) -> Vec<u8> {
    WireMessage::Sync(DocMessage {
        sender_id: SERVER_PEER.into(),
        target_id: CLIENT_PEER.into(),
        document_id: doc,
        data,
    })
    .encode()
}

/// Split a fuzz input into chunks: `u16` little-endian length, then the bytes.
pub fn chunks(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while data.len() >= 2 {
        let len = u16::from_le_bytes([data[0], data[1]]) as usize;
        let rest = &data[2..];
        let take = len.min(rest.len());
        out.push(&rest[..take]);
        data = &rest[take..];
    }
    out
}

/// The inverse of [`chunks`], for writing seeds (each chunk at most `u16::MAX` bytes).
pub fn join_chunks<B: AsRef<[u8]>>(parts: &[B]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        let p = p.as_ref();
        let len = u16::try_from(p.len()).expect("a chunk fits in u16");
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(p);
    }
    out
}

/// The document the client holds: a small supervision by a fixed actor, built once.
pub fn held_doc() -> &'static Automerge {
    static DOC: OnceLock<Automerge> = OnceLock::new();
    DOC.get_or_init(|| {
        use automerge::transaction::Transactable;
        use automerge::{ObjType, ROOT};
        let mut doc = Automerge::new().with_actor(ActorId::from(b"fuzz-held-actor!".as_slice()));
        let mut tx = doc.transaction();
        tx.put(ROOT, "schema", 1_i64).unwrap();
        tx.put(
            ROOT,
            "title",
            "Giám sát việc thực hiện Quyết định 217-QĐ/TW",
        )
        .unwrap();
        let findings = tx.put_object(ROOT, "findings", ObjType::Map).unwrap();
        let f = tx.put_object(&findings, "f1", ObjType::Map).unwrap();
        let t = tx.put_object(&f, "text", ObjType::Text).unwrap();
        tx.splice_text(&t, 0, 0, "Ban hành kế hoạch kịp thời.")
            .unwrap();
        let order = tx.put_object(ROOT, "finding_order", ObjType::List).unwrap();
        tx.insert(&order, 0, "f1").unwrap();
        tx.commit();
        doc
    })
}

/// [`held_doc`], saved (once).
pub fn held_doc_saved() -> &'static [u8] {
    static SAVED: OnceLock<Vec<u8>> = OnceLock::new();
    SAVED.get_or_init(|| held_doc().save())
}

/// A client that holds [`held`] and wants [`wanted`], noting what each merge wrote as the
/// app's does (`shared::touched` decodes the changes a stranger sent).
pub fn fixture_client() -> SyncClient {
    let mut client = SyncClient::new(CLIENT_PEER).with_touched();
    let _ = client.insert(held(), held_doc().clone(), Vec::new());
    let _ = client.want(wanted());
    client
}

/// Feed one event. An error is fine (the caller would close the socket; like the test
/// members, we carry on feeding); a panic is not, and every frame the client sends must be a
/// well-formed message.
pub fn feed(client: &mut SyncClient, event: Event<'_>) -> Option<Output> {
    let out = client.handle(event).ok()?;
    for frame in &out.frames {
        if let Err(e) = WireMessage::decode(frame) {
            panic!("the client sent a frame that does not decode: {e}");
        }
    }
    Some(out)
}

/// Read what the app would read after a sync: heads, document content, and (for one input
/// in eight, picked by length: it re-encodes every change and would otherwise take half the
/// fuzzer's time) the pending count.
fn touch(client: &SyncClient, data: &[u8]) {
    let ids: Vec<DocumentId> = client.ids().copied().collect();
    for id in ids {
        if data.len().is_multiple_of(8) {
            let _ = client.pending(&id);
        }
        let _ = client.confirmed_heads(&id);
        let _ = client.status(&id);
        if let Some(doc) = client.doc(&id) {
            let _ = doc.get_heads();
            let _ = shared::reading::read(doc);
        }
    }
}
