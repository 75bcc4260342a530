//! Access tokens for stored OAuth2 entries (issue 12 item 5): the stored one while it is good,
//! else a refresh — started while the IMAP connection is being made, so it costs no extra wall
//! time — and one refresh and retry when a server refuses a token that had not expired.
//!
//! Two processes (`test --all` and a scheduled harvest, say) must never spend the same refresh
//! token: a rotating provider (Microsoft) refuses the old one once the new one is issued, and
//! the new one would be lost. So an entry about to be refreshed is locked first
//! (`oauth2::grant::lock`, in sorted id order, so two processes cannot wait on each other), the
//! store is read again under the lock (another process may just have refreshed: its token is
//! used, not refreshed again), and the lock is held until the rotated token is stored, in the
//! same atomic change as the test's result.

use std::fs::File;
use std::time::Instant;

use chrono::Utc;

use crate::mailbox::{Mailbox, Patch};
use crate::oauth2::grant::{self, Grant};
use crate::oauth2::{self, Endpoints, RefreshError};
use crate::probe::{self, ConnectOptions, FailureKind, Mechanism, Probe, ProbeError, Target};
use crate::secret::Secret;
use crate::store::{Change, Store};

/// How one stored mailbox logs in.
pub enum Login {
    /// With the target's own secret: a password, or an access token that is still good (with
    /// `fallback`, refreshed once if the server refuses it).
    Ready(Target),
    /// After a refresh, started while connecting.
    Refresh(Target, Refresh),
    /// Not at all: why not (no refresh token, no client id, …).
    Cannot(ProbeError),
}

impl Login {
    /// Where it logs in (`None` when it cannot).
    pub fn target(&self) -> Option<&Target> {
        match self {
            Login::Ready(target) | Login::Refresh(target, _) => Some(target),
            Login::Cannot(_) => None,
        }
    }
}

/// What refreshing one grant takes.
pub struct Refresh {
    client: Endpoints,
    refresh_token: Secret,
}

impl Refresh {
    /// A refresh of `refresh_token` at `client`'s token endpoint (`test --refresh-token-env`).
    pub fn new(client: Endpoints, refresh_token: Secret) -> Refresh {
        Refresh {
            client,
            refresh_token,
        }
    }
}

/// A login's result, and what the store should record of its tokens.
pub struct Attempt {
    pub result: Result<Probe, ProbeError>,
    pub tokens: Option<Patch>,
}

/// Decides how `mailbox` logs in now. `fresh` refuses the stored access token (it was just
/// refused by the server).
pub fn plan(mailbox: &Mailbox, refuse_stored_token: bool) -> Login {
    let target = mailbox.target();
    let Some(grant) = Grant::of(mailbox) else {
        return Login::Ready(target);
    };
    if !refuse_stored_token {
        if let Some(token) = grant.usable_access_token(Utc::now()) {
            return Login::Ready(Target {
                secret: token.clone(),
                ..target
            });
        }
    }
    let cannot = |kind, message: String| {
        Login::Cannot(ProbeError {
            kind,
            message,
            elapsed: std::time::Duration::ZERO,
            mechanism: Mechanism::OAuth2,
        })
    };
    let Some(refresh_token) = grant.refresh_token.clone() else {
        return cannot(
            FailureKind::OAuthRevoked,
            "the access token has expired and the entry holds no refresh token".into(),
        );
    };
    match grant.token_client() {
        Ok(client) => Login::Refresh(
            target,
            Refresh {
                client,
                refresh_token,
            },
        ),
        // A missing client id or secret: said once per entry, nothing sent.
        Err(err) => cannot(FailureKind::OAuthClient, format!("{err:#}")),
    }
}

/// Whether logging in to `mailbox` needs a refresh first (and so its lock).
pub fn needs_refresh(mailbox: &Mailbox) -> bool {
    Grant::of(mailbox).is_some_and(|grant| grant.usable_access_token(Utc::now()).is_none())
}

/// Locks the grants of `ids` (sorted, each once) for a refresh.
pub fn lock_all(state_dir: &std::path::Path, ids: &[&str]) -> anyhow::Result<Vec<File>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids.iter()
        .map(|id| grant::lock(state_dir, id, grant::LOCK_WAIT))
        .collect()
}

