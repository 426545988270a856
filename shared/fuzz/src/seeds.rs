//! The seed corpus: valid inputs for each target, written by `cargo run --example seed`.
//!
//! - `wire_decode`: every automerge-repo message type as `WireMessage::encode` writes it,
//!   plus the forms other peers write (integers as floats as cbor-x does, a tagged byte
//!   string, a document id as bytes, missing optional fields).
//! - `sync_client`: the frames a server sends in a real conversation with the fixture client
//!   ([`crate::checks::fixture_client`]), recorded from a small simulated server that holds
//!   newer changes to the held document and the whole wanted one, cut at every step; and the
//!   other message types after the handshake, and a reconnect in the middle.
//! - `sync_message`: the automerge sync payloads of that conversation, in order.

use std::collections::BTreeMap;

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ObjType, ROOT, ReadDoc};
use ciborium::Value;
use shared::DocumentId;
use shared::sync::Event;
use shared::wire::{DocMessage, PeerMetadata, RemoteHeads, WireMessage};

use crate::checks::{
    self, CLIENT_PEER, SERVER_PEER, held, held_doc, join_chunks, stranger, wanted,
};

/// Named seeds for one target.
pub type Seeds = Vec<(String, Vec<u8>)>;

/// Every wire message type, as this build encodes it.
pub fn wire_messages() -> Vec<(&'static str, WireMessage)> {
    let doc = held();
    let m = |data: Vec<u8>| DocMessage {
        sender_id: SERVER_PEER.into(),
        target_id: CLIENT_PEER.into(),
        document_id: doc,
        data,
    };
    vec![
        (
            "join",
            WireMessage::Join {
                sender_id: CLIENT_PEER.into(),
                peer_metadata: PeerMetadata {
                    storage_id: Some("storage-1".into()),
                    is_ephemeral: false,
                },
                supported_protocol_versions: vec!["1".into()],
            },
        ),
        (
            "peer",
            WireMessage::Peer {
                sender_id: SERVER_PEER.into(),
                target_id: CLIENT_PEER.into(),
                peer_metadata: PeerMetadata {
                    storage_id: None,
                    is_ephemeral: true,
                },
                selected_protocol_version: "1".into(),
            },
        ),
        (
            "leave",
            WireMessage::Leave {
                sender_id: CLIENT_PEER.into(),
            },
        ),
        (
            "error",
            WireMessage::Error {
                message: "khung không hợp lệ / malformed frame".into(),
            },
        ),
        ("request", WireMessage::Request(m(empty_sync_message()))),
        ("sync", WireMessage::Sync(m(first_sync_message()))),
        (
            "doc-unavailable",
            WireMessage::DocUnavailable {
                sender_id: SERVER_PEER.into(),
                target_id: CLIENT_PEER.into(),
                document_id: wanted(),
            },
        ),
        (
            "ephemeral",
            WireMessage::Ephemeral {
                sender_id: "member-lan".into(),
                target_id: CLIENT_PEER.into(),
                document_id: doc,
                count: 7,
                session_id: "session-lan".into(),
                data: vec![0xa1, 0x64, b'n', b'a', b'm', b'e', 0x63, b'L', b'a', b'n'],
            },
        ),
        (
            "remote-subscription-change",
            WireMessage::RemoteSubscriptionChange {
                sender_id: CLIENT_PEER.into(),
                target_id: SERVER_PEER.into(),
                add: vec!["storage-1".into()],
                remove: vec!["storage-2".into()],
            },
        ),
        (
            "remote-heads-changed",
            WireMessage::RemoteHeadsChanged {
                sender_id: SERVER_PEER.into(),
                target_id: CLIENT_PEER.into(),
                document_id: doc,
                new_heads: vec![RemoteHeads {
                    storage_id: "storage-1".into(),
                    heads: held_doc()
                        .get_heads()
                        .iter()
                        .map(|h| h.to_string())
                        .collect(),
                    timestamp: 1_700_000_000_000,
                }],
            },
        ),
        (
            "unknown",
            WireMessage::Unknown {
                kind: "future-thing".into(),
            },
        ),
    ]
}

/// A CBOR text value.
fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// `v` as CBOR bytes, written as given (repeated keys and all).
fn cbor(v: Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(&v, &mut out).expect("CBOR into a Vec");
    out
}

