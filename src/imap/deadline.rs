//! One overall deadline per probe, and the socket wrapper that enforces it on every read and write.
//!
//! A probe must end within `ConnectOptions::timeout` whatever the server (or the network) does, so
//! every blocking step only gets the time that is left: name resolution runs in a helper thread
//! we simply stop waiting for, each connect attempt gets the remaining time, and
//! [`DeadlineStream`] sets the socket's read/write timeout to the remaining time before *every*
//! read and write. A server that trickles one byte every few seconds therefore cannot stretch the
//! probe past the deadline. Because the wrapper sits under the TLS layer, it also caps what the
//! server can make us read ([`READ_BUDGET`], TLS records included) and counts round trips
//! ([`Meter`]) the same way for plain and TLS connections.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

pub(crate) use crate::deadline::Deadline;

use super::error::{self as classify, Fail, Step};
use super::FailureKind;

/// The most a probe reads from one server, TLS records included. A greeting, a CAPABILITY list
/// and a LOGIN answer fit in a few kB; anything near this is broken or hostile.
pub(crate) const READ_BUDGET: u64 = 1024 * 1024;

/// What happened on one connection, shared between the [`DeadlineStream`] (buried inside the
/// TLS stream) and the session that needs to know why a read failed.
#[derive(Debug, Default)]
pub(crate) struct Meter {
    turns: Cell<u32>,
    awaiting_answer: Cell<bool>,
    bytes_read: Cell<u64>,
    timed_out: Cell<bool>,
    over_budget: Cell<bool>,
    /// Set once a logged-in connection is handed over for bulk reads (harvest): no byte cap.
    unbounded: Cell<bool>,
    /// After the handover: the progress rule of [`Pace`], and where the current answer began.
    pace: Cell<Option<Pace>>,
    answer_since: Cell<Option<Instant>>,
    answer_bytes: Cell<u64>,
    /// Which rule ended the last read that timed out.
    stopped_by: Cell<Option<Stop>>,
}

/// How slow a logged-in connection handed over for bulk reads (harvest) may be, so that a
/// server trickling its answer cannot keep the client forever (issue 15): no silence longer
/// than the idle timeout; each answer ([`Meter::start_answer`]) at least `min_rate` bytes a
/// second on average once its first idle timeout has passed; and everything over by `until`.
/// Enforced here, under TLS, so bytes trickled inside one TLS record count too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    pub(crate) min_rate: u64,
    pub(crate) until: Option<Instant>,
}

/// The rule of [`Pace`] that stopped a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stop {
    Idle,
    Slow,
    Overall,
}

impl Meter {
    /// A meter for a fresh connection: the server speaks first (greeting or TLS answer), so the
    /// first read is a wait for the server.
    pub(crate) fn for_new_connection() -> Rc<Self> {
        let meter = Meter::default();
        meter.awaiting_answer.set(true);
        Rc::new(meter)
    }

    /// How many times the client, having written, waited for the server to answer. A read that
    /// directly follows another read is part of the same answer and is not counted: this gives
    /// 1 for a TLS 1.3 handshake, 2 for a TLS 1.2 one, and 1 per command/response.
    pub(crate) fn turns(&self) -> u32 {
        self.turns.get()
    }

    pub(crate) fn timed_out(&self) -> bool {
        self.timed_out.get()
    }

    pub(crate) fn over_budget(&self) -> bool {
        self.over_budget.get()
    }

    /// Bytes the server may still send before the probe gives up.
    pub(crate) fn budget_left(&self) -> u64 {
        if self.unbounded.get() {
            return u64::MAX;
        }
        READ_BUDGET.saturating_sub(self.bytes_read.get())
    }

    /// Lifts [`READ_BUDGET`]: a logged-in connection used for bulk reads bounds each response
    /// itself instead.
    pub(crate) fn lift_budget(&self) {
        self.unbounded.set(true);
    }

    pub(crate) fn set_pace(&self, pace: Pace) {
        self.pace.set(Some(pace));
    }

    /// The client starts waiting for an answer: [`Pace::min_rate`] is measured from here.
    pub(crate) fn start_answer(&self) {
        self.answer_since.set(Some(Instant::now()));
        self.answer_bytes.set(0);
    }
}

