//! The engine's behaviour, step by step, in the deterministic harness ([`super::harness`]):
//! real sync clients, a storage in memory, a fake clock.

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc};

use super::harness::{Network, SERVER};
use super::*;
use crate::sync::ReplicaStatus;

/// A supervision-like document with one field, made on a tablet.
fn new_doc(title: &str) -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(ROOT, "title", title).unwrap();
    tx.commit();
    doc
}

fn edit(net: &mut Network, conn: ConnId, key: &str, value: i64) {
    let id = net.id;
    net.on_tablet(conn, |c| {
        c.edit(&id, |doc| {
            let mut tx = doc.transaction();
            tx.put(ROOT, key, value).unwrap();
            tx.commit();
        })
        .expect("the tablet holds the document");
        c.announce(&id)
    });
}

fn value(net: &Network, conn: ConnId, key: &str) -> Option<i64> {
    let doc = net.tablets[&conn].client.doc(&net.id)?;
    doc.get(ROOT, key)
        .unwrap()
        .and_then(|(v, _)| v.as_scalar().and_then(|s| s.as_i64()))
}

/// The head creates the supervision on their tablet and brings it to the server; `others`
/// open it from the server. Returns the head's connection and the others'.
pub(super) fn delegation(others: usize) -> (Network, ConnId, Vec<ConnId>) {
    let mut net = Network::new(Vec::new());
    let head = net.connect("head", Access::Write);
    net.run_until_quiet();
    let id = net.id;
    net.on_tablet(head, |c| {
        c.insert(id, new_doc("Giám sát phường Thanh Khê Tây"), vec![])
    });
    net.run_until_quiet();
    let mut conns = Vec::new();
    for i in 0..others {
        let m = net.connect(&format!("member{i}"), Access::Write);
        net.run_until_quiet();
        net.on_tablet(m, |c| c.want(id));
        conns.push(m);
    }
    net.run_until_quiet();
    for m in &conns {
        assert_eq!(
            net.heads_of(*m),
            net.heads_of(head),
            "member opened the document"
        );
    }
    (net, head, conns)
}

#[test]
fn a_new_supervision_is_brought_by_its_writer_and_reaches_a_member_who_asked_first() {
    // Step 1: a member asks for a supervision the server has never seen: unavailable.
    let mut net = Network::new(Vec::new());
    let member = net.connect("member", Access::Write);
    net.run_until_quiet();
    let id = net.id;
    net.on_tablet(member, |c| c.want(id));
    net.run_until_quiet();
    assert_eq!(net.tablets[&member].unavailable, 1);
    assert!(net.store.chunks.is_empty(), "asking creates nothing");

    // Step 2: the head brings it (a `sync`, not a `request`).
    let head = net.connect("head", Access::Write);
    net.run_until_quiet();
    net.on_tablet(head, |c| c.insert(id, new_doc("Giám sát"), vec![]));
    net.run_until_quiet();

    // Step 3: it is on disk, the head's change is confirmed, and the member who waited has it.
    assert_eq!(net.tablets[&head].client.pending(&id), 0);
    assert!(net.store.covers(&net.heads_of(head)));
    assert_eq!(net.heads_of(member), net.heads_of(head));
}

#[test]
fn fan_out_answers_the_sender_and_sends_each_other_member_the_change() {
    // Step 1: a delegation of five.
    let (mut net, head, members) = delegation(4);
    let before: Vec<usize> = members
        .iter()
        .map(|m| net.tablets[m].syncs_received)
        .collect();

    // Step 2: the head writes a finding.
    edit(&mut net, head, "findings", 1);
    net.run_until_quiet();

    // Step 3: everyone has it, confirmed for the head, each member reached by a handful of
    // messages (the change, then the exchange of heads), not one per other member.
    for (m, b) in members.iter().zip(before) {
        assert_eq!(value(&net, *m, "findings"), Some(1));
        let got = net.tablets[m].syncs_received - b;
        assert!((1..=2).contains(&got), "member got {got} sync messages");
    }
    assert_eq!(net.tablets[&head].client.pending(&net.id), 0);
}

