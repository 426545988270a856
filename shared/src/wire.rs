//! automerge-repo's wire protocol (v1): one CBOR map per binary WebSocket message, keyed by
//! `type`. Encoding and decoding only; no IO.
//!
//! ```text
//! join                      {type, senderId, peerMetadata{storageId?, isEphemeral?}, supportedProtocolVersions}
//! peer                      {type, senderId, targetId, peerMetadata, selectedProtocolVersion}
//! leave                     {type, senderId}
//! error                     {type, message}          the connection closes after it
//! request | sync            {type, senderId, targetId, documentId, data: bytes (automerge sync message)}
//! doc-unavailable           {type, senderId, targetId, documentId}
//! ephemeral                 {type, senderId, targetId, documentId, count, sessionId, data: bytes (CBOR)}
//! remote-subscription-change{type, senderId, targetId, add?: [storageId], remove?: [storageId]}
//! remote-heads-changed      {type, senderId, targetId, documentId, newHeads{storageId: {heads: [hex], timestamp}}}
//! ```
//!
//! Decoding keeps a truncated frame ([`WireError::Truncated`]) apart from bytes that can never
//! be a message ([`WireError::Invalid`]); neither panics. A message of a type this build does
//! not know decodes as [`WireMessage::Unknown`], so a newer peer does not break an older one.
//! The JS client writes integers as floats at times (cbor-x); both are accepted. Before any
//! of that, [`crate::wire_form::check`] refuses a frame in a form decoders disagree on (a
//! repeated key, an indefinite length, trailing bytes): the server forwards only messages it
//! re-encoded from what it decoded here, and no other reader ever sees the peer's bytes.

use ciborium::Value;
use thiserror::Error;

use crate::ids::DocumentId;

/// The largest frame this side will decode (and the server will accept): 64 MiB.
pub const MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;

/// Why bytes are not a wire message.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum WireError {
    #[error("the frame ends before the message does")]
    Truncated,
    #[error("the frame is {0} bytes, more than the {MAX_FRAME_BYTES} allowed")]
    TooLarge(usize),
    #[error("not an automerge-repo message: {0}")]
    Invalid(String),
    #[error("message of type {kind} lacks field {field}")]
    MissingField { kind: String, field: &'static str },
}

/// What a peer says about itself in `join` and `peer`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeerMetadata {
    pub storage_id: Option<String>,
    pub is_ephemeral: bool,
}

/// A `request` or `sync`: an automerge sync message about one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocMessage {
    pub sender_id: String,
    pub target_id: String,
    pub document_id: DocumentId,
    /// An encoded `automerge::sync::Message`.
    pub data: Vec<u8>,
}

/// The heads one storage holds of a document, as `remote-heads-changed` reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteHeads {
    pub storage_id: String,
    pub heads: Vec<String>,
    pub timestamp: u64,
}

/// Every automerge-repo v1 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireMessage {
    Join {
        sender_id: String,
        peer_metadata: PeerMetadata,
        supported_protocol_versions: Vec<String>,
    },
    Peer {
        sender_id: String,
        target_id: String,
        peer_metadata: PeerMetadata,
        selected_protocol_version: String,
    },
    Leave {
        sender_id: String,
    },
    Error {
        message: String,
    },
    Request(DocMessage),
    Sync(DocMessage),
    DocUnavailable {
        sender_id: String,
        target_id: String,
        document_id: DocumentId,
    },
    Ephemeral {
        sender_id: String,
        target_id: String,
        document_id: DocumentId,
        count: u64,
        session_id: String,
        data: Vec<u8>,
    },
    RemoteSubscriptionChange {
        sender_id: String,
        target_id: String,
        add: Vec<String>,
        remove: Vec<String>,
    },
    RemoteHeadsChanged {
        sender_id: String,
        target_id: String,
        document_id: DocumentId,
        new_heads: Vec<RemoteHeads>,
    },
    /// A message type this build does not know; ignored by the receiver.
    Unknown {
        kind: String,
    },
}

