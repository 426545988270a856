//! The follow-up rules and figures on hand-checked data: the 20-day rule's boundary (day 20
//! in time, day 21 escalated), a reply on the due date, a recommendation with no due date,
//! replies recorded apart offline, and a made-up year of supervisions counted by hand.

use super::*;
use crate::RecordId;
use crate::recommendation::{self, NewRecommendation, Reply};
use crate::schema::Choice;
use crate::supervision::{Setup, Stamp};
use automerge::ActorId;

fn day(iso: &str) -> Day {
    Day::parse(iso).expect(iso)
}

/// A recommendation as read, with a status, a due date and a reply date.
fn rec(status: FollowUp, due: &str, replied: Option<&str>) -> Recommendation {
    Recommendation {
        id: RecordId::from_key("r"),
        kind: Default::default(),
        text: "Đề nghị bổ sung hồ sơ.".into(),
        addressee: "UBND phường".into(),
        due: Choice {
            value: due.into(),
            alternatives: Vec::new(),
        },
        status,
        status_choice: Choice::default(),
        response: String::new(),
        reply: replied.map(|d| Reply {
            date: d.into(),
            number: "15/BC-UBND".into(),
            scan: None,
        }),
        reply_alternatives: Vec::new(),
        answers: Vec::new(),
        deleted: false,
        author: "Lan".into(),
        created_at: 0,
    }
}

#[test]
fn days_count_like_a_calendar() {
    assert_eq!(Day::from_ymd(1970, 1, 1), Day(0));
    assert_eq!(
        day("2024-03-01").0 - day("2024-02-28").0,
        2,
        "2024 is a leap year"
    );
    assert_eq!(day("2026-03-01").0 - day("2026-02-28").0, 1);
    assert_eq!(day("12/03/2026"), day("2026-03-12"));
    for d in (day("1999-12-25").0..day("2031-01-05").0).step_by(17) {
        assert_eq!(Day::parse(&Day(d).iso()), Some(Day(d)));
    }
    assert_eq!(Day::parse("31/02/2026"), None);
    // 23:30 on 12 March in Hà Nội is still 12 March there (16:30 UTC).
    assert_eq!(Day::of_ms(1_773_333_000_000), day("2026-03-12"));
    assert_eq!(Period::quarter(2026, 4).to, day("2026-12-31"));
    assert_eq!(Period::quarter(2026, 1).to, day("2026-03-31"));
}

#[test]
fn the_twentieth_day_is_in_time_and_the_twenty_first_escalates() {
    let sent = Some(day("2026-03-02"));
    let open = rec(FollowUp::Open, "", None);
    // Day 20 (22 March): still in time.
    let on_20 = standing(&open, sent, day("2026-03-22"));
    assert_eq!(on_20.reply_by, Some(day("2026-03-22")));
    assert!(!on_20.escalate && !on_20.late);
    // Day 21 with no reply: marked for escalation.
    let on_21 = standing(&open, sent, day("2026-03-23"));
    assert!(on_21.escalate && on_21.late);
    // A reply dated day 20 was in time, whenever it is looked at.
    let answered = rec(FollowUp::InProgress, "", Some("2026-03-22"));
    let later = standing(&answered, sent, day("2026-06-01"));
    assert!(!later.escalate && !later.late);
    assert_eq!(later.days_to_reply, Some(20));
    // A reply dated day 21 came late: counted as escalated, no longer to escalate.
    let late = standing(
        &rec(FollowUp::InProgress, "", Some("2026-03-23")),
        sent,
        day("2026-06-01"),
    );
    assert!(late.late && !late.escalate);
    assert_eq!(late.days_to_reply, Some(21));
    // Not sent yet (the conclusion not issued): no rule runs.
    let draft = standing(&open, None, day("2027-01-01"));
    assert!(!draft.escalate && !draft.late && draft.reply_by.is_none());
}

