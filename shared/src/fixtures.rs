//! Sample supervisions built with shared's own operations, for tests, benches and seeders:
//! the same document wherever a figure about "the 500-finding supervision" is quoted.
//!
//! [`big_supervision`] (issue 3): five members, one unit each, write 500 findings of ~300
//! characters of Vietnamese (strengths, shortcomings, causes) on their own tablets, merged; the
//! head of delegation agrees half of them, adds 30 recommendations, generates the conclusion
//! and writes the overview by hand, until the conclusion holds 60,000 characters or more. One
//! change per operation (~800 changes); record ids and actors are drawn from counters, so every
//! build is the same document. Texts repeat phrases, so its saved size is a lower bound.
//!
//! The data is ours and fixed: a failure here is a bug in shared, hence the `expect`s.

use automerge::{ActorId, Automerge};

use crate::RecordId;
use crate::conclusion::{self, Section};
use crate::finding::{self, FindingKind, FindingStatus, NewFinding};
use crate::recommendation::{self, NewRecommendation, RecommendationKind};
use crate::supervision::{self, Setup, Stamp, SupervisionKind};
use crate::unit;

pub const MEMBERS: [&str; 5] = [
    "Nguyễn Thị Lan",
    "Trần Văn Minh",
    "Lê Quốc Hùng",
    "Phạm Thị Thu",
    "Võ Anh Tuấn",
];
pub const UNITS: [&str; 5] = [
    "Đảng ủy phường Thanh Khê Tây",
    "Đảng ủy phường Thanh Khê Đông",
    "Đảng ủy phường Xuân Hà",
    "Đảng ủy phường Chính Gián",
    "Đảng ủy phường Tam Thuận",
];
const TOPICS: [&str; 4] = [
    "QĐ 217-QĐ/TW",
    "QĐ 218-QĐ/TW",
    "Quy định 22-QĐ/TW",
    "Chỉ thị 05-CT/TW",
];
pub const FINDINGS: usize = 500;
const RECOMMENDATIONS: usize = 30;
/// ~20 pages at ~3,000 characters a page.
pub const CONCLUSION_TARGET_CHARS: usize = 60_000;
/// 2 August 2022, 08:00 (UTC+7): the delegation's first working day.
pub const T0: i64 = 1_659_402_000_000;

