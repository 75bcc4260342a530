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
mod login;

pub use login::WANTS_OAUTH2;
#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use crate::imap::connection::Connection;
use crate::imap::{deadline, tls};
pub use crate::imap::{ConnectOptions, FailureKind, Mechanism, Security, Target};
use crate::secret::Secret;

/// A successful login.
#[derive(Debug, Clone)]
pub struct Probe {
    pub elapsed: Duration,
    /// Request/response turns this probe waited on (TCP, TLS, greeting, LOGIN, ...).
    pub round_trips: u32,
    /// `[ALERT]` texts the server sent, to show the user.
    pub alerts: Vec<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ProbeError {
    pub kind: FailureKind,
    /// One line, never containing the password.
    pub message: String,
    pub elapsed: Duration,
    /// How the login was tried (a refused access token wants other advice than a password).
    pub mechanism: Mechanism,
}

/// Logs in to `target` and logs out again.
pub fn probe(target: &Target, options: &ConnectOptions) -> Result<Probe, ProbeError> {
    probe_with(target, options, deadline::resolve)
}

/// [`probe`] for a secret still being fetched (an access token being refreshed): DNS, TCP, TLS
/// and the greeting happen meanwhile, and `secret` is waited for only at the login, so the
/// refresh costs no extra wall time. `target.secret` is not used.
pub fn probe_pending(
    target: &Target,
    options: &ConnectOptions,
    secret: impl FnOnce() -> Result<Secret, ProbeError>,
) -> Result<Probe, ProbeError> {
    let started = Instant::now();
    let deadline = deadline::Deadline::starting_now(options.timeout);
    let result = login::run_pending(target, options, deadline, deadline::resolve, || {
        secret().map_err(|err| classify::Fail::new(err.kind, err.message))
    });
    let elapsed = started.elapsed();
    match result {
        Ok(outcome) => Ok(Probe {
            elapsed,
            round_trips: outcome.round_trips,
            alerts: outcome.alerts,
        }),
        Err(fail) => Err(ProbeError {
            kind: fail.kind,
            message: fail.message,
            elapsed,
            mechanism: target.mechanism,
        }),
    }
}

/// [`probe`] with the name resolution swapped (tests point any host name at 127.0.0.1).
fn probe_with(
    target: &Target,
    options: &ConnectOptions,
    resolve: deadline::Resolver,
) -> Result<Probe, ProbeError> {
    let started = Instant::now();
    let deadline = deadline::Deadline::starting_now(options.timeout);
    let result = login::run(target, options, deadline, resolve);
    let elapsed = started.elapsed();
    match result {
        Ok(outcome) => Ok(Probe {
            elapsed,
            round_trips: outcome.round_trips,
            alerts: outcome
                .alerts
                .iter()
                .map(|alert| classify::scrub(alert, target.secret.expose()))
                .collect(),
        }),
        Err(fail) => Err(ProbeError {
            kind: fail.kind,
            message: classify::scrub(&fail.message, target.secret.expose()),
            elapsed,
            mechanism: target.mechanism,
        }),
    }
}

/// Logs in to `target` like [`probe`] (same deadline, TLS and failure wording) but keeps the
/// connection for a caller that goes on talking IMAP (`harvest`): from then on each read and
/// write may take up to `options.timeout`, with no overall deadline and no byte cap.
pub(crate) fn open(target: &Target, options: &ConnectOptions) -> Result<Connection, ProbeError> {
    let started = Instant::now();
    let deadline = deadline::Deadline::starting_now(options.timeout);
    login::open(
        target,
        options,
        deadline,
        deadline::resolve,
        options.timeout,
    )
    .map_err(|fail| ProbeError {
        kind: fail.kind,
        message: classify::scrub(&fail.message, target.secret.expose()),
        elapsed: started.elapsed(),
        mechanism: target.mechanism,
    })
}

/// Builds (and keeps) the TLS connector for `options` ahead of time, with the system's trusted
/// roots it will most likely need: reading them is most of a short session's CPU, and can
/// overlap with a caller's other start-up work. Errors are left for [`probe`] or [`open`].
pub(crate) fn prepare(options: &ConnectOptions) {
    tls::prepare(options);
}
