//! `mailboxes add`: flags first, prompts on a terminal for what is missing, an optional probe,
//! then one atomic `Change::Add`.

use std::time::Duration;

use anyhow::Context as _;

use super::list::Saved;
use super::test::{probe_options, tested_at};
use super::Context;
use crate::cli::AddArgs;
use crate::discover::DiscoverOptions;
use crate::error::usage;
use crate::mailbox::{validate, Mailbox, STATUS_OK, STATUS_PENDING};
use crate::probe;
use crate::secret::Secret;
use crate::store::Change;

pub const GMAIL_HOST: &str = "imap.gmail.com";

pub fn run(context: &Context, args: AddArgs) -> anyhow::Result<Saved> {
    let terminal = &context.terminal;
    // Nothing says where the server is: on a terminal, walk the person through it.
    if terminal.interactive && !args.gmail && args.host.is_none() {
        return super::wizard::run(context, args);
    }
    let label = validate::label(&terminal.text(args.label, "Label", "--label", None)?)?;
    // --email fills what the flags leave open; with --host given there is nothing to find.
    let found = match &args.email {
        Some(email) if args.host.is_none() => {
            let options = DiscoverOptions::from_env(Duration::from_secs(args.imap.timeout_secs()))?;
            let found = crate::discover::discover(email, &options)
                .context("could not find the server for --email")?;
            if let Some(notes) = &found.notes {
                context.ui.note(notes);
            }
            Some(found)
        }
        _ => None,
    };
    let (host, tls) = if args.gmail {
        (GMAIL_HOST.to_string(), true)
    } else {
        let found_host = found.as_ref().map(|f| f.host.clone());
        let host = validate::host(&terminal.text(
            args.host.or(found_host),
            "IMAP server",
            "--host",
            None,
        )?)?;
        let found_tls = found.as_ref().map(|f| f.tls);
        (host, args.security.tls().or(found_tls).unwrap_or(true))
    };
    // The discovered port goes with the discovered security, not with a --tls/--starttls
    // that overrides it.
    let found_port = found
        .as_ref()
        .filter(|f| args.security.tls().is_none_or(|tls| tls == f.tls))
        .map(|f| f.port);
    let port = args.port.or(found_port).unwrap_or(default_port(tls));
    let found_user = match &found {
        Some(found) => Some(found.user.clone()),
        None => args.email.clone(),
    };
    let user = validate::user(&terminal.text(
        args.user.or(found_user),
        "User (usually your email address)",
        "--user",
        None,
    )?)?;
    let prompt = if host == GMAIL_HOST {
        "App Password (myaccount.google.com/apppasswords)"
    } else {
        "Password"
    };
    let password = terminal
        .password(&args.password, Some(prompt))?
        .expect("a prompt was allowed");

    super::test::warn_if_not_app_password(context, &label, &host, &password);
    let store = context.store()?;
    let existing = store.list()?;
    ensure_label_free(&existing, &label, None)?;

    let mut mailbox = new_mailbox(label, host, port, tls, user, password);
    if args.test {
        let options = probe_options(context, &args.imap)?;
        probe::probe(&mailbox.target(), &options).context("not saved: the login test failed")?;
        mailbox.status = Some(STATUS_OK.to_string());
        mailbox.last_tested_at = Some(tested_at());
    }
    store.apply(&Change::Add(mailbox.clone()))?;
    Ok(Saved {
        verb: "Added",
        mailbox,
    })
}

/// A new, untested entry with a fresh v4 id.
pub fn new_mailbox(
    label: String,
    host: String,
    port: u16,
    tls: bool,
    user: String,
    password: Secret,
) -> Mailbox {
    Mailbox {
        id: uuid::Uuid::new_v4().to_string(),
        label,
        host,
        port,
        tls,
        user,
        password,
        status: Some(STATUS_PENDING.to_string()),
        last_tested_at: None,
        last_error: None,
        extra: Default::default(),
    }
}

pub fn default_port(tls: bool) -> u16 {
    if tls {
        993
    } else {
        143
    }
}

/// Labels name mailboxes on the command line, so two may not share one (in any case).
pub fn ensure_label_free(
    existing: &[Mailbox],
    label: &str,
    except_id: Option<&str>,
) -> anyhow::Result<()> {
    let clash = existing.iter().find(|m| {
        Some(m.id.as_str()) != except_id && m.label.to_lowercase() == label.to_lowercase()
    });
    match clash {
        Some(other) => Err(usage(format!(
            "a mailbox labelled '{}' already exists ({}); choose another --label",
            other.label,
            other.short_id()
        ))),
        None => Ok(()),
    }
}