/// Seeds for `wire_decode`.
pub fn wire_decode() -> Seeds {
    let mut seeds: Seeds = wire_messages()
        .into_iter()
        .map(|(name, m)| (format!("seed-{name}"), m.encode()))
        .collect();
    // As the JS client writes them: a float count, a tagged Uint8Array, no peerMetadata.
    seeds.push((
        "seed-ephemeral-cbor-x".into(),
        cbor(Value::Map(vec![
            (text("type"), text("ephemeral")),
            (text("senderId"), text("a")),
            (text("targetId"), text("b")),
            (text("documentId"), text(&held().to_string())),
            (text("count"), Value::Float(3.0)),
            (text("sessionId"), text("s")),
            (
                text("data"),
                Value::Tag(64, Box::new(Value::Bytes(vec![0xa0]))),
            ),
        ])),
    ));
    seeds.push((
        "seed-join-bare".into(),
        cbor(Value::Map(vec![
            (text("type"), text("join")),
            (text("senderId"), text("a")),
        ])),
    ));
    seeds.push((
        "seed-request-docid-bytes".into(),
        cbor(Value::Map(vec![
            (text("type"), text("request")),
            (text("senderId"), text("a")),
            (text("targetId"), text("b")),
            (text("documentId"), Value::Bytes(held().as_bytes().to_vec())),
            (text("data"), Value::Bytes(empty_sync_message())),
        ])),
    ));
    seeds
}

/// Seeds for `sync_client`.
pub fn sync_client() -> Seeds {
    let frames = conversation();
    let mut seeds = Seeds::new();
    for n in 1..=frames.len() {
        seeds.push((
            format!("seed-conversation-{n:02}"),
            join_chunks(&frames[..n]),
        ));
    }
    // The handshake, then each other message type.
    for (name, m) in wire_messages() {
        seeds.push((
            format!("seed-peer-then-{name}"),
            join_chunks(&[frames[0].clone(), m.encode()]),
        ));
    }
    // A reconnect in the middle of the conversation (an empty chunk), then all of it again.
    let mut parts = frames[..frames.len().min(3)].to_vec();
    parts.push(Vec::new());
    parts.extend(frames.iter().cloned());
    seeds.push(("seed-reconnect".into(), join_chunks(&parts)));
    seeds
}

/// Seeds for `sync_message`.
pub fn sync_message() -> Seeds {
    let payloads: Vec<Vec<u8>> = conversation()
        .iter()
        .filter_map(|f| match WireMessage::decode(f) {
            Ok(WireMessage::Sync(m)) => Some([vec![pick_byte(m.document_id)], m.data].concat()),
            _ => None,
        })
        .collect();
    let mut seeds = Seeds::new();
    for n in 1..=payloads.len() {
        seeds.push((format!("seed-payloads-{n:02}"), join_chunks(&payloads[..n])));
    }
    for (i, p) in payloads.iter().enumerate() {
        seeds.push((format!("seed-payload-{i:02}"), join_chunks(&[p])));
    }
    // A whole document's changes sent for a document the client never heard of.
    let mut stranger_payload = vec![2u8];
    stranger_payload.extend(first_sync_message());
    seeds.push(("seed-stranger".into(), join_chunks(&[stranger_payload])));
    seeds
}

/// The engine's inputs: the client side of a conversation, replayed as peers 0, 1 and 3
/// (an observer), with writes confirmed, one failed and retried, a peer leaving, time
/// passing.
pub fn engine_input() -> Seeds {
    let payloads: Vec<Vec<u8>> = conversation()
        .iter()
        .filter_map(|f| match WireMessage::decode(f) {
            Ok(WireMessage::Sync(m)) => Some(m.data),
            _ => None,
        })
        .collect();
    let mut runs: Vec<Vec<Vec<u8>>> = Vec::new();
    for peer in [0u8, 1, 3] {
        let mut run = Vec::new();
        for p in &payloads {
            run.push([vec![peer << 4], p.clone()].concat());
            run.push(vec![4]);
            run.push(vec![6, 2]);
        }
        runs.push(run);
    }
    let mut mixed = Vec::new();
    for (i, p) in payloads.iter().enumerate() {
        mixed.push([vec![(i as u8 % 2) << 4 | 1], p.clone()].concat());
        mixed.push(vec![5]);
        mixed.push(vec![6, 10]);
        mixed.push(vec![4]);
        mixed.push([vec![0x28], b"presence".to_vec()].concat());
    }
    mixed.push(vec![0x13]);
    mixed.push(vec![0x07, 1]);
    runs.push(mixed);
    runs.iter()
        .enumerate()
        .map(|(i, run)| (format!("seed-engine-{i:02}"), join_chunks(run)))
        .collect()
}

