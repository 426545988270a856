//! What one sync connection may do: every decoded message passes [`Gate::admit`] before the
//! sync engine sees it, and what the engine gets is what the gate checked (the decoded
//! message itself, never the tablet's bytes).
//!
//! - Every message is sent as the connection's peer id (bound to the account at the upgrade).
//! - A tablet never sends `peer`; an `error` from it ends the connection; unknown types
//!   (a newer client) are ignored.
//! - A `request`/`sync` carries an automerge sync message that automerge can read safely
//!   (`shared::sync_guard`), about a supervision the account may open: otherwise it is
//!   answered `doc-unavailable` here, the refusal audited once, and the engine never hears of
//!   it (nothing is loaded or created). Past [`MAX_REFUSED_DOCUMENTS`] refusals the
//!   connection closes.
//! - Each change's actor is looked up in the account's registered actors; whether a foreign
//!   one is already on the server is the document task's question
//!   ([`crate::sync::document_task`]). An own change that issues the conclusion (or sets
//!   an issued version aside) is refused unless the account is the delegation's head or
//!   deputy.
//! - Presence: at most [`MAX_PRESENCE_SESSIONS`] session ids per connection, each at most
//!   [`MAX_SESSION_ID_CHARS`] characters; about a supervision the account may not open, it
//!   is dropped.

use std::collections::{HashMap, HashSet};

use shared::DocumentId;
use shared::engine;
use shared::wire::WireMessage;

use crate::accounts::{Access, Accounts, audit, sessions, store};
use crate::auth::Caller;
use crate::now_ms;
use crate::sync::ChangeAuthor;

/// Supervisions one connection may ask for without being allowed to open them. A tablet
/// asks only for its delegations' supervisions, and one just removed from a delegation a
/// handful; a flood of guessed ids closes the connection.
pub const MAX_REFUSED_DOCUMENTS: usize = 256;

/// Presence: a tablet uses one session id per page load, the JS client one per repo.
pub const MAX_PRESENCE_SESSIONS: usize = 8;
pub const MAX_SESSION_ID_CHARS: usize = 64;

/// How the engine is to treat a peer with this access (`None`: it may not open the document).
pub fn engine_access(access: Access) -> Option<engine::Access> {
    match access {
        Access::Write => Some(engine::Access::Write),
        Access::Read => Some(engine::Access::Read),
        Access::None => None,
    }
}

/// What becomes of a decoded inbound message.
pub enum Admitted {
    /// The handshake.
    Join,
    /// A `request` or `sync` for the engine.
    Sync {
        doc: DocumentId,
        request: bool,
        access: engine::Access,
        message: automerge::sync::Message,
        changes: Vec<ChangeAuthor>,
    },
    /// Presence about a supervision the account may open.
    Ephemeral {
        doc: DocumentId,
        message: WireMessage,
    },
    /// Answered here, never shown to the engine (a request for a supervision this account
    /// may not open).
    Answer(WireMessage),
    /// Nothing to do: an unknown type, presence about a supervision this account may not
    /// open, messages the server has no use for (`remote-subscription-change`, …).
    Ignore,
    /// The tablet is leaving or reported an error: so do we.
    End,
}

/// What a connection is allowed: whose it is, which actors are theirs.
pub struct Gate {
    /// The connection's peer id, checked at the upgrade: every message must be sent as it.
    pub peer: String,
    /// How long sessions live (the connection closes when its session's time is up).
    pub life: sessions::Lifetime,
    pub accounts: Accounts,
    pub caller: Caller,
    pub actors: HashSet<String>,
    /// Documents this connection asked about that it may not see, already in the audit log
    /// and answered `doc-unavailable` here.
    pub refused: HashSet<DocumentId>,
    /// How many documents were refused on this connection in all (the caches are dropped at
    /// every membership change; this count is not): past [`MAX_REFUSED_DOCUMENTS`] the
    /// connection closes.
    pub refusals: usize,
    /// Documents it may see, and how (not asked again on this connection).
    pub allowed: HashMap<DocumentId, Access>,
    /// Documents whose conclusion this account may issue (head or deputy), as asked.
    pub issuers: HashMap<DocumentId, bool>,
    /// The presence session ids this connection has used (at most [`MAX_PRESENCE_SESSIONS`]).
    pub presence_sessions: HashSet<String>,
    /// The server's peer id, as the sender of the answers given here.
    pub server_peer: String,
}

