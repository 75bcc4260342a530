//! A connection to an IMAP server, from DNS to the logged-in stream, with as few round trips
//! as the protocol allows.
//!
//! Implicit TLS: TCP connect, TLS handshake, greeting — 3 round trips before LOGIN (with TLS
//! 1.2 too: its handshake takes two, but the greeting arrives with the server's last flight).
//! STARTTLS: TCP connect, greeting, (CAPABILITY only if the greeting carried none), STARTTLS,
//! TLS handshake — one more with TLS 1.2. Counting is done by `deadline::Meter`, under TLS.
//! Closing writes LOGOUT without waiting for its answer (TLS close_notify, then TCP shutdown).
//! [`Client`] is the connection while it is set up and logged in over (the login itself is the
//! caller's policy: `probe::login`); [`Connection`] is the logged-in stream handed over to a
//! caller that goes on talking IMAP (harvest).
//!
//! Why not the `imap` crate (2.4): its `Client::secure` (STARTTLS) only works on a bare
//! `TcpStream`, so our deadline wrapper could not bound the STARTTLS handshake; it buffers
//! lines without a cap; it `assert!`s on an unexpected tag (a hostile server could panic us);
//! its `logout` waits for the answer; and its errors drop response codes, losing `[ALERT]` and
//! `[AUTHENTICATIONFAILED]`.

use std::rc::Rc;

use super::deadline::{self, Deadline, DeadlineStream, Meter, Resolver};
use super::error::{self as classify, Fail, Step};
use super::tls;
use super::wire::{self, Capabilities, Response, Status, Stream, Wire, WireError};
use super::{ConnectOptions, FailureKind, Security, Target};
use crate::secret::Masker;

/// At most this many `[ALERT]` texts are kept.
const MAX_ALERTS: usize = 8;

/// A logged-in connection handed over to a caller that goes on talking IMAP (harvest): the
/// stream (reads and writes now bounded by an idle timeout each, no byte cap), the bytes the
/// server already sent past LOGIN's answer, and the capabilities LOGIN's answer carried.
pub(crate) struct Connection {
    stream: Option<Stream>,
    pending: Vec<u8>,
    capabilities: Option<Capabilities>,
    round_trips: u32,
    meter: Rc<Meter>,
    /// Hides the credentials in server text shown later (a harvest's errors).
    masker: Masker,
}

impl Connection {
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

    /// What hides the credentials in this server's text, in every form they went out in.
    pub(crate) fn masker(&self) -> &Masker {
        &self.masker
    }

    /// Closes the connection (TLS close_notify, then TCP shutdown) without waiting.
    pub(crate) fn close(mut self) {
        if let Some(stream) = self.stream.take() {
            stream.close();
        }
    }
}

impl std::io::Read for Connection {
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

impl std::io::Write for Connection {
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

/// Connects to `target` (DNS or `--resolve`, TCP, implicit TLS or STARTTLS) and reads the
/// greeting, every step bounded by `deadline`. Returns the connection, the TCP connect
/// attempts (each a round trip), and the capabilities that hold on the TLS layer (`None` when
/// none were listed there). A STARTTLS server that does not offer STARTTLS fails here: the
/// password is only ever written on a TLS stream.
pub(crate) fn connect<'a>(
    target: &'a Target,
    options: &ConnectOptions,
    deadline: Deadline,
    resolve: Resolver,
) -> Result<(Client<'a>, u32, Option<Capabilities>), Fail> {
    let connector = tls::connector(options)?;
    let (host, port) = (target.host.as_str(), target.port);
    if let Some(fail) = classify::port_in_host(host) {
        return Err(fail);
    }
    let addrs = match options.pinned(host) {
        Some(ip) => vec![std::net::SocketAddr::new(ip, port)],
        None => resolve(host, port, deadline)?,
    };
    let (tcp, attempts) = deadline::connect(&addrs, host, port, deadline)?;
    let meter = Meter::for_new_connection();
    let stream = DeadlineStream::new(tcp, deadline, Rc::clone(&meter));
    let mut conn = Client {
        target,
        deadline,
        meter: Rc::clone(&meter),
        wire: None,
        tag: 0,
        alerts: Vec::new(),
        bye: None,
        bye_is_limit: false,
        login_capabilities: None,
        masker: Masker::new(&[&target.secret]),
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
    Ok((conn, attempts, caps_on_tls))
}

/// A tagged response.
pub(crate) struct Done {
    pub(crate) status: Status,
    pub(crate) code: Option<wire::Code>,
    pub(crate) text: String,
}

/// What a command waits for.
enum Reply {
    /// `+ text`: go on (or, after a whole SASL exchange, the server's error challenge).
    Continue(String),
    Done(Done),
}

/// A connection being set up and logged in over.
pub(crate) struct Client<'a> {
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
    /// Hides the credentials in whatever the server sends back, before anything reads it.
    masker: Masker,
}

impl Client<'_> {
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

