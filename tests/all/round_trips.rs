//! Round trips of `mailboxes test` (issue 5), counted without timing: a counting relay
//! (`support::latency_proxy`) sits between the binary and the real test Dovecot and records
//! the order of bytes in each direction.
//!
//! The count is end-to-end round trips as the issue defines them: 1 for the TCP handshake, plus
//! one per *turn* — the client sent something (or just connected) and the server's next bytes
//! came back while the client was still listening. Bytes answering what the client sent right
//! before closing (LOGOUT written without waiting) are no turn. Targets: implicit TLS ≤ 4
//! (TCP, TLS 1.3, greeting, LOGIN), STARTTLS ≤ 6. One needless command (a CAPABILITY the
//! greeting made redundant, waiting for LOGOUT's answer) adds a turn and fails these tests, as
//! `the_relay_counts_every_answer_the_client_waits_for` shows with a hand-driven IMAP client.
//!
//! The clean close is checked where it is visible: the client's last flight (sent after the
//! last answer it waited for) holds at least two TLS records — LOGOUT and close_notify; the
//! relay cannot read them, only count them — and ends with a FIN, not a reset; and Dovecot
//! logs that very session (matched by the relay's private source address) as "Logged out",
//! which it writes only for a LOGOUT command, not for a dropped connection or an idle timeout.
//!
//! The Supabase store goes through the same relay, in plain HTTP: `list` with a valid stored
//! token is one request, and a command's requests share one connection (issue 5).

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::support::dovecot::{Dovecot, ALICE};
use crate::support::env::{Cli, FreshEnv, Run};
use crate::support::latency_proxy::{tls_records, Close, Connection, LatencyProxy, Side};
use crate::support::supabase::{self, Migration};

const IMPLICIT_TLS_MAX: u32 = 4;
const STARTTLS_MAX: u32 = 6;

fn dovecot() -> &'static Dovecot {
    Dovecot::shared()
}

