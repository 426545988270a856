//! Seeding a running server for the browser benches (`seed_big`, `seed_followup`): register a
//! supervision to a delegation and hand it to a simulated member, then wait until the server
//! has confirmed what was sent.

use std::time::{Duration, Instant};

use automerge::Automerge;
use shared::DocumentId;

use crate::member::Member;
use crate::random;

/// Register `doc` under a fresh id to `delegation` (the member must write in it) and hand it
/// to the member to send. `what` names it in a failure.
pub async fn register(
    member: &mut Member,
    delegation: i64,
    doc: Automerge,
    what: &str,
) -> DocumentId {
    let id = DocumentId::from_bytes(random());
    let r = member
        .account
        .call(
            "POST",
            &format!("/api/delegations/{delegation}/supervisions"),
            Some(serde_json::json!({ "documentId": id.to_string() })),
        )
        .await;
    assert_eq!(r.status, 204, "register {what}: {}", r.body);
    member.insert(id, doc).await;
    id
}

/// Wait (at most `bound`) until the server has confirmed every change to `ids`. If the server
/// closes the connection meanwhile (one that cannot confirm a big write in time says so and
/// closes), connect again, as the app does, and go on waiting.
pub async fn until_confirmed(
    member: &mut Member,
    ws: &str,
    ids: &[DocumentId],
    bound: Duration,
    what: &str,
) {
    let deadline = Instant::now() + bound;
    while ids.iter().any(|id| member.pending(id) > 0) {
        assert!(
            Instant::now() < deadline,
            "gave up after {bound:?} waiting for the server to confirm {what}"
        );
        if !member.is_connected() {
            eprintln!(
                "seeding: the server closed the connection ({:?}); connecting again",
                member.server_error()
            );
            member.connect(ws).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
