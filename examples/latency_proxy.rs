//! A TCP relay on 127.0.0.1 that adds network latency and counts round trips (issue 5): the
//! relay of `bench/run`, built on the counting relay of the round-trip tests
//! (tests/all/support/latency_proxy.rs, which documents what it counts and why).
//!
//! ```sh
//! cargo build --release --example latency_proxy
//! target/release/examples/latency_proxy --upstream 127.0.0.1:993 [--listen-port P] \
//!     [--delay-ms 25] [--no-handshake] [--port-file F] [--report F]
//! ```
//!
//! Latency: every chunk is forwarded `--delay-ms` after it arrived, in each direction, so the
//! round-trip time is 2 × delay. The TCP handshake, which the kernel answers at once on
//! loopback, is emulated too: the relay opens its upstream connection 1.5 RTT after accepting
//! (when a server across a real link would receive the handshake's final ACK) and holds the
//! client's bytes until then. A client therefore sees the server's first byte 2 RTT after
//! connect(), as it would across a link of that RTT. `--no-handshake` turns this off.
//!
//! Counting: a *turn* is a server flight that follows a client flight while the client's side
//! is still open (the accepted connection counts as the client's first flight, so a greeting
//! the server sends unasked is a turn). Bytes the server sends after the client closed its side
//! are no turn: nobody waited for them. round_trips = 1 (TCP handshake) + turns.
//!
//! Output: the listening port on stdout (and in --port-file, written atomically), and one JSON
//! line per finished connection appended to --report: {"id", "round_trips", "turns",
//! "flights", "client_bytes", "server_bytes", "server_bytes_after_client_eof", "client_close",
//! "server_close", "accepted_at" (Unix time), "seconds" (accept to both sides closed)}. A
//! close is "fin", "idle", or the read error's text.
//!
//! CPU: blocking threads (two per connection reading, one for the whole process writing each
//! chunk when due) that sleep in between; no polling. SIGTERM or SIGINT end the process (their
//! default action); every finished connection's line is already written by then.
#![allow(dead_code, unused_imports)]

#[path = "../tests/all/support/latency_proxy.rs"]
mod latency_proxy;

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use latency_proxy::{relay_connection, Close, Connection, Options, Side};

const USAGE: &str = "usage: latency_proxy --upstream HOST:PORT [--listen-port P] [--delay-ms MS] \
                     [--no-handshake] [--port-file F] [--report F]";

struct Args {
    upstream: String,
    listen_port: u16,
    delay_ms: f64,
    handshake: bool,
    port_file: Option<String>,
    report: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        upstream: String::new(),
        listen_port: 0,
        delay_ms: 25.0,
        handshake: true,
        port_file: None,
        report: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--upstream" => args.upstream = value()?,
            "--listen-port" => {
                let v = value()?;
                args.listen_port = v.parse().map_err(|_| format!("--listen-port: {v:?}"))?;
            }
            "--delay-ms" => {
                let v = value()?;
                args.delay_ms = v
                    .parse()
                    .ok()
                    .filter(|d: &f64| d.is_finite() && *d >= 0.0)
                    .ok_or_else(|| format!("--delay-ms: {v:?}"))?;
            }
            "--no-handshake" => args.handshake = false,
            "--port-file" => args.port_file = Some(value()?),
            "--report" => args.report = Some(value()?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.upstream.is_empty() {
        return Err("--upstream HOST:PORT is required".to_owned());
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(err) => {
            if !err.is_empty() {
                eprintln!("latency_proxy: {err}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("latency_proxy: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> io::Result<()> {
    let upstream: SocketAddr = args
        .upstream
        .rsplit_once(':')
        .filter(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("expected HOST:PORT, got {:?}", args.upstream),
            )
        })
        .and_then(|_| args.upstream.to_socket_addrs())?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, args.upstream.clone()))?;
    let options = Options {
        delay: Duration::from_secs_f64(args.delay_ms / 1000.0),
        handshake: args.handshake,
        source: None,
        idle_limit: None,
        nodelay: true,
    };
    let listener = listen(args.listen_port)?;
    let port = listener.local_addr()?.port();
    if let Some(file) = &args.port_file {
        let tmp = format!("{file}.tmp");
        fs::write(&tmp, format!("{port}\n"))?;
        fs::rename(&tmp, file)?;
    }
    println!("{port}");
    io::stdout().flush()?;

    let report = Arc::new(Mutex::new(args.report));
    let next_id = AtomicU64::new(0);
    for client in listener.incoming() {
        let client = match client {
            Ok(client) => client,
            Err(err) => {
                eprintln!("latency_proxy: accept: {err}");
                continue;
            }
        };
        let id = next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let accepted = Instant::now();
        let accepted_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let options = options.clone();
        let report = Arc::clone(&report);
        let spawned = thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || match relay_connection(client, upstream, &options) {
                Ok(conn) => {
                    let line = report_line(id, &conn, accepted_at, accepted.elapsed());
                    let report = report.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(path) = report.as_deref() {
                        if let Err(err) = append(path, &line) {
                            eprintln!("latency_proxy: writing {path}: {err}");
                        }
                    }
                }
                Err(err) => eprintln!("latency_proxy: upstream {upstream}: {err}"),
            });
        if let Err(err) = spawned {
            eprintln!("latency_proxy: starting a relay thread: {err}");
        }
    }
    Ok(())
}

/// Listens on 127.0.0.1 with a backlog of 512: a burst of 50 connects must not be refused.
fn listen(port: u16) -> io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&SocketAddr::from(([127, 0, 0, 1], port)).into())?;
    socket.listen(512)?;
    Ok(socket.into())
}

fn append(path: &str, line: &str) -> io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(line.as_bytes())?;
    file.flush()
}

fn report_line(id: u64, conn: &Connection, accepted_at: f64, seconds: Duration) -> String {
    let bytes = |from: Side| -> usize {
        conn.flights
            .iter()
            .filter(|f| f.from == from)
            .map(|f| f.bytes.len())
            .sum()
    };
    let turns = conn.turns();
    let line = serde_json::json!({
        "id": id,
        "round_trips": conn.round_trips(),
        "turns": turns,
        "flights": conn.flights.len(),
        "client_bytes": bytes(Side::Client),
        "server_bytes": bytes(Side::Server),
        "server_bytes_after_client_eof": conn.server_bytes_after_client_eof(),
        "client_close": close_name(&conn.client_close),
        "server_close": close_name(&conn.server_close),
        "accepted_at": round4(accepted_at),
        "seconds": round4(seconds.as_secs_f64()),
    });
    format!("{line}\n")
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// How a side closed, for the report.
fn close_name(close: &Close) -> String {
    match close {
        Close::Fin => "fin".to_owned(),
        Close::Idle => "idle".to_owned(),
        Close::Error(text) => text.clone(),
    }
}
