//! The list screen's model: the supervisions this member can open, grouped by delegation —
//! every supervision the server lists for each of their delegations, those created here and
//! not yet registered (under the delegation they were made for), and any other held on this
//! tablet (from a delegation the member has left, say). Pure: the caller passes titles in.

use std::collections::BTreeSet;

use shared::DocumentId;

use crate::account::{Me, MyDelegation};
use crate::workspace::PendingSupervision;

/// One supervision in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: DocumentId,
    /// From the document on this tablet; `None` until it has synced.
    pub title: Option<String>,
    /// Created here; the server does not know it yet.
    pub unregistered: bool,
}

/// The supervisions of one delegation, or (`delegation: None`) those only on this tablet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub delegation: Option<MyDelegation>,
    pub items: Vec<Listed>,
}

/// Group what `me` may open. `local` are the documents this tablet holds or waits for.
pub fn groups(
    me: &Me,
    pending: &[PendingSupervision],
    local: &[DocumentId],
    title: impl Fn(&DocumentId) -> Option<String>,
) -> Vec<Group> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for d in &me.delegations {
        let unregistered = pending
            .iter()
            .filter(|p| p.delegation == d.id)
            .filter_map(PendingSupervision::id);
        let items = d
            .supervision_ids()
            .map(|id| (id, false))
            .chain(unregistered.map(|id| (id, true)))
            .filter(|(id, _)| seen.insert(*id))
            .map(|(id, unregistered)| Listed {
                id,
                title: title(&id),
                unregistered,
            })
            .collect();
        out.push(Group {
            delegation: Some(d.clone()),
            items,
        });
    }
    let elsewhere: Vec<Listed> = local
        .iter()
        .filter(|id| !seen.contains(*id))
        .filter_map(|id| {
            title(id).map(|t| Listed {
                id: *id,
                title: Some(t),
                unregistered: pending.iter().any(|p| p.id() == Some(*id)),
            })
        })
        .collect();
    if !elsewhere.is_empty() {
        out.push(Group {
            delegation: None,
            items: elsewhere,
        });
    }
    out
}
