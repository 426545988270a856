//! `--demo`, part two: a made-up organisation with a year of history, so a new user sees the
//! follow-up and figures screens filled in. Unlike the two examples from real reports
//! (`demo.rs`), everything here is invented and says so ("(demo)" in every name).
//!
//! The city's Front committee ("Ủy ban MTTQ thành phố Mẫu (demo)", level "tỉnh") has two
//! wards' committees under it, each owning a delegation; the two real examples' delegation
//! goes under the city too. The two delegations held twelve supervisions in 2026, one a month,
//! every third an inspection, each of one unit with two findings and three recommendations
//! due a month to three months later; most conclusions issued, some replies recorded in time,
//! some late, some never, some remedied — so some are overdue and some past their 20 days. An
//! administrator makes an account a leader of the city to see it all. Loaded once (`meta`
//! key `demo:organisation`), with shared's own operations, as the examples are.

use automerge::Automerge;
use shared::finding::{self, FindingKind};
use shared::followup::Day;
use shared::official::issue::{self, Letterhead};
use shared::recommendation::{self, FollowUp, NewRecommendation, Reply};
use shared::supervision::{self, Setup, Stamp, SupervisionKind};
use shared::{DocumentId, ModelError, RecordId, unit};

use crate::accounts::{organisations, store};
use crate::demo::{DEMO_DELEGATION, DEMO_MEMBER};
use crate::error::ServerError;
use crate::storage::Storage;

const LOADED: &str = "demo:organisation";
const CITY: &str = "Ủy ban MTTQ thành phố Mẫu (demo)";
const WARDS: [(&str, &str, &str); 2] = [
    (
        "Ủy ban MTTQ phường Mẫu Một (demo)",
        "Đoàn giám sát phường Mẫu Một (demo)",
        "Ủy ban nhân dân phường Mẫu Một",
    ),
    (
        "Ủy ban MTTQ phường Mẫu Hai (demo)",
        "Đoàn giám sát phường Mẫu Hai (demo)",
        "Ủy ban nhân dân phường Mẫu Hai",
    ),
];
const TOPICS: [&str; 4] = [
    "Quy chế dân chủ ở cơ sở",
    "Tiếp công dân, giải quyết khiếu nại, tố cáo",
    "Chính sách an sinh xã hội",
    "Quản lý, sử dụng đất đai",
];

fn stamp(now_ms: i64) -> Stamp<'static> {
    Stamp {
        member: DEMO_MEMBER,
        now_ms,
    }
}

/// Record ids from a counter: the demo is the same on every server.
fn rid(n: u64) -> RecordId {
    RecordId::from_bytes(n.to_be_bytes())
}

