//! The journal on the 500-finding supervision: what a keystroke writes, when the tail is
//! folded into a snapshot, and that what was written loads back as the document.

use automerge::Automerge;

use super::{Journal, MAX_CHUNKS, Write};
use crate::field::{Focus, RecordKind, TextField};
use crate::fixtures::big_supervision;
use crate::reading;
use crate::supervision::{self, Stamp};

fn stamp(now_ms: i64) -> Stamp<'static> {
    Stamp {
        member: "Nguyễn Thị Lan",
        now_ms,
    }
}

/// What the store would hold: the last snapshot and the chunks written after it.
#[derive(Default)]
struct Stored {
    snapshot: Option<Vec<u8>>,
    chunks: Vec<Vec<u8>>,
}

impl Stored {
    fn write(&mut self, journal: &mut Journal, doc: &Automerge) -> Write {
        let (write, heads) = journal.next(doc);
        match &write {
            Write::Nothing => {}
            Write::Chunk(bytes) => self.chunks.push(bytes.clone()),
            Write::Snapshot(bytes) => {
                self.snapshot = Some(bytes.clone());
                self.chunks.clear();
            }
        }
        journal.wrote(&write, heads);
        write
    }

    fn load(&self) -> Automerge {
        let (doc, _, unreadable) = Journal::load(self.snapshot.as_deref(), &self.chunks).unwrap();
        assert_eq!(unreadable, 0);
        doc
    }
}

#[test]
fn a_keystroke_in_the_big_supervision_writes_under_a_kilobyte_and_loads_back() {
    let mut doc = big_supervision().doc;
    let finding = reading::read(&doc).unwrap().findings[7].id.clone();
    let mut journal = Journal::default();
    let mut stored = Stored::default();
    let first = stored.write(&mut journal, &doc);
    assert!(
        matches!(first, Write::Snapshot(_)),
        "the first write is the whole document"
    );
    assert_eq!(stored.write(&mut journal, &doc), Write::Nothing);

    let field = TextField::new(RecordKind::Finding, &finding, "text");
    let mut focus = Focus::new(&doc, &field).unwrap();
    let mut text = field.read(&doc).unwrap();
    let mut largest = 0;
    for (i, c) in "đề nghị bổ sung số liệu".chars().enumerate() {
        text.push(c);
        focus.set(&mut doc, &text, stamp(1_000 + i as i64)).unwrap();
        match stored.write(&mut journal, &doc) {
            Write::Chunk(bytes) => largest = largest.max(bytes.len()),
            other => panic!("a keystroke wrote {other:?}"),
        }
    }
    assert!(largest < 1_000, "a keystroke wrote {largest} bytes");
    assert_eq!(journal.chunks(), 23);

    let loaded = stored.load();
    assert_eq!(loaded.get_heads(), doc.get_heads());
    assert_eq!(field.read(&loaded).unwrap(), text);
}

#[test]
fn the_tail_is_folded_into_a_snapshot_before_it_outweighs_it() {
    let mut doc = supervision::create(&crate::fixtures::thanh_khe_tay(), stamp(0)).unwrap();
    crate::unit::add(
        &mut doc,
        &crate::RecordId::from_bytes([1; 8]),
        "Phường",
        stamp(1),
    )
    .unwrap();
    let mut journal = Journal::default();
    let mut stored = Stored::default();
    stored.write(&mut journal, &doc);
    let topics = (0..MAX_CHUNKS + 10).map(|i| format!("Nội dung {i}"));
    let mut snapshots = 0;
    for (i, topic) in topics.enumerate() {
        supervision::add_topic(&mut doc, &topic, stamp(2 + i as i64)).unwrap();
        if let Write::Snapshot(_) = stored.write(&mut journal, &doc) {
            snapshots += 1;
        }
        assert!(journal.chunks() <= MAX_CHUNKS);
    }
    assert!(snapshots >= 1, "a long tail was never folded");
    let loaded = stored.load();
    assert_eq!(loaded.get_heads(), doc.get_heads());
    assert_eq!(
        supervision::read_topics(&loaded).unwrap(),
        supervision::read_topics(&doc).unwrap()
    );
}

#[test]
fn merged_changes_are_one_chunk_and_a_broken_chunk_loses_only_itself() {
    let mut mine = supervision::create(&crate::fixtures::thanh_khe_tay(), stamp(0)).unwrap();
    let mut theirs = mine.fork();
    let mut journal = Journal::default();
    let mut stored = Stored::default();
    stored.write(&mut journal, &mine);
    for i in 0..5 {
        supervision::add_topic(&mut theirs, &format!("Của Minh {i}"), stamp(10 + i)).unwrap();
    }
    mine.merge(&mut theirs).unwrap();
    assert!(matches!(stored.write(&mut journal, &mine), Write::Chunk(_)));
    supervision::add_topic(&mut mine, "Của Lan", stamp(20)).unwrap();
    stored.write(&mut journal, &mine);
    assert_eq!(stored.load().get_heads(), mine.get_heads());

    // A chunk the disk mangled is skipped; the snapshot and the other chunk still load.
    stored.chunks[0] = vec![0x85, 0x6f, 0x4a, 0x83, 0xde, 0xad];
    // (Automerge ignores a truncated chunk rather than failing on it.)
    let (doc, _, _) = Journal::load(stored.snapshot.as_deref(), &stored.chunks).unwrap();
    assert!(
        !supervision::read_topics(&doc)
            .unwrap()
            .iter()
            .any(|t| t == "Của Minh 0")
    );
    assert_eq!(
        supervision::read_setup(&doc).unwrap(),
        crate::fixtures::thanh_khe_tay()
    );
}
