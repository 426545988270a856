//! Seeds a running server with the two supervisions `tests/bench/app-open.mjs` opens: a big
//! one (500 findings of ~300 characters of Vietnamese about 5 units, and a conclusion of
//! ~60,000 characters, about 20 pages) and an empty one (its set-up only). Both are built with
//! shared's operations, sent through a simulated member (shared's sync client over a real
//! WebSocket) signed in as a member, and registered to that member's delegation; it waits
//! until the server has confirmed every change (pending == 0), prints one JSON line with the
//! two document ids and what the big one holds, and exits.
//!
//! Usage: `seed_big <server address or URL> <username> <password> <delegation id>`, e.g.
//! `seed_big 127.0.0.1:8080 lan 'mật khẩu' 1`. The account must be a writing member of the
//! delegation.

use std::time::{Duration, Instant};

use automerge::Automerge;
use giamsat_tests::member::Member;
use giamsat_tests::seeding;
use giamsat_tests::server::sign_in;
use giamsat_tests::{now_ms, random};
use shared::conclusion::{self, Section};
use shared::finding::{self, FindingKind, NewFinding};
use shared::fixtures::{self, fill};
use shared::supervision::{self, Setup, Stamp};
use shared::{DocumentId, RecordId, unit};

const BOUND: Duration = Duration::from_secs(180);
const FINDINGS: usize = 500;
/// ~20 pages at ~3,000 characters a page.
const CONCLUSION_CHARS: usize = 60_000;
const MEMBER: &str = "Nguyễn Thị Lan";
const UNITS: [&str; 5] = [
    "Đảng ủy phường Thanh Khê Tây",
    "Đảng ủy phường Thanh Khê Đông",
    "Đảng ủy phường Xuân Hà",
    "Đảng ủy phường Chính Gián",
    "Đảng ủy phường Tam Thuận",
];
const TOPICS: [&str; 3] = ["QĐ 217-QĐ/TW", "QĐ 218-QĐ/TW", "Quy định 22-QĐ/TW"];
const SENTENCES: [&str; 10] = [
    "Ban Thường vụ Đảng ủy đã kịp thời quán triệt, triển khai Quyết định 217-QĐ/TW và Quyết định 218-QĐ/TW đến {n} chi bộ trực thuộc và toàn thể cán bộ, đảng viên.",
    "Một số chi bộ chưa xây dựng kế hoạch giám sát chuyên đề; nội dung giám sát còn chung chung, chưa sát với tình hình thực tế của tổ dân phố.",
    "Việc theo dõi, đôn đốc thực hiện các kiến nghị sau giám sát chưa thường xuyên; {n} kiến nghị quá hạn nhưng chưa được khắc phục dứt điểm.",
    "Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội phường đã chủ động phối hợp tổ chức {m} hội nghị đối thoại giữa người đứng đầu cấp ủy, chính quyền với nhân dân.",
    "Cán bộ làm công tác kiểm tra, giám sát phần lớn kiêm nhiệm, thường xuyên thay đổi; {m} đồng chí chưa qua bồi dưỡng nghiệp vụ.",
    "Hồ sơ {m} cuộc giám sát năm {y} chưa đầy đủ, thiếu biên bản làm việc và báo cáo kết quả giám sát gửi cấp ủy.",
    "Công tác tiếp công dân, giải quyết khiếu nại, tố cáo được duy trì thường xuyên; {n} đơn thư được giải quyết đúng thời hạn, không để phát sinh điểm nóng.",
    "Sự phối hợp giữa Ủy ban kiểm tra Đảng ủy với Ban Thanh tra nhân dân phường còn lỏng lẻo; trong năm {y} chỉ có {m} cuộc giám sát phối hợp.",
    "Kinh phí bảo đảm cho hoạt động giám sát còn hạn hẹp, chưa có cơ chế hỗ trợ cụ thể cho thành viên các đoàn giám sát.",
    "Đội ngũ cán bộ làm công tác kiểm tra, giám sát có tinh thần trách nhiệm, nắm vững nghiệp vụ; {m} đồng chí được bồi dưỡng nghiệp vụ trong năm {y}.",
];

