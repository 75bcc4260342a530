//! A counting TCP relay for the round-trip tests (issue 5): it sits between the binary and a
//! real server on 127.0.0.1, forwards every chunk after a fixed one-way delay, and records the
//! byte flow of each connection as alternating *flights* (consecutive chunks from one side).
//!
//! What it counts, and why that is the number of round trips a client waited for:
//! - A **turn** is a server flight that directly follows a client flight while the client's
//!   side is still open: the client said something and the server's next bytes came back. The
//!   accepted connection itself counts as the client's first flight, so a greeting the server
//!   sends unasked (IMAP on a STARTTLS port) is a turn too — the client waits for it.
//! - **Round trips** = 1 for the TCP handshake (which the relay cannot see: the kernel answers
//!   the SYN) + turns. For implicit TLS 1.3 that is TCP, ClientHello→ServerHello,
//!   Finished→greeting, LOGIN→OK = 4, the floor.
//! - Bytes the server sends after the client closed its side (read returned EOF) are recorded
//!   but are no turn: nobody waited for them. LOGOUT written right before closing lands there.
//! - The relay cannot see inside TLS, so it cannot tell a waiting client from a slow one; it
//!   only sees the order of bytes. Writes a client makes back to back without waiting (TLS
//!   Finished then LOGIN; LOGOUT, close_notify, FIN) must reach it before the server's answer
//!   to the first of them, or the answer would split the flight and count a turn. The delay is
//!   what guarantees that: the server sees each chunk `delay` after the client sent it, so a
//!   race is lost only if the client pauses longer than `delay` between two writes it makes
//!   without reading. A waiting client is counted the same at any delay. Nothing here measures
//!   or asserts time.
//!
//! Each relay binds its upstream connections to its own loopback source address
//! (127.x.y.z), so the server's log (Dovecot's `rip=`) tells its sessions apart from those of
//! tests running in parallel.
//!
//! `examples/latency_proxy.rs` (the relay of `bench/run`) reuses [`relay_connection`] with
//! [`Options`] that also emulate the TCP handshake's round trip, so wall times there match a
//! link of that RTT.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// Default one-way delay: far longer than the gap between two writes a client makes without
/// reading, even on a loaded two-core CI machine that stalls a runnable thread for tens of
/// milliseconds; short enough that a probe of 4–6 turns takes about a second.
pub const DEFAULT_DELAY: Duration = Duration::from_millis(100);

/// A relay stops waiting on a silent connection after this long (a safety net: a hung client
/// or server must fail the test, not hang it).
const IDLE_LIMIT: Duration = Duration::from_secs(30);

/// Which end of the relayed connection sent a flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

/// Consecutive bytes from one side, with no bytes from the other side in between.
#[derive(Debug, Clone)]
pub struct Flight {
    pub from: Side,
    pub bytes: Vec<u8>,
    /// Whether the client had already closed its side when this flight began.
    pub after_client_eof: bool,
}

/// How one side ended its half of the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Close {
    /// An orderly close (FIN): read returned 0.
    Fin,
    /// Reset, or any other read error, as text.
    Error(String),
    /// Nothing for [`IDLE_LIMIT`]: the relay gave up.
    Idle,
}

/// One finished relayed connection.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Flights in the order the relay saw them. The first is always the client's, and may be
    /// empty: the connection itself, before any byte.
    pub flights: Vec<Flight>,
    pub client_close: Close,
    pub server_close: Close,
}

impl Connection {
    /// Server flights that answered a client flight while the client was still listening.
    pub fn turns(&self) -> u32 {
        let turns = self
            .flights
            .windows(2)
            .filter(|pair| {
                pair[0].from == Side::Client
                    && pair[1].from == Side::Server
                    && !pair[1].after_client_eof
            })
            .count();
        u32::try_from(turns).expect("a handful of flights")
    }

    /// End-to-end round trips: the TCP handshake plus [`Connection::turns`].
    pub fn round_trips(&self) -> u32 {
        1 + self.turns()
    }

