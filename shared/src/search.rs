//! Accent-insensitive matching for Vietnamese: a member types "giam sat" on a keyboard with
//! no Telex and still finds "giám sát". Folding removes the tone and vowel marks and maps
//! đ/Đ to d, then lowercases.

/// `s` without Vietnamese diacritics, lowercased.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(|c| fold_char(c).to_lowercase())
        .collect()
}

/// Whether every word of `query` occurs in `text`, ignoring accents and case.
pub fn matches(text: &str, query: &str) -> bool {
    let text = fold(text);
    fold(query)
        .split_whitespace()
        .all(|word| text.contains(word))
}

/// Where a search hit is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hit {
    Finding(crate::RecordId),
    Recommendation(crate::RecordId),
}

/// Search a supervision's live findings (text, figures, topic) and recommendations (text,
/// addressee, the unit's response) for `query`, accent-insensitively, in document order.
pub fn search(s: &crate::reading::Supervision, query: &str) -> Vec<Hit> {
    if query.trim().is_empty() {
        return Vec::new();
    }
    let findings = s
        .findings
        .iter()
        .filter(|f| !f.deleted && matches(&format!("{} {} {}", f.text, f.figures, f.topic), query))
        .map(|f| Hit::Finding(f.id.clone()));
    let recs = s
        .recommendations
        .iter()
        .filter(|r| {
            !r.deleted && matches(&format!("{} {} {}", r.text, r.addressee, r.response), query)
        })
        .map(|r| Hit::Recommendation(r.id.clone()));
    findings.chain(recs).collect()
}

fn fold_char(c: char) -> char {
    const GROUPS: [(&str, char); 14] = [
        ("àáạảãâầấậẩẫăằắặẳẵ", 'a'),
        ("ÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴ", 'A'),
        ("èéẹẻẽêềếệểễ", 'e'),
        ("ÈÉẸẺẼÊỀẾỆỂỄ", 'E'),
        ("ìíịỉĩ", 'i'),
        ("ÌÍỊỈĨ", 'I'),
        ("òóọỏõôồốộổỗơờớợởỡ", 'o'),
        ("ÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠ", 'O'),
        ("ùúụủũưừứựửữ", 'u'),
        ("ÙÚỤỦŨƯỪỨỰỬỮ", 'U'),
        ("ỳýỵỷỹ", 'y'),
        ("ỲÝỴỶỸ", 'Y'),
        ("đ", 'd'),
        ("Đ", 'D'),
    ];
    if c.is_ascii() {
        return c;
    }
    GROUPS
        .iter()
        .find(|(set, _)| set.contains(c))
        .map(|(_, base)| *base)
        .unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unaccented_queries_find_accented_text() {
        assert!(matches(
            "Giám sát việc thực hiện Quyết định 217",
            "giam sat"
        ));
        assert!(matches("Đảng ủy phường Thanh Khê Tây", "dang uy thanh khe"));
        assert!(matches("hạn chế, tồn tại", "TON TAI"));
        assert!(!matches("ưu điểm", "han che"));
        assert_eq!(fold("Ưu ĐIỂM"), "uu diem");
    }
}
