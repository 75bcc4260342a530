//! Test harness: private servers and a fresh environment per command.
pub mod dns;
pub mod dovecot;
pub mod env;
pub mod fake_imap;
pub mod introspection;
pub mod latency_proxy;
pub mod mailgen;
pub mod reliability;
pub mod supabase;
pub mod tls_front;
pub mod token_endpoint;