fn upstream(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// `mailboxes test --json` of alice through `proxy`, ad hoc (no store).
fn probe_through(proxy: &LatencyProxy, security: &str) -> Run {
    let mut env = FreshEnv::new();
    let password = env.secret(ALICE.password);
    env.env("MBX_PASSWORD", password);
    let run = env.run(&[
        "test",
        "--host",
        "127.0.0.1",
        "--port",
        &proxy.port_arg(),
        security,
        "--user",
        ALICE.name,
        "--password-env",
        "MBX_PASSWORD",
        "--ca-cert",
        &dovecot().ca_cert_arg(),
        "--json",
    ]);
    run.ok();
    run
}

/// The `round_trips` the probe reported about itself.
fn reported_round_trips(run: &Run) -> u64 {
    let json = run.json();
    let report = &json[0];
    assert_eq!(report["ok"], true, "the probe failed\n{run}");
    report["round_trips"]
        .as_u64()
        .unwrap_or_else(|| panic!("no round_trips in the report\n{run}"))
}

/// Asserts the client logged out without waiting and closed cleanly; see the module doc.
#[track_caller]
fn assert_clean_logout(conn: &Connection, proxy: &LatencyProxy, run: &Run) {
    let flow = conn.describe();
    assert_eq!(
        conn.client_close,
        Close::Fin,
        "the client did not close with a FIN\n{flow}\n{run}"
    );
    let last = conn.unanswered_client_flight().unwrap_or_else(|| {
        panic!(
            "the client waited for an answer to everything it sent (LOGOUT's too)\n{flow}\n{run}"
        )
    });
    let records = tls_records(&last.bytes).unwrap_or_else(|| {
        panic!("the client's last flight is not whole TLS records\n{flow}\n{run}")
    });
    assert!(
        records.len() >= 2,
        "expected LOGOUT and close_notify (2 TLS records) after the last answer, got {records:?}\n{flow}\n{run}"
    );
    assert_eq!(
        conn.server_close,
        Close::Fin,
        "the server did not close its side\n{flow}\n{run}"
    );
    let end = dovecot_session_end(proxy);
    assert!(
        end.starts_with("Logged out"),
        "Dovecot ended the session with {end:?}, not \"Logged out\" (no LOGOUT received)\n{flow}\n{run}"
    );
}

/// How Dovecot logged the end of the one session that came from `proxy`'s source address, e.g.
/// "Logged out in=9 out=470 ...". Dovecot's log process writes asynchronously: waits for it.
fn dovecot_session_end(proxy: &LatencyProxy) -> String {
    let rip = format!("rip={},", proxy.source());
    let log_path = &dovecot().log;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = fs::read_to_string(log_path).unwrap_or_default();
        let session = log
            .lines()
            .filter(|line| line.contains("imap-login: Info: Login: ") && line.contains(&rip))
            .find_map(|line| {
                let start = line.find("session=<")? + "session=<".len();
                let len = line[start..].find('>')?;
                Some(line[start..start + len].to_owned())
            });
        if let Some(session) = session {
            let marker = format!("<{session}>: Info: Disconnected: ");
            if let Some(end) = log.lines().find_map(|line| {
                line.find(&marker)
                    .map(|at| line[at + marker.len()..].to_owned())
            }) {
                return end;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no Login and Disconnected lines for {rip} in {} within 10 s:\n{}",
            log_path.display(),
            dovecot().log_tail(20)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn implicit_tls_probe_takes_at_most_four_round_trips_and_logs_out_without_waiting() {
    let proxy = LatencyProxy::start(upstream(dovecot().imaps_port));
    let run = probe_through(&proxy, "--tls");
    let conn = proxy.only_connection();
    let flow = conn.describe();
    assert!(
        conn.round_trips() <= IMPLICIT_TLS_MAX,
        "implicit TLS took {} round trips, the target is {IMPLICIT_TLS_MAX}\n{flow}\n{run}",
        conn.round_trips()
    );
    assert_eq!(
        reported_round_trips(&run),
        u64::from(conn.round_trips()),
        "the probe's own round_trips differs from what the relay counted\n{flow}\n{run}"
    );
    assert_clean_logout(&conn, &proxy, &run);
}

#[test]
fn starttls_probe_takes_at_most_six_round_trips_and_logs_out_without_waiting() {
    let proxy = LatencyProxy::start(upstream(dovecot().imap_port));
    let run = probe_through(&proxy, "--starttls");
    let conn = proxy.only_connection();
    let flow = conn.describe();
    assert!(
        conn.round_trips() <= STARTTLS_MAX,
        "STARTTLS took {} round trips, the target is {STARTTLS_MAX}\n{flow}\n{run}",
        conn.round_trips()
    );
    // The greeting is plain text: the relay sees it, and what came before TLS.
    assert!(
        conn.flights[1].from == Side::Server && conn.flights[1].bytes.starts_with(b"* OK"),
        "expected the plain greeting first\n{flow}\n{run}"
    );
    assert_eq!(
        reported_round_trips(&run),
        u64::from(conn.round_trips()),
        "the probe's own round_trips differs from what the relay counted\n{flow}\n{run}"
    );
    assert_clean_logout(&conn, &proxy, &run);
}

/// A hand-driven plain IMAP client through the relay: it reads until the tagged answer.
struct PlainClient {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl PlainClient {
    fn connect(proxy: &LatencyProxy) -> PlainClient {
        let stream =
            TcpStream::connect(("127.0.0.1", proxy.port())).expect("connecting to the relay");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("setting a read timeout");
        let writer = stream.try_clone().expect("cloning the socket");
        let mut client = PlainClient {
            reader: BufReader::new(stream),
            writer,
        };
        let greeting = client.line();
        assert!(greeting.starts_with("* OK"), "greeting: {greeting:?}");
        client
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader
            .read_line(&mut line)
            .expect("reading from the relay");
        assert!(!line.is_empty(), "the server closed the connection");
        line
    }

    fn send(&mut self, command: &str) {
        self.writer
            .write_all(command.as_bytes())
            .expect("writing to the relay");
    }

    /// Sends a command and waits for its tagged answer.
    fn command(&mut self, tag: &str, command: &str) -> String {
        self.send(&format!("{tag} {command}\r\n"));
        loop {
            let line = self.line();
            if line.starts_with(&format!("{tag} ")) {
                return line;
            }
        }
    }
}

/// The counter itself: each answer a client waits for is one turn, an answer nobody waited
/// for is none. So a probe that sent a redundant CAPABILITY, or waited for LOGOUT's answer,
/// would count one more round trip and fail the tests above.
#[test]
fn the_relay_counts_every_answer_the_client_waits_for() {
    let login = format!("LOGIN {} \"{}\"", ALICE.name, ALICE.password);

    // Waits for everything: greeting, CAPABILITY, LOGIN, LOGOUT = 4 turns + TCP.
    let chatty = LatencyProxy::start(upstream(dovecot().imap_port));
    let mut client = PlainClient::connect(&chatty);
    assert!(client.command("a1", "CAPABILITY").starts_with("a1 OK"));
    assert!(client.command("a2", &login).starts_with("a2 OK"));
    assert!(client.command("a3", "LOGOUT").starts_with("a3 OK"));
    client.writer.shutdown(Shutdown::Both).expect("closing");
    let conn = chatty.only_connection();
    assert_eq!(conn.turns(), 4, "{}", conn.describe());
    assert_eq!(conn.round_trips(), 5, "{}", conn.describe());
    assert!(
        conn.unanswered_client_flight().is_none(),
        "{}",
        conn.describe()
    );

    // Greeting, LOGIN, then LOGOUT written right before closing = 2 turns + TCP.
    let brief = LatencyProxy::start(upstream(dovecot().imap_port));
    let mut client = PlainClient::connect(&brief);
    assert!(client.command("a1", &login).starts_with("a1 OK"));
    client.send("a2 LOGOUT\r\n");
    client.writer.shutdown(Shutdown::Write).expect("closing");
    let conn = brief.only_connection();
    assert_eq!(conn.turns(), 2, "{}", conn.describe());
    assert_eq!(conn.round_trips(), 3, "{}", conn.describe());
    let last = conn
        .unanswered_client_flight()
        .unwrap_or_else(|| panic!("LOGOUT was not the last flight\n{}", conn.describe()));
    assert_eq!(last.bytes, b"a2 LOGOUT\r\n", "{}", conn.describe());
    assert!(
        conn.server_bytes_after_client_eof() > 0,
        "Dovecot answers LOGOUT (BYE, OK) even though nobody waits\n{}",
        conn.describe()
    );
    assert!(dovecot_session_end(&brief).starts_with("Logged out"));
}

/// HTTP requests on a relayed connection: client flights that start with a method (the client
/// waits for each response before the next request, so each request is its own flight).
fn http_requests(conn: &Connection) -> Vec<String> {
    conn.flights
        .iter()
        .filter(|f| f.from == Side::Client && !f.bytes.is_empty())
        .filter_map(|f| {
            let head = String::from_utf8_lossy(&f.bytes[..f.bytes.len().min(200)]).into_owned();
            let line = head.lines().next()?.to_owned();
            ["GET ", "POST ", "PATCH ", "PUT ", "DELETE ", "HEAD "]
                .iter()
                .any(|m| line.starts_with(m))
                .then_some(line)
        })
        .collect()
}

/// The connections `run` made through `proxy` (which had seen `before`), once all have closed.
fn connections_of(proxy: &LatencyProxy, before: usize, run: impl FnOnce()) -> Vec<Connection> {
    run();
    let accepted = proxy.accepted();
    let all = proxy.connections(accepted, Duration::from_secs(20));
    all[before..accepted].to_vec()
}

/// `list` on the Supabase store with a valid token: one HTTP request on one connection; and
/// a command that makes several requests (`add`: the list read, then the write) keeps one
/// connection for all of them. `bench/run` reports the `list` line this prints.
#[test]
fn supabase_list_is_one_request_and_a_command_uses_one_connection() {
    let stack = supabase::shared(Migration::Installed);
    let gateway: SocketAddr = stack
        .url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap_or_else(|err| panic!("the gateway URL {}: {err}", stack.url()));
    let proxy = LatencyProxy::start(gateway);
    let url = format!("http://127.0.0.1:{}", proxy.port());
    let email = format!("round-trips-{}@example.test", Uuid::new_v4().simple());
    let mut env = FreshEnv::new();
    let password = env.secret(&format!("pw-{}", Uuid::new_v4().simple()));
    stack.create_user(&email, &password);

    let login = connections_of(&proxy, 0, || {
        env.login(&url, stack.anon_key(), &email, &password).ok();
    });
    let mut seen = login.len();
    let add = connections_of(&proxy, seen, || {
        env.run_stdin(
            &Cli::add("Counted", "127.0.0.1", "someone")
                .port("9")
                .tls()
                .args(["--password-stdin"])
                .strs(),
            "imap-secret-password\n",
        )
        .ok();
    });
    seen += add.len();
    let list = connections_of(&proxy, seen, || {
        let run = env.run(&["list", "--json"]);
        run.ok();
        assert_eq!(run.json().as_array().map(Vec::len), Some(1), "{run}");
    });
    let describe = |conns: &[Connection]| {
        conns
            .iter()
            .map(|c| format!("{:?}", http_requests(c)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        login.len(),
        1,
        "login used {} connections:\n{}",
        login.len(),
        describe(&login)
    );
    assert_eq!(
        add.len(),
        1,
        "add used {} connections:\n{}",
        add.len(),
        describe(&add)
    );
    assert!(
        http_requests(&add[0]).len() >= 2,
        "add made fewer requests than expected:\n{}",
        describe(&add)
    );
    assert_eq!(
        list.len(),
        1,
        "list used {} connections:\n{}",
        list.len(),
        describe(&list)
    );
    let requests = http_requests(&list[0]);
    assert_eq!(
        requests.len(),
        1,
        "list made {} requests:\n{requests:#?}",
        requests.len()
    );
    println!(
        "BENCH list --store supabase: {} HTTP request over {} connection ({} round trips incl. TCP); \
         add: {} HTTP requests over {} connection",
        requests.len(),
        list.len(),
        list[0].round_trips(),
        http_requests(&add[0]).len(),
        add.len()
    );
}
