//! The single integration-test binary: every test drives the built `mailboxes` binary against
//! real servers (Dovecot; PostgreSQL + PostgREST behind a Supabase-shaped gateway) that
//! `support/` starts privately on loopback ports.

mod architecture;
mod ci_formats;
mod discover;
mod generated;
mod gmail;
mod harvest;
mod hygiene;
mod local_cli;
mod oauth2;
mod oauth2_signin;
mod oauth2_stored;
mod reliability_crash;
mod reliability_harvest;
mod reliability_http;
mod reliability_imap;
mod reliability_input;
mod reliability_login;
mod round_trips;
mod schedule;
mod supabase_cli;
mod supabase_stack;
mod support;
mod sync;
mod terminal;
mod version;
mod wizard;