impl WireMessage {
    /// Encode as one CBOR map.
    pub fn encode(&self) -> Vec<u8> {
        let mut fields: Vec<(Value, Value)> = Vec::new();
        let mut put = |k: &str, v: Value| fields.push((Value::Text(k.to_owned()), v));
        let text = |s: &str| Value::Text(s.to_owned());
        let texts = |v: &[String]| Value::Array(v.iter().map(|s| Value::Text(s.clone())).collect());
        match self {
            WireMessage::Join {
                sender_id,
                peer_metadata,
                supported_protocol_versions,
            } => {
                put("type", text("join"));
                put("senderId", text(sender_id));
                put("peerMetadata", metadata_value(peer_metadata));
                put(
                    "supportedProtocolVersions",
                    texts(supported_protocol_versions),
                );
            }
            WireMessage::Peer {
                sender_id,
                target_id,
                peer_metadata,
                selected_protocol_version,
            } => {
                put("type", text("peer"));
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
                put("peerMetadata", metadata_value(peer_metadata));
                put("selectedProtocolVersion", text(selected_protocol_version));
            }
            WireMessage::Leave { sender_id } => {
                put("type", text("leave"));
                put("senderId", text(sender_id));
            }
            WireMessage::Error { message } => {
                put("type", text("error"));
                put("message", text(message));
            }
            WireMessage::Request(m) | WireMessage::Sync(m) => {
                let kind = if matches!(self, WireMessage::Request(_)) {
                    "request"
                } else {
                    "sync"
                };
                put("type", text(kind));
                put("senderId", text(&m.sender_id));
                put("targetId", text(&m.target_id));
                put("documentId", text(&m.document_id.to_string()));
                put("data", Value::Bytes(m.data.clone()));
            }
            WireMessage::DocUnavailable {
                sender_id,
                target_id,
                document_id,
            } => {
                put("type", text("doc-unavailable"));
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
                put("documentId", text(&document_id.to_string()));
            }
            WireMessage::Ephemeral {
                sender_id,
                target_id,
                document_id,
                count,
                session_id,
                data,
            } => {
                put("type", text("ephemeral"));
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
                put("documentId", text(&document_id.to_string()));
                put("count", Value::Integer((*count).into()));
                put("sessionId", text(session_id));
                put("data", Value::Bytes(data.clone()));
            }
            WireMessage::RemoteSubscriptionChange {
                sender_id,
                target_id,
                add,
                remove,
            } => {
                put("type", text("remote-subscription-change"));
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
                put("add", texts(add));
                put("remove", texts(remove));
            }
            WireMessage::RemoteHeadsChanged {
                sender_id,
                target_id,
                document_id,
                new_heads,
            } => {
                put("type", text("remote-heads-changed"));
                put("senderId", text(sender_id));
                put("targetId", text(target_id));
                put("documentId", text(&document_id.to_string()));
                let heads = new_heads
                    .iter()
                    .map(|h| {
                        let inner = Value::Map(vec![
                            (text("heads"), texts(&h.heads)),
                            (text("timestamp"), Value::Integer(h.timestamp.into())),
                        ]);
                        (text(&h.storage_id), inner)
                    })
                    .collect();
                put("newHeads", Value::Map(heads));
            }
            WireMessage::Unknown { kind } => {
                put("type", text(kind));
            }
        }
        let mut out = Vec::new();
        // Writing a Value into a Vec cannot fail: the only errors are the writer's.
        ciborium::ser::into_writer(&Value::Map(fields), &mut out).expect("CBOR into a Vec");
        out
    }