/// Supervision `month` (1–12) of ward `w`.
fn supervision(w: usize, month: u32) -> Result<Automerge, ModelError> {
    let held = Day::from_ymd(2026, month, 10);
    let topic = TOPICS[(month as usize + w) % TOPICS.len()];
    let inspection = month.is_multiple_of(3);
    let setup = Setup {
        title: format!(
            "{} việc thực hiện {} tháng {month}/2026 (demo)",
            if inspection {
                "Kiểm tra"
            } else {
                "Giám sát"
            },
            topic.to_lowercase()
        ),
        kind: if inspection {
            SupervisionKind::Inspection
        } else {
            SupervisionKind::Supervision
        },
        schedule_from: held.iso(),
        schedule_to: held.plus(2).iso(),
        ..Default::default()
    };
    let base = (w as u64 * 100 + u64::from(month)) * 1000;
    let mut doc = supervision::create(&setup, stamp(0))?;
    supervision::add_topic(&mut doc, topic, stamp(0))?;
    let u = rid(base + 1);
    unit::add(&mut doc, &u, WARDS[w].2, stamp(0))?;
    finding::add(
        &mut doc,
        &rid(base + 2),
        &u,
        FindingKind::Strength,
        "Đã ban hành kế hoạch và tổ chức thực hiện kịp thời.",
        stamp(0),
    )?;
    let shortcoming = rid(base + 3);
    finding::add(
        &mut doc,
        &shortcoming,
        &u,
        FindingKind::Shortcoming,
        "Việc niêm yết công khai và lưu trữ hồ sơ chưa đầy đủ.",
        stamp(0),
    )?;
    let asks = [
        "Đề nghị niêm yết công khai đầy đủ, đúng thời hạn.",
        "Đề nghị bổ sung, lưu trữ hồ sơ theo quy định.",
        "Đề nghị báo cáo kết quả khắc phục bằng văn bản.",
    ];
    let sent = held.plus(5);
    for (k, ask) in asks.iter().enumerate() {
        let r = rid(base + 10 + k as u64);
        let due = sent.plus(30 * (k as i64 + 1)).iso();
        let answers = [shortcoming.clone()];
        let new = NewRecommendation {
            text: ask,
            addressee: "Chủ tịch Ủy ban nhân dân phường",
            due: &due,
            answers: &answers,
            ..Default::default()
        };
        recommendation::add(&mut doc, &r, &new, stamp(0))?;
        // Replies: in time (day 12), late (day 26), or none, by turns; the oldest remedied.
        let turn = (month as usize + k + w) % 3;
        if turn < 2 {
            let reply = Reply {
                date: sent.plus(if turn == 0 { 12 } else { 26 }).iso(),
                number: format!("{}/BC-UBND", month * 10 + k as u32),
                scan: None,
            };
            recommendation::record_reply(&mut doc, &r, &reply, stamp(0))?;
        }
        if month <= 6 && turn == 0 {
            recommendation::set_status(&mut doc, &r, FollowUp::Remedied, stamp(0))?;
        }
    }
    // Issued five days after the visit, but the last month's is still a draft.
    if month < 12 {
        let letterhead = Letterhead {
            issuer: WARDS[w].0.trim_end_matches(" (demo)").to_uppercase(),
            code: "TB-MTTQ".into(),
            place: "Mẫu".into(),
            date: sent.ymd(),
            doc_type: "Thông báo".into(),
            summary: format!("Kết quả giám sát việc thực hiện {}", topic.to_lowercase()),
            signer_title: "Chủ tịch".into(),
            ..Default::default()
        };
        issue::issue(
            &mut doc,
            &DocumentId::from_bytes([w as u8; 16]),
            &letterhead,
            &rid(base + 99),
            stamp(0),
        )?;
    }
    Ok(doc)
}

/// Load the organisation and its year, once.
pub async fn load(
    documents: &crate::sync::Documents,
    storage: &Storage,
    accounts: &crate::accounts::Accounts,
) -> Result<(), ServerError> {
    if storage.meta(LOADED).await?.is_some() {
        return Ok(());
    }
    let failed =
        |e: ModelError| ServerError::Startup(format!("cannot build the demo organisation: {e}"));
    let now = crate::now_ms();
    let delegations = accounts
        .with(move |c| {
            let city = organisations::create(c, CITY, "tỉnh", None, now)?;
            if let Some(d) = store::delegation_by_name(c, DEMO_DELEGATION)? {
                organisations::set_owner(c, d, Some(city))?;
            }
            let mut made = Vec::new();
            for (ward, delegation, _) in WARDS {
                let org = organisations::create(c, ward, "xã, phường", Some(city), now)?;
                let d = match store::delegation_by_name(c, delegation)? {
                    Some(d) => d,
                    None => store::create_delegation(c, delegation, now)?,
                };
                organisations::set_owner(c, d, Some(org))?;
                made.push(d);
            }
            Ok(made)
        })
        .await?;
    for (w, delegation) in delegations.into_iter().enumerate() {
        for month in 1..=12 {
            let doc = supervision(w, month).map_err(failed)?;
            let id = documents.create(doc).await?.to_string();
            accounts
                .with(move |c| {
                    store::register_supervision(c, &id, delegation, None, now).map(|_| ())
                })
                .await?;
        }
    }
    storage.set_meta(LOADED, "1".to_owned()).await?;
    accounts.changed();
    tracing::info!("loaded the demo organisation ({CITY}) and its year");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::followup::{self, Facts, Period};

    #[test]
    fn the_demo_year_has_overdue_and_escalated_recommendations_and_figures_to_show() {
        let facts: Vec<Facts> = (0..2)
            .flat_map(|w| (1..=12).map(move |m| Facts::read(&supervision(w, m).unwrap()).unwrap()))
            .collect();
        let f = followup::figures(&facts, Period::year(2026), Day::from_ymd(2026, 12, 2));
        assert_eq!((f.supervisions, f.inspections), (16, 8));
        assert_eq!(f.recommendations, 72);
        assert_eq!(f.units_visited, 2);
        assert!(f.overdue > 0 && f.escalated > 0 && f.remedied > 0, "{f:?}");
        assert!(f.median_days_to_reply.is_some());
    }
}