    /// The client's last flight, if it came after the server's last answer it waited for, i.e.
    /// the bytes it sent before hanging up without waiting (e.g. LOGOUT and TLS close_notify).
    pub fn unanswered_client_flight(&self) -> Option<&Flight> {
        let last_client = self.flights.iter().rposition(|f| f.from == Side::Client)?;
        let answered = self.flights[last_client + 1..]
            .iter()
            .any(|f| f.from == Side::Server && !f.after_client_eof);
        (!answered).then(|| &self.flights[last_client])
    }

    /// Bytes the server sent after the client had closed its side.
    pub fn server_bytes_after_client_eof(&self) -> usize {
        self.flights
            .iter()
            .filter(|f| f.from == Side::Server && f.after_client_eof)
            .map(|f| f.bytes.len())
            .sum()
    }

    /// One line per flight, for assertion messages.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "{} round trips (1 TCP + {} turns); client close: {:?}, server close: {:?}\n",
            self.round_trips(),
            self.turns(),
            self.client_close,
            self.server_close
        );
        for (i, flight) in self.flights.iter().enumerate() {
            let records = tls_records(&flight.bytes)
                .map(|r| format!(", TLS records {r:?}"))
                .unwrap_or_default();
            text.push_str(&format!(
                "  {i}: {:?} {} bytes{}{}: {}\n",
                flight.from,
                flight.bytes.len(),
                if flight.after_client_eof {
                    " (after client EOF)"
                } else {
                    ""
                },
                records,
                printable(&flight.bytes)
            ));
        }
        text
    }
}

/// `(content type, length)` of each TLS record in `bytes`, if they are exactly a sequence of
/// whole TLS records (type 20–23, version 3.x); `None` otherwise (plain text, or a partial
/// record).
pub fn tls_records(bytes: &[u8]) -> Option<Vec<(u8, usize)>> {
    let mut records = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.len() < 5 || !(20..=23).contains(&rest[0]) || rest[1] != 3 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        if rest.len() < 5 + len {
            return None;
        }
        records.push((rest[0], len));
        rest = &rest[5 + len..];
    }
    Some(records)
}

/// The first bytes as text when they are printable (plain IMAP), else a byte count.
fn printable(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(80)];
    if head
        .iter()
        .all(|b| b.is_ascii_graphic() || b" \r\n".contains(b))
    {
        format!("{:?}", String::from_utf8_lossy(head))
    } else {
        "(binary)".to_owned()
    }
}

/// How [`relay_connection`] treats a connection. [`LatencyProxy`] uses [`Options::tests`].
#[derive(Debug, Clone)]
pub struct Options {
    /// One-way delay added to every chunk in each direction (RTT = 2 × delay).
    pub delay: Duration,
    /// Emulate the TCP handshake's round trip, which the kernel answers at once on loopback:
    /// open the upstream connection 3 × `delay` (1.5 RTT) after the accept, when a server
    /// across a real link would get the handshake's final ACK, and hold the client's bytes
    /// until then. A client then sees the server's first byte 2 RTT after connect().
    pub handshake: bool,
    /// Bind upstream connections to this loopback address (any free port); `None`: let the
    /// kernel choose.
    pub source: Option<Ipv4Addr>,
    /// Give up on a side that sent nothing for this long ([`Close::Idle`]); `None`: wait.
    pub idle_limit: Option<Duration>,
    /// Set TCP_NODELAY on both sockets (as Python's asyncio does), so a delayed chunk is not
    /// held back further by Nagle's algorithm.
    pub nodelay: bool,
}

impl Options {
    /// The tests' relay: no handshake emulation, a private source address, [`IDLE_LIMIT`].
    pub fn tests(delay: Duration, source: Ipv4Addr) -> Options {
        Options {
            delay,
            handshake: false,
            source: Some(source),
            idle_limit: Some(IDLE_LIMIT),
            nodelay: false,
        }
    }
}

