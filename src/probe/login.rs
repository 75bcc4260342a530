//! Logging in, the probe's policy: refuse what cannot be sent safely (a line break or NUL in
//! the credentials, a server that disabled LOGIN), choose how to send 8-bit credentials
//! (LITERAL+/LITERAL-) or which OAuth2 mechanism to use (XOAUTH2, else OAUTHBEARER; with
//! SASL-IR in the same round trip), and word a refusal (`classify`). The connection itself,
//! from DNS to the greeting and the logged-in stream, is the IMAP layer's
//! (`crate::imap::connection`).
//!
//! Round trips: implicit TLS takes 4 (TCP, TLS, greeting, LOGIN), STARTTLS 5, or 6 when the
//! greeting lists no capabilities; LOGOUT is sent without waiting.

use base64::Engine as _;
use zeroize::Zeroizing;

use super::classify::{self, Fail, FailureKind, Step};
use super::{ConnectOptions, Mechanism, Target};
use crate::imap::connection::{self, Client, Connection, Done};
use crate::imap::deadline::{Deadline, Resolver};
use crate::imap::wire::{self, Capabilities, Literals, Status};
use crate::secret::Secret;

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
    let (mut client, attempts, caps) = establish(target, options, deadline, resolve)?;
    let login = log_in(&mut client, target, &caps);
    finish(login, client, attempts)
}

/// Closes the connection after a login (LOGOUT only where the server answered it) and says
/// what the probe learned.
fn finish(login: Result<(), Fail>, mut client: Client<'_>, attempts: u32) -> Result<Outcome, Fail> {
    let answered = !matches!(&login, Err(fail) if fail.kind != FailureKind::Auth);
    client.close(answered);
    login?;
    Ok(Outcome {
        round_trips: attempts + client.turns(),
        alerts: client.into_alerts(),
    })
}

/// [`run`] for a secret that is still being fetched (an access token being refreshed): the
/// connection is made meanwhile, and `secret` is waited for only when the login needs it.
pub(super) fn run_pending(
    target: &Target,
    options: &ConnectOptions,
    deadline: Deadline,
    resolve: Resolver,
    secret: impl FnOnce() -> Result<Secret, Fail>,
) -> Result<Outcome, Fail> {
    let (mut client, attempts, caps) = establish(target, options, deadline, resolve)?;
    let secret = match secret() {
        Ok(secret) => secret,
        Err(fail) => {
            client.close(false);
            return Err(fail);
        }
    };
    if !wire::sendable(secret.expose()) {
        client.close(false);
        return Err(Fail::new(
            FailureKind::Auth,
            "the access token contains a line break or NUL character; nothing was sent",
        ));
    }
    client.mask_also(&secret);
    let ready = Target {
        secret,
        ..target.clone()
    };
    let login = log_in(&mut client, &ready, &caps);
    finish(login, client, attempts)
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
    let (mut client, attempts, caps) = establish(target, options, deadline, resolve)?;
    if let Err(fail) = log_in(&mut client, target, &caps) {
        let answered = fail.kind == FailureKind::Auth;
        client.close(answered);
        return Err(fail);
    }
    client.into_connection(attempts, idle)
}

/// Everything up to the login, with the checks that keep the credentials safe. Returns the
/// connection, the TCP connect attempts, and the capabilities that hold on TLS (asked for
/// only where an OAuth2 login needs them and the greeting gave none).
fn establish<'a>(
    target: &'a Target,
    options: &ConnectOptions,
    deadline: Deadline,
    resolve: Resolver,
) -> Result<(Client<'a>, u32, Capabilities), Fail> {
    if !wire::sendable(&target.user) || !wire::sendable(target.secret.expose()) {
        return Err(Fail::new(
            FailureKind::Auth,
            "the user name or password contains a line break or NUL character, which IMAP LOGIN \
             cannot carry; nothing was sent",
        ));
    }
    let (mut client, attempts, caps_on_tls) =
        connection::connect(target, options, deadline, resolve)?;
    let caps = match (caps_on_tls, target.mechanism) {
        (Some(caps), _) => caps,
        (None, Mechanism::OAuth2) => client.capability()?,
        (None, Mechanism::Password) => Capabilities::default(),
    };
    if target.mechanism == Mechanism::Password && caps.has("LOGINDISABLED") {
        let message = if offers_oauth2(&caps) {
            WANTS_OAUTH2
        } else {
            "server advertises LOGINDISABLED: it does not accept a password LOGIN on this \
             connection; nothing was sent"
        };
        return Err(Fail::new(FailureKind::Auth, message));
    }
    Ok((client, attempts, caps))
}

