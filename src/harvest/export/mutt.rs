//! mutt's `query_command` format: a status line, then `email<TAB>name<TAB>other` per contact.

use std::io::{self, Write};

use super::Exporter;
use crate::harvest::contacts::Contact;

pub struct Mutt;

impl Exporter for Mutt {
    fn write(&self, contacts: &[Contact], out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "mailboxes harvest: {} contacts", contacts.len())?;
        for contact in contacts {
            let name = contact
                .name
                .as_deref()
                .unwrap_or("")
                .replace(['\t', '\n'], " ");
            writeln!(
                out,
                "{}\t{name}\tfrom {}, to {}",
                contact.email, contact.from_count, contact.to_count
            )?;
        }
        Ok(())
    }
}
