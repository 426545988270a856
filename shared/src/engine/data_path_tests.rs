//! The tablet's data path in the app's order, end to end in the deterministic harness: a
//! member's keystroke is applied with `SyncClient::edit`, written to the tablet's journal,
//! and only then announced; the server's engine merges it; another member's client logs the
//! objects the merge wrote, which bring that tablet's reading (and a view's copy of it) up to date, and its
//! journal writes one chunk. The same calls the app makes, without a browser.

use automerge::Automerge;

use super::Access;
use super::harness::Network;
use crate::field;
use crate::finding::{self, FindingKind};
use crate::journal::{Journal, Write};
use crate::reading::{self, Reading};
use crate::supervision::{self, Stamp};
use crate::sync::SyncClient;
use crate::{RecordId, unit};

fn stamp(member: &str, now_ms: i64) -> Stamp<'_> {
    Stamp { member, now_ms }
}

#[test]
fn a_keystroke_goes_journal_then_server_then_the_other_tablets_reading_and_journal() {
    let mut net = Network::new(Vec::new());
    let id = net.id;
    let lan = net.come_back(SyncClient::new("lan").with_touched(), Access::Write);
    net.run_until_quiet();
    // Lan creates the supervision with a unit and a finding, and brings it to the server.
    let mut doc = supervision::create(&crate::fixtures::thanh_khe_tay(), stamp("Lan", 1)).unwrap();
    let (u, f) = (RecordId::from_bytes([1; 8]), RecordId::from_bytes([2; 8]));
    unit::add(
        &mut doc,
        &u,
        "Đảng ủy phường Thanh Khê Tây",
        stamp("Lan", 2),
    )
    .unwrap();
    finding::add(
        &mut doc,
        &f,
        &u,
        FindingKind::Shortcoming,
        "Hồ sơ chưa đầy đủ.",
        stamp("Lan", 3),
    )
    .unwrap();
    net.on_tablet(lan, |c| c.insert(id, doc, vec![]));
    net.run_until_quiet();
    // Minh opens it: his reading, a view's copy of it, and his journal start from it.
    let minh = net.come_back(SyncClient::new("minh").with_touched(), Access::Write);
    net.run_until_quiet();
    net.on_tablet(minh, |c| c.want(id));
    net.run_until_quiet();
    let held = |net: &Network, conn| net.tablets[&conn].client.doc(&id).cloned();
    let minh_doc: Automerge = held(&net, minh).expect("Minh holds the supervision");
    let mut minh_reading = Reading::new(&minh_doc).unwrap();
    let mut view = minh_reading.supervision.clone();
    let seen = minh_reading.version();
    let mut minh_journal = Journal::default();
    let (first, heads) = minh_journal.next(&minh_doc);
    assert!(matches!(first, Write::Snapshot(_)));
    minh_journal.wrote(&first, heads);
    net.tablet(minh).merged.clear();

    // Lan types: edit (nothing sent), write her journal, then announce.
    let field = finding::text_field(&f);
    let mut lan_journal = Journal::default();
    let lan_doc = held(&net, lan).unwrap();
    let (w, h) = lan_journal.next(&lan_doc);
    lan_journal.wrote(&w, h);
    let typed = "Hồ sơ chưa đầy đủ, thiếu biên bản.";
    let sent_before_write = {
        let t = net.tablet(lan);
        t.client
            .edit(&id, |d| field::set(d, &field, typed, stamp("Lan", 10)))
            .expect("Lan holds it")
            .unwrap();
        t.outbox.len()
    };
    let lan_doc = held(&net, lan).unwrap();
    let (write, heads) = lan_journal.next(&lan_doc);
    let Write::Chunk(chunk) = &write else {
        panic!("a keystroke writes a chunk, not {write:?}");
    };
    assert!(chunk.len() < 1_000);
    lan_journal.wrote(&write, heads);
    assert_eq!(
        net.tablets[&lan].outbox.len(),
        sent_before_write,
        "nothing leaves before the journal has it"
    );
    net.on_tablet(lan, |c| c.announce(&id));
    net.run_until_quiet();

    // Minh's client reported what the merge wrote: it brings his reading and his view up to
    // date, record by record.
    let minh_doc = held(&net, minh).unwrap();
    let merged = std::mem::take(&mut net.tablet(minh).merged);
    assert!(!merged.is_empty(), "Minh's client reported what changed");
    for m in &merged {
        assert!(m.touched.is_some(), "the merge's writes are known: {m:?}");
        minh_reading
            .follow(&minh_doc, &m.before, m.touched.as_deref())
            .unwrap();
    }
    assert_eq!(minh_reading.supervision, reading::read(&minh_doc).unwrap());
    assert_eq!(minh_reading.supervision.finding(&f).unwrap().text, typed);
    let applied = minh_reading.update_copy(&mut view, seen);
    assert!(
        !applied.everything,
        "only the finding typed in is copied: {applied:?}"
    );
    assert_eq!(view, minh_reading.supervision);
    // And Minh's journal keeps Lan's keystroke as one small chunk.
    let (write, _) = minh_journal.next(&minh_doc);
    assert!(
        matches!(&write, Write::Chunk(c) if c.len() < 1_000),
        "{write:?}"
    );
    // The server has it on disk.
    assert!(net.store.covers(&lan_doc.get_heads()));
}
