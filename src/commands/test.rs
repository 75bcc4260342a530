//! `mailboxes test`: log in to stored mailboxes (concurrently, bounded by `--jobs`) or to one
//! server given on the command line, and record each result like the web app's test endpoint.

use std::io::{self, Write};

use serde_json::Value;

use super::Context;
use crate::cli::TestArgs;
use crate::error::usage;
use crate::exit::Exit;
use crate::fanout;
use crate::gmail;
use crate::mailbox::{self, select_many, validate, Mailbox, Patch};
use crate::oauth2;
use crate::outcome::{self, render, Outcome};
use crate::output::{Format, Report, Style};
use crate::probe::{
    self, ConnectOptions, FailureKind, Mechanism, Probe, ProbeError, Security, Target,
};
use crate::secret::Secret;
use crate::store::Change;

use super::tokens;

pub struct Outcomes {
    outcomes: Vec<Outcome>,
    /// Secrets read from the environment, for `--format github` to mask (its only use).
    masks: Vec<Secret>,
    format: Format,
}

pub fn run(context: &Context, args: TestArgs) -> anyhow::Result<Outcomes> {
    let options = args.imap.connect_options(&context.ui)?;
    if let Some(host) = &args.host {
        return ad_hoc(context, &args, host, &options);
    }
    if args.password.password_stdin || args.password.password_env.is_some() {
        return Err(usage(
            "--password-stdin and --password-env go with --host (an ad-hoc probe); stored \
             mailboxes are tested with their stored password",
        ));
    }
    if args.mailboxes.is_empty() && !args.all {
        return Err(usage(
            "name the mailboxes to test, or use --all (or --host … for a server not in the store)",
        ));
    }
    let store = context.store()?;
    let all = store.list()?;
    let chosen = select_many(all, &args.mailboxes, args.all)?;
    if let Some(limit) = args.fail_if_stale {
        let now = chrono::Utc::now();
        let outcomes: Vec<Outcome> = chosen
            .iter()
            .map(|mailbox| Outcome::from_record(mailbox, limit, now))
            .collect();
        return Ok(Outcomes {
            outcomes,
            masks: Vec::new(),
            format: context.ui.format,
        });
    }
    // Entries of an unknown `authType` are reported, never logged in to nor recorded.
    let (supported, unsupported): (Vec<Mailbox>, Vec<Mailbox>) = chosen
        .iter()
        .cloned()
        .partition(|mailbox| mailbox.unsupported().is_none());
    let mut supported = supported;
    for mailbox in supported.iter().filter(|m| !m.is_oauth2()) {
        warn_if_not_app_password(context, &mailbox.label, &mailbox.host, &mailbox.password);
    }
    let jobs = usize::from(args.jobs);
    // OAuth2 entries that need a refresh are locked and read again first (`tokens`); the locks
    // are held until their rotated tokens are stored with the results.
    let stale: Vec<String> = supported
        .iter()
        .filter(|m| tokens::needs_refresh(m))
        .map(|m| m.id.clone())
        .collect();
    let stale: Vec<&str> = stale.iter().map(String::as_str).collect();
    let mut locks = tokens::lock_all(&context.paths.state_dir, &stale)?;
    let mut locked: std::collections::HashSet<String> =
        stale.iter().map(|id| id.to_string()).collect();
    tokens::reread(&*store, &mut supported, &stale)?;
    // Waiting for those locks took time: an entry whose token crossed the margin meanwhile is
    // locked and read again too, never refreshed without its lock.
    let late: Vec<String> = supported
        .iter()
        .filter(|m| tokens::needs_refresh(m) && !locked.contains(&m.id))
        .map(|m| m.id.clone())
        .collect();
    if !late.is_empty() {
        let ids: Vec<&str> = late.iter().map(String::as_str).collect();
        locks.extend(tokens::lock_all(&context.paths.state_dir, &ids)?);
        locked.extend(late.iter().cloned());
        tokens::reread(&*store, &mut supported, &ids)?;
    }
    let logins: Vec<tokens::Login> = supported.iter().map(|m| tokens::plan(m, false)).collect();
    let mut attempts = attempt_many(&logins.iter().collect::<Vec<_>>(), &options, jobs);

    // A stored access token refused before it expired: refresh once and try again. Nothing
    // here may end the command early: the first pass's rotated tokens must be stored below.
    let retry: Vec<String> = supported
        .iter()
        .zip(&logins)
        .zip(&attempts)
        .filter(|((mailbox, login), attempt)| tokens::worth_refreshing(mailbox, login, attempt))
        .map(|((mailbox, _), _)| mailbox.id.clone())
        .collect();
    if !retry.is_empty() {
        let ids: Vec<&str> = retry.iter().map(String::as_str).collect();
        // An entry locked above stays locked; a file lock would wait on itself.
        let new: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !locked.contains(*id))
            .collect();
        let tried: Vec<Option<Secret>> = supported.iter().map(|m| m.access_token.clone()).collect();
        let ready = tokens::lock_all(&context.paths.state_dir, &new).and_then(|more| {
            locks.extend(more);
            tokens::reread(&*store, &mut supported, &ids)
        });
        match ready {
            Ok(()) => {
                let again: Vec<(usize, tokens::Login)> = supported
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| ids.contains(&m.id.as_str()))
                    // Another process stored a new token meanwhile: that one is tried, not
                    // refreshed.
                    .map(|(index, m)| (index, tokens::plan(m, m.access_token == tried[index])))
                    .collect();
                let logins: Vec<&tokens::Login> = again.iter().map(|(_, login)| login).collect();
                for ((index, _), attempt) in again.iter().zip(attempt_many(&logins, &options, jobs))
                {
                    attempts[*index] = attempt;
                }
            }
            Err(err) => context
                .ui
                .warn(&format!("not refreshing the refused tokens: {err:#}")),
        }
    }

    // All results in one atomic change: one lock and write locally, one request to Supabase.
    // A refreshed grant is stored even with --no-save: a rotated refresh token not kept would
    // leave the entry with one the provider no longer takes.
    if !supported.is_empty() {
        let patches: Vec<(String, Patch)> = supported
            .iter()
            .zip(&attempts)
            .filter_map(|(mailbox, attempt)| {
                let mut patch = match (&attempt.result, args.no_save) {
                    (_, true) => Patch::default(),
                    // Not tested: this machine lacks the OAuth2 client; the grant may be fine.
                    (Err(err), false) if err.kind == FailureKind::OAuthClient => Patch::default(),
                    (Ok(_), false) => Patch::test_result(true, mailbox::tested_at(), None),
                    (Err(err), false) => {
                        Patch::test_result(false, mailbox::tested_at(), Some(err.message.clone()))
                    }
                };
                if let Some(tokens) = &attempt.tokens {
                    patch.access_token = tokens.access_token.clone();
                    patch.access_token_expires_at = tokens.access_token_expires_at.clone();
                    patch.refresh_token = tokens.refresh_token.clone();
                }
                (!patch.is_empty()).then(|| (mailbox.id.clone(), patch))
            })
            .collect();
        if !patches.is_empty() {
            store.apply(&Change::UpdateMany { patches })?;
        }
    }
    drop(locks);
    let results = attempts.into_iter().map(|attempt| attempt.result);
    let mut results: std::collections::HashMap<&str, Result<Probe, ProbeError>> = supported
        .iter()
        .map(|m| m.id.as_str())
        .zip(results)
        .collect();
    for mailbox in &unsupported {
        let error = ProbeError {
            kind: FailureKind::Unsupported,
            message: mailbox.unsupported().unwrap_or_default(),
            elapsed: std::time::Duration::ZERO,
            mechanism: Mechanism::Password,
        };
        results.insert(mailbox.id.as_str(), Err(error));
    }
    let outcomes: Vec<Outcome> = chosen
        .iter()
        .filter_map(|mailbox| {
            let result = results.remove(mailbox.id.as_str())?;
            Some(Outcome::new(
                Some(&mailbox.id),
                &mailbox.label,
                &mailbox.host,
                mailbox.port,
                mailbox.status.as_deref(),
                result,
            ))
        })
        .collect();
    if outcomes.is_empty() {
        context.ui.warn("no mailboxes to test");
    }
    Ok(Outcomes {
        outcomes,
        masks: Vec::new(),
        format: context.ui.format,
    })
}

