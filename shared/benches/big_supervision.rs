//! Issue 3: "a supervision with 500 findings and a 20-page conclusion opens and stays
//! responsive". A delegation of five members, one unit each, writes 500 findings of ~300
//! characters of Vietnamese (strengths, shortcomings, causes) on their own tablets, merged; the
//! head of delegation agrees half of them, adds 30 recommendations, generates the conclusion and
//! writes the overview by hand. The conclusion must reach 60,000 characters (~20 pages of
//! ~3,000); generating from 250 agreed findings already gives ~90,000 (~30 pages), so the bench
//! measures a somewhat heavier document than the issue names. On it, this times what the tablet
//! does all day: `open` (load the bytes IndexedDB holds, then read the whole supervision),
//! `read` (what every re-render calls), `keystroke_in_conclusion` and `keystroke_in_finding`
//! (one character typed, through `field::set` / `finding::set_text`, the path the app's inputs
//! take), and `save` (the bytes written to IndexedDB after each change). The document is built
//! with shared's public operations, one change per operation (~800 changes), so its history is
//! far shorter than that of a document typed character by character, and its text repeats
//! phrases, so the saved size is a lower bound: the numbers are those of the content.
//!
//! Run: `cargo bench -p shared --bench big_supervision` (about a minute; results in
//! BENCHMARKS.md at the repository root).

use std::hint::black_box;
use std::time::{Duration, Instant};

use automerge::{ActorId, Automerge};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shared::RecordId;
use shared::conclusion::{self, Section};
use shared::field::{self, RecordKind, TextField};
use shared::finding::{self, FindingKind, FindingStatus, NewFinding};
use shared::recommendation::{self, NewRecommendation, RecommendationKind};
use shared::supervision::{self, Setup, Stamp, SupervisionKind};
use shared::unit;

