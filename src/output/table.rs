//! The `list` table and the small formatting it needs (relative times, short errors).

use chrono::{DateTime, Utc};

use super::grid::{Cell, Column, Fit, Grid};
use super::{printable, Paint, Style};
use crate::mailbox::{Masked, STATUS_ERROR, STATUS_OK};

/// The `list` table, fitted to `style.width`. On a narrow terminal PASSWORD and SECURITY go
/// first, then the texts are cut, then LAST ERROR, LAST TESTED, USER and SERVER go, in that
/// order (`--json` has every field).
pub fn mailboxes(mailboxes: &[Masked], style: &Style, now: DateTime<Utc>) -> String {
    let mut grid = Grid::new(vec![
        Column::new(
            "LABEL",
            Fit::Cut {
                comfort: 16,
                min: 8,
            },
        ),
        Column::new("ID", Fit::Fixed),
        Column::new(
            "SERVER",
            Fit::Cut {
                comfort: 22,
                min: 10,
            },
        )
        .optional(4),
        Column::new("SECURITY", Fit::Fixed).expendable(2),
        Column::new(
            "USER",
            Fit::Cut {
                comfort: 20,
                min: 8,
            },
        )
        .optional(3),
        Column::new("PASSWORD", Fit::Fixed).expendable(1),
        Column::new("STATUS", Fit::Cut { comfort: 7, min: 7 }),
        Column::new(
            "LAST TESTED",
            Fit::Cut {
                comfort: 11,
                min: 11,
            },
        )
        .optional(2),
        Column::new(
            "LAST ERROR",
            Fit::Wrap {
                comfort: 24,
                min: 12,
            },
        )
        .optional(1),
    ]);
    for mailbox in mailboxes {
        let status = printable(mailbox.status.as_deref().unwrap_or("-")).into_owned();
        let paint = match status.as_str() {
            STATUS_OK => Paint::Green,
            STATUS_ERROR => Paint::Red,
            _ => Paint::Yellow,
        };
        grid.row(vec![
            printable(&mailbox.label).into(),
            mailbox.short_id().into(),
            format!("{}:{}", printable(&mailbox.host), mailbox.port).into(),
            if mailbox.tls { "TLS" } else { "STARTTLS" }.into(),
            printable(&mailbox.user).into(),
            if mailbox.has_password { "set" } else { "no" }.into(),
            Cell::painted(status, paint),
            mailbox
                .last_tested_at
                .as_deref()
                .map_or_else(|| "never".to_string(), |at| relative_time(at, now))
                .into(),
            mailbox
                .last_error
                .as_deref()
                .map_or(String::new(), |e| printable(shorten(e, 60)).into_owned())
                .into(),
        ]);
    }
    grid.render(style)
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