/// `test --host …`: one server, no store, nothing saved.
fn ad_hoc(
    context: &Context,
    args: &TestArgs,
    host: &str,
    options: &ConnectOptions,
) -> anyhow::Result<Outcomes> {
    let host = validate::host(host)?;
    let tls = args.security.tls().unwrap_or(true);
    let user = validate::user(args.user.as_deref().unwrap_or_default())?;
    let security = Security::from_tls(tls);
    let port = args.port.unwrap_or(security.default_port());
    let target = |secret: Secret, mechanism: Mechanism| Target {
        port,
        host: host.clone(),
        security,
        user: user.clone(),
        secret,
        mechanism,
    };
    let from_env = args.password.password_env.is_some()
        || args.access_token_env.is_some()
        || args.refresh_token_env.is_some();
    let (target, result, secret) = match (&args.access_token_env, &args.refresh_token_env) {
        (None, Some(var)) => {
            // The refresh runs while the connection is being made: it costs no extra wall time.
            let refresh_token = access_token(var)?;
            let target = target(Secret::default(), Mechanism::OAuth2);
            let refresh = tokens::Refresh::new(token_client(args, &host)?, refresh_token.clone());
            let login = tokens::Login::Refresh(target.clone(), refresh);
            let attempt = tokens::attempt(&login, options);
            if attempt
                .tokens
                .as_ref()
                .is_some_and(|patch| patch.refresh_token.is_some())
            {
                log::info!("the provider issued a new refresh token (not shown)");
            }
            (target, attempt.result, refresh_token)
        }
        (access_token_env, _) => {
            let (secret, mechanism) = match access_token_env {
                Some(var) => (access_token(var)?, Mechanism::OAuth2),
                None => (
                    context
                        .terminal
                        .password(&args.password, Some("Password"))?
                        .expect("a prompt was allowed"),
                    Mechanism::Password,
                ),
            };
            let target = target(secret.clone(), mechanism);
            if mechanism == Mechanism::Password {
                warn_if_not_app_password(context, &label_of(&target), &target.host, &secret);
            }
            let result = probe::probe(&target, options);
            (target, result, secret)
        }
    };
    let label = label_of(&target);
    let outcome = Outcome::new(None, &label, &target.host, target.port, None, result);
    Ok(Outcomes {
        outcomes: vec![outcome],
        masks: if from_env { vec![secret] } else { Vec::new() },
        format: context.ui.format,
    })
}

