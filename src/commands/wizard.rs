//! The interactive `add` on a terminal: ask for the address, find the server (presets, SRV,
//! MX), offer OAuth2 sign-in for Gmail (Microsoft gets nothing else), else explain App
//! Passwords for Gmail, test the login, then save. Flags given on the command
//! line are used instead of asking; scripts never get here (no terminal, no prompts).

use std::time::Duration;

use super::list::Saved;
use super::Context;
use crate::cli::AddArgs;
use crate::discover::{self, DiscoverOptions, Discovery};
use crate::error::UsageError;
use crate::gmail;
use crate::imap::Security;
use crate::mailbox::{self, validate, Mailbox, STATUS_ERROR, STATUS_OK};
use crate::oauth2;
use crate::outcome;
use crate::probe;
use crate::secret::Secret;
use crate::store::{Change, Store};

use super::signin;

pub fn run(context: &Context, args: AddArgs) -> anyhow::Result<Saved> {
    let terminal = &context.terminal;
    let ui = &context.ui;
    let email = terminal.text(args.email.clone(), "Email address", "--email", None)?;
    let email = email.trim().to_string();

    let options = DiscoverOptions::from_env(Duration::from_secs(args.imap.timeout_secs().min(10)))?;
    let found = match discover::discover(&email, &options) {
        Ok(found) => {
            ui.note(&format!(
                "Found {} ({}){}, from {}.",
                crate::output::host_port(&found.host, found.port),
                security_name(found.tls),
                found
                    .provider
                    .as_deref()
                    .map(|p| format!(" for {p}"))
                    .unwrap_or_default(),
                source_words(&found)
            ));
            terminal
                .ask_yes_no("Use these settings?", true)?
                .then_some(found)
        }
        Err(err) => {
            log::info!("discovery: {err}");
            ui.note("Could not find the server automatically; enter it below.");
            None
        }
    };
    let (host, tls, port, user, provider) = match &found {
        Some(found) => (
            found.host.clone(),
            found.tls,
            found.port,
            found.user.clone(),
            found.provider.clone(),
        ),
        None => {
            // A refused answer (a port inside the host, say) is asked again.
            let host =
                terminal.checked_text(None, "IMAP server", "--host", None, validate::host)?;
            let tls =
                terminal.choose("Security", &["TLS (port 993)", "STARTTLS (port 143)"], 0)? == 0;
            let port = terminal.checked_text(
                None,
                "Port",
                "--port",
                Some(&Security::from_tls(tls).default_port().to_string()),
                |port| {
                    port.trim()
                        .parse::<u16>()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| UsageError(format!("'{port}' is not a port (1-65535)")))
                },
            )?;
            (host, tls, port, email.clone(), None)
        }
    };
    let user = terminal.checked_text(
        args.user.clone(),
        "User",
        "--user",
        Some(&user),
        validate::user,
    )?;
    let default_label = provider.unwrap_or_else(|| email.clone());
    let label = terminal.checked_text(
        args.label.clone(),
        "Label",
        "--label",
        Some(&default_label),
        validate::label,
    )?;

    let store = context.store()?;
    mailbox::ensure_label_free(&store.list()?, &label, None)?;

    let gmail = gmail::is_gmail_host(&host);
    // OAuth2 first where the provider has it: Microsoft takes nothing else, and Gmail's App
    // Passwords need 2-Step Verification and are refused under many Workspace policies.
    if let Some(tokens_and_endpoints) = offer_oauth(context, &args, &host, &user)? {
        let (endpoints, tokens) = tokens_and_endpoints;
        let mut mailbox = Mailbox::new(label, host, port, tls, user, Secret::default());
        signin::apply(&mut mailbox, &signin::grant_patch(&endpoints, &tokens));
        return test_and_save(context, &args, &*store, mailbox);
    }
    if gmail {
        ui.note(&format!(
            "Gmail needs an App Password, not your Google password: turn on 2-Step Verification, \
             then create one at {} and paste it below (spaces are fine).",
            gmail::APP_PASSWORDS_URL
        ));
    } else if let Some(notes) = found.as_ref().and_then(|f| f.notes.as_deref()) {
        ui.note(notes);
    }
    let prompt = if gmail { "App Password" } else { "Password" };
    let password = terminal
        .password(&args.password, Some(prompt))?
        .expect("a prompt was allowed");
    if let Some(warning) = gmail::app_password_warning(&label, &host, &password) {
        context.ui.warn(&warning);
    }

    let mailbox = Mailbox::new(label, host, port, tls, user, password);
    test_and_save(context, &args, &*store, mailbox)
}

