//! Who wrote a record, as the server vouches for it, not as the text says.
//!
//! Every record keeps the name its author's tablet typed into it (`author`), but a member
//! could type anyone's name. What cannot be forged is the Automerge actor of the change that
//! created the record: the server refuses changes by an actor not registered to the sending
//! account (see [`crate::authors`]), and `GET /api/me` lists, for every member of the
//! caller's delegations, the actors registered to them (`authors`: actor hex → display
//! name). So a record's author shown to members is the registry's name for its creating
//! actor; only when the registry does not know the actor (a device registered since the
//! tablet last asked, someone who left the delegation) is the typed name shown, marked as
//! unconfirmed.

use std::collections::BTreeMap;

use automerge::ObjId;

/// The author to show for a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorship {
    /// The account the server registered the creating actor to.
    Confirmed(String),
    /// The name the record carries, not (yet) confirmed by the registry.
    Unconfirmed(String),
}

impl Authorship {
    /// The name, however sure.
    pub fn name(&self) -> &str {
        match self {
            Authorship::Confirmed(n) | Authorship::Unconfirmed(n) => n,
        }
    }
}

/// The actor (hex) whose change created the object `obj`.
pub fn creator(obj: &ObjId) -> Option<String> {
    match obj {
        ObjId::Id(_, actor, _) => Some(actor.to_hex_string()),
        ObjId::Root => None,
    }
}

/// The author to show for a record created by `actor` that says it was written by `typed`.
pub fn shown(typed: &str, actor: Option<&str>, registry: &BTreeMap<String, String>) -> Authorship {
    match actor.and_then(|a| registry.get(a)) {
        Some(name) => Authorship::Confirmed(name.clone()),
        None => Authorship::Unconfirmed(typed.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{self, FindingKind};
    use crate::supervision::{self, Setup, Stamp};
    use crate::{RecordId, unit};
    use automerge::ActorId;

    #[test]
    fn a_finding_shows_the_account_behind_its_actor_not_the_name_it_carries() {
        let stamp = |member| Stamp { member, now_ms: 1 };
        let mut doc = supervision::create(&Setup::default(), stamp("Lan")).unwrap();
        let unit_id = RecordId::from_bytes([1; 8]);
        unit::add(&mut doc, &unit_id, "Phường", stamp("Lan")).unwrap();
        // Kẻ xấu's tablet writes a finding and types Lan's name into it.
        let mut ke = doc.fork().with_actor(ActorId::from(&[0xbb; 16][..]));
        let id = RecordId::from_bytes([2; 8]);
        finding::add(
            &mut ke,
            &id,
            &unit_id,
            FindingKind::Shortcoming,
            "Bịa đặt.",
            stamp("Nguyễn Thị Lan"),
        )
        .unwrap();
        let found = finding::read_all(&ke)
            .unwrap()
            .into_iter()
            .find(|f| f.id == id)
            .unwrap();
        assert_eq!(found.author, "Nguyễn Thị Lan");
        let actor = found.author_actor.clone();
        assert_eq!(
            actor.as_deref(),
            Some(ActorId::from(&[0xbb; 16][..]).to_hex_string().as_str())
        );
        let registry = BTreeMap::from([(actor.clone().unwrap(), "Kẻ Xấu".to_owned())]);
        assert_eq!(
            shown(&found.author, actor.as_deref(), &registry),
            Authorship::Confirmed("Kẻ Xấu".into())
        );
        // An actor the registry does not know: the typed name, unconfirmed.
        assert_eq!(
            shown(&found.author, actor.as_deref(), &BTreeMap::new()),
            Authorship::Unconfirmed("Nguyễn Thị Lan".into())
        );
    }
}