fn pick_byte(doc: DocumentId) -> u8 {
    (0..3u8)
        .find(|&b| checks::pick_doc(b) == doc)
        .expect("a document the fixture knows")
}

/// An automerge sync message that says "I have nothing".
fn empty_sync_message() -> Vec<u8> {
    let mut state = sync::State::new();
    Automerge::new()
        .generate_sync_message(&mut state)
        .expect("a first message")
        .encode()
}

/// The first sync message a peer holding the server's copy of the held document sends.
fn first_sync_message() -> Vec<u8> {
    let mut state = sync::State::new();
    server_docs()[&held()]
        .generate_sync_message(&mut state)
        .expect("a first message")
        .encode()
}

/// What the simulated server holds: the held document with one more change by another
/// member, and the whole wanted document.
fn server_docs() -> BTreeMap<DocumentId, Automerge> {
    let mut newer = held_doc()
        .fork()
        .with_actor(ActorId::from(b"fuzz-server-minh".as_slice()));
    let mut tx = newer.transaction();
    let (_, findings) = tx.get(ROOT, "findings").unwrap().expect("findings");
    let f = tx.put_object(&findings, "f2", ObjType::Map).unwrap();
    let t = tx.put_object(&f, "text", ObjType::Text).unwrap();
    tx.splice_text(&t, 0, 0, "Cán bộ kiêm nhiệm, thiếu thời gian.")
        .unwrap();
    tx.put(&f, "kind", "cause").unwrap();
    tx.commit();

    let mut other = Automerge::new().with_actor(ActorId::from(b"fuzz-server-hoa!".as_slice()));
    let mut tx = other.transaction();
    tx.put(ROOT, "schema", 1_i64).unwrap();
    tx.put(
        ROOT,
        "title",
        "Kiểm tra việc thực hiện nhiệm vụ kiểm tra, giám sát",
    )
    .unwrap();
    let list = tx.put_object(ROOT, "topics", ObjType::List).unwrap();
    tx.insert(&list, 0, "QĐ 217-QĐ/TW").unwrap();
    tx.commit();

    BTreeMap::from([(held(), newer), (wanted(), other)])
}

/// The frames the simulated server sends the fixture client, in order, from `peer` until
/// both sides have nothing more to say.
pub fn conversation() -> Vec<Vec<u8>> {
    let mut docs: BTreeMap<DocumentId, (Automerge, sync::State)> = server_docs()
        .into_iter()
        .map(|(id, d)| (id, (d, sync::State::new())))
        .collect();
    let mut client = checks::fixture_client();
    let mut to_server: Vec<Vec<u8>> = client.handle(Event::Connected).expect("join").frames;
    let mut sent = Vec::new();
    for _round in 0..50 {
        if to_server.is_empty() {
            break;
        }
        let mut to_client = Vec::new();
        for frame in to_server.drain(..) {
            match WireMessage::decode(&frame).expect("the client's frame decodes") {
                WireMessage::Join { .. } => to_client.push(
                    WireMessage::Peer {
                        sender_id: SERVER_PEER.into(),
                        target_id: CLIENT_PEER.into(),
                        peer_metadata: PeerMetadata {
                            storage_id: Some("fuzz-storage".into()),
                            is_ephemeral: false,
                        },
                        selected_protocol_version: "1".into(),
                    }
                    .encode(),
                ),
                WireMessage::Sync(m) | WireMessage::Request(m) => {
                    let Some((doc, state)) = docs.get_mut(&m.document_id) else {
                        to_client.push(
                            WireMessage::DocUnavailable {
                                sender_id: SERVER_PEER.into(),
                                target_id: CLIENT_PEER.into(),
                                document_id: m.document_id,
                            }
                            .encode(),
                        );
                        continue;
                    };
                    let msg = sync::Message::decode(&m.data).expect("the client's sync message");
                    doc.receive_sync_message(state, msg)
                        .expect("the client's changes apply");
                    if let Some(reply) = doc.generate_sync_message(state) {
                        to_client.push(checks::sync_frame(m.document_id, reply.encode()));
                    }
                }
                _ => {}
            }
        }
        for frame in to_client {
            let out = client
                .handle(Event::Frame(&frame))
                .expect("the client accepts the server's frame");
            to_server.extend(out.frames);
            sent.push(frame);
        }
    }
    assert!(
        client.doc(&wanted()).is_some(),
        "the conversation delivered the wanted document"
    );
    assert_eq!(
        client.doc(&held()).map(|d| d.get_heads()),
        docs.get(&held()).map(|(d, _)| d.get_heads()),
        "the conversation converged"
    );
    let _ = stranger();
    sent
}

