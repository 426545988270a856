//! Presence: who is in this supervision now and what each is editing, carried by
//! automerge-repo ephemeral messages (never stored). Each tablet announces itself every
//! [`HEARTBEAT_MS`] and when its focus moves; an entry not heard from for [`TTL_MS`] is gone,
//! and a tablet that leaves says so at once. Pure: time is passed in.

use std::collections::BTreeMap;

use ciborium::Value;

/// How often a tablet announces itself.
pub const HEARTBEAT_MS: i64 = 2_000;
/// How long an entry lives without news.
pub const TTL_MS: i64 = 6_000;

/// What one member's tablet says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Presence {
    pub member: String,
    /// What is being edited: "finding:<id>", "paragraph:<id>", … or nothing.
    pub editing: Option<String>,
    /// The tablet is leaving this supervision.
    pub left: bool,
}

impl Presence {
    pub fn encode(&self) -> Vec<u8> {
        let mut fields = vec![(
            Value::Text("member".into()),
            Value::Text(self.member.clone()),
        )];
        if let Some(e) = &self.editing {
            fields.push((Value::Text("editing".into()), Value::Text(e.clone())));
        }
        if self.left {
            fields.push((Value::Text("left".into()), Value::Bool(true)));
        }
        let mut out = Vec::new();
        // Writing into a Vec cannot fail.
        ciborium::ser::into_writer(&Value::Map(fields), &mut out).expect("CBOR into a Vec");
        out
    }

    /// Decode; `None` for anything that is not a presence message (other apps may gossip too).
    pub fn decode(bytes: &[u8]) -> Option<Presence> {
        let Value::Map(fields) = ciborium::de::from_reader::<Value, _>(bytes).ok()? else {
            return None;
        };
        let get = |k: &str| {
            fields
                .iter()
                .find(|(key, _)| matches!(key, Value::Text(t) if t == k))
                .map(|(_, v)| v)
        };
        let member = match get("member")? {
            Value::Text(t) if !t.is_empty() && t.len() <= 200 => t.clone(),
            _ => return None,
        };
        let editing = match get("editing") {
            Some(Value::Text(t)) if t.len() <= 200 => Some(t.clone()),
            _ => None,
        };
        let left = matches!(get("left"), Some(Value::Bool(true)));
        Some(Presence {
            member,
            editing,
            left,
        })
    }
}

/// Who is here, per sending tablet.
#[derive(Debug, Default, Clone)]
pub struct Board {
    entries: BTreeMap<String, (Presence, i64)>,
}

impl Board {
    /// News from tablet `sender` at `now_ms`.
    pub fn observe(&mut self, sender: &str, presence: Presence, now_ms: i64) {
        if presence.left {
            self.entries.remove(sender);
        } else {
            self.entries.insert(sender.to_owned(), (presence, now_ms));
        }
    }

    /// Drop entries not heard from within [`TTL_MS`]; returns whether any went.
    pub fn expire(&mut self, now_ms: i64) -> bool {
        let before = self.entries.len();
        self.entries.retain(|_, (_, seen)| now_ms - *seen <= TTL_MS);
        before != self.entries.len()
    }

    /// Everyone present, by name.
    pub fn present(&self) -> Vec<Presence> {
        let mut v: Vec<Presence> = self.entries.values().map(|(p, _)| p.clone()).collect();
        v.sort_by(|a, b| a.member.cmp(&b.member));
        v
    }

    /// Who is editing `target` ("finding:<id>").
    pub fn editing(&self, target: &str) -> Vec<String> {
        self.present()
            .into_iter()
            .filter(|p| p.editing.as_deref() == Some(target))
            .map(|p| p.member)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_round_trips_and_rejects_junk() {
        let p = Presence {
            member: "Lan".into(),
            editing: Some("finding:ab".into()),
            left: false,
        };
        assert_eq!(Presence::decode(&p.encode()), Some(p));
        assert_eq!(Presence::decode(&[0xff]), None);
        assert_eq!(Presence::decode(&[0xa0]), None);
    }

    #[test]
    fn entries_expire_and_leaving_is_immediate() {
        let mut b = Board::default();
        b.observe(
            "t1",
            Presence {
                member: "Lan".into(),
                editing: Some("finding:1".into()),
                left: false,
            },
            0,
        );
        b.observe(
            "t2",
            Presence {
                member: "Minh".into(),
                editing: None,
                left: false,
            },
            4_000,
        );
        assert_eq!(b.editing("finding:1"), ["Lan"]);
        assert!(b.expire(TTL_MS + 1));
        assert_eq!(b.present().len(), 1);
        b.observe(
            "t2",
            Presence {
                member: "Minh".into(),
                editing: None,
                left: true,
            },
            5_000,
        );
        assert!(b.present().is_empty());
    }
}
