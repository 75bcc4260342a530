//! `mailboxes`: manage and test the IMAP mailbox credentials of a Supabase-backed web app.
//!
//! Data flows one way: cli → commands → (store | session | probe) → report → output. Only this
//! file and `output/` print; everything else returns values and errors.

mod addressbook;
mod cli;
mod commands;
mod config;
mod deadline;
mod discover;
mod error;
mod exit;
mod fanout;
mod gmail;
mod harvest;
mod http;
mod imap;
mod input;
mod json;
mod mailbox;
mod oauth2;
mod outcome;
mod output;
mod postgrest;
mod probe;
mod schedule;
mod secret;
mod session;
mod staleness;
mod store;
mod untrusted;
mod version;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let result = match cli::Internal::from_args() {
        Some(internal) => commands::run_internal(internal),
        None => commands::run(cli::Cli::parse()),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(err) if error::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // Errors quote what they could not use (a stored value, a server's answer):
            // filtered for the terminal, whatever layer wrote them.
            eprintln!("mailboxes: {}", untrusted::printable(&format!("{err:#}")));
            exit::exit_for(&err).into()
        }
    }
}
