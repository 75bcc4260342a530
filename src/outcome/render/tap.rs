//! `--format tap`: Test Anything Protocol version 14, for prove-style harnesses.
//! <https://testanything.org/tap-version-14-specification.html>

use std::io::{self, Write};

use super::Renderer;
use crate::outcome::Outcome;
use crate::output::{host_port, Style};

pub struct Tap;

impl Renderer for Tap {
    fn write(&self, outcomes: &[Outcome], out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        render(outcomes, out)
    }
}

fn render(outcomes: &[Outcome], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "TAP version 14")?;
    writeln!(out, "1..{}", outcomes.len())?;
    for (number, outcome) in outcomes.iter().enumerate() {
        // '#' starts a directive in TAP, so it must not appear raw in a description; a line
        // break (a label from the web app may hold one) would start a line of its own.
        let place = host_port(&outcome.host, outcome.port);
        let description = format!("{} ({place})", outcome.label)
            .chars()
            .filter_map(|c| match c {
                c if c.is_whitespace() => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect::<String>()
            .replace('\\', "\\\\")
            .replace('#', "\\#");
        let status = if outcome.ok { "ok" } else { "not ok" };
        writeln!(out, "{status} {} - {description}", number + 1)?;
        // The YAML block, for passing tests too, so a harness can read `kind: ok`. JSON
        // strings are valid YAML scalars, so quoting is safe.
        let quote = |text: &str| serde_json::to_string(text).expect("strings serialize");
        writeln!(out, "  ---")?;
        writeln!(out, "  kind: {}", outcome.kind_name())?;
        if let Some(message) = &outcome.message {
            writeln!(out, "  message: {}", quote(message))?;
        }
        if let Some(hint) = &outcome.hint {
            writeln!(out, "  hint: {}", quote(hint))?;
        }
        writeln!(out, "  elapsed_ms: {}", outcome.elapsed_ms)?;
        writeln!(out, "  ...")?;
    }
    Ok(())
}
