//! How old a recorded test result may be: `list --stale` and `test --fail-if-stale`.
//!
//! A mailbox is stale when it was never tested, or its `lastTestedAt` (written by this tool or
//! by the web app) is older than the limit. An unreadable timestamp counts as never tested.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::mailbox::Mailbox;

/// Parses "90s", "30m", "24h", "7d", "2w" or sums of them such as "1d12h".
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("'{text}' is not a duration; use e.g. 30m, 24h, 7d or 1d12h");
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(invalid()),
        };
        let count: u64 = digits.parse().map_err(|_| invalid())?;
        total = count
            .checked_mul(unit)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(invalid)?;
        digits.clear();
    }
    if !digits.is_empty() || total == 0 {
        return Err(invalid());
    }
    Ok(Duration::from_secs(total))
}

/// When the mailbox was last tested, if it was and the timestamp is readable.
pub fn last_tested(mailbox: &Mailbox) -> Option<DateTime<Utc>> {
    let text = mailbox.last_tested_at.as_deref()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

pub fn is_stale(mailbox: &Mailbox, limit: Duration, now: DateTime<Utc>) -> bool {
    match last_tested(mailbox) {
        None => true,
        Some(at) => (now - at).to_std().is_ok_and(|age| age > limit),
    }
}

/// "7d", "1d12h", "90m": the limit as people wrote it, roughly.
pub fn describe(limit: Duration) -> String {
    let seconds = limit.as_secs();
    let units = [
        (604_800, "w"),
        (86_400, "d"),
        (3600, "h"),
        (60, "m"),
        (1, "s"),
    ];
    let mut rest = seconds;
    let mut out = String::new();
    for (size, name) in units {
        if rest >= size {
            out.push_str(&format!("{}{name}", rest / size));
            rest %= size;
        }
    }
    out
}

/// "just now", "5 min ago", "3 h ago", "2 days ago"; the raw text if it is not a timestamp.
pub fn relative_time(timestamp: &str, now: DateTime<Utc>) -> String {
    let Ok(then) = DateTime::parse_from_rfc3339(timestamp) else {
        return timestamp.to_string();
    };
    let seconds = (now - then.with_timezone(&Utc)).num_seconds();
    match seconds {
        s if s < 0 => "in the future".to_string(),
        0..=59 => "just now".to_string(),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        86_400..=172_799 => "yesterday".to_string(),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(relative_time("2026-11-25T11:59:30.000Z", now), "just now");
        assert_eq!(relative_time("2026-11-25T11:55:00Z", now), "5 min ago");
        assert_eq!(relative_time("2026-11-25T09:00:00Z", now), "3 h ago");
        assert_eq!(relative_time("2026-11-24T09:00:00Z", now), "yesterday");
        assert_eq!(relative_time("2026-11-20T12:00:00Z", now), "5 days ago");
        assert_eq!(relative_time("garbage", now), "garbage");
    }
    use serde_json::json;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1d12h"), Ok(Duration::from_secs(129_600)));
        assert_eq!(parse_duration("2w"), Ok(Duration::from_secs(1_209_600)));
        for bad in ["", "7", "d", "7x", "0h", "-1d", "99999999999999999999w"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(describe(Duration::from_secs(129_600)), "1d12h");
    }

    #[test]
    fn staleness() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |tested: serde_json::Value| -> Mailbox {
            serde_json::from_value(json!({
                "id": "a", "host": "h", "port": 993, "user": "u", "lastTestedAt": tested
            }))
            .unwrap()
        };
        let day = Duration::from_secs(86_400);
        assert!(is_stale(&at(json!(null)), day, now));
        assert!(is_stale(&at(json!("garbage")), day, now));
        assert!(is_stale(&at(json!("2026-11-24T11:59:59.000Z")), day, now));
        assert!(!is_stale(&at(json!("2026-11-24T12:00:01Z")), day, now));
    }
}
