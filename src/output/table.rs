//! The `list` table and the small formatting it needs (relative times, short errors).

use chrono::{DateTime, Utc};

use super::grid::{Cell, Column, Fit, Grid};
use super::{host_port, printable, Paint, Style};
use crate::mailbox::{Masked, STATUS_ERROR, STATUS_OK};
use crate::staleness;

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
        let status = mailbox
            .status
            .as_ref()
            .map_or_else(|| "-".to_string(), ToString::to_string);
        let paint = match status.as_str() {
            STATUS_OK => Paint::Green,
            STATUS_ERROR => Paint::Red,
            _ => Paint::Yellow,
        };
        grid.row(vec![
            mailbox.label.to_string().into(),
            mailbox.short_id().to_string().into(),
            host_port(&mailbox.host, mailbox.port).into(),
            if mailbox.tls { "TLS" } else { "STARTTLS" }.into(),
            mailbox.user.to_string().into(),
            if mailbox.has_password { "set" } else { "no" }.into(),
            Cell::painted(status, paint),
            mailbox
                .last_tested_at
                .as_ref()
                .map_or_else(
                    || "never".to_string(),
                    // An unreadable timestamp is shown as it is: filtered.
                    |at| printable(&staleness::relative_time(at.raw(), now)).into_owned(),
                )
                .into(),
            mailbox
                .last_error
                .as_ref()
                .map_or(String::new(), |e| {
                    printable(shorten(e.raw(), 60)).into_owned()
                })
                .into(),
        ]);
    }
    grid.render(style)
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
    fn shorten_respects_char_boundaries() {
        assert_eq!(shorten("héllo", 2), "hé");
        assert_eq!(shorten("hi", 10), "hi");
    }
}