#[test]
fn edits_arriving_during_a_write_cost_one_more_write_and_one_message_per_member() {
    // Step 1: a delegation of three; the disk is slow (it holds the next write).
    let (mut net, head, members) = delegation(2);
    net.store.hold = true;
    let writes = net.store.committed;
    let before = net.tablets[&members[0]].syncs_received;

    // Step 2: the head's tablet sends ten edits, each its own message; the first is being
    // written while the other nine arrive.
    for i in 0..10 {
        edit(&mut net, head, "n", i);
    }
    net.run_until_quiet();
    assert!(net.held_write.is_some());

    // Step 3: the disk confirms: the nine waiting are applied together and written once.
    net.store.hold = false;
    net.release_write();
    net.run_until_quiet();

    // Step 4: all ten are everywhere, in two writes, and each member got one message with
    // the changes (plus the exchange of heads after it).
    for m in &members {
        assert_eq!(value(&net, *m, "n"), Some(9));
    }
    assert_eq!(net.store.committed - writes, 2, "two writes for ten edits");
    let got = net.tablets[&members[0]].syncs_received - before;
    assert!(got <= 2, "the member got {got} messages for ten edits");
    assert_eq!(net.tablets[&head].client.pending(&net.id), 0);
}

#[test]
fn a_tablet_that_says_it_holds_the_servers_heads_still_hears_they_are_on_disk() {
    // Seen in the browser on a busy machine: the tablet's "synced" never came. A tablet
    // that reads the server's answers late tells the server its heads in an empty message;
    // arriving in the same batch as the changes behind those heads, automerge takes it as
    // the tablet knowing the server has them, and would never say so once they are written.
    let (mut net, head, _) = delegation(0);
    net.store.hold = true;

    // Step 1: the first edit is written and answered; the tablet does not read yet.
    edit(&mut net, head, "n", 1);
    net.deliver_from(head);
    net.release_write();
    assert_eq!(
        net.tablets[&head].inbox.len(),
        1,
        "the answer waits on the tablet"
    );

    // Step 2: two more edits; the first is being written while the second arrives.
    edit(&mut net, head, "n", 2);
    net.deliver_from(head);
    edit(&mut net, head, "n", 3);
    net.deliver_from(head);

    // Step 3: the tablet reads the old answer and says which heads it holds (no changes).
    assert!(net.deliver_to(head));
    assert!(net.deliver_from(head), "the tablet answers with its heads");

    // Step 4: the disk confirms each write; the tablet hears the server holds all three.
    net.store.hold = false;
    net.release_write();
    net.run_until_quiet();
    assert_eq!(net.heads_of(head), net.engine.doc().get_heads());
    assert_eq!(
        net.tablets[&head].client.pending(&net.id),
        0,
        "every edit confirmed"
    );
}

#[test]
fn nothing_is_advertised_before_it_is_on_disk() {
    // Step 1: a delegation of three; the storage holds the next write.
    let (mut net, head, members) = delegation(2);
    net.store.hold = true;
    let advertised = net.advertised.len();

    // Step 2: the head edits; the server applies the change and writes it.
    edit(&mut net, head, "findings", 2);
    net.run_until_quiet();
    assert!(
        net.held_write.is_some(),
        "the write is waiting for the disk"
    );

    // Step 3: until the disk confirms it, nobody hears of the new heads: the head's change
    // is still pending, the members do not have it.
    assert_eq!(net.advertised.len(), advertised, "no message left");
    assert_eq!(net.tablets[&head].client.pending(&net.id), 1);
    assert_eq!(value(&net, members[0], "findings"), None);

    // Step 4: the disk confirms; everyone converges, and every head ever advertised is on
    // disk.
    net.store.hold = false;
    net.release_write();
    net.run_until_quiet();
    assert_eq!(net.tablets[&head].client.pending(&net.id), 0);
    assert_eq!(value(&net, members[1], "findings"), Some(2));
    for (_, heads) in &net.advertised {
        assert!(net.store.covers(heads), "advertised heads are all on disk");
    }
}

