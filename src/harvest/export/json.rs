//! JSON: an array of `{email, name, from_count, to_count, first_seen, last_seen, mailboxes}`.

use std::io::{self, Write};

use super::Exporter;
use crate::harvest::contacts::Contact;

pub struct Json;

impl Exporter for Json {
    fn write(&self, contacts: &[Contact], out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, contacts)?;
        writeln!(out)
    }
}