/// A relay on 127.0.0.1 in front of `upstream`, alive until the test process exits.
pub struct LatencyProxy {
    port: u16,
    source: Ipv4Addr,
    accepted: Arc<AtomicUsize>,
    finished: Arc<(Mutex<Vec<Connection>>, Condvar)>,
}

impl LatencyProxy {
    /// Starts a relay to `upstream` with [`DEFAULT_DELAY`].
    pub fn start(upstream: SocketAddr) -> LatencyProxy {
        LatencyProxy::with_delay(upstream, DEFAULT_DELAY)
    }

    /// Starts a relay to `upstream` that delays every chunk by `delay` in each direction.
    pub fn with_delay(upstream: SocketAddr, delay: Duration) -> LatencyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the relay's port");
        let port = listener.local_addr().expect("the relay's address").port();
        let source = next_source_address();
        let finished = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let done = Arc::clone(&finished);
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                let done = Arc::clone(&done);
                thread::spawn(move || {
                    let options = Options::tests(delay, source);
                    let connection = relay_connection(client, upstream, &options)
                        .expect("the relay connecting to the server");
                    let (list, ready) = &*done;
                    list.lock().expect("relay state").push(connection);
                    ready.notify_all();
                });
            }
        });
        LatencyProxy {
            port,
            source,
            accepted,
            finished,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn port_arg(&self) -> String {
        self.port.to_string()
    }

    /// The loopback address the server sees this relay's connections come from.
    pub fn source(&self) -> Ipv4Addr {
        self.source
    }

    /// Connections accepted so far, finished or not. Once a client got an answer on a
    /// connection, the relay had accepted it.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Waits until `count` connections have finished (both sides closed) and returns them;
    /// panics after `limit` with what it has.
    pub fn connections(&self, count: usize, limit: Duration) -> Vec<Connection> {
        let (list, ready) = &*self.finished;
        let deadline = Instant::now() + limit;
        let mut list = list.lock().expect("relay state");
        while list.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "expected {count} finished connections through the relay within {limit:?}, got {}:\n{}",
                list.len(),
                list.iter().map(Connection::describe).collect::<Vec<_>>().join("\n")
            );
            list = ready.wait_timeout(list, left).expect("relay state").0;
        }
        list.clone()
    }

    /// The one connection a finished command made; fails if it made more (or none).
    pub fn only_connection(&self) -> Connection {
        let mut all = self.connections(self.accepted().max(1), Duration::from_secs(20));
        assert_eq!(
            all.len(),
            1,
            "expected one connection, got {}:\n{}",
            all.len(),
            all.iter()
                .map(Connection::describe)
                .collect::<Vec<_>>()
                .join("\n")
        );
        all.remove(0)
    }
}

/// A loopback source address no other relay of this test run uses: 127.P.N.N, with P from
/// the process id and N a counter.
fn next_source_address() -> Ipv4Addr {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let p = 100 + std::process::id() % 150;
    Ipv4Addr::new(127, p as u8, (n / 250 % 256) as u8, (n % 250 + 1) as u8)
}

/// What a reader schedules for its direction's destination.
enum Chunk {
    Bytes(Vec<u8>),
    Eof,
}