// `{n}`, `{m}` and `{y}` are replaced by figures drawn from the finding's number, so no two
// findings read alike (and deflate cannot fold them into each other too easily).
const STRENGTHS: [&str; 10] = [
    "Ban Thường vụ Đảng ủy đã kịp thời quán triệt, triển khai Quyết định 217-QĐ/TW và Quyết định 218-QĐ/TW đến {n} chi bộ trực thuộc và toàn thể cán bộ, đảng viên.",
    "Chương trình giám sát năm {y} được xây dựng đúng quy định, có trọng tâm, trọng điểm, bám sát nhiệm vụ chính trị của địa phương.",
    "Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội phường đã chủ động phối hợp tổ chức {m} hội nghị đối thoại giữa người đứng đầu cấp ủy, chính quyền với nhân dân.",
    "Công tác tiếp công dân, giải quyết khiếu nại, tố cáo được duy trì thường xuyên; {n} đơn thư được giải quyết đúng thời hạn, không để phát sinh điểm nóng.",
    "Hồ sơ, tài liệu của {m} cuộc giám sát chuyên đề được lập, lưu trữ đầy đủ, khoa học, thuận tiện cho việc tra cứu.",
    "Các chi bộ đã đưa nội dung giám sát, phản biện xã hội vào sinh hoạt định kỳ; {n}/{n} chi bộ có nghị quyết chuyên đề về công tác giám sát.",
    "Kết quả giám sát được thông báo kịp thời đến tổ chức, cá nhân được giám sát và được theo dõi, đôn đốc khắc phục sau giám sát.",
    "Đội ngũ cán bộ làm công tác kiểm tra, giám sát có tinh thần trách nhiệm, nắm vững nghiệp vụ; {m} đồng chí được bồi dưỡng nghiệp vụ trong năm {y}.",
    "Việc góp ý xây dựng Đảng, xây dựng chính quyền của nhân dân được tiếp thu nghiêm túc; {n} ý kiến đã được giải trình, trả lời công khai tại tổ dân phố.",
    "Ban Thanh tra nhân dân và Ban Giám sát đầu tư của cộng đồng hoạt động đều đặn, đã giám sát {m} công trình xây dựng cơ sở hạ tầng trên địa bàn.",
];
const SHORTCOMINGS: [&str; 10] = [
    "Một số chi bộ chưa xây dựng kế hoạch giám sát chuyên đề; nội dung giám sát còn chung chung, chưa sát với tình hình thực tế của tổ dân phố.",
    "Việc lấy ý kiến góp ý của nhân dân đối với tổ chức đảng, đảng viên và cán bộ, công chức có lúc còn hình thức; {m} hội nghị chưa có biên bản tổng hợp ý kiến.",
    "Hồ sơ {m} cuộc giám sát năm {y} chưa đầy đủ, thiếu biên bản làm việc và báo cáo kết quả giám sát gửi cấp ủy.",
    "Việc theo dõi, đôn đốc thực hiện các kiến nghị sau giám sát chưa thường xuyên; {n} kiến nghị quá hạn nhưng chưa được khắc phục dứt điểm.",
    "Chế độ thông tin, báo cáo định kỳ về cấp trên có lúc chưa kịp thời, số liệu giữa các bộ phận chưa thống nhất.",
    "Công tác tuyên truyền về vai trò giám sát và phản biện xã hội của Mặt trận Tổ quốc và các đoàn thể chưa được quan tâm đúng mức.",
    "Sự phối hợp giữa Ủy ban kiểm tra Đảng ủy với Ban Thanh tra nhân dân phường còn lỏng lẻo; trong năm {y} chỉ có {m} cuộc giám sát phối hợp.",
    "Một số đảng viên chưa gương mẫu thực hiện quy định về những điều đảng viên không được làm; {m} trường hợp chưa được chi bộ kịp thời nhắc nhở.",
    "Việc công khai kết quả giám sát tại nơi cư trú chưa được thực hiện đầy đủ ở {n} tổ dân phố.",
    "Nội dung phản biện xã hội đối với dự thảo nghị quyết, đề án của địa phương còn ít; chất lượng ý kiến phản biện chưa cao.",
];
const CAUSES: [&str; 8] = [
    "Một số cấp ủy, người đứng đầu chưa nhận thức đầy đủ về vị trí, vai trò của công tác giám sát và phản biện xã hội của Mặt trận Tổ quốc và các đoàn thể.",
    "Cán bộ làm công tác kiểm tra, giám sát phần lớn kiêm nhiệm, thường xuyên thay đổi; {m} đồng chí chưa qua bồi dưỡng nghiệp vụ.",
    "Kinh phí bảo đảm cho hoạt động giám sát còn hạn hẹp, chưa có cơ chế hỗ trợ cụ thể cho thành viên các đoàn giám sát.",
    "Khối lượng công việc ở cơ sở lớn, nhiều nhiệm vụ đột xuất nên việc giám sát chưa được ưu tiên bố trí thời gian.",
    "Hướng dẫn của cấp trên về quy trình, hồ sơ giám sát có nội dung chưa cụ thể, khó áp dụng ở cấp chi bộ.",
    "Một bộ phận nhân dân còn e ngại khi góp ý, phản ánh; kênh tiếp nhận ý kiến qua {m} hòm thư góp ý chưa phát huy hiệu quả.",
    "Việc sơ kết, rút kinh nghiệm sau mỗi cuộc giám sát chưa được thực hiện nghiêm túc, chưa chỉ rõ trách nhiệm của tập thể, cá nhân.",
    "Cơ chế phối hợp giữa các tổ chức trong hệ thống chính trị ở phường chưa được cụ thể hóa bằng quy chế, phân công còn chồng chéo.",
];
const RECOMMENDATION_TEXTS: [&str; 6] = [
    "Chỉ đạo các chi bộ rà soát, bổ sung kế hoạch giám sát năm {y}, bảo đảm mỗi chi bộ có ít nhất {m} nội dung giám sát chuyên đề sát với tình hình thực tế.",
    "Hoàn thiện hồ sơ các cuộc giám sát còn thiếu, báo cáo kết quả về Ủy ban Kiểm tra Quận ủy.",
    "Kiện toàn, bồi dưỡng nghiệp vụ cho đội ngũ cán bộ làm công tác kiểm tra, giám sát, nhất là cán bộ kiêm nhiệm.",
    "Ban hành quy chế phối hợp giữa Ủy ban kiểm tra Đảng ủy, Ủy ban Mặt trận Tổ quốc và Ban Thanh tra nhân dân phường.",
    "Chỉ đạo khắc phục dứt điểm {n} kiến nghị quá hạn sau giám sát; báo cáo kết quả khắc phục bằng văn bản.",
    "Tổ chức công khai kết quả giám sát tại các tổ dân phố và trên bảng tin của phường.",
];
const OVERVIEW_TEXTS: [&str; 4] = [
    "Đoàn giám sát đã nghiên cứu báo cáo tự kiểm tra của {n} tổ chức đảng, làm việc trực tiếp với Ban Thường vụ Đảng ủy, Ủy ban kiểm tra Đảng ủy, Ủy ban Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội phường; kiểm tra hồ sơ, tài liệu liên quan và gặp gỡ {m} đảng viên, nhân dân tại các tổ dân phố.",
    "Trong thời kỳ giám sát, Đảng ủy đã lãnh đạo, chỉ đạo thực hiện nhiệm vụ phát triển kinh tế - xã hội, quốc phòng - an ninh trên địa bàn; đời sống vật chất, tinh thần của nhân dân từng bước được nâng lên; công tác xây dựng Đảng, xây dựng hệ thống chính trị có nhiều chuyển biến tích cực.",
    "Tổ chức được giám sát đã chuẩn bị báo cáo, cung cấp hồ sơ, tài liệu đầy đủ theo đề cương; các đồng chí trong Ban Thường vụ Đảng ủy đã tham gia làm việc với Đoàn, giải trình rõ những nội dung Đoàn yêu cầu.",
    "Sau khi nghe báo cáo của Đoàn giám sát, ý kiến giải trình của tổ chức được giám sát, Thường trực Quận ủy kết luận như sau; đề nghị Đảng ủy nghiêm túc tiếp thu, xây dựng kế hoạch khắc phục và báo cáo kết quả trong thời hạn quy định.",
];

