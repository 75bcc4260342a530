//! `mailboxes list`: every stored mailbox, masked.

use std::io::{self, Write};

use serde_json::Value;

use super::Context;
use crate::cli::ListArgs;
use crate::mailbox::Masked;
use crate::output::{host_port, table, Report, Style};
use crate::staleness;

/// The listed mailboxes, masked: a report never holds a password.
pub struct Listing(Vec<Masked>);

pub fn run(context: &Context, args: ListArgs) -> anyhow::Result<Listing> {
    let mut mailboxes = context.store()?.list()?;
    if let Some(limit) = args.stale {
        let now = chrono::Utc::now();
        mailboxes.retain(|mailbox| staleness::is_stale(mailbox, limit, now));
    }
    Ok(Listing(mailboxes.iter().map(|m| m.masked()).collect()))
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

pub fn masked_json(mailbox: &Masked) -> Value {
    serde_json::to_value(mailbox).expect("the masked view always serializes")
}

/// One mailbox after `add` or `edit`: a sentence and its fields for people, the masked object
/// for scripts.
pub struct Saved {
    pub verb: &'static str,
    pub mailbox: Masked,
}

impl Report for Saved {
    fn human(&self, out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        let m = &self.mailbox;
        writeln!(
            out,
            "{} mailbox '{}' ({})",
            self.verb,
            m.label,
            m.short_id()
        )?;
        writeln!(
            out,
            "  server:   {} ({})",
            host_port(&m.host, m.port),
            if m.tls { "TLS" } else { "STARTTLS" }
        )?;
        writeln!(out, "  user:     {}", m.user)?;
        writeln!(
            out,
            "  password: {}",
            if m.has_password { "set" } else { "not set" }
        )?;
        let status = m.status.as_ref().map_or("-".into(), |s| s.to_string());
        writeln!(out, "  status:   {status}")
    }

    fn json(&self) -> Value {
        masked_json(&self.mailbox)
    }
}
