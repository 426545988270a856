//! A made-up organisation's year for measuring the follow-up at scale
//! (`shared/benches/followup.rs`, and `tests/src/bin/seed_followup.rs` for the browser):
//! 1,000 supervisions over 2026 (every fifth an inspection, five topics, 150 units), each
//! with 10 recommendations (due dates over the year, a third answered in writing, a fifth
//! remedied), nine in ten conclusions issued. Deterministic: the same documents every run.

use automerge::Automerge;

use crate::error::ModelError;
use crate::followup::Day;
use crate::official::issue::{self, Letterhead};
use crate::recommendation::{self, FollowUp, NewRecommendation, Reply};
use crate::supervision::{self, Setup, Stamp, SupervisionKind};
use crate::{DocumentId, RecordId, finding, unit};

/// How many supervisions the year has.
pub const SUPERVISIONS: usize = 1_000;
/// Recommendations in each.
pub const PER_SUPERVISION: usize = 10;
const TOPICS: [&str; 5] = [
    "Quy chế dân chủ ở cơ sở",
    "Tiếp công dân, giải quyết khiếu nại",
    "Quản lý đất đai",
    "An sinh xã hội",
    "Xây dựng nông thôn mới",
];

fn stamp(now_ms: i64) -> Stamp<'static> {
    Stamp {
        member: "Nguyễn Thị Lan",
        now_ms,
    }
}

/// Supervision `i` (0 ≤ i < [`SUPERVISIONS`]) of the year.
pub fn supervision(i: usize) -> Result<Automerge, ModelError> {
    let day = Day::from_ymd(2026, 1, 1).plus((i * 365 / SUPERVISIONS) as i64);
    let setup = Setup {
        title: format!("Giám sát số {i} về {}", TOPICS[i % TOPICS.len()]),
        kind: if i.is_multiple_of(5) {
            SupervisionKind::Inspection
        } else {
            SupervisionKind::Supervision
        },
        schedule_from: day.iso(),
        ..Default::default()
    };
    let mut doc = supervision::create(&setup, stamp(0))?;
    supervision::add_topic(&mut doc, TOPICS[i % TOPICS.len()], stamp(0))?;
    let u = RecordId::from_bytes((i as u64).to_le_bytes());
    unit::add(
        &mut doc,
        &u,
        &format!("Ủy ban nhân dân phường số {}", i % 150),
        stamp(0),
    )?;
    let f = RecordId::from_bytes(((i as u64) + (1 << 32)).to_le_bytes());
    finding::add(
        &mut doc,
        &f,
        &u,
        finding::FindingKind::Shortcoming,
        "Việc niêm yết công khai chưa đầy đủ.",
        stamp(0),
    )?;
    for k in 0..PER_SUPERVISION {
        let r = RecordId::from_bytes(((i * PER_SUPERVISION + k) as u64 + (1 << 40)).to_le_bytes());
        let due = day.plus(30 + (k as i64 * 9)).iso();
        let answers = [f.clone()];
        let new = NewRecommendation {
            text: "Đề nghị bổ sung hồ sơ, niêm yết công khai dự toán và báo cáo kết quả khắc phục.",
            addressee: "Chủ tịch Ủy ban nhân dân phường",
            due: &due,
            answers: if k % 2 == 0 { &answers } else { &[] },
            ..Default::default()
        };
        recommendation::add(&mut doc, &r, &new, stamp(0))?;
        if k % 3 == 0 {
            let reply = Reply {
                date: day.plus(5 + k as i64 * 2).iso(),
                number: format!("{k}/BC-UBND"),
                scan: None,
            };
            recommendation::record_reply(&mut doc, &r, &reply, stamp(1))?;
        }
        if k % 5 == 0 {
            recommendation::set_status(&mut doc, &r, FollowUp::Remedied, stamp(2))?;
        }
    }
    if !i.is_multiple_of(10) {
        let letterhead = Letterhead {
            date: day.plus(3).ymd(),
            ..Default::default()
        };
        let id = DocumentId::from_bytes([(i % 256) as u8; 16]);
        issue::issue(
            &mut doc,
            &id,
            &letterhead,
            &RecordId::from_key("v1"),
            stamp(3),
        )?;
    }
    Ok(doc)
}
