//! `mailboxes list`: every stored mailbox, masked.

use std::io::{self, Write};

use serde_json::Value;

use super::Context;
use crate::cli::ListArgs;
use crate::mailbox::Mailbox;
use crate::output::{printable, table, Report, Style};
use crate::staleness;

pub struct Listing(Vec<Mailbox>);

pub fn run(context: &Context, args: ListArgs) -> anyhow::Result<Listing> {
    let mut mailboxes = context.store()?.list()?;
    if let Some(limit) = args.stale {
        let now = chrono::Utc::now();
        mailboxes.retain(|mailbox| staleness::is_stale(mailbox, limit, now));
    }
    Ok(Listing(mailboxes))
}

impl Report for Listing {
    fn human(&self, out: &mut dyn Write, style: &Style) -> io::Result<()> {
        if self.0.is_empty() {
            return writeln!(out, "No mailboxes yet. Add one with `mailboxes add`.");
        }
        writeln!(
            out,
            "{}",
            table::mailboxes(&self.0, style, chrono::Utc::now())
        )
    }

    fn json(&self) -> Value {
        Value::Array(self.0.iter().map(masked_json).collect())
    }
}

pub fn masked_json(mailbox: &Mailbox) -> Value {
    serde_json::to_value(mailbox.masked()).expect("the masked view always serializes")
}

/// One mailbox after `add` or `edit`: a sentence and its fields for people, the masked object
/// for scripts.
pub struct Saved {
    pub verb: &'static str,
    pub mailbox: Mailbox,
}

impl Report for Saved {
    fn human(&self, out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        let m = &self.mailbox;
        writeln!(
            out,
            "{} mailbox '{}' ({})",
            self.verb,
            printable(&m.label),
            m.short_id()
        )?;
        writeln!(
            out,
            "  server:   {}:{} ({})",
            printable(&m.host),
            m.port,
            if m.tls { "TLS" } else { "STARTTLS" }
        )?;
        writeln!(out, "  user:     {}", printable(&m.user))?;
        writeln!(
            out,
            "  password: {}",
            if m.password.is_empty() {
                "not set"
            } else {
                "set"
            }
        )?;
        writeln!(out, "  status:   {}", m.status.as_deref().unwrap_or("-"))
    }

    fn json(&self) -> Value {
        masked_json(&self.mailbox)
    }
}