/// The token endpoint and client for `--refresh-token-env`, from `--oauth…` and the host.
fn token_client(args: &TestArgs, host: &str) -> anyhow::Result<oauth2::Endpoints> {
    let provider = match args.oauth {
        Some(provider) => provider,
        None if gmail::is_gmail_host(host) => oauth2::Provider::Google,
        None if outcome::is_microsoft_host(host) => oauth2::Provider::Microsoft,
        None => {
            return Err(usage(
                "name who issued the refresh token: --oauth google|microsoft|custom",
            ))
        }
    };
    oauth2::Endpoints::new(&oauth2::Settings {
        provider: Some(provider),
        tenant: args.oauth_tenant.as_deref(),
        token_url: args.oauth_token_url.as_deref(),
        client_id: args.oauth_client_id.as_deref(),
        client_secret_env: args.oauth_client_secret_env.as_deref(),
        ..Default::default()
    })
}

/// The access token in environment variable `var`: one line of printable text.
fn access_token(var: &str) -> anyhow::Result<Secret> {
    let token = std::env::var(var).map_err(|_| {
        usage(format!(
            "environment variable {var} is not set (or not UTF-8); put the OAuth2 access token in it"
        ))
    })?;
    let token = token.trim();
    if token.is_empty() || !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(usage(format!(
            "environment variable {var} does not hold an access token (empty, or spaces or \
             control characters in it)"
        )));
    }
    Ok(Secret::new(token))
}

/// Gmail refuses account passwords over IMAP; say so before spending a login attempt on one.
fn warn_if_not_app_password(context: &Context, label: &str, host: &str, password: &Secret) {
    if let Some(warning) = gmail::app_password_warning(label, host, password) {
        context.ui.warn(&warning);
    }
}

fn label_of(target: &Target) -> String {
    format!("{}@{}", target.user, target.host)
}

/// Logs in to every mailbox with at most `jobs` at once, and at most [`fanout::PER_ACCOUNT`]
/// per account; a login refused for a connection limit is tried once more after the others.
/// Results come back in the logins' order.
fn attempt_many(
    logins: &[&tokens::Login],
    options: &ConnectOptions,
    jobs: usize,
) -> Vec<tokens::Attempt> {
    std::thread::scope(|scope| {
        // The system's roots are read while the first connections are still being made.
        scope.spawn(|| probe::prepare(options));
        fanout::run(
            logins,
            jobs,
            fanout::PER_ACCOUNT,
            |login| {
                login
                    .target()
                    .map_or_else(String::new, |t| fanout::account(&t.host, &t.user))
            },
            |login| tokens::attempt(login, options),
            |attempt| matches!(&attempt.result, Err(err) if err.kind == FailureKind::Limit),
        )
    })
}

impl Report for Outcomes {
    fn human(&self, out: &mut dyn Write, style: &Style) -> io::Result<()> {
        render::renderer(self.format, &self.masks).write(&self.outcomes, out, style)
    }

    fn json(&self) -> Value {
        render::json::value(&self.outcomes)
    }

    /// "3 ok, 1 auth, 1 tls" on stderr when more than one mailbox was tested.
    fn summary(&self) -> Option<String> {
        (self.outcomes.len() > 1).then(|| outcome::summary(&self.outcomes))
    }

    fn exit(&self) -> Exit {
        if self.outcomes.iter().all(|o| o.ok) {
            Exit::Success
        } else {
            Exit::Failed
        }
    }
}