/// Relays one accepted connection until both sides have closed; returns what it saw, or the
/// error connecting to `upstream` (the client's connection is then shut).
///
/// Threads: the caller reads the server, one more thread reads the client, and one thread
/// shared by all relays of the process writes every chunk when it is due (see [`Scheduler`]).
pub fn relay_connection(
    client: TcpStream,
    upstream: SocketAddr,
    options: &Options,
) -> io::Result<Connection> {
    let accepted = Instant::now();
    let connect = || -> io::Result<TcpStream> {
        let server = match options.source {
            Some(source) => connect_from(source, upstream)?,
            None => TcpStream::connect(upstream)?,
        };
        if options.nodelay {
            server.set_nodelay(true)?;
        }
        Ok(server)
    };
    if options.nodelay {
        client.set_nodelay(true)?;
    }
    // Without the handshake, the server is there before the first client byte is read.
    let early = if options.handshake {
        None
    } else {
        Some(connect()?)
    };
    let state = Arc::new(Mutex::new(Flow {
        // The connection is the client's first flight: a greeting answers it.
        flights: vec![Flight {
            from: Side::Client,
            bytes: Vec::new(),
            after_client_eof: false,
        }],
        client_eof: false,
    }));
    let done = Arc::new(Done::default());
    let to_client = Lane::new(Some(client.try_clone()?), &done);
    let to_server = Lane::new(None, &done);
    // The client's bytes are read (and recorded) at once, and forwarded once the server is
    // connected and they are due.
    let client_reader = {
        let (from, lane, state) = (
            client.try_clone()?,
            Arc::clone(&to_server),
            Arc::clone(&state),
        );
        let (delay, idle_limit) = (options.delay, options.idle_limit);
        spawn_small(move || read_side(Side::Client, from, &lane, delay, idle_limit, &state))
    };
    let server = match early {
        Some(server) => Ok(server),
        None => {
            // SYN, SYN-ACK, ACK: the server accepts 1.5 RTT after the client began connecting.
            thread::sleep((accepted + 3 * options.delay).saturating_duration_since(Instant::now()));
            connect()
        }
    };
    let installed = server.and_then(|server| {
        to_server.install(server.try_clone()?);
        Ok(server)
    });
    let server = match installed {
        Ok(server) => server,
        Err(err) => {
            to_server.fail();
            // Ends the client's reader: its bytes have nowhere to go.
            let _ = client.shutdown(Shutdown::Both);
            let _ = client_reader.join();
            return Err(err);
        }
    };
    let server_close = read_side(
        Side::Server,
        server,
        &to_client,
        options.delay,
        options.idle_limit,
        &state,
    );
    let client_close = client_reader.join().expect("the client reader");
    done.wait_for(2);
    let flights = std::mem::take(&mut state.lock().expect("relay state").flights);
    Ok(Connection {
        flights,
        client_close,
        server_close,
    })
}

/// Connects to `upstream` from `source` (any free port).
fn connect_from(source: Ipv4Addr, upstream: SocketAddr) -> io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::V4(SocketAddrV4::new(source, 0)).into())?;
    socket.connect(&upstream.into())?;
    Ok(socket.into())
}

/// The byte flow so far, shared by both directions.
struct Flow {
    flights: Vec<Flight>,
    client_eof: bool,
}

impl Flow {
    fn record(&mut self, from: Side, bytes: &[u8]) {
        match self.flights.last_mut() {
            Some(last) if last.from == from => last.bytes.extend_from_slice(bytes),
            _ => self.flights.push(Flight {
                from,
                bytes: bytes.to_vec(),
                after_client_eof: self.client_eof,
            }),
        }
    }
}

/// Reads `from` until it closes, recording each chunk and scheduling it for `lane` `delay`
/// after it arrived, then schedules the EOF the same way. Returns how `from` closed.
fn read_side(
    side: Side,
    mut from: TcpStream,
    lane: &Arc<Lane>,
    delay: Duration,
    idle_limit: Option<Duration>,
    state: &Mutex<Flow>,
) -> Close {
    from.set_read_timeout(idle_limit)
        .expect("setting a read timeout");
    let scheduler = Scheduler::shared();
    let mut buf = vec![0u8; 64 * 1024];
    let close = loop {
        match from.read(&mut buf) {
            Ok(0) => break Close::Fin,
            Ok(n) => {
                // Recorded on arrival, in one order for both directions.
                state.lock().expect("relay state").record(side, &buf[..n]);
                scheduler.schedule(delay, lane, Chunk::Bytes(buf[..n].to_vec()));
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                break Close::Idle
            }
            Err(err) => break Close::Error(err.to_string()),
        }
    };
    if side == Side::Client {
        state.lock().expect("relay state").client_eof = true;
    }
    scheduler.schedule(delay, lane, Chunk::Eof);
    close
}

