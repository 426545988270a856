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

use futures::Stream;
use samod::{DocumentId, PeerId, ShareConfig};

use crate::accounts::{Access, Accounts, store};

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
    move |doc: DocumentId, peer: PeerId| {
        let accounts = accounts.clone();
        let changes = accounts.changes();
        let user = user_of(peer.as_str());
        let doc = doc.to_string();
        Box::pin(futures::stream::unfold(
            (accounts, changes, true),
            move |(accounts, mut changes, first)| {
                let doc = doc.clone();
                async move {
                    if !first {
                        // Wait for the next change to memberships; the repo stopping ends it.
                        changes.changed().await.ok()?;
                    }
                    let decision = decide(&accounts, user, doc).await;
                    Some((decision, (accounts, changes, false)))
                }
            },
        ))
    }
}

async fn decide(accounts: &Accounts, user: Option<i64>, doc: String) -> ShareConfig {
    let Some(user) = user else {
        return ShareConfig::none();
    };
    let access = accounts
        .with(move |c| store::access(c, user, &doc))
        .await
        .unwrap_or_else(|e| {
            tracing::error!("share policy could not read memberships: {e}");
            Access::None
        });
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