/// For a Gmail or Microsoft server: asks whether to sign in with OAuth2 (Gmail) or says it will
/// (Microsoft), and runs the sign-in. `None` means a password it is.
fn offer_oauth(
    context: &Context,
    args: &AddArgs,
    host: &str,
    user: &str,
) -> anyhow::Result<Option<(oauth2::Endpoints, oauth2::Tokens)>> {
    let provider = if gmail::is_gmail_host(host) {
        oauth2::Provider::Google
    } else if outcome::is_microsoft_host(host) {
        oauth2::Provider::Microsoft
    } else {
        return Ok(None);
    };
    let endpoints = match signin::endpoints(&args.oauth, provider, None) {
        Ok(endpoints) => endpoints,
        // Gmail still takes App Passwords: say what OAuth2 would need and go on with one.
        Err(err) if provider == oauth2::Provider::Google => {
            context.ui.note(&format!(
                "Signing in with Google is not set up ({err:#}); using an App Password."
            ));
            return Ok(None);
        }
        Err(err) => return Err(err),
    };
    let use_oauth = match provider {
        oauth2::Provider::Microsoft => {
            context.ui.note(
                "Microsoft takes no passwords over IMAP: signing in with your Microsoft account.",
            );
            true
        }
        _ => {
            context.terminal.choose(
                "Sign in with",
                &[
                    "Google in the browser (OAuth2, no password stored)",
                    "An App Password",
                ],
                0,
            )? == 0
        }
    };
    if !use_oauth {
        return Ok(None);
    }
    let tokens = signin::sign_in(context, &endpoints, &args.oauth, user, args.imap.timeout)?;
    Ok(Some((endpoints, tokens)))
}

/// Tests the login, asks whether to keep a failing one, and saves.
fn test_and_save(
    context: &Context,
    args: &AddArgs,
    store: &dyn Store,
    mut mailbox: Mailbox,
) -> anyhow::Result<Saved> {
    let (ui, terminal) = (&context.ui, &context.terminal);
    ui.note(&format!(
        "Testing the login to {}…",
        crate::output::host_port(&mailbox.host, mailbox.port)
    ));
    match probe::probe(&mailbox.target(), &args.imap.connect_options(&context.ui)?) {
        Ok(probe) => {
            ui.note(&format!("Login OK ({} ms).", probe.elapsed.as_millis()));
            mailbox.status = Some(STATUS_OK.to_string());
        }
        Err(err) => {
            ui.note(&format!("Login failed: {}", err.message));
            ui.note(&format!(
                "hint: {}",
                outcome::hint(err.kind, &err.message, &mailbox.host, false, None)
            ));
            if !terminal.ask_yes_no("Save it anyway?", false)? {
                anyhow::bail!("not saved");
            }
            mailbox.status = Some(STATUS_ERROR.to_string());
            mailbox.last_error = Some(err.message);
        }
    }
    mailbox.last_tested_at = Some(mailbox::tested_at());
    store.apply(&Change::Add(mailbox.clone()))?;
    Ok(Saved {
        verb: "Added",
        mailbox: mailbox.masked(),
    })
}

fn security_name(tls: bool) -> &'static str {
    if tls {
        "TLS"
    } else {
        "STARTTLS"
    }
}

fn source_words(found: &Discovery) -> &'static str {
    match found.source {
        discover::Source::Preset => "the bundled provider list",
        discover::Source::Srv => "the domain's SRV records",
        discover::Source::Mx => "the domain's mail servers (MX)",
    }
}