#[test]
fn a_write_that_fails_is_never_confirmed_and_is_retried_until_the_disk_recovers() {
    // Step 1: a delegation of three; the disk is full.
    let (mut net, head, members) = delegation(2);
    net.store.fail = true;

    // Step 2: the head edits; the write fails, again and again, with growing pauses.
    edit(&mut net, head, "findings", 3);
    net.run_until_quiet_within(3_000);
    assert!(
        net.store.refused >= 3,
        "retried: {} refusals",
        net.store.refused
    );
    assert_eq!(
        net.tablets[&head].client.pending(&net.id),
        1,
        "still pending"
    );
    assert_eq!(value(&net, members[0], "findings"), None);
    for (_, heads) in &net.advertised {
        assert!(net.store.covers(heads), "nothing unwritten was advertised");
    }

    // Step 3: the member keeps editing meanwhile; nothing of it is confirmed either.
    edit(&mut net, members[0], "remarks", 1);
    net.run_until_quiet_within(3_000);
    assert_eq!(net.tablets[&members[0]].client.pending(&net.id), 1);

    // Step 4: the disk recovers: at the next retry, both changes are written, confirmed and
    // shared.
    net.store.fail = false;
    net.run_until_quiet_within(10_000);
    assert_eq!(net.tablets[&head].client.pending(&net.id), 0);
    assert_eq!(net.tablets[&members[0]].client.pending(&net.id), 0);
    assert_eq!(value(&net, members[1], "findings"), Some(3));
    assert_eq!(value(&net, members[1], "remarks"), Some(1));
}

#[test]
fn a_slow_member_is_skipped_then_caught_up_in_one_message_with_its_queue_bounded() {
    // Step 1: a delegation of three; one member's tablet stops reading (a queue of 4).
    let (mut net, head, members) = delegation(2);
    let slow = members[0];
    net.tablet(slow).capacity = 4;
    net.tablet(slow).reading = false;

    // Step 2: the head edits thirty times, a second apart.
    for i in 0..30 {
        edit(&mut net, head, "n", i);
        net.run_until_quiet();
        net.now += 1_000;
    }

    // Step 3: the other member has every edit; the slow one's queue never went past 4, and
    // the engine stopped generating for it once it was full (at most one message missed).
    assert_eq!(value(&net, members[1], "n"), Some(29));
    assert_eq!(net.tablets[&slow].deepest, 4, "its queue filled up");
    assert!(
        net.tablets[&slow].overflows <= 1,
        "{} overflows",
        net.tablets[&slow].overflows
    );

    // Step 4: it reads again and converges.
    net.tablet(slow).reading = true;
    net.run_until_quiet();
    assert_eq!(value(&net, slow, "n"), Some(29));
    assert_eq!(net.heads_of(slow), net.heads_of(head));
}

#[test]
fn a_member_who_disconnects_while_a_write_is_in_flight_is_simply_forgotten() {
    // Step 1: a delegation of three; the storage holds the next write.
    let (mut net, head, members) = delegation(2);
    net.store.hold = true;
    edit(&mut net, head, "findings", 4);
    net.run_until_quiet();

    // Step 2: a member's connection drops before the write is confirmed.
    net.disconnect(members[0]);
    assert_eq!(net.engine.peer_count(), 2);
    let sent = net.advertised.len();

    // Step 3: the write completes: the others get it, nothing is sent to the gone one.
    net.store.hold = false;
    net.release_write();
    net.run_until_quiet();
    assert_eq!(value(&net, members[1], "findings"), Some(4));
    assert!(
        net.advertised[sent..].iter().all(|(c, _)| *c != members[0]),
        "nothing for the gone member after it left"
    );

    // Step 4: it reconnects and catches up.
    let back = net.connect("member0", Access::Write);
    net.run_until_quiet();
    let id = net.id;
    net.on_tablet(back, |c| c.want(id));
    net.run_until_quiet();
    assert_eq!(value(&net, back, "findings"), Some(4));
}

#[test]
fn an_observer_receives_everything_but_its_changes_are_never_applied() {
    // Step 1: a head and an observer.
    let (mut net, head, _) = delegation(0);
    let observer = net.connect("observer", Access::Read);
    net.run_until_quiet();
    let id = net.id;
    net.on_tablet(observer, |c| c.want(id));
    net.run_until_quiet();
    assert_eq!(net.heads_of(observer), net.heads_of(head));

    // Step 2: the observer edits on its tablet; the head edits too.
    edit(&mut net, observer, "observer_note", 1);
    edit(&mut net, head, "findings", 5);
    net.run_until_quiet();

    // Step 3: the head's edit reached the observer; the observer's reached nobody and is not
    // on disk.
    assert_eq!(value(&net, observer, "findings"), Some(5));
    assert_eq!(value(&net, head, "observer_note"), None);
    assert_eq!(net.engine.doc().get(ROOT, "observer_note").unwrap(), None);
}

