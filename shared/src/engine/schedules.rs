//! The engine under random schedules: two members edit, frames arrive in any order, the
//! storage holds writes for a while, a member drops off and comes back, the clock jumps.
//! Whatever the order, once the network settles every member holds the same document and
//! has no change the server has not confirmed (the sync badge says "synced"), and all of
//! it is on disk. A failing seed prints itself, to be replayed alone.

use automerge::ReadDoc;
use automerge::transaction::Transactable;

use super::Access;
use super::harness::Network;
use crate::sync::SyncClient;

/// A small deterministic generator (xorshift64*), so a failing seed replays exactly.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

fn type_into(net: &mut Network, conn: u64, who: &str, n: usize) {
    let id = net.id;
    net.on_tablet(conn, |c| {
        c.edit(&id, |doc| {
            let mut tx = doc.transaction();
            let text = match tx.get(automerge::ROOT, "finding").unwrap() {
                Some((_, obj)) => obj,
                None => tx
                    .put_object(automerge::ROOT, "finding", automerge::ObjType::Text)
                    .unwrap(),
            };
            let len = tx.length(&text);
            tx.splice_text(&text, len, 0, &format!("{who}{n} "))
                .unwrap();
            tx.commit();
        })
        .expect("the tablet holds the document");
        c.announce(&id)
    });
}

fn one_schedule(seed: u64) {
    let mut dice = Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let (mut net, head, members) = super::tests::delegation(1);
    let (a, mut b) = (head, Some(members[0]));
    let mut b_away: Option<SyncClient> = None;
    let mut typed = 0;
    for _ in 0..200 {
        net.now += dice.roll(15);
        match dice.roll(12) {
            0 | 1 => {
                typed += 1;
                type_into(&mut net, a, "a", typed);
            }
            2 => {
                if let Some(b) = b {
                    typed += 1;
                    type_into(&mut net, b, "b", typed);
                } else if let Some(client) = b_away.as_mut() {
                    // Typing offline: the change waits in the tablet, announced when it is back.
                    typed += 1;
                    let id = net.id;
                    let _ = client.edit(&id, |doc| {
                        let mut tx = doc.transaction();
                        tx.put(automerge::ROOT, "offline", typed as i64).unwrap();
                        tx.commit();
                    });
                }
            }
            3 => {
                net.deliver_from(a);
            }
            4 => {
                net.deliver_to(a);
            }
            5 => {
                if let Some(b) = b {
                    net.deliver_from(b);
                }
            }
            6 => {
                if let Some(b) = b {
                    net.deliver_to(b);
                }
            }
            7 => net.release_write(),
            8 => {
                if let Some(t) = net.engine.next_wake() {
                    net.now = net.now.max(t);
                    net.input(super::Input::Tick);
                }
            }
            9 => match (b.take(), b_away.take()) {
                (Some(conn), _) => b_away = net.go_offline(conn),
                (None, Some(client)) => b = Some(net.come_back(client, Access::Write)),
                (None, None) => {}
            },
            10 => net.store.hold = !net.store.hold,
            _ => net.input(super::Input::Tick),
        }
    }
    // First with whoever is online now (a stuck answer must not be healed by a member who
    // comes back with changes), then once the member away is back too.
    settle_and_check(&mut net, [Some(a), b], seed);
    if let Some(client) = b_away.take() {
        b = Some(net.come_back(client, Access::Write));
        settle_and_check(&mut net, [Some(a), b], seed);
    }
}

fn settle_and_check(net: &mut Network, online: [Option<u64>; 2], seed: u64) {
    net.store.hold = false;
    net.release_write();
    net.run_until_quiet_within(60_000);
    let id = net.id;
    let heads = net.engine.doc().get_heads();
    for conn in online.into_iter().flatten() {
        assert_eq!(
            net.heads_of(conn),
            heads,
            "seed {seed}: tablet {conn} holds the server's document"
        );
        assert_eq!(
            net.tablets[&conn].client.pending(&id),
            0,
            "seed {seed}: tablet {conn} still counts changes as unconfirmed"
        );
    }
    assert!(
        net.store.covers(&heads),
        "seed {seed}: everything is on disk"
    );
}

#[test]
fn any_order_of_edits_frames_writes_and_drops_settles_synced_on_every_tablet() {
    for seed in 0..400 {
        one_schedule(seed);
    }
}
