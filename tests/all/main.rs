//! The single integration-test binary: every test drives the built `mailboxes` binary against
//! real servers (Dovecot; PostgreSQL + PostgREST behind a Supabase-shaped gateway) that
//! `support/` starts privately on loopback ports.

mod support;
mod generated;
