//! `mailboxes login`, `logout` and `status`: the Supabase account behind `--store supabase`.

use std::io::{self, Write};

use serde_json::Value;

use super::Context;
use crate::cli::{LoginArgs, PasswordArgs};
use crate::output::{Report, Style};
use crate::session::{self, LoginReport, LogoutReport, Options, StatusReport};

fn options(context: &Context, url: Option<String>, anon_key: Option<String>) -> Options {
    Options::from_env(&context.paths, &context.profile, url, anon_key)
}

pub fn login(context: &Context, args: LoginArgs) -> anyhow::Result<LoggedIn> {
    let options = options(context, args.url, args.anon_key);
    let email = context
        .terminal
        .text(args.email, "Email", "--email", None)?;
    let password_args = PasswordArgs {
        password_stdin: args.password_stdin,
        password_env: None,
    };
    let password = context
        .terminal
        .password(&password_args, Some("Password"))?
        .expect("a prompt was allowed");
    let report = session::login(&options, &email, &password)?;
    if let Some(reason) = &report.keyring_error {
        context.ui.note(&format!(
            "No OS keyring answered ({reason}); the session is kept in a 0600 file instead."
        ));
    }
    Ok(LoggedIn(report))
}

pub fn logout(context: &Context) -> anyhow::Result<LoggedOut> {
    let report = session::logout(&options(context, None, None))?;
    if let Some(reason) = &report.revoke_error {
        context.ui.warn(&format!(
            "the server did not revoke the session ({reason}); the stored tokens were deleted anyway"
        ));
    }
    Ok(LoggedOut(report))
}

pub fn status(context: &Context) -> anyhow::Result<Status> {
    let report = session::status(&options(context, None, None))?;
    Ok(Status {
        report,
        store: context.store_kind().name(),
    })
}

pub struct LoggedIn(LoginReport);

impl Report for LoggedIn {
    fn human(&self, out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        let r = &self.0;
        writeln!(
            out,
            "Logged in to {} as {} (profile {}); session kept in the {}, valid until {}",
            r.url,
            r.email.as_deref().unwrap_or(&r.user_id),
            r.profile,
            r.session,
            r.expires_at
        )
    }

    fn json(&self) -> Value {
        serde_json::to_value(&self.0).expect("reports serialize")
    }
}

pub struct LoggedOut(LogoutReport);

impl Report for LoggedOut {
    fn human(&self, out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        let r = &self.0;
        if !r.was_logged_in {
            return writeln!(out, "Not logged in (profile {}); nothing to do", r.profile);
        }
        let revoked = if r.revoked {
            "session revoked"
        } else {
            "session NOT revoked on the server"
        };
        writeln!(
            out,
            "Logged out (profile {}): {revoked}, stored tokens deleted",
            r.profile
        )
    }

    fn json(&self) -> Value {
        serde_json::to_value(&self.0).expect("reports serialize")
    }
}

pub struct Status {
    report: StatusReport,
    store: &'static str,
}

impl Report for Status {
    fn human(&self, out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        let r = &self.report;
        let or_dash = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".into());
        writeln!(out, "profile:   {}", r.profile)?;
        writeln!(out, "store:     {}", self.store)?;
        writeln!(out, "url:       {}", or_dash(&r.url))?;
        if !r.logged_in {
            writeln!(out, "logged in: no (run `mailboxes login`)")?;
        } else {
            writeln!(out, "logged in: yes, as {}", or_dash(&r.email))?;
            writeln!(out, "expires:   {}", or_dash(&r.expires_at))?;
        }
        if let Some(kept) = r.session {
            writeln!(out, "session:   kept in the {}", kept)?;
        }
        match r.migration_installed {
            Some(true) => writeln!(out, "functions: installed (atomic updates)")?,
            Some(false) => writeln!(
                out,
                "functions: not installed (optimistic updates; apply supabase/migrations)"
            )?,
            None => {}
        }
        if let Some(problem) = &r.problem {
            writeln!(out, "problem:   {problem}")?;
        }
        Ok(())
    }

    fn json(&self) -> Value {
        let mut json = serde_json::to_value(&self.report).expect("reports serialize");
        json["store"] = Value::from(self.store);
        json
    }
}
