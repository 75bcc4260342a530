//! Answers from the person or the script: prompts on a terminal, stdin and env vars otherwise.
//!
//! The rule scripts rely on: when stdin is not a terminal nothing is ever prompted for; a
//! missing answer is a usage error (exit 2) that names the flag to pass instead.

use std::io::{self, BufRead, IsTerminal};

use anyhow::Context;

use crate::cli::PasswordArgs;
use crate::error::{usage, UsageError};
use crate::secret::Secret;

/// Whether we may ask the person questions.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    pub interactive: bool,
}

impl Terminal {
    pub fn detect() -> Terminal {
        Terminal {
            interactive: io::stdin().is_terminal() && io::stderr().is_terminal(),
        }
    }

    /// The flag's value, or a prompt on a terminal, or a usage error naming the flag.
    pub fn text(
        &self,
        value: Option<String>,
        prompt: &str,
        flag: &str,
        default: Option<&str>,
    ) -> anyhow::Result<String> {
        if let Some(value) = value {
            return Ok(value);
        }
        if !self.interactive {
            return match default {
                Some(default) => Ok(default.to_string()),
                None => Err(usage(format!(
                    "missing {flag} (no prompts when stdin is not a terminal)"
                ))),
            };
        }
        let mut input = dialoguer::Input::<String>::new().with_prompt(prompt);
        if let Some(default) = default {
            input = input.default(default.to_string());
        }
        input.interact_text().context("reading the answer")
    }

    /// Like [`Terminal::text`], through `check`: on a terminal an answer `check` refuses is
    /// shown with the reason and asked again; a flag's value or a script's answer is refused
    /// (a usage error, exit 2).
    pub fn checked_text<T>(
        &self,
        value: Option<String>,
        prompt: &str,
        flag: &str,
        default: Option<&str>,
        check: impl Fn(&str) -> Result<T, UsageError>,
    ) -> anyhow::Result<T> {
        if value.is_some() || !self.interactive {
            return Ok(check(&self.text(value, prompt, flag, default)?)?);
        }
        let mut input = dialoguer::Input::<String>::new()
            .with_prompt(prompt)
            .validate_with(|answer: &String| check(answer).map(|_| ()).map_err(|err| err.0));
        if let Some(default) = default {
            input = input.default(default.to_string());
        }
        let answer = input.interact_text().context("reading the answer")?;
        Ok(check(&answer)?)
    }

    /// Asks yes/no on a terminal; without one, `--yes` is required.
    pub fn confirm(&self, question: &str, yes_flag: bool) -> anyhow::Result<bool> {
        if yes_flag {
            return Ok(true);
        }
        if !self.interactive {
            return Err(usage(
                "refusing to ask for confirmation without a terminal; pass --yes",
            ));
        }
        dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact()
            .context("reading the answer")
    }

    /// A yes/no question with a default (terminal only).
    pub fn ask_yes_no(&self, question: &str, default: bool) -> anyhow::Result<bool> {
        if !self.interactive {
            return Ok(default);
        }
        dialoguer::Confirm::new()
            .with_prompt(question)
            .default(default)
            .interact()
            .context("reading the answer")
    }

    /// One of `items`, by index (terminal only; `default` otherwise).
    pub fn choose(&self, prompt: &str, items: &[&str], default: usize) -> anyhow::Result<usize> {
        if !self.interactive {
            return Ok(default);
        }
        dialoguer::Select::new()
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact()
            .context("reading the answer")
    }

    /// A password from `--password-stdin`, `--password-env VAR`, or (if `prompt`) a no-echo prompt.
    /// `Ok(None)` when no source was given and prompting is not wanted.
    pub fn password(
        &self,
        args: &PasswordArgs,
        prompt: Option<&str>,
    ) -> anyhow::Result<Option<Secret>> {
        let secret = if args.password_stdin {
            read_stdin_line()?
        } else if let Some(var) = &args.password_env {
            match std::env::var(var) {
                Ok(value) => Secret::new(value),
                Err(std::env::VarError::NotPresent) => {
                    return Err(usage(format!("environment variable {var} is not set")))
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(usage(format!(
                        "environment variable {var} is not valid UTF-8"
                    )))
                }
            }
        } else if let Some(prompt) = prompt {
            if !self.interactive {
                return Err(usage(
                    "no password given: use --password-stdin or --password-env VAR \
                     (no prompts when stdin is not a terminal)",
                ));
            }
            Secret::new(
                dialoguer::Password::new()
                    .with_prompt(prompt)
                    .interact()
                    .context("reading the password")?,
            )
        } else {
            return Ok(None);
        };
        if secret.is_empty() {
            return Err(usage("the password is empty"));
        }
        // IMAP can never send these (a line break would end the command; NUL is not text):
        // storing such a password only defers the failure to every later test.
        if secret
            .expose()
            .bytes()
            .any(|b| matches!(b, b'\r' | b'\n' | 0))
        {
            return Err(usage(
                "the password contains a line break or NUL character, which no IMAP server can \
                 be sent; check how it was pasted (--password-stdin takes one line)",
            ));
        }
        Ok(Some(secret))
    }
}

/// One line of stdin, without its line ending.
fn read_stdin_line() -> anyhow::Result<Secret> {
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let secret = Secret::new(line.trim_end_matches(['\n', '\r']));
    zeroize::Zeroize::zeroize(&mut line);
    Ok(secret)
}