pub fn fill(template: &str, i: usize) -> String {
    template
        .replace("{n}", &format!("{:02}", 3 + (i * 7) % 23))
        .replace("{m}", &format!("{:02}", 1 + (i * 5) % 11))
        .replace("{y}", &(2020 + i % 3).to_string())
}

/// About 300 characters: whole sentences from the kind's pool, starting and stepping by the
/// finding's number, until there are at least 250 (they average ~300).
pub fn finding_text(i: usize, kind: FindingKind) -> String {
    let pool: &[&str] = match kind {
        FindingKind::Strength => &STRENGTHS,
        FindingKind::Shortcoming => &SHORTCOMINGS,
        FindingKind::Cause => &CAUSES,
    };
    let mut out = String::new();
    let mut k = i;
    while out.chars().count() < 250 {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&fill(pool[k % pool.len()], i + k));
        k += 3;
    }
    out
}

fn kind_of(i: usize) -> FindingKind {
    // 40 % strengths, 40 % shortcomings, 20 % causes.
    match i % 5 {
        0 | 3 => FindingKind::Strength,
        1 | 4 => FindingKind::Shortcoming,
        _ => FindingKind::Cause,
    }
}

/// Record ids drawn from a counter, so every run builds the same document.
struct Ids(u64);

impl Ids {
    fn next(&mut self) -> RecordId {
        self.0 += 1;
        RecordId::from_bytes(self.0.to_be_bytes())
    }
}

fn actor(k: u8) -> ActorId {
    ActorId::from([k + 1; 16])
}

fn stamp(member: usize, t: &mut i64) -> Stamp<'static> {
    *t += 37_000;
    Stamp {
        member: MEMBERS[member],
        now_ms: *t,
    }
}

/// The built supervision, with the ids of its findings and conclusion paragraphs.
pub struct Big {
    pub doc: Automerge,
    pub findings: Vec<RecordId>,
    pub paragraphs: Vec<RecordId>,
}