impl Gate {
    /// Check one decoded message: it is sent as this connection's peer, it is a message a
    /// tablet may send, and a sync message is one automerge can read safely (see
    /// `shared::sync_guard`) about a supervision this account may open.
    pub async fn admit(&mut self, message: WireMessage) -> Result<Admitted, String> {
        let sender = match &message {
            WireMessage::Join { sender_id, .. }
            | WireMessage::Leave { sender_id }
            | WireMessage::DocUnavailable { sender_id, .. }
            | WireMessage::Ephemeral { sender_id, .. }
            | WireMessage::RemoteSubscriptionChange { sender_id, .. }
            | WireMessage::RemoteHeadsChanged { sender_id, .. } => sender_id,
            WireMessage::Request(m) | WireMessage::Sync(m) => &m.sender_id,
            WireMessage::Peer { .. } => {
                return Err(
                    "máy tính bảng không gửi peer / a tablet does not send `peer`".to_owned(),
                );
            }
            WireMessage::Error { message } => {
                tracing::debug!("a tablet closed its sync connection with an error: {message}");
                return Ok(Admitted::End);
            }
            WireMessage::Unknown { kind } => {
                tracing::debug!("ignored a sync message of unknown type {kind:?}");
                return Ok(Admitted::Ignore);
            }
        };
        if *sender != self.peer {
            return Err(format!(
                "mã người gửi sai: {sender:?} (kết nối này là {:?}) / wrong senderId: {sender:?} (this connection is {:?})",
                self.peer, self.peer
            ));
        }
        match message {
            WireMessage::Join { .. } => Ok(Admitted::Join),
            WireMessage::Leave { .. } => Ok(Admitted::End),
            WireMessage::Sync(m) => self.admit_sync(m, false).await,
            WireMessage::Request(m) => self.admit_sync(m, true).await,
            WireMessage::Ephemeral {
                document_id,
                ref session_id,
                ..
            } => {
                if session_id.len() > MAX_SESSION_ID_CHARS {
                    return Err(format!(
                        "mã phiên hiện diện dài quá {MAX_SESSION_ID_CHARS} ký tự / a presence sessionId over {MAX_SESSION_ID_CHARS} characters"
                    ));
                }
                if !self.presence_sessions.contains(session_id) {
                    if self.presence_sessions.len() >= MAX_PRESENCE_SESSIONS {
                        return Err(format!(
                            "quá {MAX_PRESENCE_SESSIONS} phiên hiện diện trên một kết nối / over {MAX_PRESENCE_SESSIONS} presence sessions on one connection"
                        ));
                    }
                    self.presence_sessions.insert(session_id.clone());
                }
                if self.access(document_id).await == Access::None {
                    return Ok(Admitted::Ignore);
                }
                Ok(Admitted::Ephemeral {
                    doc: document_id,
                    message,
                })
            }
            _ => Ok(Admitted::Ignore),
        }
    }

    async fn admit_sync(
        &mut self,
        m: shared::wire::DocMessage,
        request: bool,
    ) -> Result<Admitted, String> {
        let message = shared::sync_guard::decode(&m.data)
            .map_err(|e| format!("khung không hợp lệ / malformed frame: {e}"))?;
        let Some(access) = engine_access(self.access(m.document_id).await) else {
            if self.refusals > MAX_REFUSED_DOCUMENTS {
                return Err(format!(
                    "quá nhiều yêu cầu đồng bộ cuộc giám sát mà tài khoản này không được mở (hơn {MAX_REFUSED_DOCUMENTS}) \
                         / too many requests for supervisions this account may not open (over {MAX_REFUSED_DOCUMENTS})"
                ));
            }
            return Ok(Admitted::Answer(WireMessage::DocUnavailable {
                sender_id: self.server_peer.clone(),
                target_id: self.peer.clone(),
                document_id: m.document_id,
            }));
        };
        let changes = self.authors(&message).await?;
        if access == engine::Access::Write {
            self.check_issuing(m.document_id, &message, &changes)
                .await?;
        }
        Ok(Admitted::Sync {
            doc: m.document_id,
            request,
            access,
            message,
            changes,
        })
    }