    /// Decode one whole frame.
    pub fn decode(bytes: &[u8]) -> Result<WireMessage, WireError> {
        if bytes.len() > MAX_FRAME_BYTES {
            return Err(WireError::TooLarge(bytes.len()));
        }
        // One reading: a form two decoders could read differently never gets further.
        crate::wire_form::check(bytes).map_err(|e| match e {
            crate::wire_form::FormError::Truncated => WireError::Truncated,
            other => WireError::Invalid(other.to_string()),
        })?;
        let mut cursor = bytes;
        let value: Value = ciborium::de::from_reader(&mut cursor).map_err(|e| match e {
            ciborium::de::Error::Io(_) => WireError::Truncated,
            ciborium::de::Error::Syntax(at) => {
                WireError::Invalid(format!("CBOR syntax error at byte {at}"))
            }
            ciborium::de::Error::Semantic(_, msg) => WireError::Invalid(msg),
            ciborium::de::Error::RecursionLimitExceeded => {
                WireError::Invalid("nested too deeply".into())
            }
        })?;
        if !cursor.is_empty() {
            return Err(WireError::Invalid(format!(
                "{} bytes after the message",
                cursor.len()
            )));
        }
        let Value::Map(entries) = value else {
            return Err(WireError::Invalid("the message is not a CBOR map".into()));
        };
        let map = Fields {
            entries,
            kind: String::new(),
        };
        let kind = map
            .text_opt("type")
            .ok_or(WireError::Invalid("no type".into()))?;
        let f = Fields {
            kind: kind.clone(),
            ..map
        };
        Ok(match kind.as_str() {
            "join" => WireMessage::Join {
                sender_id: f.text("senderId")?,
                peer_metadata: f.metadata()?,
                supported_protocol_versions: f
                    .texts_opt("supportedProtocolVersions")?
                    .unwrap_or_default(),
            },
            "peer" => WireMessage::Peer {
                sender_id: f.text("senderId")?,
                target_id: f.text("targetId")?,
                peer_metadata: f.metadata()?,
                selected_protocol_version: f.text("selectedProtocolVersion")?,
            },
            "leave" => WireMessage::Leave {
                sender_id: f.text("senderId")?,
            },
            "error" => WireMessage::Error {
                message: f.text_opt("message").unwrap_or_default(),
            },
            "request" | "sync" => {
                let m = DocMessage {
                    sender_id: f.text("senderId")?,
                    target_id: f.text("targetId")?,
                    document_id: f.document_id()?,
                    data: f.bytes("data")?,
                };
                if kind == "request" {
                    WireMessage::Request(m)
                } else {
                    WireMessage::Sync(m)
                }
            }
            "doc-unavailable" => WireMessage::DocUnavailable {
                sender_id: f.text("senderId")?,
                target_id: f.text("targetId")?,
                document_id: f.document_id()?,
            },
            "ephemeral" => WireMessage::Ephemeral {
                sender_id: f.text("senderId")?,
                target_id: f.text("targetId")?,
                document_id: f.document_id()?,
                count: f.uint("count")?,
                session_id: f.text("sessionId")?,
                data: f.bytes("data")?,
            },
            "remote-subscription-change" => WireMessage::RemoteSubscriptionChange {
                sender_id: f.text("senderId")?,
                target_id: f.text("targetId")?,
                add: f.texts_opt("add")?.unwrap_or_default(),
                remove: f.texts_opt("remove")?.unwrap_or_default(),
            },
            "remote-heads-changed" => WireMessage::RemoteHeadsChanged {
                sender_id: f.text("senderId")?,
                target_id: f.text("targetId")?,
                document_id: f.document_id()?,
                new_heads: f.new_heads()?,
            },
            _ => WireMessage::Unknown { kind },
        })
    }
}

fn metadata_value(m: &PeerMetadata) -> Value {
    let mut fields = vec![(
        Value::Text("isEphemeral".into()),
        Value::Bool(m.is_ephemeral),
    )];
    if let Some(id) = &m.storage_id {
        fields.push((Value::Text("storageId".into()), Value::Text(id.clone())));
    }
    Value::Map(fields)
}

/// The fields of one decoded message, with typed getters that name what is missing.
struct Fields {
    entries: Vec<(Value, Value)>,
    kind: String,
}

impl Fields {
    fn get(&self, key: &str) -> Option<&Value> {
        lookup(&self.entries, key)
    }

    fn missing(&self, field: &'static str) -> WireError {
        WireError::MissingField {
            kind: self.kind.clone(),
            field,
        }
    }

    fn text_opt(&self, key: &str) -> Option<String> {
        match self.get(key) {
            Some(Value::Text(s)) => Some(s.clone()),
            _ => None,
        }
    }

    fn text(&self, key: &'static str) -> Result<String, WireError> {
        self.text_opt(key).ok_or_else(|| self.missing(key))
    }

    fn bytes(&self, key: &'static str) -> Result<Vec<u8>, WireError> {
        match self.get(key) {
            Some(Value::Bytes(b)) => Ok(b.clone()),
            // cbor-x may tag a Uint8Array (tag 64); accept the tagged form too.
            Some(Value::Tag(_, inner)) => match inner.as_ref() {
                Value::Bytes(b) => Ok(b.clone()),
                _ => Err(self.missing(key)),
            },
            _ => Err(self.missing(key)),
        }
    }

    fn uint(&self, key: &'static str) -> Result<u64, WireError> {
        self.get(key)
            .and_then(as_u64)
            .ok_or_else(|| self.missing(key))
    }

    fn texts_opt(&self, key: &'static str) -> Result<Option<Vec<String>>, WireError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::Text(s) => Ok(s.clone()),
                    _ => Err(self.missing(key)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(self.missing(key)),
        }
    }

    fn document_id(&self) -> Result<DocumentId, WireError> {
        match self.get("documentId") {
            Some(Value::Text(s)) => s
                .parse()
                .map_err(|_| WireError::Invalid(format!("bad documentId {s:?}"))),
            Some(Value::Bytes(b)) => DocumentId::try_from(b.as_slice())
                .map_err(|_| WireError::Invalid("bad documentId bytes".into())),
            _ => Err(self.missing("documentId")),
        }
    }