#[test]
fn a_member_removed_from_the_delegation_hears_unavailable_and_nothing_more() {
    // Step 1: a delegation of three.
    let (mut net, head, members) = delegation(2);
    let removed = members[0];

    // Step 2: the membership database says the member may no longer open it.
    net.input(Input::Access {
        conn: removed,
        access: None,
    });
    net.run_until_quiet();
    assert_eq!(net.tablets[&removed].unavailable, 1);
    let sent = net.advertised.len();

    // Step 3: the head edits: the other member gets it, the removed one gets nothing.
    edit(&mut net, head, "findings", 6);
    net.run_until_quiet();
    assert_eq!(value(&net, members[1], "findings"), Some(6));
    assert!(net.advertised[sent..].iter().all(|(c, _)| *c != removed));
}

#[test]
fn a_document_nobody_has_open_unloads_and_reloads_from_disk_as_it_was() {
    // Step 1: a delegation of two edits, then both leave.
    let (mut net, head, members) = delegation(1);
    edit(&mut net, head, "findings", 7);
    net.run_until_quiet();
    let heads = net.heads_of(head);
    net.disconnect(head);
    net.disconnect(members[0]);

    // Step 2: not before the grace period, then it may be dropped.
    assert!(!net.engine.may_unload(net.now));
    net.now += UNLOAD_AFTER_MS;
    net.input(Input::Tick);
    assert!(net.engine.may_unload(net.now));

    // Step 3: loaded again from disk, it has the same heads, and a member who opens it
    // gets the edit.
    net.reload();
    assert_eq!(net.engine.doc().get_heads(), heads);
    let m = net.connect("member9", Access::Write);
    net.run_until_quiet();
    let id = net.id;
    net.on_tablet(m, |c| c.want(id));
    net.run_until_quiet();
    assert_eq!(value(&net, m, "findings"), Some(7));
}

#[test]
fn a_quiet_document_is_compacted_into_one_snapshot_that_loads_the_same() {
    // Step 1: the head edits a hundred times, each on its own.
    let (mut net, head, _) = delegation(0);
    for i in 0..100 {
        edit(&mut net, head, "n", i);
        net.run_until_quiet();
    }
    assert!(net.store.chunks.len() > COMPACT_AFTER_CHUNKS / 2);

    // Step 2: the document goes quiet: it is compacted, in one write.
    net.now += COMPACT_WHEN_QUIET_MS;
    net.input(Input::Tick);
    net.run_until_quiet();
    assert_eq!(net.store.chunks.len(), 1, "one snapshot");

    // Step 3: it loads the same.
    let heads = net.heads_of(head);
    net.reload();
    assert_eq!(net.engine.doc().get_heads(), heads);
}

#[test]
fn presence_is_relayed_to_the_other_members_and_never_stored() {
    let (mut net, head, members) = delegation(2);
    let id = net.id;
    net.on_tablet(head, |c| c.broadcast(id, b"editing finding 1".to_vec()));
    let writes = net.store.committed;
    let before: Vec<usize> = members.iter().map(|m| net.tablets[m].inbox.len()).collect();
    // Deliver the head's frame only, then look at the queues.
    net.tablet(members[0]).reading = false;
    net.tablet(members[1]).reading = false;
    net.run_until_quiet();
    for (m, b) in members.iter().zip(before) {
        let frames = &net.tablets[m].inbox;
        assert_eq!(frames.len(), b + 1);
        match WireMessage::decode(frames.back().unwrap()).unwrap() {
            WireMessage::Ephemeral {
                sender_id, data, ..
            } => {
                assert_eq!(sender_id, "head");
                assert_eq!(data, b"editing finding 1");
            }
            other => panic!("expected presence, got {other:?}"),
        }
    }
    assert_eq!(net.store.committed, writes);
    assert_eq!(
        net.tablets[&head].inbox.len(),
        0,
        "not echoed to the sender"
    );
}

