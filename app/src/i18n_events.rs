//! Part of the message catalogue: the audit log's event names, as the administrator reads
//! them. The server records stable codes (`sign-in-failed`); the screen shows each in the
//! interface language, and an unknown code as it is.

use crate::i18n::Lang;

/// The label of audit event `code` in `lang`.
pub fn event_label(lang: Lang, code: &str) -> String {
    let (vi, en) = match code {
        "sign-in" => ("Đăng nhập", "Signed in"),
        "sign-in-failed" => ("Đăng nhập sai", "Failed sign-in"),
        "sign-in-throttled" => ("Chặn đăng nhập (thử quá nhiều)", "Sign-in throttled"),
        "sign-out" => ("Đăng xuất", "Signed out"),
        "account-created" => ("Tạo tài khoản", "Account created"),
        "account-disabled" => ("Khóa tài khoản", "Account disabled"),
        "account-enabled" => ("Mở khóa tài khoản", "Account enabled"),
        "password-reset" => ("Đặt lại mật khẩu", "Password reset"),
        "password-changed" => ("Đổi mật khẩu", "Password changed"),
        "sessions-ended" => ("Đăng xuất mọi thiết bị", "Signed out of every device"),
        "session-revoked" => ("Thu hồi phiên đăng nhập", "Session revoked"),
        "membership-set" => ("Đặt vai trò trong đoàn", "Role set"),
        "membership-removed" => ("Bỏ khỏi đoàn", "Removed from delegation"),
        "delegation-created" => ("Tạo đoàn", "Delegation created"),
        "invitation-created" => ("Tạo lời mời", "Invitation created"),
        "invitation-revoked" => ("Thu hồi lời mời", "Invitation withdrawn"),
        "actor-refused" => ("Từ chối đăng ký thiết bị", "Device actor refused"),
        "access-refused" => ("Từ chối truy cập", "Access refused"),
        "sync-refused" => ("Từ chối đồng bộ", "Sync refused"),
        "change-refused" => ("Từ chối thay đổi", "Change refused"),
        "audit-suppressed" => ("Bỏ bớt dòng nhật ký", "Log rows dropped"),
        other => return other.to_owned(),
    };
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_events_are_translated_and_unknown_ones_shown_as_they_are() {
        assert_eq!(event_label(Lang::Vi, "sign-in-failed"), "Đăng nhập sai");
        assert_eq!(event_label(Lang::En, "sign-in-failed"), "Failed sign-in");
        assert_eq!(event_label(Lang::En, "future-event"), "future-event");
    }
}