/// Replaces each of `mailboxes` that `ids` names with its stored version, read again now (under
/// the lock, another process's refresh shows).
pub fn reread(store: &dyn Store, mailboxes: &mut [Mailbox], ids: &[&str]) -> anyhow::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let stored = store.list()?;
    for mailbox in mailboxes
        .iter_mut()
        .filter(|m| ids.contains(&m.id.as_str()))
    {
        if let Some(now) = stored.iter().find(|s| s.id == mailbox.id) {
            *mailbox = now.clone();
        }
    }
    Ok(())
}

/// Logs in as `login` says.
pub fn attempt(login: &Login, options: &ConnectOptions) -> Attempt {
    match login {
        Login::Ready(target) => Attempt {
            result: probe::probe(target, options),
            tokens: None,
        },
        Login::Cannot(err) => Attempt {
            result: Err(err.clone()),
            tokens: None,
        },
        Login::Refresh(target, refresh) => refresh_and_log_in(target, refresh, options),
    }
}

/// Refreshes (on its own thread, while the connection is made) and logs in with the new token.
/// The refresh is waited for at most `--timeout` from the start; and waited for even when the
/// connection fails first, so a rotated refresh token is never dropped.
fn refresh_and_log_in(target: &Target, refresh: &Refresh, options: &ConnectOptions) -> Attempt {
    let started = Instant::now();
    let now = Utc::now();
    let (sender, answer) = std::sync::mpsc::channel();
    {
        let (client, token) = (refresh.client.clone(), refresh.refresh_token.clone());
        // Not scoped: a token endpoint slower than --timeout must not keep the command waiting.
        std::thread::spawn(move || {
            let _ = sender.send(oauth2::refresh(&client, &token));
        });
    }
    let received: std::cell::RefCell<Option<Result<oauth2::Tokens, RefreshError>>> =
        std::cell::RefCell::new(None);
    let wait = || {
        if received.borrow().is_none() {
            let left = options.timeout.saturating_sub(started.elapsed());
            if let Ok(outcome) = answer.recv_timeout(left) {
                *received.borrow_mut() = Some(outcome);
            }
        }
    };
    let failed = |kind, message| ProbeError {
        kind,
        message,
        elapsed: started.elapsed(),
        mechanism: Mechanism::OAuth2,
    };
    let result = probe::probe_pending(target, options, || {
        wait();
        match &*received.borrow() {
            Some(Ok(fresh)) => Ok(fresh.access_token.clone()),
            Some(Err(RefreshError::Revoked(message))) => {
                Err(failed(FailureKind::OAuthRevoked, message.clone()))
            }
            Some(Err(RefreshError::Failed(message))) => {
                Err(failed(FailureKind::Connect, message.clone()))
            }
            None => Err(failed(
                FailureKind::Timeout,
                format!(
                    "the token endpoint did not answer within {} s",
                    options.timeout.as_secs()
                ),
            )),
        }
    });
    // The connection may have failed before the token was needed: the refresh still counts.
    wait();
    let tokens = match &*received.borrow() {
        Some(Ok(fresh)) => Some(grant::refreshed(fresh, now)),
        _ => None,
    };
    Attempt { result, tokens }
}

/// Whether a failed login with a stored, unexpired access token deserves one refresh and retry:
/// the server refused the token (it may have been revoked early, or the clock is off).
pub fn worth_refreshing(mailbox: &Mailbox, login: &Login, attempt: &Attempt) -> bool {
    matches!(login, Login::Ready(_))
        && mailbox.is_oauth2()
        && matches!(&attempt.result, Err(err) if err.kind == FailureKind::Auth)
        && Grant::of(mailbox).is_some_and(|grant| grant.refresh_token.is_some())
}