    fn metadata(&self) -> Result<PeerMetadata, WireError> {
        match self.get("peerMetadata") {
            None | Some(Value::Null) => Ok(PeerMetadata::default()),
            Some(Value::Map(m)) => Ok(PeerMetadata {
                storage_id: match lookup(m, "storageId") {
                    Some(Value::Text(s)) => Some(s.clone()),
                    _ => None,
                },
                is_ephemeral: matches!(lookup(m, "isEphemeral"), Some(Value::Bool(true))),
            }),
            Some(_) => Err(self.missing("peerMetadata")),
        }
    }

    fn new_heads(&self) -> Result<Vec<RemoteHeads>, WireError> {
        let Some(Value::Map(m)) = self.get("newHeads") else {
            return Err(self.missing("newHeads"));
        };
        m.iter()
            .map(|(k, v)| {
                let (Value::Text(storage_id), Value::Map(inner)) = (k, v) else {
                    return Err(self.missing("newHeads"));
                };
                let heads = match lookup(inner, "heads") {
                    Some(Value::Array(hs)) => hs
                        .iter()
                        .filter_map(|h| match h {
                            Value::Text(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect(),
                    _ => return Err(self.missing("newHeads")),
                };
                let timestamp = lookup(inner, "timestamp").and_then(as_u64).unwrap_or(0);
                Ok(RemoteHeads {
                    storage_id: storage_id.clone(),
                    heads,
                    timestamp,
                })
            })
            .collect()
    }
}

fn lookup<'a>(entries: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    entries.iter().find_map(|(k, v)| match k {
        Value::Text(s) if s == key => Some(v),
        _ => None,
    })
}

fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Integer(i) => u64::try_from(*i).ok(),
        Value::Float(f) if *f >= 0.0 && f.fract() == 0.0 && *f < u64::MAX as f64 => Some(*f as u64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> DocumentId {
        DocumentId::from_bytes([3; 16])
    }

    fn all_messages() -> Vec<WireMessage> {
        let m = DocMessage {
            sender_id: "a".into(),
            target_id: "b".into(),
            document_id: doc(),
            data: vec![1, 2, 3],
        };
        vec![
            WireMessage::Join {
                sender_id: "tablet-1".into(),
                peer_metadata: PeerMetadata {
                    storage_id: Some("s1".into()),
                    is_ephemeral: false,
                },
                supported_protocol_versions: vec!["1".into()],
            },
            WireMessage::Peer {
                sender_id: "server".into(),
                target_id: "tablet-1".into(),
                peer_metadata: PeerMetadata {
                    storage_id: None,
                    is_ephemeral: true,
                },
                selected_protocol_version: "1".into(),
            },
            WireMessage::Leave {
                sender_id: "tablet-1".into(),
            },
            WireMessage::Error {
                message: "khung không hợp lệ".into(),
            },
            WireMessage::Request(m.clone()),
            WireMessage::Sync(m),
            WireMessage::DocUnavailable {
                sender_id: "s".into(),
                target_id: "t".into(),
                document_id: doc(),
            },
            WireMessage::Ephemeral {
                sender_id: "s".into(),
                target_id: "t".into(),
                document_id: doc(),
                count: 7,
                session_id: "sess".into(),
                data: vec![0xa0],
            },
            WireMessage::RemoteSubscriptionChange {
                sender_id: "s".into(),
                target_id: "t".into(),
                add: vec!["x".into()],
                remove: vec![],
            },
            WireMessage::RemoteHeadsChanged {
                sender_id: "s".into(),
                target_id: "t".into(),
                document_id: doc(),
                new_heads: vec![RemoteHeads {
                    storage_id: "st".into(),
                    heads: vec!["ab".into()],
                    timestamp: 9,
                }],
            },
            WireMessage::Unknown {
                kind: "future-thing".into(),
            },
        ]
    }

    #[test]
    fn every_message_round_trips_through_cbor() {
        for m in all_messages() {
            assert_eq!(WireMessage::decode(&m.encode()).unwrap(), m, "{m:?}");
        }
    }

    #[test]
    fn a_truncated_frame_is_told_apart_from_an_invalid_one() {
        for m in all_messages() {
            let bytes = m.encode();
            for cut in 1..bytes.len() {
                let err = WireMessage::decode(&bytes[..cut]).unwrap_err();
                assert!(
                    matches!(err, WireError::Truncated | WireError::Invalid(_)),
                    "{err:?}"
                );
            }
            assert_eq!(
                WireMessage::decode(&bytes[..bytes.len() - 1]),
                Err(WireError::Truncated)
            );
        }
        assert_eq!(WireMessage::decode(&[]), Err(WireError::Truncated));
    }

    #[test]
    fn malformed_bytes_give_a_typed_error_never_a_panic() {
        let cases: Vec<Vec<u8>> = vec![
            vec![0xff, 0xff, 0xff],
            vec![0x01],                                     // an integer, not a map
            vec![0xa1, 0x64, b't', b'y', b'p', b'e', 0x01], // type is not text
            b"not cbor at all".to_vec(),
            {
                let mut v = WireMessage::Leave {
                    sender_id: "x".into(),
                }
                .encode();
                v.push(0);
                v
            },
            [0x81; 100_000].to_vec(), // deep nesting
        ];
        for bytes in cases {
            assert!(WireMessage::decode(&bytes).is_err(), "{bytes:?}");
        }
        // A request without its document id names the missing field.
        let no_doc = Value::Map(vec![
            (Value::Text("type".into()), Value::Text("request".into())),
            (Value::Text("senderId".into()), Value::Text("a".into())),
            (Value::Text("targetId".into()), Value::Text("b".into())),
        ]);
        let mut bytes = Vec::new();
        ciborium::ser::into_writer(&no_doc, &mut bytes).unwrap();
        assert_eq!(
            WireMessage::decode(&bytes),
            Err(WireError::MissingField {
                kind: "request".into(),
                field: "documentId"
            })
        );
    }

    #[test]
    fn pseudo_random_bytes_never_panic() {
        // A small deterministic fuzz: xorshift bytes, and mutations of valid messages.
        let mut x: u64 = 0x9e3779b97f4a7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let valid: Vec<Vec<u8>> = all_messages().iter().map(WireMessage::encode).collect();
        for i in 0..20_000 {
            let mut bytes = valid[i % valid.len()].clone();
            let flips = 1 + (next() % 4) as usize;
            for _ in 0..flips {
                let at = (next() as usize) % bytes.len();
                bytes[at] = next() as u8;
            }
            let _ = WireMessage::decode(&bytes);
            let len = (next() % 64) as usize;
            let random: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let _ = WireMessage::decode(&random);
        }
    }

    #[test]
    fn a_map_with_type_and_data_twice_is_refused() {
        // The frame that once passed as `ephemeral` and reached samod as `sync`.
        let frame = ephemeral_then_sync_frame(&doc().to_string());
        let err = WireMessage::decode(&frame).unwrap_err();
        assert!(
            matches!(&err, WireError::Invalid(m) if m.contains("appears twice")),
            "{err:?}"
        );
    }

    /// `{type: "ephemeral", …, data: h'A0', type: "sync", data: <bloom-crash payload>}`.
    fn ephemeral_then_sync_frame(document: &str) -> Vec<u8> {
        let t = |s: &str| Value::Text(s.to_owned());
        let entries = vec![
            (t("type"), t("ephemeral")),
            (t("senderId"), t("a")),
            (t("targetId"), t("b")),
            (t("documentId"), t(document)),
            (t("count"), Value::Integer(1.into())),
            (t("sessionId"), t("s1")),
            (t("data"), Value::Bytes(vec![0xa0])),
            (t("type"), t("sync")),
            (
                t("data"),
                Value::Bytes(vec![0x42, 0, 0, 1, 0, 3, 1, 0, 7, 0]),
            ),
        ];
        let mut bytes = Vec::new();
        ciborium::ser::into_writer(&Value::Map(entries), &mut bytes).unwrap();
        bytes
    }

    #[test]
    fn integers_written_as_floats_are_accepted() {
        let v = Value::Map(vec![
            (Value::Text("type".into()), Value::Text("ephemeral".into())),
            (Value::Text("senderId".into()), Value::Text("a".into())),
            (Value::Text("targetId".into()), Value::Text("b".into())),
            (
                Value::Text("documentId".into()),
                Value::Text(doc().to_string()),
            ),
            (Value::Text("count".into()), Value::Float(3.0)),
            (Value::Text("sessionId".into()), Value::Text("s".into())),
            (Value::Text("data".into()), Value::Bytes(vec![])),
        ]);
        let mut bytes = Vec::new();
        ciborium::ser::into_writer(&v, &mut bytes).unwrap();
        assert!(matches!(
            WireMessage::decode(&bytes),
            Ok(WireMessage::Ephemeral { count: 3, .. })
        ));
    }
}
