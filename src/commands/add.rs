//! `mailboxes add`: flags first, prompts on a terminal for what is missing, an optional probe,
//! then one atomic `Change::Add`.

use std::time::Duration;

use anyhow::Context as _;

use super::list::Saved;
use super::Context;
use crate::cli::AddArgs;
use crate::discover::DiscoverOptions;
use crate::gmail;
use crate::mailbox::{self, validate, Mailbox, STATUS_OK};
use crate::probe::{self, Security};
use crate::store::Change;

pub fn run(context: &Context, args: AddArgs) -> anyhow::Result<Saved> {
    if args.oauth.oauth.is_some() {
        return super::signin::add(context, args);
    }
    let terminal = &context.terminal;
    // Nothing says where the server is: on a terminal, walk the person through it (it offers
    // OAuth2 for Gmail and Microsoft, with the --oauth-… flags given).
    if terminal.interactive && !args.gmail && args.host.is_none() {
        return super::wizard::run(context, args);
    }
    if args.oauth.any_detail() {
        return Err(crate::error::usage(
            "the --oauth-… flags, --no-browser and --device go with --oauth \
             google|microsoft|custom",
        ));
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
        (gmail::IMAP_HOST.to_string(), true)
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
    let port = args
        .port
        .or(found_port)
        .unwrap_or(Security::from_tls(tls).default_port());
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
    let prompt = if host == gmail::IMAP_HOST {
        "App Password (myaccount.google.com/apppasswords)"
    } else {
        "Password"
    };
    let password = terminal
        .password(&args.password, Some(prompt))?
        .expect("a prompt was allowed");

    if let Some(warning) = gmail::app_password_warning(&label, &host, &password) {
        context.ui.warn(&warning);
    }
    let store = context.store()?;
    let existing = store.list()?;
    mailbox::ensure_label_free(&existing, &label, None)?;

    let mut mailbox = Mailbox::new(label, host, port, tls, user, password);
    if args.test {
        let options = args.imap.connect_options(&context.ui)?;
        probe::probe(&mailbox.target(), &options).context("not saved: the login test failed")?;
        mailbox.status = Some(STATUS_OK.to_string());
        mailbox.last_tested_at = Some(mailbox::tested_at());
    }
    store.apply(&Change::Add(mailbox.clone()))?;
    Ok(Saved {
        verb: "Added",
        mailbox: mailbox.masked(),
    })
}
