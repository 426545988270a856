//! Each account's share of one document's queue. A flood from one account, over however
//! many connections it opens, fills only its own share and hears "busy"; the other members'
//! changes still find room, so one member cannot make a supervision's sync busy for the
//! rest of the delegation.

use std::collections::HashMap;
use std::sync::Mutex;

use super::DOC_QUEUE;

/// Messages one account may have waiting in one document's queue (a quarter of it: an
/// honest tablet has one or two there at a time, one per round of sync).
pub const ACCOUNT_SHARE: usize = DOC_QUEUE / 4;

/// How many messages each account has waiting in one document's queue.
#[derive(Debug, Default)]
pub struct Shares(Mutex<HashMap<i64, usize>>);

impl Shares {
    /// Take one place for a message from `user`; false when its share is full.
    pub fn take(&self, user: i64) -> bool {
        let mut held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = held.entry(user).or_default();
        if *n >= ACCOUNT_SHARE {
            return false;
        }
        *n += 1;
        true
    }

    /// Give back the place a message from `user` held: its task has it, or it was never
    /// queued.
    pub fn release(&self, user: i64) {
        let mut held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = held.get_mut(&user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.remove(&user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_share_refuses_its_account_only_until_a_place_is_given_back() {
        let shares = Shares::default();
        for _ in 0..ACCOUNT_SHARE {
            assert!(shares.take(7));
        }
        assert!(!shares.take(7), "the flooding account's share is full");
        assert!(shares.take(8), "another member still finds room");
        shares.release(7);
        assert!(shares.take(7), "a place given back is taken again");
        assert!(!shares.take(7));
    }

    #[test]
    fn giving_back_more_than_was_taken_holds_no_place_for_later() {
        let shares = Shares::default();
        shares.release(7);
        shares.release(7);
        for _ in 0..ACCOUNT_SHARE {
            assert!(shares.take(7));
        }
        assert!(!shares.take(7));
        assert!(shares.0.lock().unwrap().get(&8).is_none());
    }

    /// The whole path, through [`super::super::Documents::send`]: while a document loads
    /// slowly, one account floods it until it hears "busy"; another member's change still
    /// finds room (without the shares, the flood took the whole queue and the member heard
    /// "busy" too).
    #[test]
    fn a_flooding_account_is_busy_while_another_members_change_still_gets_in() {
        use std::sync::{Arc, Condvar};

        use automerge::sync::SyncDoc;
        use shared::DocumentId;
        use shared::engine::{Access, Stored, Write};
        use shared::official::issue::Shown;
        use tokio::sync::mpsc;

        use crate::sync::store::{DocStore, StoreError};
        use crate::sync::{Conn, Documents, Outgoing, ToDoc};

        /// Storage whose loads wait until the test opens the gate.
        #[derive(Default)]
        struct Gated(Mutex<bool>, Condvar);
        impl Gated {
            fn open(&self) {
                *self.0.lock().unwrap() = true;
                self.1.notify_all();
            }
        }
        impl DocStore for Gated {
            fn load(&self, _: &DocumentId) -> Result<Stored, StoreError> {
                let open = self.0.lock().unwrap();
                drop(self.1.wait_while(open, |open| !*open).unwrap());
                Ok(Stored { chunks: vec![] })
            }
            fn commit(
                &self,
                _: &[(DocumentId, Write)],
                _: &[(DocumentId, Vec<Shown>)],
            ) -> Result<(), StoreError> {
                Ok(())
            }
            fn document_ids(&self) -> Result<Vec<DocumentId>, StoreError> {
                Ok(vec![])
            }
            fn index_issued(&self, _: &DocumentId, _: &[Shown]) -> Result<(), StoreError> {
                Ok(())
            }
            fn find_issued(&self, _: &str) -> Result<Option<Shown>, StoreError> {
                Ok(None)
            }
        }

        let dir = tempfile::tempdir().unwrap();
        let accounts =
            crate::accounts::Accounts::open(&dir.path().join("accounts.sqlite3")).unwrap();
        let store = Arc::new(Gated::default());
        let docs = Documents::start(
            store.clone(),
            "storage".into(),
            accounts,
            Arc::new(crate::change_quota::ChangeQuota::new(1_000_000)),
        )
        .unwrap();
        let mut outs = vec![];
        let mut conn = |id, user| {
            let (out, rx) = mpsc::channel::<Outgoing>(8);
            outs.push(rx);
            Arc::new(Conn {
                id,
                peer_id: format!("peer-{id}"),
                user,
                username: format!("user-{user}"),
                out,
            })
        };
        let request = |conn: &Arc<Conn>| ToDoc::Sync {
            conn: conn.clone(),
            access: Access::Write,
            request: true,
            message: automerge::Automerge::new()
                .generate_sync_message(&mut automerge::sync::State::new())
                .unwrap(),
            changes: vec![],
        };
        let doc = DocumentId::from_bytes([9; 16]);
        let (flooder, member) = (conn(1, 66), conn(2, 7));

        let mut taken = 0;
        while docs.send(doc, request(&flooder)).is_ok() {
            taken += 1;
            assert!(
                taken <= 4 * DOC_QUEUE,
                "the flooding account never heard busy"
            );
        }
        assert!(
            taken <= shared::engine::MAX_HELD + ACCOUNT_SHARE + 1,
            "the flooder got {taken} messages in, past its share"
        );
        assert!(
            docs.send(doc, request(&member)).is_ok(),
            "the other member's change found the queue full"
        );
        store.open();
    }
}
