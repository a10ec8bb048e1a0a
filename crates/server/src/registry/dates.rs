//! Days as the registry keeps them: `YYYY-MM-DD` in UTC.

use std::time::{Duration, UNIX_EPOCH};

/// The UTC day of `secs` (seconds since 1970).
pub fn day_of(secs: i64) -> String {
    let time = UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64);
    humantime::format_rfc3339_seconds(time).to_string()[..10].to_owned()
}

/// `2026-12-05` (midnight UTC) or a full RFC 3339 time, in seconds since 1970.
pub fn parse_date(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    humantime::parse_rfc3339_weak(&full)
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
        .ok_or_else(|| format!("{text:?} is not a date like 2026-12-31 (or 2026-12-31T18:00:00Z)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_dates() {
        assert_eq!(day_of(0), "1970-01-01");
        let secs = parse_date("2026-12-05").unwrap();
        assert_eq!(day_of(secs), "2026-12-05");
        assert_eq!(day_of(secs + 86_399), "2026-12-05");
        assert_eq!(day_of(secs + 86_400), "2026-12-06");
        assert_eq!(parse_date("2026-12-05T01:00:00Z").unwrap(), secs + 3600);
        assert!(parse_date("5.12.2026").unwrap_err().contains("2026-12-31"));
    }
}
