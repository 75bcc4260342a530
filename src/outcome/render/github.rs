//! `--format github`: GitHub Actions workflow commands, one annotation per mailbox.
//! <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>

use std::io::{self, Write};

use super::Renderer;
use crate::outcome::Outcome;
use crate::output::{host_port, Style};
use crate::secret::Secret;

/// Annotations, after masking `masks`.
pub struct GitHub<'a> {
    pub masks: &'a [Secret],
}

impl Renderer for GitHub<'_> {
    fn write(&self, outcomes: &[Outcome], out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        render(outcomes, self.masks, out)
    }
}

/// Secrets read from the environment are masked first (`::add-mask::`), so the runner hides
/// them in every later log line, including other steps' output.
fn render(outcomes: &[Outcome], masks: &[Secret], out: &mut dyn Write) -> io::Result<()> {
    for secret in masks {
        writeln!(out, "::add-mask::{}", escape_data(secret.expose()))?;
        // Gmail accepts an App Password with or without its spaces: hide both spellings.
        let compact: String = secret.expose().split_whitespace().collect();
        if compact != secret.expose() && !compact.is_empty() {
            writeln!(out, "::add-mask::{}", escape_data(&compact))?;
        }
    }
    for outcome in outcomes {
        let title = format!(
            "mailboxes: {} ({})",
            outcome.label,
            host_port(&outcome.host, outcome.port)
        );
        if outcome.ok && outcome.round_trips.is_none() {
            // `test --fail-if-stale` judges the recorded result and does not log in.
            writeln!(
                out,
                "::notice title={}::ok: recorded test passed recently",
                escape_property(&title)
            )?;
        } else if outcome.ok {
            writeln!(
                out,
                "::notice title={}::ok: logged in in {} ms",
                escape_property(&title),
                outcome.elapsed_ms
            )?;
        } else {
            let mut text = format!(
                "{}: {}",
                outcome.kind_name(),
                outcome.message.as_deref().unwrap_or_default()
            );
            if let Some(hint) = &outcome.hint {
                text.push_str("\nhint: ");
                text.push_str(hint);
            }
            writeln!(
                out,
                "::error title={}::{}",
                escape_property(&title),
                escape_data(&text)
            )?;
        }
    }
    Ok(())
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
