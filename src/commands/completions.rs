//! `mailboxes completions SHELL`, and the hidden `generate DIR` that writes the committed
//! completions/ and man/ files (a test fails when they are stale).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::CommandFactory;
use clap_complete::Shell;
use serde_json::{json, Value};

use crate::cli::Cli;
use crate::output::{Report, Style};

const BIN: &str = "mailboxes";

/// A completion script, printed as it is (no JSON form).
pub struct Completion(Vec<u8>);

pub fn print(shell: Shell) -> Completion {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    Completion(script)
}

impl Report for Completion {
    fn human(&self, out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        out.write_all(&self.0)
    }

    fn json(&self) -> Value {
        Value::String(String::from_utf8_lossy(&self.0).into_owned())
    }
}

/// The files `generate` wrote.
pub struct Generated(Vec<PathBuf>);

pub fn generate(dir: &Path) -> anyhow::Result<Generated> {
    let mut written = Vec::new();
    let completions = dir.join("completions");
    fs::create_dir_all(&completions)
        .with_context(|| format!("creating {}", completions.display()))?;
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let path = clap_complete::generate_to(shell, &mut Cli::command(), BIN, &completions)
            .with_context(|| format!("writing {shell} completions"))?;
        written.push(path);
    }
    let man = dir.join("man");
    fs::create_dir_all(&man).with_context(|| format!("creating {}", man.display()))?;
    // The package version alone: a page that named its commit would be stale once committed.
    let command = Cli::command()
        .version(env!("CARGO_PKG_VERSION"))
        .long_version(None);
    // `help` is clap's own subcommand: the main page must not name a mailboxes-help(1) page.
    write_man(
        &command.clone().disable_help_subcommand(true),
        &man,
        &mut written,
    )?;
    let version = command.get_version().unwrap_or_default().to_string();
    write_subcommand_pages(&command, BIN, &version, &man, &mut written)?;
    Ok(Generated(written))
}

/// A page per subcommand, `mailboxes-contacts-list(1)` for nested ones, as the parent pages
/// name them.
fn write_subcommand_pages(
    command: &clap::Command,
    prefix: &str,
    version: &str,
    man: &Path,
    written: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    for sub in command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
    {
        let name = format!("{prefix}-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .version(version.to_owned())
            .disable_help_subcommand(true);
        write_man(&page, man, written)?;
        write_subcommand_pages(sub, &name, version, man, written)?;
    }
    Ok(())
}

fn write_man(
    command: &clap::Command,
    dir: &Path,
    written: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    let path = dir.join(format!("{}.1", command.get_name()));
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .with_context(|| format!("rendering {}", path.display()))?;
    fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
    written.push(path);
    Ok(())
}

impl Report for Generated {
    fn human(&self, out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        for path in &self.0 {
            writeln!(out, "wrote {}", path.display())?;
        }
        Ok(())
    }

    fn json(&self) -> Value {
        json!(self
            .0
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>())
    }
}