    /// Asks for the capabilities (a STARTTLS greeting had none; none hold after TLS).
    pub(crate) fn capability(&mut self) -> Result<Capabilities, Fail> {
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
                Some(Reply::Continue(_)) => return unreachable_continuation(),
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
            Reply::Continue(_) => unreachable_continuation(),
        }
    }

    /// The logged-in connection, handed over: from now on each read and write may take up to
    /// `idle`, with no overall deadline and no byte cap.
    pub(crate) fn into_connection(
        mut self,
        attempts: u32,
        idle: std::time::Duration,
    ) -> Result<Connection, Fail> {
        let wire = self.wire.take().ok_or_else(not_connected)?;
        let (mut stream, pending) = wire.into_parts();
        stream.deadline_stream_mut().set_idle_timeout(idle);
        self.meter.lift_budget();
        Ok(Connection {
            stream: Some(stream),
            pending,
            capabilities: self.login_capabilities.take(),
            round_trips: attempts,
            meter: Rc::clone(&self.meter),
            masker: self.masker.clone(),
        })
    }

    /// The next command tag (`a1`, `a2`, …).
    pub(crate) fn next_tag(&mut self) -> String {
        self.tag += 1;
        format!("a{}", self.tag)
    }

    /// `[ALERT]` texts the server sent so far (sanitized).
    pub(crate) fn alerts(&self) -> &[String] {
        &self.alerts
    }

    pub(crate) fn into_alerts(self) -> Vec<String> {
        self.alerts
    }

    /// Round trips waited on since connecting (TLS and every answer), not counting TCP.
    pub(crate) fn turns(&self) -> u32 {
        self.meter.turns()
    }

    /// Sends the command `tag` in `chunks`, waiting for the server's "+" between them (each
    /// chunk but the last ends with a synchronizing literal's `{n}`), and returns its tagged
    /// answer (which may come early, instead of a "+").
    pub(crate) fn command(
        &mut self,
        step: Step,
        tag: &str,
        chunks: &[impl AsRef<[u8]>],
    ) -> Result<Done, Fail> {
        if let Some(done) = self.send_chunks(step, tag, chunks)? {
            return Ok(done);
        }
        match self.await_reply(step, tag, false)? {
            Reply::Done(done) => Ok(done),
            Reply::Continue(_) => unreachable_continuation(),
        }
    }

    /// Writes `chunks`, waiting for a "+" after each but the last; `Some` when the server
    /// answered the command early (a refusal) instead of a "+".
    fn send_chunks(
        &mut self,
        step: Step,
        tag: &str,
        chunks: &[impl AsRef<[u8]>],
    ) -> Result<Option<Done>, Fail> {
        let last = chunks.len().saturating_sub(1);
        for (i, chunk) in chunks.iter().enumerate() {
            self.write(step, chunk.as_ref())?;
            if i == last {
                break;
            }
            match self.await_reply(step, tag, true)? {
                Reply::Continue(_) => {}
                Reply::Done(done) => return Ok(Some(done)),
            }
        }
        Ok(None)
    }

    /// A SASL exchange (`AUTHENTICATE`): sends `chunks` as [`Client::command`] does; a "+"
    /// after the last one is the server's error challenge (RFC 4422: XOAUTH2's and
    /// OAUTHBEARER's JSON), answered with what `answer` makes of its text; then the tagged
    /// answer. Returns it, and the challenge's text if there was one.
    pub(crate) fn authenticate(
        &mut self,
        tag: &str,
        chunks: &[impl AsRef<[u8]>],
        answer: impl FnOnce(&str) -> Vec<u8>,
    ) -> Result<(Done, Option<String>), Fail> {
        let step = Step::Authenticate;
        if let Some(done) = self.send_chunks(step, tag, chunks)? {
            return Ok((done, None));
        }
        match self.await_reply(step, tag, true)? {
            Reply::Done(done) => Ok((done, None)),
            Reply::Continue(challenge) => {
                self.write(step, &answer(&challenge))?;
                match self.await_reply(step, tag, false)? {
                    Reply::Done(done) => Ok((done, Some(challenge))),
                    Reply::Continue(_) => unreachable_continuation(),
                }
            }
        }
    }

    /// Also hides `secret` in what the server sends from now on (an access token that arrived
    /// while the connection was being made).
    pub(crate) fn mask_also(&mut self, secret: &crate::secret::Secret) {
        self.masker.add(secret);
    }

    /// Keeps what a successful login's answer carried: an `[ALERT]`, `[CAPABILITY …]`.
    pub(crate) fn logged_in(&mut self, done: &Done) {
        self.note_alert(done.code.as_ref(), &done.text);
        self.login_capabilities = Capabilities::from_code(done.code.as_ref());
    }

    /// Writes LOGOUT if the server is still talking to us, without waiting for its answer, then
    /// closes the connection.
    pub(crate) fn close(&mut self, logout: bool) {
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
            Response::Continuation if continuation_ok => Ok(Some(Reply::Continue(
                line.trim_start_matches('+').trim().to_owned(),
            ))),
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
                // Masked first, on the raw line: alerts, BYE texts, refusals, logs and what is
                // stored as `lastError` are all made from it (issue 15).
                let line = self.masker.mask(&line);
                log::debug!("probe: S: {}", classify::sanitize(&line));
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
        Step::Authenticate => "to AUTHENTICATE",
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
