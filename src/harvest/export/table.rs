//! A table for people, most frequent contacts first.

use std::io::{self, Write};

use comfy_table::{presets, ContentArrangement, Table as Grid};

use super::Exporter;
use crate::harvest::contacts::Contact;

pub struct Table;

impl Exporter for Table {
    fn write(&self, contacts: &[Contact], out: &mut dyn Write) -> io::Result<()> {
        if contacts.is_empty() {
            return writeln!(out, "No contacts found.");
        }
        let mut grid = Grid::new();
        grid.load_preset(presets::UTF8_BORDERS_ONLY)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .force_no_tty()
            .set_header(["EMAIL", "NAME", "FROM", "TO", "LAST SEEN", "MAILBOXES"]);
        for contact in contacts {
            grid.add_row([
                contact.email.clone(),
                contact.name.clone().unwrap_or_default(),
                contact.from_count.to_string(),
                contact.to_count.to_string(),
                contact
                    .last_seen
                    .as_deref()
                    .and_then(|d| d.get(..10))
                    .unwrap_or("-")
                    .to_owned(),
                contact.mailboxes.join(", "),
            ]);
        }
        writeln!(out, "{grid}")
    }
}