/// The refusal of a password login by a server that takes OAuth2 only (its hint keys on it).
pub const WANTS_OAUTH2: &str = "this server wants OAuth2: it advertises LOGINDISABLED and \
     AUTH=XOAUTH2 or AUTH=OAUTHBEARER, and takes no password; nothing was sent";

/// Whether the server offers an OAuth2 mechanism.
fn offers_oauth2(caps: &Capabilities) -> bool {
    caps.has("AUTH=XOAUTH2") || caps.has("AUTH=OAUTHBEARER")
}

/// The login `target.mechanism` asks for.
fn log_in(client: &mut Client<'_>, target: &Target, caps: &Capabilities) -> Result<(), Fail> {
    match target.mechanism {
        // LITERAL- (RFC 7888) only allows non-synchronizing literals up to 4096 bytes; a
        // longer (8-bit) password waits for the continuation as without either (issue 15).
        Mechanism::Password => log_in_with_password(client, target, Literals::of(caps)),
        Mechanism::OAuth2 => authenticate(client, target, caps),
    }
}

/// `LOGIN user password`, and the answer judged.
fn log_in_with_password(
    client: &mut Client<'_>,
    target: &Target,
    literals: Literals,
) -> Result<(), Fail> {
    let tag = client.next_tag();
    let alerts_before = client.alerts().len();
    let chunks = wire::login_command(&tag, &target.user, target.secret.expose(), literals);
    log::debug!("probe: C: {tag} LOGIN {:?} ***", target.user);
    let done = client.command(Step::Login, &tag, &chunks)?;
    judge(client, target, &done, alerts_before)
}

/// `AUTHENTICATE XOAUTH2` (Google, Microsoft, Dovecot), or `OAUTHBEARER` (RFC 7628) where
/// that is all the server offers, with the access token; in the same round trip as LOGIN when
/// the server takes SASL-IR. A refusal may come as a `+` challenge holding JSON
/// (`{"status":"401",…}`), answered as each mechanism requires (an empty line; `AQ==`)
/// before the tagged `NO` (shared/fixtures/oauth2-imap.md).
fn authenticate(client: &mut Client<'_>, target: &Target, caps: &Capabilities) -> Result<(), Fail> {
    let (user, token) = (&target.user, target.secret.expose());
    let (name, sasl, on_challenge) = if caps.has("AUTH=XOAUTH2") {
        let sasl = format!("user={user}\x01auth=Bearer {token}\x01\x01");
        ("XOAUTH2", sasl, "")
    } else if caps.has("AUTH=OAUTHBEARER") {
        let sasl = format!(
            "n,a={user},\x01host={}\x01port={}\x01auth=Bearer {token}\x01\x01",
            target.host, target.port
        );
        ("OAUTHBEARER", sasl, "AQ==")
    } else {
        return Err(Fail::new(
            FailureKind::Auth,
            "the server offers no OAuth2 login (neither AUTH=XOAUTH2 nor AUTH=OAUTHBEARER): use \
             a password; nothing was sent",
        ));
    };
    let encoded = Zeroizing::new(
        base64::engine::general_purpose::STANDARD.encode(Zeroizing::new(sasl).as_bytes()),
    );
    let tag = client.next_tag();
    let alerts_before = client.alerts().len();
    let chunks: Vec<Zeroizing<String>> = if caps.has("SASL-IR") {
        vec![Zeroizing::new(format!(
            "{tag} AUTHENTICATE {name} {}\r\n",
            *encoded
        ))]
    } else {
        vec![
            Zeroizing::new(format!("{tag} AUTHENTICATE {name}\r\n")),
            Zeroizing::new(format!("{}\r\n", *encoded)),
        ]
    };
    log::debug!("probe: C: {tag} AUTHENTICATE {name} *** (for {user:?})");
    let (done, challenge) = client.authenticate(&tag, &chunks, |_| {
        format!("{on_challenge}\r\n").into_bytes()
    })?;
    if done.status == Status::Ok {
        client.logged_in(&done);
        return Ok(());
    }
    // The password advice `judge` gives does not apply: it was no password.
    let code = done
        .code
        .as_ref()
        .map(|c| (c.name.as_str(), c.args.as_str()));
    let mut fail = classify::authenticate_rejected(
        done.status == Status::Bad,
        code,
        &done.text,
        &client.alerts()[alerts_before..],
    );
    if let Some(said) = challenge.as_deref().and_then(classify::oauth2_challenge) {
        fail.message
            .push_str(&format!(" (the server said: {said})"));
    }
    Err(fail)
}

/// A login's tagged answer: ok, or a refusal in people's words.
fn judge(
    client: &mut Client<'_>,
    target: &Target,
    done: &Done,
    alerts_before: usize,
) -> Result<(), Fail> {
    if done.status == Status::Ok {
        client.logged_in(done);
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