#[test]
fn status_moves_open_in_progress_overdue_remedied_with_the_due_day_in_time() {
    let sent = Some(day("2026-04-01"));
    let due = "2026-04-30";
    let at = |r: &Recommendation, d: &str| standing(r, sent, day(d)).state;
    assert_eq!(
        at(&rec(FollowUp::Open, due, None), "2026-04-10"),
        State::Open
    );
    assert_eq!(
        at(&rec(FollowUp::Open, due, None), "2026-04-30"),
        State::Open,
        "the due day itself"
    );
    assert_eq!(
        at(&rec(FollowUp::Open, due, None), "2026-05-01"),
        State::Overdue
    );
    // A reply on the due date: in progress that day, overdue the next (a reply is no remedy).
    let replied = rec(FollowUp::InProgress, due, Some(due));
    assert_eq!(at(&replied, "2026-04-30"), State::InProgress);
    assert_eq!(at(&replied, "2026-05-01"), State::Overdue);
    // The due date and the 20 days are two rules: answered on day 29, the reply was late.
    assert!(standing(&replied, sent, day("2026-05-01")).late);
    // Remedied is final, overdue or not.
    assert_eq!(
        at(&rec(FollowUp::Remedied, due, Some(due)), "2027-01-01"),
        State::Remedied
    );
    // No due date: never overdue, however long.
    assert_eq!(
        at(&rec(FollowUp::Open, "", None), "2036-01-01"),
        State::Open
    );
}

#[test]
fn a_reply_recorded_apart_offline_by_two_members_is_a_visible_conflict() {
    let stamp = |member, now_ms| Stamp { member, now_ms };
    let mut doc = crate::supervision::create(&Setup::default(), stamp("Lan", 0)).unwrap();
    let id = RecordId::from_key("r1");
    let new = NewRecommendation {
        text: "Đề nghị niêm yết công khai dự toán.",
        addressee: "UBND phường",
        due: "2026-04-30",
        ..Default::default()
    };
    recommendation::add(&mut doc, &id, &new, stamp("Lan", 0)).unwrap();
    let read = |doc: &automerge::Automerge| {
        recommendation::read_all(doc)
            .unwrap()
            .into_iter()
            .find(|r| r.id == id)
            .unwrap()
    };

    // Bad input changes nothing.
    let heads = doc.get_heads();
    let bad_date = Reply {
        date: "30/02/2026".into(),
        number: String::new(),
        scan: None,
    };
    assert!(recommendation::record_reply(&mut doc, &id, &bad_date, stamp("Lan", 1)).is_err());
    let bad_scan = Reply {
        date: "2026-04-20".into(),
        number: String::new(),
        scan: Some("../etc".into()),
    };
    assert!(recommendation::record_reply(&mut doc, &id, &bad_scan, stamp("Lan", 1)).is_err());
    assert!(
        recommendation::record_reply(
            &mut doc,
            &RecordId::from_key("none"),
            &bad_scan,
            stamp("Lan", 1)
        )
        .is_err()
    );
    assert_eq!(doc.get_heads(), heads);

    let mut lan = doc.fork().with_actor(ActorId::from(&[1; 16][..]));
    let mut minh = doc.fork().with_actor(ActorId::from(&[2; 16][..]));
    let lan_says = Reply {
        date: "20/04/2026".into(),
        number: " 15/BC-UBND ".into(),
        scan: None,
    };
    let minh_says = Reply {
        date: "2026-04-21".into(),
        number: "16/BC-UBND".into(),
        scan: Some("ab".repeat(32)),
    };
    recommendation::record_reply(&mut lan, &id, &lan_says, stamp("Lan", 2)).unwrap();
    recommendation::record_reply(&mut minh, &id, &minh_says, stamp("Minh", 2)).unwrap();
    // Each tablet alone: the reply stored normalised, and the recommendation in progress.
    let mine = read(&lan);
    assert_eq!(
        mine.reply,
        Some(Reply {
            date: "2026-04-20".into(),
            number: "15/BC-UBND".into(),
            scan: None
        })
    );
    assert_eq!(mine.status, FollowUp::InProgress);

    lan.merge(&mut minh).unwrap();
    let merged = read(&lan);
    let mut both: Vec<Reply> = merged
        .reply
        .clone()
        .into_iter()
        .chain(merged.reply_alternatives.clone())
        .collect();
    both.sort_by(|a, b| a.date.cmp(&b.date));
    assert_eq!(
        both.len(),
        2,
        "both replies kept, one shown as the alternative: {merged:?}"
    );
    assert_eq!(both[0].number, "15/BC-UBND");
    assert_eq!(both[1].number, "16/BC-UBND");
    // Recording one again settles it.
    recommendation::record_reply(&mut lan, &id, &both[1], stamp("Lan", 3)).unwrap();
    let settled = read(&lan);
    assert_eq!(settled.reply.as_ref(), Some(&both[1]));
    assert!(settled.reply_alternatives.is_empty());
}

