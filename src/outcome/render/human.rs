//! The default format: one line per mailbox for people, with its hint.

use std::io::{self, Write};

use super::Renderer;
use crate::outcome::Outcome;
use crate::output::{host_port, printable, Paint, Style};

pub struct Human;

impl Renderer for Human {
    fn write(&self, outcomes: &[Outcome], out: &mut dyn Write, style: &Style) -> io::Result<()> {
        for outcome in outcomes {
            let place = host_port(printable(&outcome.host), outcome.port);
            let label = printable(&outcome.label);
            if outcome.ok && outcome.round_trips.is_none() {
                writeln!(
                    out,
                    "{} {} ({place}): recorded test passed recently",
                    style.paint("ok", Paint::Green),
                    label
                )?;
            } else if outcome.ok {
                writeln!(
                    out,
                    "{} {} ({place}): logged in in {} ms",
                    style.paint("ok", Paint::Green),
                    label,
                    outcome.elapsed_ms
                )?;
            } else {
                writeln!(
                    out,
                    "{} {} ({place}): {}: {}",
                    style.paint("FAILED", Paint::Red),
                    label,
                    outcome.kind_name(),
                    printable(outcome.message.as_deref().unwrap_or_default())
                )?;
            }
            for alert in &outcome.alerts {
                writeln!(out, "  server alert: {alert}")?;
            }
            if let Some(hint) = &outcome.hint {
                writeln!(out, "  hint: {}", printable(hint))?;
            }
        }
        Ok(())
    }
}
