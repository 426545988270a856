//! Dates as members write them (dd/mm/yyyy) and as documents store them (ISO yyyy-mm-dd).

/// `13/07/2022` (or `13-7-2022`, `13.07.2022`) → `2022-07-13`; `None` if it is not a real date.
/// An ISO date passes through.
pub fn parse_vn(s: &str) -> Option<String> {
    let s = s.trim();
    if s.len() == 10 && s.as_bytes()[4] == b'-' {
        let (y, m, d) = (
            s[..4].parse().ok()?,
            s[5..7].parse().ok()?,
            s[8..10].parse().ok()?,
        );
        return valid(y, m, d).then(|| s.to_owned());
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    let (d, m, y): (u32, u32, i32) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    valid(y, m, d).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// `2022-07-13` → `13/07/2022`; anything else unchanged.
pub fn format_vn(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => format!("{d}/{m}/{y}"),
        _ => iso.to_owned(),
    }
}

fn valid(y: i32, m: u32, d: u32) -> bool {
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2200).contains(&y) && d >= 1 && d <= days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_dates_round_trip() {
        assert_eq!(parse_vn("13/07/2022").as_deref(), Some("2022-07-13"));
        assert_eq!(parse_vn("2/8/2017").as_deref(), Some("2017-08-02"));
        assert_eq!(parse_vn("2022-07-13").as_deref(), Some("2022-07-13"));
        assert_eq!(format_vn("2022-07-13"), "13/07/2022");
        assert_eq!(parse_vn("31/02/2022"), None);
        assert_eq!(parse_vn("29/02/2024").as_deref(), Some("2024-02-29"));
        assert_eq!(parse_vn("hôm nay"), None);
    }
}