/// A thread with a small stack (its buffers live on the heap): glibc keeps small stacks for
/// reuse, where the default 2 MiB ones are unmapped and mapped again for every connection.
fn spawn_small<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> thread::JoinHandle<T> {
    thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(f)
        .expect("starting a relay thread")
}

/// How many directions of a connection have delivered their EOF.
#[derive(Default)]
struct Done {
    count: Mutex<usize>,
    changed: Condvar,
}

impl Done {
    fn finish(&self) {
        *self.count.lock().expect("relay state") += 1;
        self.changed.notify_all();
    }

    fn wait_for(&self, count: usize) {
        let mut done = self.count.lock().expect("relay state");
        while *done < count {
            done = self.changed.wait(done).expect("relay state");
        }
    }
}

/// One direction's destination.
struct Lane {
    state: Mutex<LaneState>,
    done: Arc<Done>,
}

enum LaneState {
    /// The server is not connected yet (the emulated handshake): chunks already due wait here.
    Connecting(Vec<Chunk>),
    /// Written by the scheduler's thread, without blocking; `broken` after a write error (the
    /// rest is dropped, the EOF still forwarded).
    Open { to: TcpStream, broken: bool },
    /// The destination stopped taking bytes at once: a thread of its own writes the rest, in
    /// order, blocking, so the scheduler never waits for one slow reader.
    Backlogged(mpsc::Sender<Chunk>),
    /// EOF forwarded, or the server could not be reached.
    Closed,
}

/// `send(2)` flags: return at once instead of blocking, and no SIGPIPE.
#[cfg(target_os = "linux")]
const SEND_NOW: i32 = 0x40 | 0x4000; // MSG_DONTWAIT | MSG_NOSIGNAL
#[cfg(not(target_os = "linux"))]
const SEND_NOW: i32 = 0x80; // MSG_DONTWAIT on the BSDs and macOS

impl Lane {
    fn new(to: Option<TcpStream>, done: &Arc<Done>) -> Arc<Lane> {
        let state = match to {
            Some(to) => LaneState::Open { to, broken: false },
            None => LaneState::Connecting(Vec::new()),
        };
        Arc::new(Lane {
            state: Mutex::new(state),
            done: Arc::clone(done),
        })
    }

    /// The server is connected: forwards what is already due, in order.
    fn install(&self, to: TcpStream) {
        let mut state = self.state.lock().expect("relay lane");
        let waiting = match std::mem::replace(&mut *state, LaneState::Open { to, broken: false }) {
            LaneState::Connecting(waiting) => waiting,
            _ => unreachable!("a lane is installed once, while connecting"),
        };
        for chunk in waiting {
            self.deliver_locked(&mut state, chunk);
        }
    }

    /// The server could not be reached: whatever comes is dropped.
    fn fail(&self) {
        *self.state.lock().expect("relay lane") = LaneState::Closed;
    }

    fn deliver(&self, chunk: Chunk) {
        let mut state = self.state.lock().expect("relay lane");
        self.deliver_locked(&mut state, chunk);
    }