/// At least `chars` characters: whole sentences from the pool, from `i` on.
fn text(i: usize, chars: usize) -> String {
    let mut out = String::new();
    let mut k = i;
    while out.chars().count() < chars {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&fill(SENTENCES[k % SENTENCES.len()], i + k));
        k += 3;
    }
    out
}

fn setup(title: &str) -> Setup {
    Setup {
        title: title.into(),
        ..fixtures::big_setup()
    }
}

fn stamp() -> Stamp<'static> {
    Stamp {
        member: MEMBER,
        now_ms: now_ms(),
    }
}

/// The big supervision: 5 units, 500 findings, a conclusion of ≥ 60,000 characters.
fn big(title: &str) -> (Automerge, usize) {
    let mut doc = supervision::create(&setup(title), stamp()).unwrap();
    let units: Vec<RecordId> = UNITS
        .iter()
        .map(|name| {
            let id = RecordId::from_bytes(random());
            unit::add(&mut doc, &id, name, stamp()).unwrap();
            id
        })
        .collect();
    for i in 0..FINDINGS {
        let body = text(i, 270);
        let figures = if i % 4 == 0 {
            fill("{n} chi bộ, {m} cuộc giám sát chuyên đề", i)
        } else {
            String::new()
        };
        let new = NewFinding {
            kind: FindingKind::ALL[i % 3],
            topic: TOPICS[i % TOPICS.len()],
            text: &body,
            figures: &figures,
        };
        finding::add_full(
            &mut doc,
            &RecordId::from_bytes(random()),
            &units[i % units.len()],
            &new,
            stamp(),
        )
        .unwrap();
    }
    let mut chars = 0;
    let mut p = 0;
    while chars < CONCLUSION_CHARS {
        let body = text(1_000 + p, 480);
        chars += body.chars().count();
        let section = Section::ALL[(p * Section::ALL.len()) / 125 % Section::ALL.len()];
        conclusion::add_paragraph(
            &mut doc,
            &RecordId::from_bytes(random()),
            section,
            None,
            &body,
            stamp(),
        )
        .unwrap();
        p += 1;
    }
    (doc, chars)
}

/// Register `doc` to the delegation, hand it to the member, and wait until the server has it.
async fn publish(
    member: &mut Member,
    ws: &str,
    delegation: i64,
    doc: Automerge,
    title: &str,
) -> DocumentId {
    let id = seeding::register(member, delegation, doc, title).await;
    seeding::until_confirmed(member, ws, &[id], BOUND, title).await;
    id
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [arg, username, password, delegation] = args.as_slice() else {
        panic!("usage: seed_big <server address or URL> <username> <password> <delegation id>");
    };
    let delegation: i64 = delegation.parse().expect("a delegation id");
    let addr = arg
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let started = Instant::now();

    let account = sign_in(&addr, username, password, MEMBER).await;
    let ws = format!("ws://{addr}/sync");
    let mut member = Member::new(&account);
    member.connect(&ws).await;

    let big_title = "Giám sát việc thực hiện Quyết định 217-QĐ/TW và 218-QĐ/TW tại 5 Đảng ủy phường (500 nhận xét)";
    let (doc, conclusion_chars) = big(big_title);
    let saved = doc.save().len();
    let changes = doc.get_changes(&[]).len();
    let built = started.elapsed();
    let big_id = publish(&mut member, &ws, delegation, doc, big_title).await;

    let empty_title = "Kiểm tra việc thực hiện Quy định 22-QĐ/TW tại Chi bộ Tổ dân phố 12";
    let doc = supervision::create(&setup(empty_title), stamp()).unwrap();
    let empty_id = publish(&mut member, &ws, delegation, doc, empty_title).await;
    member.disconnect();

    println!(
        "{{\"big\":\"{big_id}\",\"empty\":\"{empty_id}\",\"findings\":{FINDINGS},\
         \"conclusion_chars\":{conclusion_chars},\"big_changes\":{changes},\"big_saved_bytes\":{saved},\
         \"built_ms\":{},\"total_ms\":{}}}",
        built.as_millis(),
        started.elapsed().as_millis()
    );
}
