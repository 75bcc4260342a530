//! Everything that reaches stdout or stderr: reports (human or JSON), warnings, diagnostics.
//!
//! Commands build a `Report` and return it; only this module and `main.rs` print. Data goes to
//! stdout, diagnostics and warnings to stderr, so `--json` output is always clean for scripts.

mod logger;
pub mod table;

use std::io::{self, IsTerminal, Write};

use serde_json::Value;

use crate::error::Exit;

/// What a command produced, printable for people or as JSON.
pub trait Report {
    fn human(&self, out: &mut dyn Write, style: &Style) -> io::Result<()>;
    fn json(&self) -> Value;
    /// The exit code this report implies (e.g. 1 when a test failed).
    fn exit(&self) -> Exit {
        Exit::Success
    }
}

/// How to print: JSON or human, with or without colour.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub json: bool,
    pub style: Style,
}

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Ui {
    /// Colour only on a terminal, and never with `--no-color` or `NO_COLOR` (no-color.org).
    pub fn new(json: bool, no_color: bool) -> Ui {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = !json && !no_color && !no_color_env && io::stdout().is_terminal();
        Ui {
            json,
            style: Style { color },
        }
    }

    pub fn print(&self, report: &dyn Report) -> io::Result<()> {
        let stdout = io::stdout();
        let mut out = stdout.lock();
        if self.json {
            serde_json::to_writer_pretty(&mut out, &report.json())?;
            writeln!(out)?;
        } else {
            report.human(&mut out, &self.style)?;
        }
        out.flush()
    }

    /// A warning for people, on stderr (also in JSON mode: stdout stays data only).
    pub fn warn(&self, message: &str) {
        eprintln!("{}: {message}", self.style.paint("warning", Paint::Yellow));
    }

    /// A note for people on stderr, e.g. where the session is kept.
    pub fn note(&self, message: &str) {
        eprintln!("{message}");
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Paint {
    Green,
    Red,
    Yellow,
}

impl Style {
    pub fn paint(&self, text: &str, paint: Paint) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match paint {
            Paint::Green => "32",
            Paint::Red => "31",
            Paint::Yellow => "33",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

pub use logger::init as init_logging;
