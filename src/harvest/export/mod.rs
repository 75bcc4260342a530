//! Writing contacts out: one small [`Exporter`] per format, one file each, so a new format is
//! one new file and one enum arm.

mod csv;
mod json;
mod mutt;
mod table;
mod vcard;

use std::io::{self, Write};

use super::contacts::Contact;

/// Writes a list of contacts in one format.
pub trait Exporter {
    fn write(&self, contacts: &[Contact], out: &mut dyn Write) -> io::Result<()>;
}

/// The formats `harvest --format` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A table for people
    Table,
    /// An array of {email, name, from_count, to_count, first_seen, last_seen, mailboxes}
    Json,
    /// Google Contacts' CSV import columns
    Csv,
    /// vCard 4.0 (RFC 6350), one card per contact
    Vcard,
    /// mutt's query_command format (email TAB name TAB counts)
    Mutt,
}

/// The exporter for `format`; a table fits in `width` terminal columns when given.
pub fn exporter(format: ExportFormat, width: Option<usize>) -> Box<dyn Exporter> {
    match format {
        ExportFormat::Table => Box::new(table::Table { width }),
        ExportFormat::Json => Box::new(json::Json),
        ExportFormat::Csv => Box::new(csv::GoogleCsv),
        ExportFormat::Vcard => Box::new(vcard::VCard),
        ExportFormat::Mutt => Box::new(mutt::Mutt),
    }
}

/// "Doe, Jane" and "Jane Doe" as (given, family).
pub fn split_name(name: &str) -> (String, String) {
    if let Some((family, given)) = name.split_once(", ") {
        return (given.trim().to_owned(), family.trim().to_owned());
    }
    match name.trim().rsplit_once(' ') {
        Some((given, family)) => (given.trim().to_owned(), family.to_owned()),
        None => (name.trim().to_owned(), String::new()),
    }
}
