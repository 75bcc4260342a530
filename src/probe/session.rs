//! The IMAP exchange of one probe, with as few round trips as the protocol allows.
//!
//! Implicit TLS: TCP connect, TLS handshake, greeting, LOGIN — 4 round trips (with TLS 1.2 too:
//! its handshake takes two, but the greeting arrives with the server's last flight).
//! STARTTLS: TCP connect, greeting, (CAPABILITY only if the greeting carried none), STARTTLS,
//! TLS handshake, LOGIN — 5 or 6 with TLS 1.3, one more with TLS 1.2. Counting is done by
//! `deadline::Meter`, under TLS. LOGOUT is then written without waiting for its answer and the
//! connection closed (TLS close_notify, then TCP shutdown). The password is only ever written
//! on a TLS stream: a STARTTLS server that does not offer STARTTLS fails before LOGIN.
//!
//! Why not the `imap` crate (2.4) the spec names: its `Client::secure` (STARTTLS) only works on a
//! bare `TcpStream`, so our deadline wrapper could not bound the STARTTLS handshake; it buffers
//! lines without a cap; it `assert!`s on an unexpected tag (a hostile server could panic us);
//! its `logout` waits for the answer; and its errors drop response codes, losing `[ALERT]` and
//! `[AUTHENTICATIONFAILED]`. The exchange a probe needs is five commands, written here.

use std::rc::Rc;

use super::classify::{self, Fail, Step};
use super::{ConnectOptions, FailureKind, Security, Target};
use crate::imap::deadline::{self, Deadline, DeadlineStream, Meter, Resolver};
use crate::imap::tls;
use crate::imap::wire::{self, Capabilities, Literals, Response, Status, Stream, Wire, WireError};

/// At most this many `[ALERT]` texts are kept.
const MAX_ALERTS: usize = 8;

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
    let (mut conn, attempts, literals) = establish(target, options, deadline, resolve)?;
    let login = conn.login(target.password.expose(), literals);
    let answered = !matches!(&login, Err(fail) if fail.kind != FailureKind::Auth);
    conn.close(answered);
    login?;
    Ok(Outcome {
        round_trips: attempts + conn.meter.turns(),
        alerts: conn.alerts,
    })
}

/// A logged-in connection handed over to a caller that goes on talking IMAP (harvest): the
/// stream (reads and writes now bounded by an idle timeout each, no byte cap), the bytes the
/// server already sent past LOGIN's answer, and the capabilities LOGIN's answer carried.
pub(crate) struct Session {
    stream: Option<Stream>,
    pending: Vec<u8>,
    capabilities: Option<Capabilities>,
    round_trips: u32,
    meter: Rc<Meter>,
}

impl Session {
    /// Whether LOGIN's `[CAPABILITY …]` listed `name`; `None` when it carried no list.
    pub(crate) fn has_capability(&self, name: &str) -> Option<bool> {
        self.capabilities.as_ref().map(|caps| caps.has(name))
    }

    /// Round trips so far, counted as the probe counts them (TCP, TLS, greeting, LOGIN, …).
    pub(crate) fn round_trips(&self) -> u32 {
        self.round_trips + self.meter.turns()
    }

    /// From now on reads must keep the pace of `pace` (besides the idle timeout).
    pub(crate) fn set_pace(&self, pace: deadline::Pace) {
        self.meter.set_pace(pace);
    }

    /// The client waits for a new answer: its minimum rate is measured from now.
    pub(crate) fn start_answer(&self) {
        self.meter.start_answer();
    }

    /// Closes the connection (TLS close_notify, then TCP shutdown) without waiting.
    pub(crate) fn close(mut self) {
        if let Some(stream) = self.stream.take() {
            stream.close();
        }
    }
}

impl std::io::Read for Session {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.pending.is_empty() {
            let n = buf.len().min(self.pending.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            return Ok(n);
        }
        match self.stream.as_mut() {
            Some(stream) => stream.read(buf),
            None => Ok(0),
        }
    }
}

