//! `mailboxes login`, `logout` and `status`: the Supabase account behind `--store supabase`.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::Context;
use crate::cli::LoginArgs;
use crate::output::{Report, Style};
use crate::store::StoreError;

pub struct Status {
    store: String,
    profile: String,
}

pub fn login(_context: &Context, _args: LoginArgs) -> anyhow::Result<Status> {
    Err(StoreError::NotImplemented("login is not available in this build yet".into()).into())
}

pub fn logout(_context: &Context) -> anyhow::Result<Status> {
    Err(StoreError::NotImplemented("logout is not available in this build yet".into()).into())
}

pub fn status(context: &Context) -> anyhow::Result<Status> {
    Ok(Status {
        store: format!("{:?}", context.store_kind()).to_lowercase(),
        profile: context.profile.clone(),
    })
}

impl Report for Status {
    fn human(&self, out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        writeln!(out, "profile: {}", self.profile)?;
        writeln!(out, "store:   {}", self.store)
    }

    fn json(&self) -> Value {
        json!({"profile": self.profile, "store": self.store})
    }
}
