//! The IMAP probe: connect, (STARTTLS,) LOGIN, LOGOUT — and say in people's words what failed.
//!
//! Promises: certificates are verified unless `insecure`; a password is never sent in clear
//! (a STARTTLS mailbox whose server does not offer STARTTLS fails before LOGIN); every step
//! (DNS, connect, TLS, greeting, each response) is bounded by one overall deadline.
//!
//! Round trips (`Probe::round_trips`): implicit TLS takes 4 (TCP, TLS, greeting, LOGIN),
//! STARTTLS 5, or 6 when the greeting lists no capabilities; LOGOUT is sent without waiting.
//!
//! Layout: `session` runs the exchange, `wire` reads and writes IMAP lines, `tls` sets up and
//! classifies TLS, `deadline` bounds every step in time and bytes, `classify` words failures.
//!
//! INTERFACE OWNED BY THE CORE: the types below are used by commands/; the implementation
//! (this file's `probe` body and sibling modules) may change freely behind them.

mod classify;
mod deadline;
mod session;
#[cfg(test)]
mod tests;
pub(crate) mod tls;
mod wire;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::secret::Secret;

/// How the connection is secured. `tls: true` in the stored entry = `Tls` (implicit, port 993).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Tls,
    StartTls,
}

/// What to log in to.
#[derive(Debug, Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    pub password: Secret,
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Overall deadline for the whole probe.
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM files), on top of the system's.
    pub ca_certs: Vec<PathBuf>,
    /// Accept any certificate and host name. Loud, never the default.
    pub insecure: bool,
    /// Host names to connect to at a given address instead of asking DNS (like curl's
    /// `--resolve`); TLS still checks the certificate against the name.
    pub resolve: Vec<(String, IpAddr)>,
}

impl ProbeOptions {
    /// The address `host` is pinned to by `resolve`, if any (names compare in any case).
    pub fn pinned(&self, host: &str) -> Option<IpAddr> {
        let host = host.trim_end_matches('.');
        self.resolve
            .iter()
            .find(|(name, _)| name.trim_end_matches('.').eq_ignore_ascii_case(host))
            .map(|(_, ip)| *ip)
    }
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct Probe {
    pub elapsed: Duration,
    /// Request/response turns this probe waited on (TCP, TLS, greeting, LOGIN, ...).
    pub round_trips: u32,
    /// `[ALERT]` texts the server sent, to show the user.
    pub alerts: Vec<String>,
}

/// Why a probe failed: a stable class and a one-line message for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Credentials rejected.
    Auth,
    /// Gmail: the account password was used where an App Password is needed.
    AppPasswordRequired,
    /// Gmail: IMAP is switched off for the account.
    ImapDisabled,
    /// Gmail: Google wants a browser sign-in first.
    WebLoginRequired,
    /// The server refused for now, not the credentials: too many connections to the account
    /// (`[LIMIT]`, `[INUSE]`, Dovecot's `mail_max_userip_connections`, Gmail's 15), or
    /// temporarily unavailable (`[UNAVAILABLE]`). Tried once more after the others.
    Limit,
    /// Not from a probe: `test --fail-if-stale` found no recent recorded test.
    Stale,
    /// Not from a probe: `test --fail-if-stale` found that the recorded test failed.
    LastTestFailed,
    Tls,
    Connect,
    Dns,
    Timeout,
    Protocol,
}

impl FailureKind {
    /// The stable name scripts match on (`--json`'s `kind`, TAP, JUnit, summaries).
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Auth => "auth",
            FailureKind::AppPasswordRequired => "app_password_required",
            FailureKind::ImapDisabled => "imap_disabled",
            FailureKind::WebLoginRequired => "web_login_required",
            FailureKind::Limit => "limit",
            FailureKind::Stale => "stale",
            FailureKind::LastTestFailed => "last_test_failed",
            FailureKind::Tls => "tls",
            FailureKind::Connect => "connect",
            FailureKind::Dns => "dns",
            FailureKind::Timeout => "timeout",
            FailureKind::Protocol => "protocol",
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ProbeError {
    pub kind: FailureKind,
    /// One line, never containing the password.
    pub message: String,
    pub elapsed: Duration,
}

/// Logs in to `target` and logs out again.
pub fn probe(target: &Target, options: &ProbeOptions) -> Result<Probe, ProbeError> {
    probe_with(target, options, deadline::resolve)
}

/// [`probe`] with the name resolution swapped (tests point any host name at 127.0.0.1).
fn probe_with(
    target: &Target,
    options: &ProbeOptions,
    resolve: deadline::Resolver,
) -> Result<Probe, ProbeError> {
    let started = Instant::now();
    let deadline = deadline::Deadline::starting_now(options.timeout);
    let result = session::run(target, options, deadline, resolve);
    let elapsed = started.elapsed();
    match result {
        Ok(outcome) => Ok(Probe {
            elapsed,
            round_trips: outcome.round_trips,
            alerts: outcome
                .alerts
                .iter()
                .map(|alert| classify::scrub(alert, target.password.expose()))
                .collect(),
        }),
        Err(fail) => Err(ProbeError {
            kind: fail.kind,
            message: classify::scrub(&fail.message, target.password.expose()),
            elapsed,
        }),
    }
}

pub(crate) use classify::sanitize;
pub(crate) use deadline::Pace;
pub(crate) use session::Session;
pub(crate) use wire::{push_quoted, trailing_literal};

/// Logs in to `target` like [`probe`] (same deadline, TLS and failure wording) but keeps the
/// connection for a caller that goes on talking IMAP (`harvest`): from then on each read and
/// write may take up to `options.timeout`, with no overall deadline and no byte cap.
pub(crate) fn open(target: &Target, options: &ProbeOptions) -> Result<Session, ProbeError> {
    let started = Instant::now();
    let deadline = deadline::Deadline::starting_now(options.timeout);
    session::open(
        target,
        options,
        deadline,
        deadline::resolve,
        options.timeout,
    )
    .map_err(|fail| ProbeError {
        kind: fail.kind,
        message: classify::scrub(&fail.message, target.password.expose()),
        elapsed: started.elapsed(),
    })
}

/// Builds (and keeps) the TLS connector for `options` ahead of time, with the system's trusted
/// roots it will most likely need: reading them is most of a short session's CPU, and can
/// overlap with a caller's other start-up work. Errors are left for [`probe`] or [`open`].
pub(crate) fn prepare(options: &ProbeOptions) {
    tls::prepare(options);
}
