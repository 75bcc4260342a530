//! Starts the Supabase test stack (PostgreSQL + PostgREST + the auth stand-in behind one
//! gateway, see tests/all/support/supabase/) and keeps it running, so a person can try the CLI
//! against it by hand:
//!
//! ```sh
//! scripts/install-supabase-test-deps
//! cargo run --example supabase_stack              # or: -- --without-migration
//! # then, in another terminal, with the printed values:
//! SUPABASE_URL=... SUPABASE_ANON_KEY=... mailboxes login --email demo@example.test --password-stdin
//! ```
//!
//! Ctrl-C stops it; the servers go with the process.
#![allow(dead_code, unused_imports)]

#[path = "../tests/all/support/supabase/mod.rs"]
mod supabase;

use supabase::{Migration, Stack};

fn main() {
    let migration = if std::env::args().any(|a| a == "--without-migration") {
        Migration::Absent
    } else {
        Migration::Installed
    };
    let stack = Stack::start(migration);
    let email = "demo@example.test";
    let password = "demo-password";
    let user = stack.create_user(email, password);
    println!("export SUPABASE_URL={}", stack.url());
    println!("export SUPABASE_ANON_KEY={}", stack.anon_key());
    println!("# user {email} / password {password} (id {user}); migration {migration:?}");
    println!("# database: psql {}", stack.database_url("postgres"));
    println!("# Ctrl-C stops the stack");
    loop {
        std::thread::park();
    }
}