/// Build the big supervision (about 1.5 s natively, release).
pub fn big_supervision() -> Big {
    let mut ids = Ids(0);
    let mut t = T0;
    let setup = big_setup();
    let mut head = Automerge::new();
    head.set_actor(actor(0));
    let mut head =
        supervision::create_as(head, &setup, stamp(0, &mut t)).expect("the fixture is well formed");
    let units: Vec<RecordId> = UNITS
        .iter()
        .map(|name| {
            let id = ids.next();
            unit::add(&mut head, &id, name, stamp(0, &mut t)).expect("the fixture is well formed");
            id
        })
        .collect();

    // Each member, on their own tablet, writes the findings about the unit they were given.
    let mut findings = Vec::with_capacity(FINDINGS);
    let mut tablets: Vec<Automerge> = (0..MEMBERS.len())
        .map(|m| {
            let mut d = head.fork();
            d.set_actor(actor(m as u8));
            d
        })
        .collect();
    for i in 0..FINDINGS {
        let m = i % MEMBERS.len();
        let kind = kind_of(i);
        let text = finding_text(i, kind);
        let figures = if i % 4 == 0 {
            fill("{n} chi bộ, {m} cuộc giám sát chuyên đề", i)
        } else {
            String::new()
        };
        let new = NewFinding {
            kind,
            topic: TOPICS[i % TOPICS.len()],
            text: &text,
            figures: &figures,
        };
        let id = ids.next();
        finding::add_full(&mut tablets[m], &id, &units[m], &new, stamp(m, &mut t))
            .expect("the fixture is well formed");
        findings.push(id);
    }
    for tablet in &mut tablets[1..] {
        head.merge(tablet).expect("the fixture is well formed");
    }
    head.merge(&mut tablets[0])
        .expect("the fixture is well formed");

    // The head of delegation agrees half of them, writes the recommendations, generates.
    for id in findings.iter().step_by(2) {
        finding::set_status(&mut head, id, FindingStatus::Agreed, stamp(0, &mut t))
            .expect("the fixture is well formed");
    }
    let kinds = RecommendationKind::ALL;
    for r in 0..RECOMMENDATIONS {
        let text = fill(RECOMMENDATION_TEXTS[r % RECOMMENDATION_TEXTS.len()], r);
        let due = format!("2022-{:02}-{:02}", 9 + r % 4, 1 + (r * 3) % 28);
        let answers = [findings[(r * 16 + 1) % FINDINGS].clone()];
        let new = NewRecommendation {
            kind: kinds[r % kinds.len()],
            text: &text,
            addressee: UNITS[r % UNITS.len()],
            due: &due,
            answers: &answers,
        };
        recommendation::add(&mut head, &ids.next(), &new, stamp(0, &mut t))
            .expect("the fixture is well formed");
    }
    conclusion::generate(&mut head, || ids.next(), stamp(0, &mut t))
        .expect("the fixture is well formed");
    // The overview is written by hand; then paragraphs are added until ~20 pages.
    let mut p = 0;
    while p < OVERVIEW_TEXTS.len() || conclusion_chars(&head) < CONCLUSION_TARGET_CHARS {
        let text = fill(OVERVIEW_TEXTS[p % OVERVIEW_TEXTS.len()], p);
        conclusion::add_paragraph(
            &mut head,
            &ids.next(),
            Section::Overview,
            None,
            &text,
            stamp(0, &mut t),
        )
        .expect("the fixture is well formed");
        p += 1;
    }
    let paragraphs = conclusion::read(&head)
        .expect("the fixture is well formed")
        .into_iter()
        .map(|p| p.id)
        .collect();
    Big {
        doc: head,
        findings,
        paragraphs,
    }
}

/// The conclusion's length in characters.
pub fn conclusion_chars(doc: &Automerge) -> usize {
    conclusion::read(doc)
        .expect("the fixture is well formed")
        .iter()
        .map(|p| p.text.chars().count())
        .sum()
}

/// The big supervision's set-up: the district's decision over all its wards.
pub fn big_setup() -> Setup {
    Setup {
        title: "Giám sát việc thực hiện Quyết định 217-QĐ/TW và Quyết định 218-QĐ/TW của Bộ Chính trị tại các Đảng ủy phường".into(),
        schedule_from: "2022-08-02".into(),
        schedule_to: "2022-08-11".into(),
        ..thanh_khe_tay()
    }
}

/// The walking skeleton's supervision (Quận ủy Thanh Khê's decision 1175-QĐ/QU): the set-up
/// every test that needs "a supervision" starts from.
pub fn thanh_khe_tay() -> Setup {
    Setup {
        title: "Giám sát việc thực hiện Quyết định 217-QĐ/TW tại Đảng ủy phường Thanh Khê Tây"
            .into(),
        kind: SupervisionKind::Supervision,
        basis_number: "1175-QĐ/QU".into(),
        basis_date: "2022-07-13".into(),
        basis_issuer: "Quận ủy Thanh Khê".into(),
        period_from: "6/2020".into(),
        period_to: "6/2022".into(),
        ..Setup::default()
    }
}
