//! Everything that reaches stdout or stderr: reports (human or JSON), warnings, diagnostics.
//!
//! Commands build a `Report` and return it; only this module and `main.rs` print. Data goes to
//! stdout, diagnostics and warnings to stderr, so `--json` output is always clean for scripts.

pub mod grid;
mod logger;
pub mod table;

use std::io::{self, IsTerminal, Write};

use serde_json::Value;

use crate::exit::Exit;

/// What a command produced, printable for people or as JSON.
pub trait Report {
    /// What stdout carries for every format but JSON: a report whose command has formats of
    /// its own (`test --format junit`, `harvest --format csv`) chose its renderer already.
    fn human(&self, out: &mut dyn Write, style: &Style) -> io::Result<()>;
    fn json(&self) -> Value;
    /// A line for stderr after the report (e.g. `3 ok, 1 auth`), so it follows the results.
    fn summary(&self) -> Option<String> {
        None
    }
    /// The exit code this report implies (e.g. 1 when a test failed).
    fn exit(&self) -> Exit {
        Exit::Success
    }
}

/// What stdout carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables and sentences for people
    Human,
    /// JSON for scripts (same as --json)
    Json,
    /// GitHub Actions annotations (::error …), masking secrets read from the environment
    Github,
    /// A JUnit XML report
    Junit,
    /// Test Anything Protocol, version 14
    Tap,
}

/// How to print: which format, with or without colour.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub format: Format,
    pub style: Style,
}

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// The terminal's width for tables to fit in: `COLUMNS`, else stdout's terminal; `None`
    /// when stdout is not a terminal (a pipe gets whole tables).
    pub width: Option<usize>,
}

impl Ui {
    /// Colour only on a terminal, and never with `--no-color` or `NO_COLOR` (no-color.org).
    pub fn new(format: Format, no_color: bool) -> Ui {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color =
            format == Format::Human && !no_color && !no_color_env && io::stdout().is_terminal();
        Ui {
            format,
            style: Style {
                color,
                width: terminal_width(),
            },
        }
    }

    pub fn print(&self, report: &dyn Report) -> io::Result<()> {
        let stdout = io::stdout();
        let mut out = stdout.lock();
        match self.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut out, &report.json())?;
                writeln!(out)?;
            }
            _ => report.human(&mut out, &self.style)?,
        }
        out.flush()?;
        if let Some(summary) = report.summary() {
            self.note(&summary);
        }
        Ok(())
    }

    /// A warning for people, on stderr (also in JSON mode: stdout stays data only).
    /// Warnings quote stored and server text (labels, folder names): filtered here, once.
    pub fn warn(&self, message: &str) {
        let message = printable(message);
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

/// `COLUMNS` when set (as clap and most CLIs honour it), else the width of the terminal that
/// stdout is, else `None`.
fn terminal_width() -> Option<usize> {
    let columns = std::env::var("COLUMNS").ok();
    if let Some(width) = columns.and_then(|c| c.trim().parse::<usize>().ok()) {
        return (width > 0).then_some(width);
    }
    let stdout = io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(&stdout).map(|(terminal_size::Width(w), _)| usize::from(w))
}

pub use logger::init as init_logging;

pub use crate::untrusted::{host_port, printable};
