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

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
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
    /// The relay's address toward the server, i.e. the client address the server logged.
    pub upstream_local: SocketAddr,
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
                    let connection = relay(client, upstream, source, delay);
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

/// What a reader hands its delayed writer.
enum Chunk {
    Bytes(Vec<u8>),
    Eof,
}

/// Relays one accepted connection until both sides have closed; returns what it saw.
fn relay(client: TcpStream, upstream: SocketAddr, source: Ipv4Addr, delay: Duration) -> Connection {
    let server = connect_from(source, upstream).expect("the relay connecting to the server");
    let upstream_local = server.local_addr().expect("the relay's upstream address");
    let state = Arc::new(Mutex::new(Flow {
        // The connection is the client's first flight: a greeting answers it.
        flights: vec![Flight {
            from: Side::Client,
            bytes: Vec::new(),
            after_client_eof: false,
        }],
        client_eof: false,
    }));
    let to_server = pump(
        Side::Client,
        client.try_clone().expect("cloning the client socket"),
        server.try_clone().expect("cloning the server socket"),
        delay,
        Arc::clone(&state),
    );
    let to_client = pump(Side::Server, server, client, delay, Arc::clone(&state));
    let client_close = to_server.join().expect("the client pump");
    let server_close = to_client.join().expect("the server pump");
    let flights = std::mem::take(&mut state.lock().expect("relay state").flights);
    Connection {
        upstream_local,
        flights,
        client_close,
        server_close,
    }
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

/// Reads `from` and hands each chunk to a writer that forwards it to `to` after `delay`.
/// Returns (when joined) how `from` closed, once the writer has forwarded everything.
fn pump(
    side: Side,
    mut from: TcpStream,
    to: TcpStream,
    delay: Duration,
    state: Arc<Mutex<Flow>>,
) -> thread::JoinHandle<Close> {
    thread::spawn(move || {
        let (send, receive) = mpsc::channel::<(Instant, Chunk)>();
        let writer = thread::spawn(move || forward(receive, to));
        from.set_read_timeout(Some(IDLE_LIMIT))
            .expect("setting a read timeout");
        let mut buf = vec![0u8; 64 * 1024];
        let close = loop {
            match from.read(&mut buf) {
                Ok(0) => break Close::Fin,
                Ok(n) => {
                    // Recorded on arrival, in one order for both directions.
                    state.lock().expect("relay state").record(side, &buf[..n]);
                    let _ = send.send((Instant::now() + delay, Chunk::Bytes(buf[..n].to_vec())));
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
        let _ = send.send((Instant::now() + delay, Chunk::Eof));
        drop(send);
        let _ = writer.join();
        close
    })
}

/// Writes each chunk when it is due; on EOF (or a write error) shuts the destination's sending
/// side, so the other end sees the same FIN the relay saw.
fn forward(receive: mpsc::Receiver<(Instant, Chunk)>, mut to: TcpStream) {
    let mut broken = false;
    for (due, chunk) in receive {
        let wait = due.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            thread::sleep(wait);
        }
        match chunk {
            Chunk::Bytes(bytes) if !broken => broken = to.write_all(&bytes).is_err(),
            Chunk::Bytes(_) => {}
            Chunk::Eof => break,
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