/// For a command that goes on talking IMAP (harvest): every OAuth2 entry of `mailboxes` gets an
/// access token that is good now, refreshed under the lock and stored at once (the harvest
/// records no result to ride along with).
pub fn refresh_stale(
    store: &dyn Store,
    state_dir: &std::path::Path,
    mailboxes: &mut [Mailbox],
) -> anyhow::Result<Vec<(String, ProbeError)>> {
    let stale: Vec<String> = mailboxes
        .iter()
        .filter(|m| needs_refresh(m))
        .map(|m| m.id.clone())
        .collect();
    refresh_these(store, state_dir, mailboxes, &stale, false)
}

/// The mailboxes whose login a harvest's `result` says the server refused (with one mailbox,
/// its failure is the error itself).
pub fn refused_logins(
    result: &anyhow::Result<crate::harvest::batch::Batch>,
    chosen: &[Mailbox],
) -> Vec<String> {
    match result {
        Ok(batch) => batch
            .mailboxes
            .iter()
            .filter(|run| matches!(run.result, Err((Some(FailureKind::Auth), _))))
            .map(|run| run.id.clone())
            .collect(),
        Err(err) if chosen.len() == 1 => err
            .chain()
            .find_map(|cause| cause.downcast_ref::<ProbeError>())
            .filter(|err| err.kind == FailureKind::Auth)
            .map(|_| vec![chosen[0].id.clone()])
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// After a harvest: the OAuth2 entries among `refused` (logins the server refused) whose
/// access token had not expired get one refresh, stored at once. Whether any was refreshed
/// (then the caller harvests again; a failed refresh leaves the harvest's own failure).
pub fn refresh_refused(
    store: &dyn Store,
    state_dir: &std::path::Path,
    mailboxes: &mut [Mailbox],
    refused: &[String],
) -> anyhow::Result<bool> {
    let ids: Vec<String> = mailboxes
        .iter()
        .filter(|m| refused.contains(&m.id) && m.is_oauth2() && m.refresh_token.is_some())
        .map(|m| m.id.clone())
        .collect();
    let failed = refresh_these(store, state_dir, mailboxes, &ids, true)?;
    Ok(ids.iter().any(|id| !failed.iter().any(|(f, _)| f == id)))
}

/// Refreshes the grants of `stale` under their locks (`force`: even a token that looks good).
fn refresh_these(
    store: &dyn Store,
    state_dir: &std::path::Path,
    mailboxes: &mut [Mailbox],
    stale: &[String],
    force: bool,
) -> anyhow::Result<Vec<(String, ProbeError)>> {
    if stale.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = stale.iter().map(String::as_str).collect();
    let _locks = lock_all(state_dir, &ids)?;
    let tried: Vec<(String, Option<Secret>)> = mailboxes
        .iter()
        .map(|m| (m.id.clone(), m.access_token.clone()))
        .collect();
    reread(store, mailboxes, &ids)?;
    let mut failed = Vec::new();
    let mut patches = Vec::new();
    for mailbox in mailboxes
        .iter_mut()
        .filter(|m| ids.contains(&m.id.as_str()))
    {
        // Another process stored a new token meanwhile: that one is used, not refreshed.
        let unchanged = tried
            .iter()
            .any(|(id, token)| id == &mailbox.id && token == &mailbox.access_token);
        match plan(mailbox, force && unchanged) {
            Login::Ready(_) => {}
            Login::Cannot(err) => failed.push((mailbox.id.clone(), err)),
            Login::Refresh(_, refresh) => {
                match oauth2::refresh(&refresh.client, &refresh.refresh_token) {
                    Ok(fresh) => {
                        mailbox.access_token = Some(fresh.access_token.clone());
                        patches.push((mailbox.id.clone(), grant::refreshed(&fresh, Utc::now())));
                    }
                    Err(err) => {
                        let kind = match err {
                            RefreshError::Revoked(_) => FailureKind::OAuthRevoked,
                            RefreshError::Failed(_) => FailureKind::Connect,
                        };
                        failed.push((
                            mailbox.id.clone(),
                            ProbeError {
                                kind,
                                message: err.to_string(),
                                elapsed: std::time::Duration::ZERO,
                                mechanism: Mechanism::OAuth2,
                            },
                        ));
                    }
                }
            }
        }
    }
    if !patches.is_empty() {
        store.apply(&Change::UpdateMany { patches })?;
    }
    Ok(failed)
}