impl std::io::Write for Session {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.stream.as_mut() {
            Some(stream) => stream.write(buf),
            None => Err(std::io::ErrorKind::NotConnected.into()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.stream.as_mut() {
            Some(stream) => stream.flush(),
            None => Ok(()),
        }
    }
}

/// Logs in like [`run`] and hands the connection over instead of logging out. After LOGIN,
/// each read and write may take up to `idle`.
pub(super) fn open(
    target: &Target,
    options: &ConnectOptions,
    deadline: Deadline,
    resolve: Resolver,
    idle: std::time::Duration,
) -> Result<Session, Fail> {
    let (mut conn, attempts, literals) = establish(target, options, deadline, resolve)?;
    if let Err(fail) = conn.login(target.password.expose(), literals) {
        let answered = fail.kind == FailureKind::Auth;
        conn.close(answered);
        return Err(fail);
    }
    let wire = conn.wire.take().ok_or_else(not_connected)?;
    let (mut stream, pending) = wire.into_parts();
    stream.deadline_stream_mut().set_idle_timeout(idle);
    conn.meter.lift_budget();
    Ok(Session {
        stream: Some(stream),
        pending,
        capabilities: conn.login_capabilities.take(),
        round_trips: attempts,
        meter: Rc::clone(&conn.meter),
    })
}

/// Everything up to LOGIN: connect, TLS (implicit or STARTTLS), greeting. Returns the
/// connection, the TCP connect attempts, and which literals need no continuation.
fn establish<'a>(
    target: &'a Target,
    options: &ConnectOptions,
    deadline: Deadline,
    resolve: Resolver,
) -> Result<(Conn<'a>, u32, Literals), Fail> {
    let password = target.password.expose();
    if !wire::sendable(&target.user) || !wire::sendable(password) {
        return Err(Fail::new(
            FailureKind::Auth,
            "the user name or password contains a line break or NUL character, which IMAP LOGIN \
             cannot carry; nothing was sent",
        ));
    }
    let connector = tls::connector(options)?;
    let (host, port) = (target.host.as_str(), target.port);
    let addrs = match options.pinned(host) {
        Some(ip) => vec![std::net::SocketAddr::new(ip, port)],
        None => resolve(host, port, deadline)?,
    };
    let (tcp, attempts) = deadline::connect(&addrs, host, port, deadline)?;
    let meter = Meter::for_new_connection();
    let stream = DeadlineStream::new(tcp, deadline, Rc::clone(&meter));
    let mut conn = Conn {
        target,
        deadline,
        meter: Rc::clone(&meter),
        wire: None,
        tag: 0,
        alerts: Vec::new(),
        bye: None,
        bye_is_limit: false,
        login_capabilities: None,
    };

    // Capabilities that hold on the TLS layer: only an implicit-TLS greeting gives them for free
    // (RFC 9051 §6.2.1: those seen before STARTTLS must be forgotten, and asking again after it
    // would cost a round trip that LOGIN's own answer makes unnecessary).
    let caps_on_tls = match target.security {
        Security::Tls => {
            conn.start_tls(&connector, stream)?;
            conn.greeting()?
        }
        Security::StartTls => {
            conn.wire = Some(Wire::new(Stream::Plain(stream), Rc::clone(&meter)));
            let greeting = conn
                .greeting()
                .map_err(|fail| crate::imap::error::plain_greeting_timeout_hint(fail, port))?;
            let caps = match greeting {
                Some(caps) => caps,
                None => conn.capability()?,
            };
            if !caps.has("STARTTLS") {
                return Err(Fail::new(
                    FailureKind::Tls,
                    "server does not offer STARTTLS; refusing to send the password in clear",
                ));
            }
            conn.starttls()?;
            let plain = conn
                .wire
                .take()
                .and_then(|wire| wire.into_plain().ok())
                .ok_or_else(|| {
                    Fail::new(
                        FailureKind::Protocol,
                        "server sent data right after accepting STARTTLS, before TLS started; \
                         giving up",
                    )
                })?;
            conn.start_tls(&connector, plain)?;
            None
        }
    };
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
    Ok((conn, attempts, Literals::of(&caps_on_tls)))
}

/// A tagged response.
struct Done {
    status: Status,
    code: Option<wire::Code>,
    text: String,
}

/// What a command waits for.
enum Reply {
    Continue,
    Done(Done),
}

struct Conn<'a> {
    target: &'a Target,
    deadline: Deadline,
    meter: Rc<Meter>,
    wire: Option<Wire>,
    tag: u32,
    alerts: Vec<String>,
    /// Text of an untagged BYE, shown if the server then closes the connection.
    bye: Option<String>,
    /// That BYE named a limit or unavailability (`* BYE [UNAVAILABLE] …`).
    bye_is_limit: bool,
    /// The `[CAPABILITY …]` that LOGIN's OK carried, for a session that goes on after it.
    login_capabilities: Option<Capabilities>,
}

