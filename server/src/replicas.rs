//! Several replicas of the server on one PostgreSQL database (issue 16): what one replica
//! does, the others learn through PostgreSQL's `LISTEN/NOTIFY`, never through a protocol of
//! our own.
//!
//! - **Documents.** A replica that commits chunks announces them in the same transaction
//!   ([`CHUNKS_CHANNEL`], `crate::storage::postgres`). Here a thread listens; for a document
//!   loaded on this replica it fetches exactly those chunks by number and hands them to the
//!   document's task, which merges them without writing them again and brings its peers up
//!   to date (`shared::engine::Input::Stored`). Replaying a change is harmless: automerge
//!   merges it once.
//! - **Memberships and sessions.** A membership change or a revoked session is announced
//!   on [`ACCOUNTS_CHANNEL`] after it is committed; here it wakes the same re-checks a local
//!   change does, so a revoked tablet is cut off on every replica.
//!
//! A replica ignores what it announced itself. When the listening connection breaks (the
//! database restarted), notifications sent meanwhile are lost: after reconnecting, every
//! document loaded here reads all its chunks again.

use std::sync::Arc;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use shared::DocumentId;
use tokio::sync::watch;

use crate::accounts::Accounts;
use crate::db::postgres::Client;
use crate::db::schema_postgres::{ACCOUNTS_CHANNEL, CHUNKS_CHANNEL};
use crate::storage::postgres::chunks_numbered;
use crate::sync::Documents;

/// What the listener wakes.
pub struct Listener {
    pub url: String,
    /// The names this replica's own announcements carry (its storage's, its accounts').
    pub own: Vec<String>,
    pub documents: Arc<Documents>,
    pub accounts: Accounts,
    pub sessions: Arc<watch::Sender<u64>>,
}

/// One announcement, read.
#[derive(Debug, PartialEq, Eq)]
enum Notice<'a> {
    Chunks {
        from: &'a str,
        doc: DocumentId,
        seqs: Vec<i64>,
    },
    Accounts {
        from: &'a str,
    },
    Sessions {
        from: &'a str,
    },
}

fn read<'a>(channel: &str, payload: &'a str) -> Option<Notice<'a>> {
    let (from, rest) = payload.split_once(':')?;
    if channel == CHUNKS_CHANNEL {
        let (doc, seqs) = rest.split_once(':')?;
        let seqs = seqs
            .split(',')
            .map(str::parse)
            .collect::<Result<Vec<i64>, _>>()
            .ok()?;
        return Some(Notice::Chunks {
            from,
            doc: doc.parse().ok()?,
            seqs,
        });
    }
    match rest {
        "accounts" => Some(Notice::Accounts { from }),
        "sessions" => Some(Notice::Sessions { from }),
        _ => None,
    }
}

impl Listener {
    /// Listen on a thread of its own for the life of the process.
    pub fn start(self) -> std::io::Result<()> {
        std::thread::Builder::new()
            .name("replicas".into())
            .spawn(move || self.run())
            .map(|_| ())
    }

    fn run(self) {
        let mut pause = Duration::from_millis(100);
        let mut first = true;
        loop {
            match self.listen(first) {
                Ok(()) => pause = Duration::from_millis(100),
                Err(e) => {
                    tracing::error!("listening to the other replicas: {e}; again in {pause:?}");
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
            }
            first = false;
        }
    }

    /// One listening connection, until it breaks.
    fn listen(&self, first: bool) -> Result<(), String> {
        let mut client = Client::connect(&self.url).map_err(|e| e.to_string())?;
        client
            .batch_execute(&format!(
                "LISTEN {CHUNKS_CHANNEL}; LISTEN {ACCOUNTS_CHANNEL};"
            ))
            .map_err(|e| e.to_string())?;
        if !first {
            // Announcements may have been missed while not listening.
            for doc in self.documents.loaded() {
                self.fetch(&mut client, doc, &[]);
            }
            self.accounts.changed_here();
            self.sessions.send_modify(|n| *n += 1);
        }
        loop {
            let note = {
                let mut notes = client.notifications();
                let mut waiting = notes.blocking_iter();
                match waiting.next() {
                    Ok(Some(n)) => n,
                    Ok(None) => return Err("the listening connection closed".into()),
                    Err(e) => return Err(e.to_string()),
                }
            };
            match read(note.channel(), note.payload()) {
                Some(Notice::Chunks { from, doc, seqs }) if !self.mine(from) => {
                    if self.documents.is_loaded(&doc) {
                        self.fetch(&mut client, doc, &seqs);
                    }
                }
                Some(Notice::Accounts { from }) if !self.mine(from) => self.accounts.changed_here(),
                Some(Notice::Sessions { from }) if !self.mine(from) => {
                    self.sessions.send_modify(|n| *n += 1)
                }
                Some(_) => {}
                None => tracing::warn!(
                    "an announcement that does not read on {}: {:?}",
                    note.channel(),
                    note.payload()
                ),
            }
        }
    }

    fn mine(&self, from: &str) -> bool {
        self.own.iter().any(|o| o == from)
    }

    /// Fetch `doc`'s chunks numbered `seqs` (all of them if empty) and hand them to its task.
    fn fetch(&self, client: &mut postgres::Client, doc: DocumentId, seqs: &[i64]) {
        match chunks_numbered(client, &doc, seqs) {
            Ok(chunks) if !chunks.is_empty() => self.documents.deliver_stored(doc, chunks),
            Ok(_) => {}
            Err(e) => tracing::error!(document = %doc, "fetching what another replica stored: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_read_back_and_anything_else_is_ignored() {
        let doc = DocumentId::from_bytes([3; 16]);
        assert_eq!(
            read(CHUNKS_CHANNEL, &format!("ra:{doc}:4,17")),
            Some(Notice::Chunks {
                from: "ra",
                doc,
                seqs: vec![4, 17]
            })
        );
        assert_eq!(
            read(ACCOUNTS_CHANNEL, "rb:sessions"),
            Some(Notice::Sessions { from: "rb" })
        );
        assert_eq!(
            read(ACCOUNTS_CHANNEL, "rb:accounts"),
            Some(Notice::Accounts { from: "rb" })
        );
        for bad in [
            "",
            "ra",
            "ra:not-a-doc:1",
            &format!("ra:{doc}:x"),
            &format!("ra:{doc}"),
        ] {
            assert_eq!(read(CHUNKS_CHANNEL, bad), None, "{bad:?}");
        }
        assert_eq!(read(ACCOUNTS_CHANNEL, "rb:drop-tables"), None);
    }
}