    fn deliver_locked(&self, state: &mut LaneState, chunk: Chunk) {
        match (&mut *state, chunk) {
            (LaneState::Connecting(waiting), chunk) => waiting.push(chunk),
            (LaneState::Backlogged(backlog), chunk) => {
                let _ = backlog.send(chunk);
            }
            (LaneState::Closed, _) => {}
            (LaneState::Open { to, .. }, Chunk::Eof) => {
                let _ = to.shutdown(Shutdown::Write);
                *state = LaneState::Closed;
                self.done.finish();
            }
            (LaneState::Open { broken: true, .. }, Chunk::Bytes(_)) => {}
            (LaneState::Open { to, broken }, Chunk::Bytes(bytes)) => {
                let socket = socket2::SockRef::from(&*to);
                let mut sent = 0;
                while sent < bytes.len() {
                    match socket.send_with_flags(&bytes[sent..], SEND_NOW) {
                        Ok(n) => sent += n,
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                            let rest = bytes[sent..].to_vec();
                            let to = to.try_clone().expect("cloning a relayed socket");
                            *state = LaneState::Backlogged(self.backlog(to, rest));
                            return;
                        }
                        Err(_) => {
                            *broken = true;
                            return;
                        }
                    }
                }
            }
        }
    }

    /// A thread that writes `first`, then every chunk sent to it, blocking; on EOF (or when
    /// the lane goes) it shuts the destination's sending side.
    fn backlog(&self, mut to: TcpStream, first: Vec<u8>) -> mpsc::Sender<Chunk> {
        let (send, receive) = mpsc::channel();
        let done = Arc::clone(&self.done);
        spawn_small(move || {
            let mut broken = to.write_all(&first).is_err();
            for chunk in receive {
                match chunk {
                    Chunk::Bytes(bytes) if !broken => broken = to.write_all(&bytes).is_err(),
                    Chunk::Bytes(_) => {}
                    Chunk::Eof => break,
                }
            }
            let _ = to.shutdown(Shutdown::Write);
            done.finish();
        });
        send
    }
}

/// The one thread of the process that forwards every relayed chunk when it is due: it sleeps
/// until the earliest, so a chunk costs a wake-up of its reader and (at most) one of this
/// thread, where a writer thread per direction would add a third.
struct Scheduler {
    queue: Mutex<Queue>,
    earlier: Condvar,
}

#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Reverse<Due>>,
    next: u64,
}

struct Due {
    at: Instant,
    /// Breaks ties in arrival order.
    seq: u64,
    lane: Arc<Lane>,
    chunk: Chunk,
}

impl PartialEq for Due {
    fn eq(&self, other: &Due) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Due {}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Due) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Due {
    fn cmp(&self, other: &Due) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

impl Scheduler {
    fn shared() -> &'static Scheduler {
        static SHARED: OnceLock<&'static Scheduler> = OnceLock::new();
        SHARED.get_or_init(|| {
            let scheduler: &'static Scheduler = Box::leak(Box::new(Scheduler {
                queue: Mutex::new(Queue::default()),
                earlier: Condvar::new(),
            }));
            thread::Builder::new()
                .name("relay-scheduler".to_owned())
                .spawn(move || scheduler.run())
                .expect("starting the relay's scheduler");
            scheduler
        })
    }

    /// Hands `chunk` to `lane` `delay` from now.
    fn schedule(&self, delay: Duration, lane: &Arc<Lane>, chunk: Chunk) {
        let mut queue = self.queue.lock().expect("relay queue");
        let at = Instant::now() + delay;
        let seq = queue.next;
        queue.next += 1;
        let first = queue.heap.peek().is_none_or(|Reverse(head)| at < head.at);
        queue.heap.push(Reverse(Due {
            at,
            seq,
            lane: Arc::clone(lane),
            chunk,
        }));
        if first {
            self.earlier.notify_one();
        }
    }

    fn run(&self) {
        let mut queue = self.queue.lock().expect("relay queue");
        loop {
            let now = Instant::now();
            match queue.heap.peek() {
                None => queue = self.earlier.wait(queue).expect("relay queue"),
                Some(Reverse(head)) if head.at > now => {
                    let left = head.at - now;
                    queue = self
                        .earlier
                        .wait_timeout(queue, left)
                        .expect("relay queue")
                        .0;
                }
                Some(_) => {
                    let Reverse(due) = queue.heap.pop().expect("a due chunk");
                    drop(queue);
                    due.lane.deliver(due.chunk);
                    queue = self.queue.lock().expect("relay queue");
                }
            }
        }
    }
}
