//! The one message catalogue: every string the interface shows, Vietnamese first, English
//! second. Components never write user-facing text inline; they call [`t`].

use leptos::prelude::*;

/// The interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

/// Every message, by what it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    AppName,
    AppTagline,
    SwitchLanguage,
    AskName,
    AskNameHint,
    NameLabel,
    Continue,
    YouAre,
    Supervisions,
    NoSupervisions,
    NewSupervision,
    Create,
    Cancel,
    Title,
    TitlePlaceholder,
    Kind,
    KindSupervision,
    KindInspection,
    BasisNumber,
    BasisDate,
    BasisIssuer,
    PeriodFrom,
    PeriodTo,
    Period,
    Basis,
    Back,
    Loading,
    NotOnThisDevice,
    Units,
    NoUnits,
    AddUnit,
    UnitName,
    UnitPlaceholder,
    Findings,
    NoFindings,
    AddFinding,
    FindingPlaceholder,
    Strength,
    Shortcoming,
    Cause,
    WrittenBy,
    Offline,
    Connecting,
    Syncing,
    Synced,
    PendingChanges,
    AllConfirmed,
    StorageError,
    TitleRequired,
    Save,
    FindingKind,
    DecisionPhrase,
    Of,
}

/// The message in the given language.
pub fn text(lang: Lang, msg: Msg) -> &'static str {
    let (vi, en) = match msg {
        Msg::AppName => ("Giám sát", "Supervision"),
        Msg::AppTagline => ("Ghi chép chung của đoàn giám sát, kiểm tra", "Shared notes of a supervision or inspection delegation"),
        Msg::SwitchLanguage => ("English", "Tiếng Việt"),
        Msg::AskName => ("Xin cho biết họ tên của đồng chí", "Please tell us your name"),
        Msg::AskNameHint => (
            "Tên được ghi kèm mỗi nhận xét đồng chí viết.",
            "Your name is stamped on every finding you write.",
        ),
        Msg::NameLabel => ("Họ và tên", "Full name"),
        Msg::Continue => ("Tiếp tục", "Continue"),
        Msg::YouAre => ("Thành viên", "Member"),
        Msg::Supervisions => ("Các đợt giám sát, kiểm tra", "Supervisions and inspections"),
        Msg::NoSupervisions => ("Chưa có đợt giám sát nào trên thiết bị này.", "No supervision on this device yet."),
        Msg::NewSupervision => ("Tạo đợt giám sát", "New supervision"),
        Msg::Create => ("Tạo", "Create"),
        Msg::Cancel => ("Hủy", "Cancel"),
        Msg::Title => ("Tên đợt giám sát", "Title"),
        Msg::TitlePlaceholder => (
            "Giám sát việc thực hiện Quyết định 217-QĐ/TW tại …",
            "Supervision of the implementation of Decision 217-QĐ/TW at …",
        ),
        Msg::Kind => ("Hình thức", "Kind"),
        Msg::KindSupervision => ("Giám sát", "Supervision"),
        Msg::KindInspection => ("Kiểm tra", "Inspection"),
        Msg::BasisNumber => ("Số quyết định", "Decision number"),
        Msg::BasisDate => ("Ngày quyết định", "Decision date"),
        Msg::BasisIssuer => ("Cơ quan ban hành", "Issuing body"),
        Msg::PeriodFrom => ("Thời kỳ giám sát từ", "Period from"),
        Msg::PeriodTo => ("đến", "to"),
        Msg::Period => ("Thời kỳ giám sát", "Period under review"),
        Msg::Basis => ("Căn cứ", "Basis"),
        Msg::Back => ("← Danh sách", "← List"),
        Msg::Loading => ("Đang tải từ máy chủ…", "Loading from the server…"),
        Msg::NotOnThisDevice => (
            "Đợt giám sát này chưa có trên thiết bị; sẽ tải về khi có mạng.",
            "This supervision is not on this device yet; it will download when online.",
        ),
        Msg::Units => ("Đối tượng giám sát", "Units supervised"),
        Msg::NoUnits => ("Chưa có đơn vị nào.", "No unit yet."),
        Msg::AddUnit => ("Thêm đơn vị", "Add unit"),
        Msg::UnitName => ("Tên đơn vị", "Unit name"),
        Msg::UnitPlaceholder => ("Đảng ủy phường …", "Ward Party committee …"),
        Msg::Findings => ("Nhận xét", "Findings"),
        Msg::NoFindings => ("Chưa có nhận xét.", "No finding yet."),
        Msg::AddFinding => ("Thêm nhận xét", "Add finding"),
        Msg::FindingPlaceholder => ("Nội dung nhận xét…", "What the delegation found…"),
        Msg::Strength => ("Ưu điểm", "Strength"),
        Msg::Shortcoming => ("Hạn chế, tồn tại", "Shortcoming"),
        Msg::Cause => ("Nguyên nhân", "Cause"),
        Msg::WrittenBy => ("Người viết", "Written by"),
        Msg::Offline => ("Ngoại tuyến", "Offline"),
        Msg::Connecting => ("Đang kết nối…", "Connecting…"),
        Msg::Syncing => ("Đang đồng bộ", "Syncing"),
        Msg::Synced => ("Đã đồng bộ", "Synced"),
        Msg::PendingChanges => ("thay đổi chưa được máy chủ xác nhận", "changes not yet confirmed by the server"),
        Msg::AllConfirmed => ("Mọi thay đổi đã lưu trên máy chủ", "Every change is saved on the server"),
        Msg::StorageError => (
            "Không lưu được vào bộ nhớ thiết bị. Hãy giải phóng dung lượng rồi thử lại; dữ liệu chưa lưu vẫn còn trên màn hình.",
            "Could not save to this device's storage. Free some space and try again; unsaved work is still on screen.",
        ),
        Msg::TitleRequired => ("Cần nhập tên đợt giám sát.", "A title is required."),
        Msg::Save => ("Lưu", "Save"),
        Msg::FindingKind => ("Loại nhận xét", "Kind of finding"),
        Msg::DecisionPhrase => ("Quyết định số", "Decision No."),
        Msg::Of => ("của", "of"),
    };
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// The current language, shared by every component.
#[derive(Clone, Copy)]
pub struct Language(pub RwSignal<Lang>);

/// A reactive message in the current language.
pub fn t(msg: Msg) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_context::<Language>().map(|l| l.0);
    move || text(lang.map(|l| l.get()).unwrap_or(Lang::Vi), msg)
}

/// A message right now, in the current language (for attributes set once).
pub fn now(msg: Msg) -> &'static str {
    let lang = use_context::<Language>().map(|l| l.0.get_untracked()).unwrap_or(Lang::Vi);
    text(lang, msg)
}

/// `yyyy-mm-dd` as `dd/mm/yyyy`; anything else unchanged.
pub fn date_vn(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => format!("{d}/{m}/{y}"),
        _ => iso.to_owned(),
    }
}