/// A TCP stream whose every read and write is bounded by the probe's [`Deadline`] and whose
/// reads are bounded by [`READ_BUDGET`].
#[derive(Debug)]
pub(crate) struct DeadlineStream {
    tcp: TcpStream,
    deadline: Deadline,
    meter: Rc<Meter>,
    /// Once set (a session handed over after login), every read and write gets this long
    /// instead of what is left of the overall deadline.
    idle: Option<Duration>,
}

impl DeadlineStream {
    pub(crate) fn new(tcp: TcpStream, deadline: Deadline, meter: Rc<Meter>) -> Self {
        DeadlineStream {
            tcp,
            deadline,
            meter,
            idle: None,
        }
    }

    /// Switches from the overall deadline to a per-read/per-write timeout of `idle`.
    pub(crate) fn set_idle_timeout(&mut self, idle: Duration) {
        self.idle = Some(idle.max(Duration::from_millis(1)));
    }

    /// Closes both directions; errors are irrelevant once we are done.
    pub(crate) fn shutdown(&self) {
        let _ = self.tcp.shutdown(Shutdown::Both);
    }

    fn time_left(&self) -> io::Result<Duration> {
        if let Some(idle) = self.idle {
            return self.paced(idle);
        }
        self.deadline
            .remaining()
            .ok_or_else(|| self.timeout_error())
    }

    /// After the handover: the idle timeout, or less where [`Pace`] ends sooner.
    fn paced(&self, idle: Duration) -> io::Result<Duration> {
        let meter = &self.meter;
        let Some(pace) = meter.pace.get() else {
            meter.stopped_by.set(Some(Stop::Idle));
            return Ok(idle);
        };
        let now = Instant::now();
        let mut wait = (idle, Stop::Idle);
        if let Some(since) = meter.answer_since.get() {
            let earned = meter.answer_bytes.get() as f64 / pace.min_rate.max(1) as f64;
            let by = since + idle + Duration::from_secs_f64(earned.min(1e9));
            wait = wait.min((by.saturating_duration_since(now), Stop::Slow));
        }
        if let Some(until) = pace.until {
            wait = wait.min((until.saturating_duration_since(now), Stop::Overall));
        }
        meter.stopped_by.set(Some(wait.1));
        if wait.0 < Duration::from_millis(1) {
            return Err(self.timeout_error());
        }
        Ok(wait.0)
    }

    fn timeout_error(&self) -> io::Error {
        self.meter.timed_out.set(true);
        // After the handover (harvest) there is no overall deadline, only the idle limit and
        // the pace.
        let what = match (self.idle, self.meter.stopped_by.get()) {
            (Some(_), Some(Stop::Overall)) => {
                "--timeout ran out before the server finished answering".to_string()
            }
            (Some(idle), Some(Stop::Slow)) => {
                let since = self.meter.answer_since.get().unwrap_or_else(Instant::now);
                format!(
                    "the server sent {} bytes in {:.1} s, slower than {} bytes/s after the first \
                     {} s",
                    self.meter.answer_bytes.get(),
                    since.elapsed().as_secs_f64(),
                    self.meter.pace.get().map_or(0, |pace| pace.min_rate),
                    idle.as_secs()
                )
            }
            (Some(idle), _) => format!("no data from the server for {} s", idle.as_secs()),
            (None, _) => "probe deadline reached".to_string(),
        };
        io::Error::new(io::ErrorKind::TimedOut, what)
    }

    /// A socket timeout shows up as `WouldBlock` (EAGAIN) on Unix and `TimedOut` on Windows.
    fn map_error(&self, err: io::Error) -> io::Error {
        match err.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => self.timeout_error(),
            _ => err,
        }
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let budget = self.meter.budget_left();
        if budget == 0 {
            self.meter.over_budget.set(true);
            return Err(io::Error::other("server sent more than the probe reads"));
        }
        let wait = self.time_left()?;
        self.tcp.set_read_timeout(Some(wait))?;
        if self.meter.awaiting_answer.replace(false) {
            self.meter.turns.set(self.meter.turns.get() + 1);
        }
        let cap = buf.len().min(usize::try_from(budget).unwrap_or(usize::MAX));
        match self.tcp.read(&mut buf[..cap]) {
            Ok(n) => {
                self.meter
                    .bytes_read
                    .set(self.meter.bytes_read.get() + n as u64);
                self.meter
                    .answer_bytes
                    .set(self.meter.answer_bytes.get() + n as u64);
                Ok(n)
            }
            Err(err) => Err(self.map_error(err)),
        }
    }
}

