//! The share policy: per (document, peer), from the membership database. Writers of the
//! delegation that owns a supervision sync it read-write, its observers read-only, everyone
//! else gets `doc-unavailable` (so they cannot learn it exists). Nothing is announced: a
//! tablet receives only what it asks for.
//!
//! A peer id is bound to its user when the socket opens (`u<user id>-<random>`, checked in
//! [`crate::sync_socket`] and enforced by samod's `with_expected_peer_id`), so the user is
//! read from the peer id here. Each decision is re-read whenever memberships or ownership
//! change ([`crate::accounts::Accounts::changed`]): someone removed from a delegation stops
//! receiving its supervisions at once.
//!
//! samod asks for a decision far more often than memberships change: it subscribes anew for
//! a (document, peer) pair whenever the pair becomes active again, which under load is on
//! nearly every change for the peers that may not see the document. Answering each from
//! SQLite (one connection, the blocking pool) made edits wait seconds behind the queries
//! (measured: 100 members in 5 delegations, p99 edit-to-visible 29 s against 0.4 s with a
//! constant policy). So answers are kept in memory until the next membership change: the
//! database stays the only record, this only remembers what it said.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::Stream;
use samod::{DocumentId, PeerId, ShareConfig};

use crate::accounts::{Access, Accounts, store};

/// What the database answered, per (user, document), since the last membership change.
#[derive(Default)]
struct Answers {
    generation: u64,
    map: HashMap<(i64, String), Access>,
}

/// Bounds the memory the answers take; past it they are forgotten and asked again.
const MAX_ANSWERS: usize = 200_000;

/// The user a bound peer id belongs to.
pub fn user_of(peer: &str) -> Option<i64> {
    let rest = peer.strip_prefix('u')?;
    let (id, _) = rest.split_once('-')?;
    id.parse().ok()
}

/// samod's share policy over the membership database.
pub fn policy(
    accounts: Accounts,
) -> impl Fn(DocumentId, PeerId) -> std::pin::Pin<Box<dyn Stream<Item = ShareConfig> + Send>>
+ Clone
+ Send
+ 'static {
    let answers = Arc::new(Mutex::new(Answers::default()));
    move |doc: DocumentId, peer: PeerId| {
        let accounts = accounts.clone();
        let answers = answers.clone();
        let changes = accounts.changes();
        let user = user_of(peer.as_str());
        let doc = doc.to_string();
        Box::pin(futures::stream::unfold(
            (accounts, answers, changes, true),
            move |(accounts, answers, mut changes, first)| {
                let doc = doc.clone();
                async move {
                    if !first {
                        // Wait for the next change to memberships; the repo stopping ends it.
                        changes.changed().await.ok()?;
                    }
                    let generation = *changes.borrow_and_update();
                    let decision = decide(&accounts, &answers, generation, user, doc).await;
                    Some((decision, (accounts, answers, changes, false)))
                }
            },
        ))
    }
}

async fn decide(
    accounts: &Accounts,
    answers: &Mutex<Answers>,
    generation: u64,
    user: Option<i64>,
    doc: String,
) -> ShareConfig {
    let Some(user) = user else {
        return ShareConfig::none();
    };
    let key = (user, doc);
    let known = {
        let mut a = answers.lock().unwrap_or_else(|p| p.into_inner());
        if a.generation != generation {
            a.generation = generation;
            a.map.clear();
        }
        a.map.get(&key).copied()
    };
    let access = match known {
        Some(access) => access,
        None => {
            let doc = key.1.clone();
            let access = accounts
                .with(move |c| store::access(c, user, &doc))
                .await
                .unwrap_or_else(|e| {
                    tracing::error!("share policy could not read memberships: {e}");
                    Access::None
                });
            let mut a = answers.lock().unwrap_or_else(|p| p.into_inner());
            // Remembered only if no membership changed while the database answered.
            if a.generation == generation {
                if a.map.len() >= MAX_ANSWERS {
                    a.map.clear();
                }
                a.map.insert(key, access);
            }
            access
        }
    };
    match access {
        Access::Write => ShareConfig::read_write().with_announce(false),
        Access::Read => ShareConfig::read_only().with_announce(false),
        Access::None => ShareConfig::none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_is_read_from_a_bound_peer_id() {
        assert_eq!(user_of("u12-abcdef"), Some(12));
        assert_eq!(user_of("u12"), None);
        assert_eq!(user_of("x12-abc"), None);
        assert_eq!(user_of("u-abc"), None);
    }
}