impl Conn<'_> {
    fn start_tls(&mut self, connector: &tls::Connector, plain: DeadlineStream) -> Result<(), Fail> {
        let tls = tls::handshake(
            connector,
            &self.target.host,
            self.target.port,
            plain,
            &self.meter,
            self.deadline,
        )?;
        self.wire = Some(Wire::new(
            Stream::Tls(Box::new(tls)),
            Rc::clone(&self.meter),
        ));
        Ok(())
    }

    /// Reads the greeting; returns the capabilities it carried, if any.
    fn greeting(&mut self) -> Result<Option<Capabilities>, Fail> {
        let line = self.read_line(Step::Greeting)?;
        match wire::parse(&line) {
            Response::Status {
                status: Status::Ok,
                code,
                text,
            } => {
                self.note_alert(code.as_ref(), &text);
                Ok(Capabilities::from_code(code.as_ref()))
            }
            Response::Status {
                status: Status::Bye,
                code,
                text,
            } => {
                // "Too many connections from your IP", `[UNAVAILABLE]`: a refusal for now.
                let name = code.as_ref().map_or("", |c| c.name.as_str());
                let kind = if classify::is_limit(name, &text) {
                    FailureKind::Limit
                } else {
                    FailureKind::Protocol
                };
                Err(Fail::new(
                    kind,
                    format!("server refused the connection: {}", shown(&text)),
                ))
            }
            Response::Status {
                status: Status::PreAuth,
                ..
            } => Err(Fail::new(
                FailureKind::Protocol,
                "server greeted with PREAUTH (already logged in), so the credentials were not \
                 checked",
            )),
            _ => Err(Fail::new(
                FailureKind::Protocol,
                format!(
                    "unexpected server greeting (is this an IMAP port?): {}",
                    shown(&line)
                ),
            )),
        }
    }

    /// Asks for the capabilities, for a STARTTLS greeting that had none.
    fn capability(&mut self) -> Result<Capabilities, Fail> {
        let tag = self.next_tag();
        log::debug!("probe: C: {tag} CAPABILITY");
        self.write(Step::Capability, format!("{tag} CAPABILITY\r\n").as_bytes())?;
        let mut caps = Capabilities::default();
        loop {
            let line = self.read_line(Step::Capability)?;
            match self.untagged_or_tagged(Step::Capability, &tag, &line, false)? {
                Some(Reply::Done(done)) if done.status == Status::Ok => return Ok(caps),
                Some(Reply::Done(done)) => {
                    return Err(Fail::new(
                        FailureKind::Protocol,
                        format!("server rejected CAPABILITY: {}", shown(&done.text)),
                    ))
                }
                Some(Reply::Continue) => return unreachable_continuation(),
                None => {
                    if let Response::Capability(found) = wire::parse(&line) {
                        caps = found;
                    }
                }
            }
        }
    }

    fn starttls(&mut self) -> Result<(), Fail> {
        let tag = self.next_tag();
        log::debug!("probe: C: {tag} STARTTLS");
        self.write(Step::StartTls, format!("{tag} STARTTLS\r\n").as_bytes())?;
        match self.await_reply(Step::StartTls, &tag, false)? {
            Reply::Done(done) if done.status == Status::Ok => Ok(()),
            Reply::Done(done) => Err(Fail::new(
                FailureKind::Tls,
                format!(
                    "server refused STARTTLS ({}); refusing to send the password in clear",
                    shown(&done.text)
                ),
            )),
            Reply::Continue => unreachable_continuation(),
        }
    }

    fn login(&mut self, password: &str, literals: Literals) -> Result<(), Fail> {
        let tag = self.next_tag();
        let alerts_before = self.alerts.len();
        let chunks = wire::login_command(&tag, &self.target.user, password, literals);
        let last = chunks.len() - 1;
        log::debug!("probe: C: {tag} LOGIN {:?} ***", self.target.user);
        for (i, chunk) in chunks.iter().enumerate() {
            self.write(Step::Login, chunk)?;
            if i == last {
                break;
            }
            // A synchronizing literal: the server must say "+" before the next part.
            match self.await_reply(Step::Login, &tag, true)? {
                Reply::Continue => {}
                Reply::Done(done) => return self.login_answer(done, alerts_before),
            }
        }
        match self.await_reply(Step::Login, &tag, false)? {
            Reply::Done(done) => self.login_answer(done, alerts_before),
            Reply::Continue => unreachable_continuation(),
        }
    }

    fn login_answer(&mut self, done: Done, alerts_before: usize) -> Result<(), Fail> {
        if done.status == Status::Ok {
            self.note_alert(done.code.as_ref(), &done.text);
            self.login_capabilities = Capabilities::from_code(done.code.as_ref());
            return Ok(());
        }
        let code = done
            .code
            .as_ref()
            .map(|c| (c.name.as_str(), c.args.as_str()));
        Err(classify::login_rejected(
            &self.target.host,
            done.status == Status::Bad,
            code,
            &done.text,
            &self.alerts[alerts_before..],
        ))
    }

    /// Writes LOGOUT if the server is still talking to us, without waiting for its answer, then
    /// closes the connection.
    fn close(&mut self, logout: bool) {
        if let Some(mut wire) = self.wire.take() {
            if logout {
                let tag = self.next_tag();
                log::debug!("probe: C: {tag} LOGOUT (not waiting for the answer)");
                let _ = wire.write_all(format!("{tag} LOGOUT\r\n").as_bytes());
            }
            wire.close();
        }
    }

    /// Reads until the tagged answer to `tag` (or a continuation, when `continuation_ok`).
    fn await_reply(&mut self, step: Step, tag: &str, continuation_ok: bool) -> Result<Reply, Fail> {
        loop {
            let line = self.read_line(step)?;
            if let Some(reply) = self.untagged_or_tagged(step, tag, &line, continuation_ok)? {
                return Ok(reply);
            }
        }
    }

    /// `None` for an untagged response (after noting alerts and BYE), the reply otherwise.
    fn untagged_or_tagged(
        &mut self,
        step: Step,
        tag: &str,
        line: &str,
        continuation_ok: bool,
    ) -> Result<Option<Reply>, Fail> {
        match wire::parse(line) {
            Response::Status {
                status: Status::Bye,
                code,
                text,
            } => {
                let name = code.as_ref().map_or("", |c| c.name.as_str());
                self.bye_is_limit = classify::is_limit(name, &text);
                self.bye = Some(text);
                Ok(None)
            }
            Response::Status { code, text, .. } => {
                self.note_alert(code.as_ref(), &text);
                Ok(None)
            }
            Response::Capability(_) | Response::Data => Ok(None),
            Response::Continuation if continuation_ok => Ok(Some(Reply::Continue)),
            Response::Tagged {
                tag: got,
                status,
                code,
                text,
            } if got == tag => Ok(Some(Reply::Done(Done { status, code, text }))),
            _ => Err(Fail::new(
                FailureKind::Protocol,
                format!(
                    "unexpected server response {}: {}",
                    step_phrase(step),
                    shown(line)
                ),
            )),
        }
    }

    fn note_alert(&mut self, code: Option<&wire::Code>, text: &str) {
        // A server repeating alerts must not flood the report.
        if code.is_some_and(|c| c.name == "ALERT") && self.alerts.len() < MAX_ALERTS {
            let alert = classify::sanitize(text);
            if !alert.is_empty() {
                self.alerts.push(alert);
            }
        }
    }

    fn next_tag(&mut self) -> String {
        self.tag += 1;
        format!("a{}", self.tag)
    }

    fn write(&mut self, step: Step, bytes: &[u8]) -> Result<(), Fail> {
        let Some(wire) = self.wire.as_mut() else {
            return Err(not_connected());
        };
        match wire.write_all(bytes) {
            Ok(()) => Ok(()),
            Err(err) => Err(self.lost(step, &err)),
        }
    }

    fn read_line(&mut self, step: Step) -> Result<String, Fail> {
        let Some(wire) = self.wire.as_mut() else {
            return Err(not_connected());
        };
        match wire.read_line() {
            Ok(line) => {
                let shown = classify::scrub(&line, self.target.password.expose());
                log::debug!("probe: S: {}", classify::sanitize(&shown));
                Ok(line)
            }
            Err(WireError::Io(err)) => Err(self.lost(step, &err)),
            Err(WireError::LineTooLong) => Err(Fail::new(
                FailureKind::Protocol,
                format!(
                    "server sent a line longer than {} KiB {}; giving up",
                    wire::MAX_LINE / 1024,
                    step_phrase(step)
                ),
            )),
            Err(WireError::LiteralTooLarge(size)) => Err(Fail::new(
                FailureKind::Protocol,
                format!(
                    "server announced a {size}-byte literal {}; refusing to read it",
                    step_phrase(step)
                ),
            )),
        }
    }

    fn lost(&self, step: Step, err: &std::io::Error) -> Fail {
        let mut fail = crate::imap::error::lost(
            step,
            &self.target.host,
            self.target.port,
            self.deadline.total(),
            err,
            (self.meter.timed_out(), self.meter.over_budget()),
            self.bye.as_deref(),
        );
        if fail.kind == FailureKind::Protocol && self.bye_is_limit {
            fail.kind = FailureKind::Limit;
        }
        fail
    }
}

fn step_phrase(step: Step) -> &'static str {
    match step {
        Step::Greeting => "in the greeting",
        Step::Capability => "to CAPABILITY",
        Step::StartTls => "to STARTTLS",
        Step::Login => "to LOGIN",
        Step::Resolve | Step::Connect | Step::TlsHandshake => "",
    }
}

fn shown(text: &str) -> String {
    let text = classify::sanitize(text);
    if text.is_empty() {
        "(empty)".to_owned()
    } else {
        text
    }
}

fn unreachable_continuation<T>() -> Result<T, Fail> {
    Err(Fail::new(
        FailureKind::Protocol,
        "server asked for more input where none was due",
    ))
}

fn not_connected() -> Fail {
    Fail::new(FailureKind::Protocol, "internal error: no connection")
}
