//! Who is signed in on this tablet: the `GET /api/me` body (see `server/API.md`), kept in
//! IndexedDB so the app opens and edits offline for weeks, and what it answers — which
//! delegations the member belongs to, with which role, and which supervisions each holds.
//!
//! Plain data and pure questions; the network is in [`crate::net`] and [`crate::api`].

use serde::{Deserialize, Serialize};
use shared::DocumentId;
use shared::member::Role;

/// The signed-in member as the server knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: i64,
    pub username: String,
    /// The name stamped on every change and shown to the others (presence, authorship).
    pub display_name: String,
    #[serde(default)]
    pub is_admin: bool,
}

/// This device's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub id: i64,
    /// Milliseconds since the Unix epoch; moves forward with every use.
    pub expires_at: i64,
}

/// One delegation the member belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MyDelegation {
    pub id: i64,
    pub name: String,
    /// `head`, `deputy`, `member`, `secretary` or `observer`.
    pub role: String,
    /// Document ids (bs58check) of the delegation's supervisions.
    #[serde(default)]
    pub supervisions: Vec<String>,
    /// Read as a leader of this organisation (role `observer`), not as a member.
    #[serde(default)]
    pub organisation: Option<String>,
}

/// An organisation the member leads: they read its delegations' work and its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MyOrganisation {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub level: String,
}

impl MyDelegation {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }

    /// Observers read; everyone else writes the delegation's supervisions.
    pub fn can_write(&self) -> bool {
        self.role().is_some_and(Role::writes)
    }

    /// Heads and deputies manage members and invitations.
    pub fn can_manage(&self) -> bool {
        self.role().is_some_and(Role::manages)
    }

    /// The supervisions' ids that parse.
    pub fn supervision_ids(&self) -> impl Iterator<Item = DocumentId> + '_ {
        self.supervisions.iter().filter_map(|s| s.parse().ok())
    }

    pub fn holds(&self, doc: &DocumentId) -> bool {
        self.supervision_ids().any(|d| d == *doc)
    }
}

/// The `GET /api/me` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub user: User,
    pub session: SessionInfo,
    /// Every sync peer id of this member starts with it (`u3-`).
    pub peer_prefix: String,
    #[serde(default)]
    pub delegations: Vec<MyDelegation>,
    /// The organisations the member leads.
    #[serde(default)]
    pub organisations: Vec<MyOrganisation>,
    /// Actor hex → display name for everyone in the member's delegations: whose each
    /// record really is (`shared::authorship`).
    #[serde(default)]
    pub authors: std::collections::BTreeMap<String, String>,
}

impl Me {
    pub fn delegation(&self, id: i64) -> Option<&MyDelegation> {
        self.delegations.iter().find(|d| d.id == id)
    }

    /// The delegation a supervision belongs to, as far as the server has said.
    pub fn delegation_of(&self, doc: &DocumentId) -> Option<&MyDelegation> {
        self.delegations.iter().find(|d| d.holds(doc))
    }

    /// Every supervision of every delegation, so the tablet can hold them all offline.
    pub fn all_supervisions(&self) -> Vec<DocumentId> {
        self.delegations
            .iter()
            .flat_map(MyDelegation::supervision_ids)
            .collect()
    }

    /// Delegations where the member may create supervisions.
    pub fn writable_delegations(&self) -> Vec<&MyDelegation> {
        self.delegations.iter().filter(|d| d.can_write()).collect()
    }

    /// May the member manage delegation `id` (its members, its invitations)?
    pub fn manages(&self, id: i64) -> bool {
        self.user.is_admin || self.delegation(id).is_some_and(MyDelegation::can_manage)
    }
}

/// Whether the session this tablet holds still works on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Not known to be broken (offline counts as fine: the app works on).
    Active,
    /// The server answered 401: expired or revoked. Nothing syncs until the member signs in
    /// again; every local change stays in IndexedDB meanwhile.
    Expired,
}
