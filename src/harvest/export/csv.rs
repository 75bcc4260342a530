//! CSV with Google Contacts' import columns (contacts.google.com → Import accepts them).
//!
//! Cells are quoted per RFC 4180; one that starts with `=`, `+`, `-` or `@` gets a leading `'`
//! so a spreadsheet never runs a name someone put in a From header as a formula.

use std::io::{self, Write};

use super::{split_name, Exporter};
use crate::harvest::contacts::Contact;

pub struct GoogleCsv;

const HEADER: [&str; 7] = [
    "Name",
    "Given Name",
    "Family Name",
    "Notes",
    "Group Membership",
    "E-mail 1 - Type",
    "E-mail 1 - Value",
];

impl Exporter for GoogleCsv {
    fn write(&self, contacts: &[Contact], out: &mut dyn Write) -> io::Result<()> {
        write_row(out, HEADER.iter().map(|h| h.to_string()))?;
        for contact in contacts {
            let name = contact.name.clone().unwrap_or_default();
            let (given, family) = split_name(&name);
            let notes = format!(
                "from {} to {} messages; last seen {}",
                contact.from_count,
                contact.to_count,
                contact.last_seen.as_deref().unwrap_or("never")
            );
            write_row(
                out,
                [
                    name,
                    given,
                    family,
                    notes,
                    "* myContacts".to_owned(),
                    "* Other".to_owned(),
                    contact.email.clone(),
                ]
                .into_iter(),
            )?;
        }
        Ok(())
    }
}

fn write_row(out: &mut dyn Write, cells: impl Iterator<Item = String>) -> io::Result<()> {
    let row: Vec<String> = cells.map(|cell| escape(&cell)).collect();
    write!(out, "{}\r\n", row.join(","))
}

fn escape(cell: &str) -> String {
    let cell = if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    };
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(escape("Doe, Jane"), "\"Doe, Jane\"");
        assert_eq!(escape("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(escape("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(escape("plain"), "plain");
    }
}