/// A made-up year of one ward's Front committee, counted by hand in the comments.
fn year() -> Vec<Facts> {
    let with = |unit: &str, r: Recommendation| (unit.to_owned(), r);
    vec![
        // Q1: a supervision of Phường A on two topics; sent 20/01.
        Facts {
            title: "Giám sát Quy chế dân chủ".into(),
            kind: SupervisionKind::Supervision,
            held: day("2026-01-15"),
            topics: vec!["Quy chế dân chủ".into(), "Tiếp công dân".into(), " ".into()],
            units: vec!["Ủy ban nhân dân phường A".into()],
            sent: Some(day("2026-01-20")),
            recommendations: vec![
                // r1: answered after 16 days, remedied.
                with(
                    "Ủy ban nhân dân phường A",
                    rec(FollowUp::Remedied, "2026-03-31", Some("2026-02-05")),
                ),
                // r2: never answered (escalated), past due 31/03 (overdue).
                with(
                    "Ủy ban nhân dân phường A",
                    rec(FollowUp::Open, "2026-03-31", None),
                ),
            ],
        },
        // Q1: an inspection of Phường A (written another way) and Phường B; sent 12/02.
        Facts {
            title: "Kiểm tra Quy chế dân chủ".into(),
            kind: SupervisionKind::Inspection,
            held: day("2026-02-10"),
            topics: vec!["Quy chế dân chủ".into()],
            units: vec![
                "UY BAN NHAN DAN PHUONG A".into(),
                "Ủy ban nhân dân phường B".into(),
            ],
            sent: Some(day("2026-02-12")),
            // r3: answered on day 25 (late: escalated), no due date.
            recommendations: vec![with(
                "Ủy ban nhân dân phường B",
                rec(FollowUp::InProgress, "", Some("2026-03-09")),
            )],
        },
        // Q2: a supervision of Xã C, its conclusion not issued yet.
        Facts {
            title: "Giám sát đất đai".into(),
            kind: SupervisionKind::Supervision,
            held: day("2026-05-05"),
            topics: vec!["Đất đai".into()],
            units: vec!["Ủy ban nhân dân xã C".into()],
            sent: None,
            // r4: past due 01/06 (overdue), but never sent: no 20-day rule.
            recommendations: vec![with(
                "Ủy ban nhân dân xã C",
                rec(FollowUp::Open, "2026-06-01", None),
            )],
        },
        // The year before: counted in no 2026 period.
        Facts {
            title: "Giám sát năm trước".into(),
            kind: SupervisionKind::Supervision,
            held: day("2025-12-20"),
            topics: vec!["Quy chế dân chủ".into()],
            units: vec!["Ủy ban nhân dân phường D".into()],
            sent: Some(day("2025-12-22")),
            recommendations: vec![with(
                "Ủy ban nhân dân phường D",
                rec(FollowUp::Open, "", None),
            )],
        },
    ]
}