const MEMBERS: [&str; 5] = [
    "Nguyễn Thị Lan",
    "Trần Văn Minh",
    "Lê Quốc Hùng",
    "Phạm Thị Thu",
    "Võ Anh Tuấn",
];
const UNITS: [&str; 5] = [
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
const FINDINGS: usize = 500;
const RECOMMENDATIONS: usize = 30;
/// ~20 pages at ~3,000 characters a page.
const CONCLUSION_TARGET_CHARS: usize = 60_000;
/// 2 August 2022, 08:00 (UTC+7): the delegation's first working day.
const T0: i64 = 1_659_402_000_000;

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
/// What the member types, one character at a time.
const TYPED: &str = "đề nghị bổ sung số liệu cụ thể về kết quả khắc phục sau giám sát ";

fn fill(template: &str, i: usize) -> String {
    template
        .replace("{n}", &format!("{:02}", 3 + (i * 7) % 23))
        .replace("{m}", &format!("{:02}", 1 + (i * 5) % 11))
        .replace("{y}", &(2020 + i % 3).to_string())
}

/// About 300 characters: whole sentences from the kind's pool, starting and stepping by the
/// finding's number, until there are at least 250 (they average ~300).
fn finding_text(i: usize, kind: FindingKind) -> String {
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

struct Built {
    doc: Automerge,
    findings: Vec<RecordId>,
    paragraphs: Vec<RecordId>,
}

fn build() -> Built {
    let mut ids = Ids(0);
    let mut t = T0;
    let setup = Setup {
        title: "Giám sát việc thực hiện Quyết định 217-QĐ/TW và Quyết định 218-QĐ/TW của Bộ Chính trị tại các Đảng ủy phường".into(),
        kind: SupervisionKind::Supervision,
        basis_number: "1175-QĐ/QU".into(),
        basis_date: "2022-07-13".into(),
        basis_issuer: "Quận ủy Thanh Khê".into(),
        period_from: "6/2020".into(),
        period_to: "6/2022".into(),
        schedule_from: "2022-08-02".into(),
        schedule_to: "2022-08-11".into(),
    };
    let mut head = Automerge::new();
    head.set_actor(actor(0));
    let mut head = supervision::create_as(head, &setup, stamp(0, &mut t)).unwrap();
    let units: Vec<RecordId> = UNITS
        .iter()
        .map(|name| {
            let id = ids.next();
            unit::add(&mut head, &id, name, stamp(0, &mut t)).unwrap();
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
        finding::add_full(&mut tablets[m], &id, &units[m], &new, stamp(m, &mut t)).unwrap();
        findings.push(id);
    }
    for tablet in &mut tablets[1..] {
        head.merge(tablet).unwrap();
    }
    head.merge(&mut tablets[0]).unwrap();

    // The head of delegation agrees half of them, writes the recommendations, generates.
    for id in findings.iter().step_by(2) {
        finding::set_status(&mut head, id, FindingStatus::Agreed, stamp(0, &mut t)).unwrap();
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
        recommendation::add(&mut head, &ids.next(), &new, stamp(0, &mut t)).unwrap();
    }
    conclusion::generate(&mut head, || ids.next(), stamp(0, &mut t)).unwrap();
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
        .unwrap();
        p += 1;
    }
    let paragraphs = conclusion::read(&head)
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    Built {
        doc: head,
        findings,
        paragraphs,
    }
}

fn conclusion_chars(doc: &Automerge) -> usize {
    conclusion::read(doc)
        .unwrap()
        .iter()
        .map(|p| p.text.chars().count())
        .sum()
}

/// Keystrokes typed this many at a time into one field, after which the document is put back
/// (untimed) as it was built: the document never drifts more than this many one-character
/// changes from the one described, and the field never grows by more than a sentence.
const KEYSTROKES_PER_ROUND: usize = 64;

/// Time `iters` keystrokes, each on its own: `set` makes the field read its current text with
/// one more character at the caret (the caret starts mid-text and moves on as the member
/// types). The text the input would hold is prepared outside the timing, as the browser does.
fn type_into(
    built: &Built,
    fields: &[TextField],
    round: &mut usize,
    iters: u64,
    set: impl Fn(&mut Automerge, &TextField, &str) -> bool,
) -> Duration {
    let typed: Vec<char> = TYPED.chars().collect();
    let mut total = Duration::ZERO;
    let mut done = 0u64;
    while done < iters {
        let mut doc = built.doc.clone(); // same actor: a member's own tablet, already attributed
        let target = &fields[*round % fields.len()];
        *round += 1;
        let mut text: Vec<char> = target.read(&doc).unwrap().chars().collect();
        let mid = text.len() / 2;
        for j in 0..KEYSTROKES_PER_ROUND.min((iters - done) as usize) {
            text.insert(mid + j, typed[j % typed.len()]); // the caret moves on as they type
            let next: String = text.iter().collect();
            let start = Instant::now();
            let changed = set(&mut doc, target, black_box(&next));
            total += start.elapsed();
            assert!(changed);
            done += 1;
        }
    }
    total
}

fn big_supervision(c: &mut Criterion) {
    let started = Instant::now();
    let built = build();
    let bytes = built.doc.save();
    let read = supervision::read(&built.doc).unwrap();
    let chars = conclusion_chars(&built.doc);
    let finding_chars: usize = read.findings.iter().map(|f| f.text.chars().count()).sum();
    let agreed = read
        .findings
        .iter()
        .filter(|f| f.status == FindingStatus::Agreed)
        .count();
    println!(
        "big supervision: {} findings ({} agreed, {} characters of text on average), {} recommendations, \
         {} conclusion paragraphs, {} characters in the conclusion (~{:.1} pages of 3,000), \
         {} changes, saved size {} bytes ({:.2} MiB); built in {:.1?}",
        read.findings.len(),
        agreed,
        finding_chars / read.findings.len(),
        read.recommendations.len(),
        read.conclusion.len(),
        chars,
        chars as f64 / 3_000.0,
        built.doc.get_changes(&[]).len(),
        bytes.len(),
        bytes.len() as f64 / (1024.0 * 1024.0),
        started.elapsed(),
    );
    assert_eq!(read.findings.len(), FINDINGS);
    assert!(chars >= CONCLUSION_TARGET_CHARS);
    // Where a read goes (one-shot, outside criterion: a mean of 5 calls each).
    let mean_of_5 = |f: &dyn Fn()| {
        let t = Instant::now();
        (0..5).for_each(|_| f());
        t.elapsed() / 5
    };
    let d = &built.doc;
    println!(
        "one read, by part (mean of 5, untimed by criterion): findings {:.1?}, conclusion {:.1?}, recommendations {:.1?}",
        mean_of_5(&|| drop(black_box(finding::read_all(d).unwrap()))),
        mean_of_5(&|| drop(black_box(conclusion::read(d).unwrap()))),
        mean_of_5(&|| drop(black_box(recommendation::read_all(d).unwrap()))),
    );

    let me = Stamp {
        member: MEMBERS[0],
        now_ms: T0 + 86_400_000,
    };
    let paragraph_fields: Vec<TextField> = built
        .paragraphs
        .iter()
        .map(|id| TextField::new(RecordKind::Paragraph, id, "text"))
        .collect();
    let finding_fields: Vec<TextField> = built
        .findings
        .iter()
        .map(|id| TextField::new(RecordKind::Finding, id, "text"))
        .collect();

    let mut g = c.benchmark_group("big_supervision");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));

    // `read` first: criterion keeps a group's throughput once set, and a read has none worth
    // stating. `open` and `save` are in bytes of the saved document, keystrokes per second.
    g.bench_function("read", |b| {
        b.iter(|| supervision::read(black_box(&built.doc)).unwrap())
    });

    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.measurement_time(Duration::from_secs(8)); // ~0.2 s a call: 20 samples need ~8 s
    g.bench_function("open", |b| {
        b.iter(|| {
            let doc = Automerge::load(black_box(&bytes)).unwrap();
            supervision::read(&doc).unwrap()
        })
    });
    g.measurement_time(Duration::from_secs(6));

    g.throughput(Throughput::Elements(1));

    let mut round = 0;
    g.bench_function("keystroke_in_conclusion", |b| {
        b.iter_custom(|iters| {
            type_into(
                &built,
                &paragraph_fields,
                &mut round,
                iters,
                |doc, f, text| field::set(doc, f, text, me).unwrap(),
            )
        })
    });
    let mut round = 0;
    g.bench_function("keystroke_in_finding", |b| {
        b.iter_custom(|iters| {
            type_into(
                &built,
                &finding_fields,
                &mut round,
                iters,
                |doc, f, text| finding::set_text(doc, &f.id, text, me).unwrap(),
            )
        })
    });

    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("save", |b| b.iter(|| black_box(&built.doc).save()));
    g.finish();
}

criterion_group!(benches, big_supervision);
criterion_main!(benches);
