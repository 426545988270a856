//! Two sample documents: a Front committee's notice (Nghị định 30 layout) and a Party
//! inspection committee's (36-HD/VPTW), with the Vietnamese of seed 000. The tests check the
//! layouts with them, and the reader test opens their DOCX in LibreOffice.

use super::layout::LayoutId;
use super::paper::{Authority, Paper, PaperSection};

/// A conclusion like seed 000's, issued by a ward's Front committee.
pub fn front_notice() -> Paper {
    Paper {
        layout: LayoutId::Nd30,
        superior: "Ủy ban MTTQ Việt Nam thành phố Đà Nẵng".into(),
        issuer: "Ban Thường trực Ủy ban MTTQ phường Thanh Khê".into(),
        number: Some("5".into()),
        code: "TB-MTTQ-BTT".into(),
        place: "Đà Nẵng".into(),
        date: (2026, 1, 5),
        doc_type: "Thông báo".into(),
        summary: "Kết quả giám sát việc thực hiện Quy chế dân chủ ở cơ sở".into(),
        opening: vec!["Thực hiện Kế hoạch số 12/KH-MTTQ-BTT ngày 02/12/2025, Đoàn giám sát đã làm việc với Ủy ban nhân dân phường.".into()],
        sections: vec![
            PaperSection {
                heading: "I. KẾT QUẢ".into(),
                paragraphs: vec![
                    "Ủy ban nhân dân phường đã ban hành kế hoạch và tổ chức 03 hội nghị đối thoại với Nhân dân.".into(),
                    "Việc niêm yết công khai được thực hiện đầy đủ, đúng thời hạn.".into(),
                ],
            },
            PaperSection {
                heading: "II. KIẾN NGHỊ".into(),
                paragraphs: vec!["Đề nghị Ủy ban nhân dân phường trả lời bằng văn bản trong 20 ngày.".into()],
            },
        ],
        authority: Authority::Collective,
        for_body: "Ban Thường trực".into(),
        signer_title: "CHỦ TỊCH".into(),
        signer_name: "Nguyễn Thị Lan".into(),
        recipients: vec!["UBND phường Thanh Khê".into(), "Ban Thường trực UBMTTQ thành phố".into()],
        counter_signer: None,
        draft: false,
        check: None,
    }
}

/// The same conclusion as a Party inspection committee's notice.
pub fn party_notice() -> Paper {
    Paper {
        layout: LayoutId::Hd36,
        superior: "Đảng bộ thành phố Đà Nẵng".into(),
        issuer: "Ủy ban kiểm tra Đảng ủy phường".into(),
        number: Some("127".into()),
        code: "TB/UBKTĐU".into(),
        signer_title: "CHỦ NHIỆM".into(),
        for_body: "Ủy ban kiểm tra".into(),
        ..front_notice()
    }
}