#[test]
fn a_quarter_and_a_year_counted_by_hand() {
    let today = day("2026-07-01");
    let q1 = figures(&year(), Period::quarter(2026, 1), today);
    assert_eq!((q1.supervisions, q1.inspections), (1, 1));
    assert_eq!(
        q1.by_topic,
        BTreeMap::from([
            ("Quy chế dân chủ".to_owned(), (1, 1)),
            ("Tiếp công dân".to_owned(), (1, 0))
        ])
    );
    assert_eq!(q1.units_visited, 2, "phường A written two ways is one unit");
    assert_eq!(q1.recommendations, 3);
    assert_eq!(q1.remedied, 1);
    assert_eq!(q1.overdue, 1, "r2");
    assert_eq!(q1.escalated, 2, "r2 unanswered, r3 answered on day 25");
    assert_eq!(q1.median_days_to_reply, Some(20.5), "16 and 25 days");

    let y = figures(&year(), Period::year(2026), today);
    assert_eq!((y.supervisions, y.inspections), (2, 1));
    assert_eq!(y.units_visited, 3);
    assert_eq!(
        (y.recommendations, y.remedied, y.overdue, y.escalated),
        (4, 1, 2, 2)
    );
    assert_eq!(y.median_days_to_reply, Some(20.5));

    let q3 = figures(&year(), Period::quarter(2026, 3), today);
    assert_eq!(q3, Figures::default(), "nothing held in Q3");
}

#[test]
fn the_follow_up_list_puts_escalations_first_and_filters_like_a_leader_would() {
    let today = day("2026-07-01");
    let all = list(&year(), &Filter::default(), today);
    assert_eq!(all.len(), 5);
    // The unanswered ones past 20 days lead, the overdue among them first (r2), then last
    // year's; then the other overdue one (r4).
    assert!(all[0].standing.escalate && all[1].standing.escalate);
    assert_eq!(all[0].unit, "Ủy ban nhân dân phường A");
    assert_eq!(all[1].unit, "Ủy ban nhân dân phường D");
    assert_eq!(all[2].standing.state, State::Overdue);
    assert_eq!(all[2].unit, "Ủy ban nhân dân xã C");

    let escalate = list(
        &year(),
        &Filter {
            escalate_only: true,
            period: Some(Period::year(2026)),
            ..Default::default()
        },
        today,
    );
    assert_eq!(escalate.len(), 1);
    assert_eq!(escalate[0].supervision, "Giám sát Quy chế dân chủ");

    // By unit, without accents; by state; by words of the text.
    let b = list(
        &year(),
        &Filter {
            unit: "phuong b".into(),
            ..Default::default()
        },
        today,
    );
    assert_eq!(b.len(), 1);
    let overdue = list(
        &year(),
        &Filter {
            state: Some(State::Overdue),
            ..Default::default()
        },
        today,
    );
    assert_eq!(overdue.len(), 2);
    let words = list(
        &year(),
        &Filter {
            search: "BO SUNG ho so".into(),
            ..Default::default()
        },
        today,
    );
    assert_eq!(words.len(), 5);
    assert!(
        list(
            &year(),
            &Filter {
                search: "đất".into(),
                ..Default::default()
            },
            today
        )
        .is_empty()
    );
}

