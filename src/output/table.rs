//! The `list` table and the small formatting it needs (relative times, short errors).

use chrono::{DateTime, Utc};
use comfy_table::{presets, Cell, Color, ContentArrangement, Table};

use super::{printable, Style};
use crate::mailbox::{Mailbox, STATUS_ERROR, STATUS_OK};

pub fn mailboxes(mailboxes: &[Mailbox], style: &Style, now: DateTime<Utc>) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header([
            "LABEL",
            "ID",
            "SERVER",
            "SECURITY",
            "USER",
            "PASSWORD",
            "STATUS",
            "LAST TESTED",
            "LAST ERROR",
        ]);
    if !style.color {
        table.force_no_tty();
    }
    for mailbox in mailboxes {
        let status = mailbox.status.as_deref().unwrap_or("-");
        let mut status_cell = Cell::new(status);
        if style.color {
            status_cell = status_cell.fg(match status {
                STATUS_OK => Color::Green,
                STATUS_ERROR => Color::Red,
                _ => Color::Yellow,
            });
        }
        table.add_row([
            Cell::new(printable(&mailbox.label)),
            Cell::new(mailbox.short_id()),
            Cell::new(format!("{}:{}", printable(&mailbox.host), mailbox.port)),
            Cell::new(if mailbox.tls { "TLS" } else { "STARTTLS" }),
            Cell::new(printable(&mailbox.user)),
            Cell::new(if mailbox.password.is_empty() {
                "no"
            } else {
                "set"
            }),
            status_cell,
            Cell::new(
                mailbox
                    .last_tested_at
                    .as_deref()
                    .map_or_else(|| "never".to_string(), |at| relative_time(at, now)),
            ),
            Cell::new(
                mailbox
                    .last_error
                    .as_deref()
                    .map_or(String::new(), |e| printable(shorten(e, 60)).into_owned()),
            ),
        ]);
    }
    table.to_string()
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

fn shorten(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((cut, _)) => &text[..cut],
        None => text,
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

    #[test]
    fn shorten_respects_char_boundaries() {
        assert_eq!(shorten("héllo", 2), "hé");
        assert_eq!(shorten("hi", 10), "hi");
    }
}