    /// What this user may do with `doc`, asked once per connection and document (again after
    /// a membership change: [`Gate::forget_access`]). A refusal is noted in the audit log once
    /// per document.
    pub async fn access(&mut self, doc: DocumentId) -> Access {
        if let Some(access) = self.allowed.get(&doc) {
            return *access;
        }
        if self.refused.contains(&doc) {
            return Access::None;
        }
        let (user, name) = (self.caller.user.id, self.caller.user.username.clone());
        let d = doc.to_string();
        let access = self
            .accounts
            .with(move |c| {
                let access = store::access(c, user, &d)?;
                if access == Access::None {
                    audit::record(
                        c,
                        now_ms(),
                        "sync-refused",
                        Some((user, &name)),
                        &format!("document={d}"),
                    );
                }
                Ok(access)
            })
            .await;
        match access {
            Ok(Access::None) => {
                self.refused.insert(doc);
                self.refusals += 1;
                Access::None
            }
            Ok(access) => {
                self.allowed.insert(doc, access);
                access
            }
            // The database did not answer: refuse this time, ask again next time.
            Err(e) => {
                tracing::error!("could not check access to {doc}: {e}");
                Access::None
            }
        }
    }

    /// Memberships changed: ask the database again.
    pub fn forget_access(&mut self) {
        self.allowed.clear();
        self.refused.clear();
        self.issuers.clear();
    }

    /// Whether this account may issue `doc`'s conclusion (asked once per connection and
    /// document; a database that does not answer means no).
    async fn may_issue(&mut self, doc: DocumentId) -> bool {
        if let Some(may) = self.issuers.get(&doc) {
            return *may;
        }
        let (user, d) = (self.caller.user.id, doc.to_string());
        let may = self
            .accounts
            .with(move |c| store::may_issue(c, user, &d))
            .await
            .unwrap_or(false);
        self.issuers.insert(doc, may);
        may
    }

    /// Refuse a message in which this account's own change issues a conclusion or sets an
    /// issued version aside, unless it is the delegation's head or deputy (the app offers
    /// issuing only to them; this is for a tablet that does not ask the app). Audited.
    async fn check_issuing(
        &mut self,
        doc: DocumentId,
        message: &automerge::sync::Message,
        changes: &[ChangeAuthor],
    ) -> Result<(), String> {
        if !changes.iter().any(|c| c.own) || self.may_issue(doc).await {
            return Ok(());
        }
        let actors = &self.actors;
        let mut issuing = false;
        for chunk in message.changes.iter() {
            issuing |=
                shared::authors::own_change_issues(chunk, |a| actors.contains(&a.to_hex_string()))
                    .map_err(|e| format!("khung không hợp lệ / malformed frame: {e}"))?;
        }
        if !issuing {
            return Ok(());
        }
        let (user, name) = (self.caller.user.id, self.caller.user.username.clone());
        let _ = self
            .accounts
            .with(move |c| {
                audit::record(
                    c,
                    now_ms(),
                    "issue-refused",
                    Some((user, &name)),
                    &format!("document={doc}"),
                );
                Ok(())
            })
            .await;
        Err(
            "chỉ trưởng đoàn hoặc phó trưởng đoàn được ban hành kết luận; không thay đổi gì \
             / only the delegation's head or deputy may issue its conclusion; nothing was changed"
                .to_owned(),
        )
    }

    /// The actor and hash of every change in the message, each marked whether the actor is
    /// registered to this account (the list is read again once if one is not: a device
    /// registered since the socket opened).
    async fn authors(
        &mut self,
        msg: &automerge::sync::Message,
    ) -> Result<Vec<ChangeAuthor>, String> {
        let mut out = Vec::new();
        for chunk in msg.changes.iter() {
            for (actor, hash) in shared::authors::changes_in(chunk)
                .map_err(|e| format!("khung không hợp lệ / malformed frame: {e}"))?
            {
                out.push(ChangeAuthor {
                    own: self.actors.contains(&actor.to_hex_string()),
                    actor: actor.to_hex_string(),
                    hash,
                });
            }
        }
        if out.iter().any(|c| !c.own) {
            let user = self.caller.user.id;
            if let Ok(now) = self.accounts.with(move |c| store::actors_of(c, user)).await {
                self.actors.extend(now);
            }
            for c in &mut out {
                c.own = self.actors.contains(&c.actor);
            }
        }
        Ok(out)
    }

    /// Whether the session is still live (after a revocation, or now and then for expiry).
    pub async fn session_live(&self) -> bool {
        let (id, life) = (self.caller.session.id, self.life);
        self.accounts
            .with(move |c| sessions::is_live(c, id, now_ms(), life))
            .await
            .unwrap_or(true)
    }
}