#[test]
fn a_load_that_fails_creates_nothing_over_what_the_disk_may_hold() {
    let mut net = Network::new(Vec::new());
    // Replace the engine by one whose load failed.
    let (engine, _) = DocumentEngine::new(net.id, SERVER, 0);
    net.engine = engine;
    net.input(Input::LoadFailed("disk I/O error".into()));
    assert_eq!(net.engine.phase(), document::Phase::Failed);
    assert_eq!(net.reports.len(), 1, "the operator is told");
    let head = net.connect("head", Access::Write);
    net.run_until_quiet();
    let id = net.id;
    net.on_tablet(head, |c| c.insert(id, new_doc("x"), vec![]));
    net.run_until_quiet();
    assert_eq!(net.tablets[&head].unavailable, 1);
    assert_eq!(net.store.committed, 0);
    assert_eq!(
        net.tablets[&head].client.status(&id),
        Some(ReplicaStatus::Held)
    );
    assert!(net.engine.may_unload(net.now));
}

#[test]
fn a_busy_document_with_slow_members_converges_once_they_read_again() {
    // Step 1: twenty members; a third of them read slowly (small queues, reading on and off).
    let (mut net, head, members) = delegation(19);
    let mut all = vec![head];
    all.extend(members);
    for (i, c) in all.iter().enumerate() {
        if i % 3 == 1 {
            net.tablet(*c).capacity = 3;
        }
    }
    // Step 2: a hundred and twenty rounds of edits by members picked by a fixed pattern, slow members
    // pausing and resuming, the clock moving 30 ms a round, frames delivered only in part.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for round in 0..120 {
        let who = all[(next() % all.len() as u64) as usize];
        edit(&mut net, who, &format!("k{}", next() % 7), round);
        for (i, c) in all.iter().enumerate() {
            if i % 3 == 1 {
                net.tablet(*c).reading = next() % 3 != 0;
            }
        }
        net.run_until_quiet_within(30);
        net.now += 30;
    }
    // Step 3: everyone reads again: all hold the same document, and nothing is pending.
    for c in &all {
        net.tablet(*c).reading = true;
    }
    net.run_until_quiet_within(5_000);
    let heads = net.engine.doc().get_heads();
    for c in &all {
        assert_eq!(net.heads_of(*c), heads, "member {c} converged");
        assert_eq!(
            net.tablets[c].client.pending(&net.id),
            0,
            "member {c} confirmed"
        );
    }
}

#[test]
fn a_change_that_arrives_before_the_one_it_builds_on_is_on_disk_once_both_are() {
    // Step 1: a delegation of two. Away from it, a copy of the document gets two changes,
    // the second on top of the first (a tablet's offline typing): X, then Y.
    let (mut net, _head, members) = delegation(1);
    let mut away = net.engine.doc().fork();
    let mut change = |key: &str| {
        let mut tx = away.transaction();
        tx.put(ROOT, key, 1).unwrap();
        tx.commit();
        away.get_last_local_change().unwrap().raw_bytes().to_vec()
    };
    let (x, y) = (change("x"), change("y"));
    let send = |net: &mut Network, conn: ConnId, bytes: Vec<u8>| {
        let message = automerge::sync::Message {
            heads: Vec::new(),
            need: Vec::new(),
            have: Vec::new(),
            changes: vec![bytes].into(),
            flags: None,
            version: automerge::sync::MessageVersion::V1,
        };
        net.input(Input::Message(Inbound {
            conn,
            peer_id: format!("away{conn}"),
            access: Access::Write,
            request: false,
            message,
            change_hashes: None,
        }));
    };

    // Step 2: Y reaches the server alone: automerge keeps it aside, nothing moves.
    let before = net.engine.doc().get_heads();
    send(&mut net, 90, y);
    assert_eq!(net.engine.doc().get_heads(), before);

    // Step 3: a member's edit is written meanwhile.
    edit(&mut net, members[0], "remarks", 1);
    net.run_until_quiet();
    assert!(net.store.covers(&net.engine.doc().get_heads()));

    // Step 4: X arrives: X and Y both apply, and what is written holds both, though Y's
    // bytes came in a message written before.
    send(&mut net, 91, x);
    net.run_until_quiet();
    let heads = net.engine.doc().get_heads();
    assert!(heads.contains(&away.get_heads()[0]), "Y is applied");
    assert!(net.store.covers(&heads), "X and Y are on disk");
    net.reload();
    net.run_until_quiet();
    assert_eq!(net.engine.doc().get_heads(), heads, "a reload has both");
}

