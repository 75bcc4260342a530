//! A table for people, most frequent contacts first, fitted to the terminal.

use std::io::{self, Write};

use super::Exporter;
use crate::harvest::contacts::Contact;
use crate::output::grid::{Column, Fit, Grid};
use crate::output::{printable, Style};

pub struct Table {
    pub width: Option<usize>,
}

impl Exporter for Table {
    fn write(&self, contacts: &[Contact], out: &mut dyn Write) -> io::Result<()> {
        if contacts.is_empty() {
            return writeln!(out, "No contacts found.");
        }
        let mut grid = Grid::new(vec![
            Column::new(
                "EMAIL",
                Fit::Cut {
                    comfort: 32,
                    min: 16,
                },
            ),
            Column::new(
                "NAME",
                Fit::Cut {
                    comfort: 20,
                    min: 8,
                },
            )
            .optional(2),
            Column::new("FROM", Fit::Fixed),
            Column::new("TO", Fit::Fixed),
            Column::new("LAST SEEN", Fit::Fixed).expendable(1),
            Column::new(
                "MAILBOXES",
                Fit::Wrap {
                    comfort: 16,
                    min: 10,
                },
            )
            .optional(1),
        ]);
        for contact in contacts {
            grid.row(vec![
                printable(&contact.email).into(),
                printable(contact.name.as_deref().unwrap_or_default()).into(),
                contact.from_count.to_string().into(),
                contact.to_count.to_string().into(),
                contact
                    .last_seen
                    .as_deref()
                    .and_then(|d| d.get(..10))
                    .unwrap_or("-")
                    .into(),
                printable(&contact.mailboxes.join(", ")).into(),
            ]);
        }
        let plain = Style {
            color: false,
            width: self.width,
        };
        writeln!(out, "{}", grid.render(&plain))
    }
}