impl Write for DeadlineStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let wait = self.time_left()?;
        self.tcp.set_write_timeout(Some(wait))?;
        match self.tcp.write(buf) {
            Ok(n) => {
                if n > 0 {
                    self.meter.awaiting_answer.set(true);
                }
                Ok(n)
            }
            Err(err) => Err(self.map_error(err)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// Turns a host name into addresses, or fails. Tests swap it to point any name at 127.0.0.1.
pub(crate) type Resolver = fn(&str, u16, Deadline) -> Result<Vec<SocketAddr>, Fail>;

/// Resolves `host` with the system resolver, waiting at most until the deadline. `getaddrinfo`
/// cannot be cancelled, so it runs in a helper thread that is left behind if it hangs.
pub(crate) fn resolve(host: &str, port: u16, deadline: Deadline) -> Result<Vec<SocketAddr>, Fail> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = mpsc::channel();
    let name = host.to_owned();
    thread::Builder::new()
        .name("probe-dns".into())
        .spawn(move || {
            let found = (name.as_str(), port)
                .to_socket_addrs()
                .map(|addrs| addrs.collect::<Vec<_>>());
            // The receiver is gone if the probe already timed out; nothing left to do then.
            let _ = tx.send(found);
        })
        .map_err(|err| {
            Fail::new(
                FailureKind::Dns,
                format!("cannot resolve host '{}': {err}", classify::sanitize(host)),
            )
        })?;
    let wait = deadline
        .remaining()
        .ok_or_else(|| classify::timeout(Step::Resolve, host, port, deadline.total()))?;
    match rx.recv_timeout(wait) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(classify::unresolvable(host, "no addresses")),
        Ok(Err(err)) => Err(classify::unresolvable(host, &err.to_string())),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(classify::timeout(
            Step::Resolve,
            host,
            port,
            deadline.total(),
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(classify::unresolvable(host, "resolver failed"))
        }
    }
}

/// Connects to the first address that answers, each attempt bounded by the time left. Returns the
/// stream and how many attempts (each one a round trip) it took.
pub(crate) fn connect(
    addrs: &[SocketAddr],
    host: &str,
    port: u16,
    deadline: Deadline,
) -> Result<(TcpStream, u32), Fail> {
    let mut attempts = 0;
    let mut last_error = None;
    for (i, addr) in addrs.iter().enumerate() {
        let left = deadline
            .remaining()
            .ok_or_else(|| classify::timeout(Step::Connect, host, port, deadline.total()))?;
        // A black-holed first address (often IPv6) must not eat the time the others need: each
        // gets an equal share of what is left, the last one all of it.
        let untried = u32::try_from(addrs.len() - i).unwrap_or(u32::MAX);
        let wait = (left / untried).max(Duration::from_millis(1)).min(left);
        attempts += 1;
        let started = Instant::now();
        match TcpStream::connect_timeout(addr, wait) {
            Ok(tcp) => {
                log::debug!("probe: connected to {addr} in {:?}", started.elapsed());
                // LOGIN and LOGOUT are small writes that must not wait for Nagle's algorithm.
                let _ = tcp.set_nodelay(true);
                return Ok((tcp, attempts));
            }
            Err(err) => {
                log::debug!("probe: connecting to {addr}: {err}");
                last_error = Some(err);
            }
        }
    }
    match last_error {
        Some(err)
            if matches!(
                err.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            Err(classify::timeout(
                Step::Connect,
                host,
                port,
                deadline.total(),
            ))
        }
        Some(err) => Err(classify::connect_failed(host, port, &err)),
        None => Err(classify::unresolvable(host, "no addresses")),
    }
}
