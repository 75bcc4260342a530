//! `--format junit`: a JUnit XML report (the Ant/Jenkins schema that CI systems render), one
//! `<testcase>` per mailbox.

use std::io::{self, Write};

use super::Renderer;
use crate::outcome::Outcome;
use crate::output::{host_port, Style};

/// The report, stamped with when the tests ran.
pub struct JUnit {
    pub timestamp: String,
}

impl Renderer for JUnit {
    fn write(&self, outcomes: &[Outcome], out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        render(outcomes, &self.timestamp, out)
    }
}

fn render(outcomes: &[Outcome], timestamp: &str, out: &mut dyn Write) -> io::Result<()> {
    let failures = outcomes.iter().filter(|o| !o.ok).count();
    let seconds = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
    let total: u64 = outcomes.iter().map(|o| o.elapsed_ms).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="mailboxes" tests="{}" failures="{failures}" errors="0" time="{}">"#,
        outcomes.len(),
        seconds(total)
    )?;
    writeln!(
        out,
        r#"  <testsuite name="mailboxes test" tests="{}" failures="{failures}" errors="0" skipped="0" time="{}" timestamp="{}" hostname="localhost" id="0" package="mailboxes">"#,
        outcomes.len(),
        seconds(total),
        escape(timestamp)
    )?;
    // The schema CI systems validate against has properties per suite only: one per mailbox,
    // named after its testcase's classname, so a passing test's kind (`ok`) is there too.
    writeln!(out, "    <properties>")?;
    for outcome in outcomes {
        writeln!(
            out,
            r#"      <property name="{}.kind" value="{}"/>"#,
            escape(&classname(outcome)),
            outcome.kind_name()
        )?;
    }
    writeln!(out, "    </properties>")?;
    for outcome in outcomes {
        let name = format!(
            "{} ({})",
            outcome.label,
            host_port(&outcome.host, outcome.port)
        );
        let classname = classname(outcome);
        write!(
            out,
            r#"    <testcase name="{}" classname="{}" time="{}""#,
            escape(&name),
            escape(&classname),
            seconds(outcome.elapsed_ms)
        )?;
        if outcome.ok {
            writeln!(out, "/>")?;
        } else {
            let message = outcome.message.as_deref().unwrap_or_default();
            let body = match &outcome.hint {
                Some(hint) => format!("{message}\nhint: {hint}"),
                None => message.to_string(),
            };
            writeln!(out, ">")?;
            writeln!(
                out,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                escape(message),
                escape(outcome.kind_name()),
                escape(&body)
            )?;
            writeln!(out, "    </testcase>")?;
        }
    }
    writeln!(out, "    <system-out/>")?;
    writeln!(out, "    <system-err/>")?;
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

fn classname(outcome: &Outcome) -> String {
    format!(
        "mailboxes.{}",
        outcome.id.as_deref().unwrap_or(&outcome.host)
    )
}

/// XML text and attribute escaping; control characters XML 1.0 forbids are dropped.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\n' => escaped.push_str("&#10;"),
            '\t' | '\r' => escaped.push(' '),
            // U+FFFE and U+FFFF are no XML characters either; a stored label may hold them.
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_forbidden_controls() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(escape("x\u{FFFF}y\u{FFFE}"), "xy");
    }
}