#[test]
fn facts_are_read_from_a_supervision_document() {
    use crate::finding::{self, FindingKind};
    use crate::official::issue::{self, Letterhead};
    let stamp = |member, now_ms| Stamp { member, now_ms };
    let setup = Setup {
        title: "Giám sát Quy chế dân chủ".into(),
        kind: SupervisionKind::Inspection,
        schedule_from: "2026-03-12".into(),
        ..Default::default()
    };
    let mut doc = crate::supervision::create(&setup, stamp("Lan", 0)).unwrap();
    let unit_id = RecordId::from_key("u");
    crate::unit::add(
        &mut doc,
        &unit_id,
        "Ủy ban nhân dân phường A",
        stamp("Lan", 0),
    )
    .unwrap();
    let f = RecordId::from_key("f");
    finding::add(
        &mut doc,
        &f,
        &unit_id,
        FindingKind::Shortcoming,
        "Chưa niêm yết.",
        stamp("Lan", 0),
    )
    .unwrap();
    let answers = [f.clone()];
    let new = NewRecommendation {
        text: "Đề nghị niêm yết.",
        addressee: "Chủ tịch UBND",
        answers: &answers,
        ..Default::default()
    };
    recommendation::add(&mut doc, &RecordId::from_key("r"), &new, stamp("Lan", 0)).unwrap();
    let loose = NewRecommendation {
        text: "Đề nghị báo cáo.",
        addressee: "Đảng ủy phường",
        ..Default::default()
    };
    recommendation::add(&mut doc, &RecordId::from_key("r2"), &loose, stamp("Lan", 0)).unwrap();

    let facts = Facts::read(&doc).unwrap();
    assert_eq!(facts.kind, SupervisionKind::Inspection);
    assert_eq!(facts.held, day("2026-03-12"));
    assert_eq!(facts.sent, None, "not issued yet");
    let units: Vec<&str> = facts
        .recommendations
        .iter()
        .map(|(u, _)| u.as_str())
        .collect();
    assert_eq!(
        units,
        ["Ủy ban nhân dân phường A", "Đảng ủy phường"],
        "the finding's unit, else the addressee"
    );

    // Issued on 20/03: that is when its recommendations were sent.
    let letterhead = Letterhead {
        date: (2026, 3, 20),
        ..Default::default()
    };
    issue::issue(
        &mut doc,
        &crate::DocumentId::from_bytes([1; 16]),
        &letterhead,
        &RecordId::from_key("v1"),
        stamp("Lan", 1),
    )
    .unwrap();
    assert_eq!(Facts::read(&doc).unwrap().sent, Some(day("2026-03-20")));
}

#[test]
fn the_quarterly_review_says_the_figures_the_screen_shows() {
    use crate::official::{LayoutId, docx};
    use crate::review;
    let today = day("2026-07-01");
    let q1 = Period::quarter(2026, 1);
    let f = figures(&year(), q1, today);
    let lines = list(
        &year(),
        &Filter {
            period: Some(q1),
            ..Default::default()
        },
        today,
    );
    let paper = review::review(
        LayoutId::Nd30,
        "Ban Thường trực Ủy ban MTTQ phường",
        q1,
        (2026, 7, 1),
        &f,
        &lines,
    );
    assert_eq!(
        paper.summary,
        "Kết quả công tác giám sát, kiểm tra quý I năm 2026"
    );
    let said: Vec<&str> = paper
        .sections
        .iter()
        .flat_map(|s| s.paragraphs.iter().map(String::as_str))
        .collect();
    assert_eq!(
        said[..3],
        [
            "Số cuộc giám sát: 1; số cuộc kiểm tra: 1; số đơn vị được giám sát, kiểm tra: 2.",
            "Số kiến nghị đã nêu: 3; đã khắc phục: 1; quá hạn chưa khắc phục: 1; quá 20 ngày không có văn bản trả lời (báo cáo cấp trên): 2.",
            "Thời gian trả lời kiến nghị (trung vị): 20,5 ngày.",
        ]
    );
    let headings: Vec<&str> = paper.sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(
        headings,
        [
            "I. SỐ LIỆU",
            "II. KIẾN NGHỊ QUÁ 20 NGÀY CHƯA CÓ VĂN BẢN TRẢ LỜI, BÁO CÁO CẤP TRÊN"
        ],
        "r2 is both escalated and overdue: listed once, with the escalations"
    );
    assert_eq!(
        paper.sections[1].paragraphs,
        [
            "Ủy ban nhân dân phường A — Giám sát Quy chế dân chủ: Đề nghị bổ sung hồ sơ. (hạn trả lời 09/02/2026)"
        ]
    );
    let xml = crate::official::tests::part(&docx::build(&paper).unwrap(), "word/document.xml");
    assert!(
        xml.contains("Số kiến nghị đã nêu: 3; đã khắc phục: 1"),
        "{xml}"
    );
}