#[test]
fn members_who_answer_hear_each_keystroke_at_once_and_one_who_does_not_waits_for_the_interval() {
    // Step 1: a delegation of fifty: the head and forty-nine members. One tablet has
    // stopped reading (it never answers); the others answer every message at once.
    let (mut net, head, members) = delegation(49);
    assert_eq!(
        net.engine.fanout_interval(),
        500,
        "fifty squared over five, in ms"
    );
    let slow = members[0];
    net.now += 1_000;
    net.input(Input::Tick);
    net.tablet(slow).reading = false;

    // Step 2: the head types ten keystrokes 50 ms apart; every frame is delivered at once.
    let start = net.advertised.len();
    for i in 0..10 {
        edit(&mut net, head, "findings", i);
        net.run_until_quiet_within(0);
        // Everyone who answered the last news has this keystroke already.
        assert_eq!(value(&net, members[1], "findings"), Some(i));
        net.now += 50;
    }
    let heard = |net: &Network, m: ConnId| {
        net.advertised[start..]
            .iter()
            .filter(|(c, _)| *c == m)
            .count()
    };
    for m in &members[1..] {
        assert_eq!(heard(&net, *m), 10, "member {m}: one message per keystroke");
    }
    // The tablet that never answered was sent the first keystroke and nothing since: the
    // next news waits for its answer or for the interval (500 ms), whichever comes first.
    assert_eq!(heard(&net, slow), 1, "the silent tablet, during the burst");
    assert_eq!(net.tablets[&head].client.pending(&net.id), 0);

    // Step 3: at the interval it gets the rest in one message; once it reads, it has the
    // last keystroke.
    net.run_until_quiet_within(100);
    assert_eq!(heard(&net, slow), 2, "one catch-up message at the interval");
    net.tablet(slow).reading = true;
    net.run_until_quiet();
    assert_eq!(value(&net, slow, "findings"), Some(9));
}

/// Another replica's change, as it stored it: a tablet on that replica edits a copy of the
/// document, and the chunk is what it wrote.
fn change_on_another_replica(net: &Network, key: &str, value: i64) -> Vec<u8> {
    let mut doc = net.engine.doc().fork();
    doc.set_actor(automerge::ActorId::from([9u8; 16]));
    let before = doc.get_heads();
    let mut tx = doc.transaction();
    tx.put(ROOT, key, value).unwrap();
    tx.commit();
    doc.save_after(&before)
}

#[test]
fn a_change_another_replica_stored_reaches_the_tablets_here_and_is_not_written_again() {
    let (mut net, head, members) = delegation(1);
    let writes = net.store.committed;
    let chunk = change_on_another_replica(&net, "from_replica_b", 7);
    net.input(Input::Stored(vec![chunk]));
    net.run_until_quiet();
    assert_eq!(value(&net, head, "from_replica_b"), Some(7));
    assert_eq!(value(&net, members[0], "from_replica_b"), Some(7));
    assert_eq!(
        net.store.committed, writes,
        "a change already stored by another replica is not written again"
    );
    // The tablets count it as confirmed: the heads they were told are the engine's, on disk.
    for conn in [head, members[0]] {
        let t = &net.tablets[&conn];
        assert_eq!(
            t.client.pending(&net.id),
            0,
            "tablet {conn} has nothing pending"
        );
    }
}

#[test]
fn a_change_stored_elsewhere_waits_for_the_write_in_flight_and_both_are_kept() {
    let (mut net, head, members) = delegation(1);
    // A local edit is being written when the other replica's change arrives.
    net.store.hold = true;
    edit(&mut net, head, "local", 1);
    net.run_until_quiet();
    assert!(
        net.held_write.is_some(),
        "the local edit's write is in flight"
    );
    let chunk = change_on_another_replica(&net, "remote", 2);
    net.input(Input::Stored(vec![chunk]));
    assert!(
        net.engine.doc().get(ROOT, "remote").unwrap().is_none(),
        "merged only once what is in memory is on disk"
    );
    net.store.hold = false;
    net.release_write();
    net.run_until_quiet();
    for conn in [head, members[0]] {
        assert_eq!(value(&net, conn, "local"), Some(1));
        assert_eq!(value(&net, conn, "remote"), Some(2));
    }
    // Everything the tablets were told is on disk here or in the other replica's chunk.
    let heads = net.engine.doc().get_heads();
    assert_eq!(net.heads_of(head), {
        let mut h = heads.clone();
        h.sort();
        h
    });
}