/// A sync message whose one `have` carries a bloom filter with 1 entry, 0 bits per entry and
/// 7 probes: automerge 0.12 takes a remainder by zero when it next generates a message.
pub const BLOOM_ZERO_BITS: [u8; 10] = [0x42, 0, 0, 1, 0, 3, 1, 0, 7, 0];

/// The same with 10 bits per entry and 2^32-1 probes: automerge 0.12 allocates 16 GiB.
pub const BLOOM_HUGE_PROBES: [u8; 16] = [
    0x42, 0, 0, 1, 0, 9, 1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0,
];

/// Reproducers of the known bugs, by hand: (target, file name, input).
pub fn known_crashes() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let peer = conversation()[0].clone();
    vec![
        (
            "sync_message",
            "panic-bloom-zero-bits-per-entry",
            join_chunks(&[[&[0u8][..], &BLOOM_ZERO_BITS].concat()]),
        ),
        (
            "sync_message",
            "oom-bloom-huge-probe-count",
            join_chunks(&[[&[0u8][..], &BLOOM_HUGE_PROBES].concat()]),
        ),
        (
            "sync_client",
            "panic-bloom-zero-bits-per-entry",
            join_chunks(&[
                peer.clone(),
                checks::sync_frame(held(), BLOOM_ZERO_BITS.to_vec()),
            ]),
        ),
        (
            "sync_client",
            "oom-bloom-huge-probe-count",
            join_chunks(&[peer, checks::sync_frame(held(), BLOOM_HUGE_PROBES.to_vec())]),
        ),
    ]
}

/// Write the known bugs' reproducers into `crashes/<target>/`.
pub fn write_known_crashes(crashes: &std::path::Path) -> std::io::Result<usize> {
    let all = known_crashes();
    for (target, name, bytes) in &all {
        let dir = crashes.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(all.len())
}

/// Seeds for `wire_differential`: those of `wire_decode`, and frames in forms two decoders
/// read differently (each refused by ours; before `shared::wire_form`, the first one was
/// read as `ephemeral` by the server's checks and as `sync` by samod).
pub fn wire_differential() -> Seeds {
    let mut seeds = wire_decode();
    seeds.push((
        "attack-type-and-data-twice".into(),
        cbor(Value::Map(vec![
            (text("type"), text("ephemeral")),
            (text("senderId"), text("a")),
            (text("targetId"), text("b")),
            (text("documentId"), text(&held().to_string())),
            (text("count"), Value::Integer(1.into())),
            (text("sessionId"), text("s1")),
            (text("data"), Value::Bytes(vec![0xa0])),
            (text("type"), text("sync")),
            (
                text("data"),
                Value::Bytes(vec![0x42, 0, 0, 1, 0, 3, 1, 0, 7, 0]),
            ),
        ])),
    ));
    let mut indefinite = WireMessage::Leave {
        sender_id: "a".into(),
    }
    .encode();
    indefinite[0] = 0xbf;
    indefinite.push(0xff);
    seeds.push(("attack-indefinite-map".into(), indefinite));
    seeds
}

/// Write every target's seeds into `corpus/<target>/`.
pub fn write_all(corpus: &std::path::Path) -> std::io::Result<usize> {
    let mut n = 0;
    for (target, seeds) in [
        ("wire_decode", wire_decode()),
        ("wire_differential", wire_differential()),
        ("sync_client", sync_client()),
        ("sync_message", sync_message()),
        ("engine_input", engine_input()),
    ] {
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir)?;
        for (name, bytes) in seeds {
            std::fs::write(dir.join(name), bytes)?;
            n += 1;
        }
    }
    Ok(n)
}
