//! Logging in, the probe's policy: refuse what cannot be sent safely (a line break or NUL in
//! the credentials, a server that disabled LOGIN), choose how to send 8-bit credentials
//! (LITERAL+/LITERAL-), and word a refusal (`classify`). The connection itself, from DNS to
//! the greeting and the logged-in stream, is the IMAP layer's (`crate::imap::connection`).
//!
//! Round trips: implicit TLS takes 4 (TCP, TLS, greeting, LOGIN), STARTTLS 5, or 6 when the
//! greeting lists no capabilities; LOGOUT is sent without waiting.

use super::classify::{self, Fail, FailureKind, Step};
use super::{ConnectOptions, Target};
use crate::imap::connection::{self, Client, Connection};
use crate::imap::deadline::{Deadline, Resolver};
use crate::imap::wire::{self, Literals, Status};

/// What a successful probe learned.
#[derive(Debug)]
pub(super) struct Outcome {
    pub(super) round_trips: u32,
    pub(super) alerts: Vec<String>,
}

/// Runs one probe against `target`, every step bounded by `deadline`.
pub(super) fn run(
    target: &Target,
    options: &ConnectOptions,
    deadline: Deadline,
    resolve: Resolver,
) -> Result<Outcome, Fail> {
    let (mut client, attempts, literals) = establish(target, options, deadline, resolve)?;
    let login = log_in(&mut client, target, literals);
    let answered = !matches!(&login, Err(fail) if fail.kind != FailureKind::Auth);
    client.close(answered);
    login?;
    Ok(Outcome {
        round_trips: attempts + client.turns(),
        alerts: client.into_alerts(),
    })
}

/// Logs in like [`run`] and hands the connection over instead of logging out. After LOGIN,
/// each read and write may take up to `idle`.
pub(super) fn open(
    target: &Target,
    options: &ConnectOptions,
    deadline: Deadline,
    resolve: Resolver,
    idle: std::time::Duration,
) -> Result<Connection, Fail> {
    let (mut client, attempts, literals) = establish(target, options, deadline, resolve)?;
    if let Err(fail) = log_in(&mut client, target, literals) {
        let answered = fail.kind == FailureKind::Auth;
        client.close(answered);
        return Err(fail);
    }
    client.into_connection(attempts, idle)
}

/// Everything up to LOGIN, with the checks that keep the credentials safe. Returns the
/// connection, the TCP connect attempts, and which literals need no continuation.
fn establish<'a>(
    target: &'a Target,
    options: &ConnectOptions,
    deadline: Deadline,
    resolve: Resolver,
) -> Result<(Client<'a>, u32, Literals), Fail> {
    if !wire::sendable(&target.user) || !wire::sendable(target.password.expose()) {
        return Err(Fail::new(
            FailureKind::Auth,
            "the user name or password contains a line break or NUL character, which IMAP LOGIN \
             cannot carry; nothing was sent",
        ));
    }
    let (client, attempts, caps_on_tls) = connection::connect(target, options, deadline, resolve)?;
    let caps_on_tls = caps_on_tls.unwrap_or_default();
    if caps_on_tls.has("LOGINDISABLED") {
        return Err(Fail::new(
            FailureKind::Auth,
            "server advertises LOGINDISABLED: it does not accept a password LOGIN on this \
             connection; nothing was sent",
        ));
    }
    // LITERAL- (RFC 7888) only allows non-synchronizing literals up to 4096 bytes; a longer
    // (8-bit) password waits for the continuation as without either (issue 15).
    Ok((client, attempts, Literals::of(&caps_on_tls)))
}

/// `LOGIN user password`, and the answer judged.
fn log_in(client: &mut Client<'_>, target: &Target, literals: Literals) -> Result<(), Fail> {
    let tag = client.next_tag();
    let alerts_before = client.alerts().len();
    let chunks = wire::login_command(&tag, &target.user, target.password.expose(), literals);
    log::debug!("probe: C: {tag} LOGIN {:?} ***", target.user);
    let done = client.command(Step::Login, &tag, &chunks)?;
    if done.status == Status::Ok {
        client.logged_in(&done);
        return Ok(());
    }
    let code = done
        .code
        .as_ref()
        .map(|c| (c.name.as_str(), c.args.as_str()));
    Err(classify::login_rejected(
        &target.host,
        done.status == Status::Bad,
        code,
        &done.text,
        &client.alerts()[alerts_before..],
    ))
}
