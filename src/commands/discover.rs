//! `mailboxes discover`: the IMAP settings for an email address, shown and not saved.

use std::io::{self, Write};
use std::time::Duration;

use serde_json::Value;

use crate::cli::DiscoverArgs;
use crate::discover::{self, DiscoverOptions, Discovery};
use crate::output::{host_port, Paint, Report, Style};

pub struct Discovered(pub Discovery);

pub fn run(args: DiscoverArgs) -> anyhow::Result<Discovered> {
    let options = DiscoverOptions::from_env(Duration::from_secs(args.timeout))?;
    Ok(Discovered(discover::discover(&args.email, &options)?))
}

impl Report for Discovered {
    fn human(&self, out: &mut dyn Write, style: &Style) -> io::Result<()> {
        let d = &self.0;
        let provider = d
            .provider
            .as_deref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        writeln!(
            out,
            "server:   {} ({})",
            host_port(&d.host, d.port),
            if d.tls { "TLS" } else { "STARTTLS" }
        )?;
        writeln!(out, "user:     {}", d.user)?;
        writeln!(out, "found by: {}{provider}", d.source)?;
        if let Some(notes) = &d.notes {
            writeln!(out, "{}: {notes}", style.paint("note", Paint::Yellow))?;
        }
        Ok(())
    }

    fn json(&self) -> Value {
        serde_json::to_value(&self.0).expect("a discovery always serializes")
    }
}
