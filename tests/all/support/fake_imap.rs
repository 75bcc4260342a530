//! A small scriptable fake IMAP server, for what a real Dovecot will not do on request.
//!
//! `FakeImap::start(behaviour)` listens on 127.0.0.1 (an OS-chosen port) in a thread and serves
//! every connection with one [`Behaviour`]: never greet; greet and answer commands from a
//! [`Script`]; send raw bytes. It records every byte it received (after TLS, the decrypted
//! bytes), so a test can assert that a password was never sent, and a transcript for failure
//! messages. TLS, implicit or after `STARTTLS`, uses a self-signed certificate for `localhost`
//! and `127.0.0.1` made with rcgen; its PEM is at [`FakeImap::ca_cert`] for `--ca-cert`.
//!
//! It speaks just enough IMAP to drive a client: tagged command lines, synchronizing and
//! non-synchronizing literals, AUTHENTICATE continuations. It does not keep mailbox state.
//!
//! Growing it (the hostile-server suite): add a `Behaviour` arm — slowloris, a greeting that
//! is `* BYE`, garbage, a huge literal, a disconnect in the middle of a response — and its
//! handling in `serve`; or, for misbehaviour in answer to one command, an `Answer` arm.
//!
//! Hostile TLS (issue 4): `Tls::Trusted`, `Tls::OtherName`, `Tls::Expired` and `Tls::Tls10`
//! serve implicit TLS with OpenSSL and a leaf signed by a throw-away CA whose PEM is also in
//! [`FakeImap::ca_cert`], so a client that trusts that file fails for exactly one reason: a
//! certificate for `mail.example.net` only, one that expired in 2001, or a server that speaks
//! TLS 1.0 only (OpenSSL 3 refuses TLS 1.0 at its default security level, so that acceptor
//! uses `DEFAULT:@SECLEVEL=0`).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use tempfile::TempDir;

/// How often a connection thread wakes up to see whether the fake was dropped.
const POLL: Duration = Duration::from_millis(100);

/// What the fake does with each connection.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Accept the connection and never send a byte; read and record whatever arrives.
    NeverGreet,
    /// Accept the connection and close it at once.
    CloseAtOnce,
    /// Send these bytes as they are, then read and record until the client leaves.
    Raw(Vec<u8>),
    /// Greet, then answer each command as the script says.
    Imap(Script),
    /// Slowloris: send these bytes one at a time, one every `every`, then read until the
    /// client leaves.
    Trickle { bytes: Vec<u8>, every: Duration },
    /// Say nothing for `delay` (reading and recording what arrives), then play the script.
    GreetAfter { delay: Duration, script: Script },
}

/// A greeting and how to answer each command verb.
#[derive(Debug, Clone)]
pub struct Script {
    /// The greeting line, without CRLF, e.g. `* OK [CAPABILITY IMAP4rev1] ready`.
    pub greeting: String,
    /// Answers by command verb (upper case); the first match wins, then the defaults.
    pub answers: Vec<(String, Answer)>,
    /// Enforce LITERAL- (RFC 7888 §5): a command with a non-synchronizing literal over 4096
    /// bytes is answered `BAD [TOOBIG]`, as a conforming server must.
    pub literal_minus: bool,
    /// Refuse a LOGIN with this line (`{tag}` replaced) while more than this many connections
    /// are open at once: a server's per-account connection limit.
    pub connection_limit: Option<(usize, String)>,
}

/// The answer to one command. In lines, `{tag}` stands for the command's tag.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Send these lines (CRLF is added).
    Lines(Vec<String>),
    /// Send these lines, then close the connection.
    LinesThenClose(Vec<String>),
    /// `{tag} OK Begin TLS negotiation now`, then a TLS handshake with the fake's certificate.
    StartTls,
    /// Send these bytes (`{tag}` replaced) one at a time, one every `every`, reading what
    /// arrives meanwhile: a response trickled to keep a client waiting.
    Trickle { bytes: String, every: Duration },
    /// Send these bytes as they are (no CRLF added; `{tag}` replaced), then close the
    /// connection: a server that goes away in the middle of a response.
    CutOff(String),
}

impl Answer {
    pub fn lines<const N: usize>(lines: [&str; N]) -> Answer {
        Answer::Lines(lines.iter().map(|l| l.to_string()).collect())
    }
}

impl Script {
    /// A server that greets with `greeting` and answers only with the defaults: LOGIN and
    /// AUTHENTICATE fail, LOGOUT says BYE, anything else is BAD.
    pub fn greeting(greeting: &str) -> Script {
        Script {
            greeting: greeting.to_string(),
            answers: Vec::new(),
            literal_minus: false,
            connection_limit: None,
        }
    }

    /// Enforce LITERAL-'s 4096-byte limit on non-synchronizing literals.
    pub fn literal_minus(mut self) -> Script {
        self.literal_minus = true;
        self
    }

    /// Answer LOGIN with `line` while more than `limit` connections are open.
    pub fn connection_limit(mut self, limit: usize, line: &str) -> Script {
        self.connection_limit = Some((limit, line.to_string()));
        self
    }

    /// Answer `verb` (any case) with `answer`.
    pub fn answer(mut self, verb: &str, answer: Answer) -> Script {
        self.answers.push((verb.to_ascii_uppercase(), answer));
        self
    }

    /// A plaintext server that does not offer STARTTLS (and refuses it if asked anyway), but
    /// would gladly take a LOGIN in clear.
    pub fn without_starttls() -> Script {
        Script::greeting(
            "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN] fake IMAP without STARTTLS",
        )
        .answer(
            "CAPABILITY",
            Answer::lines([
                "* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN",
                "{tag} OK done",
            ]),
        )
        .answer(
            "STARTTLS",
            Answer::lines(["{tag} BAD STARTTLS is not supported here"]),
        )
        .answer("LOGIN", Answer::lines(["{tag} OK logged in"]))
        .answer("AUTHENTICATE", Answer::lines(["{tag} OK logged in"]))
    }

    /// A server that offers STARTTLS and, after it, accepts any LOGIN.
    pub fn with_starttls_accepting_any_login() -> Script {
        Script::greeting("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] fake IMAP ready")
            .answer(
                "CAPABILITY",
                Answer::lines(["* CAPABILITY IMAP4rev1 AUTH=PLAIN", "{tag} OK done"]),
            )
            .answer("STARTTLS", Answer::StartTls)
            .answer("LOGIN", Answer::lines(["{tag} OK logged in"]))
    }

    fn answer_for(&self, verb: &str) -> Answer {
        if let Some((_, answer)) = self.answers.iter().find(|(v, _)| v == verb) {
            return answer.clone();
        }
        match verb {
            "LOGIN" | "AUTHENTICATE" => {
                Answer::lines(["{tag} NO [AUTHENTICATIONFAILED] Authentication failed."])
            }
            "LOGOUT" => Answer::LinesThenClose(vec![
                "* BYE Logging out".into(),
                "{tag} OK Logout completed.".into(),
            ]),
            _ => Answer::lines(["{tag} BAD Unknown command."]),
        }
    }
}

/// Whether connections start in TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    None,
    Implicit,
    /// Implicit TLS (OpenSSL) with a leaf for `localhost`, `127.0.0.1` and `::1` signed by the
    /// test CA.
    Trusted,
    /// Implicit TLS with a CA-signed leaf for `mail.example.net` only.
    OtherName,
    /// Implicit TLS with a CA-signed leaf for `127.0.0.1` that expired on 2001-01-01.
    Expired,
    /// Implicit TLS 1.0 only (and nothing newer), trusted leaf.
    Tls10,
    /// Implicit TLS with a CA-signed leaf for `imap.gmail.com`: a fake Gmail, reached with
    /// `--resolve imap.gmail.com:127.0.0.1`.
    Gmail,
}

pub struct FakeImap {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
    cert_dir: TempDir,
}

struct Shared {
    stop: AtomicBool,
    connections: AtomicUsize,
    /// Connections open right now, and the most that were open at once.
    open: AtomicUsize,
    most_open: AtomicUsize,
    received: Mutex<Vec<u8>>,
    transcript: Mutex<String>,
}

impl FakeImap {
    /// A plaintext fake (STARTTLS possible if the script answers it with `Answer::StartTls`).
    pub fn start(behaviour: Behaviour) -> FakeImap {
        FakeImap::start_with(behaviour, Tls::None)
    }

    pub fn start_with(behaviour: Behaviour, tls: Tls) -> FakeImap {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the fake IMAP server");
        FakeImap::serve_on(listener, behaviour, tls)
    }

    /// The fake on the IPv6 loopback `::1` (`Tls::Trusted`'s leaf names it too); `None` where
    /// the machine has no IPv6 loopback.
    pub fn start_v6(behaviour: Behaviour, tls: Tls) -> Option<FakeImap> {
        let listener = TcpListener::bind("[::1]:0").ok()?;
        Some(FakeImap::serve_on(listener, behaviour, tls))
    }

    fn serve_on(listener: TcpListener, behaviour: Behaviour, tls: Tls) -> FakeImap {
        let addr = listener.local_addr().expect("the fake's address");
        let cert_dir = tempfile::Builder::new()
            .prefix("mbx-fake-imap-")
            .tempdir()
            .expect("a temp dir for the fake's certificate");
        // The self-signed certificate and the CA of the hostile-TLS leaves, as one bundle.
        std::fs::write(
            cert_dir.path().join("ca.pem"),
            format!("{}{}", certificate().cert_pem, pki().ca_pem),
        )
        .expect("writing the fake's certificate");
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
            most_open: AtomicUsize::new(0),
            received: Mutex::new(Vec::new()),
            transcript: Mutex::new(String::new()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    let shared = Arc::clone(&shared);
                    let behaviour = behaviour.clone();
                    std::thread::spawn(move || {
                        let open = shared.open.fetch_add(1, Ordering::SeqCst) + 1;
                        shared.most_open.fetch_max(open, Ordering::SeqCst);
                        // A client that gives up is not the fake's failure.
                        let _ = serve(stream, &behaviour, tls, &shared);
                        shared.open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            })
        };
        FakeImap {
            addr,
            shared,
            acceptor: Some(acceptor),
            cert_dir,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn port_arg(&self) -> String {
        self.port().to_string()
    }

    /// The PEM of the fake's self-signed certificate, for `--ca-cert`.
    pub fn ca_cert(&self) -> PathBuf {
        self.cert_dir.path().join("ca.pem")
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The most connections that were open at once.
    pub fn most_open(&self) -> usize {
        self.shared.most_open.load(Ordering::SeqCst)
    }

    /// Every byte received so far, over all connections.
    pub fn received(&self) -> Vec<u8> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn received_text(&self) -> String {
        String::from_utf8_lossy(&self.received()).into_owned()
    }

    /// What was said, line by line (`C:` client, `S:` server), for failure messages.
    pub fn transcript(&self) -> String {
        self.shared.transcript.lock().unwrap().clone()
    }

    /// Whether the password reached the fake in any form a client could send it in: as is,
    /// IMAP-quoted, or base64 in AUTHENTICATE PLAIN or LOGIN.
    pub fn saw_password(&self, user: &str, password: &str) -> bool {
        let received = self.received();
        let quoted = password.replace('\\', "\\\\").replace('"', "\\\"");
        let forms = [
            password.to_string(),
            quoted,
            base64(password.as_bytes()),
            base64(format!("\0{user}\0{password}").as_bytes()),
            base64(format!("{user}\0{user}\0{password}").as_bytes()),
        ];
        forms
            .iter()
            .any(|form| contains(&received, form.as_bytes()))
    }
}

impl Drop for FakeImap {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor from `accept`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

impl fmt::Display for FakeImap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "--- fake IMAP on {} ({} connections) ---",
            self.addr,
            self.connections()
        )?;
        write!(f, "{}", self.transcript())
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The fake's certificate, made once per test run.
struct Certificate {
    cert_pem: String,
    key_pem: String,
}

fn certificate() -> &'static Certificate {
    static CERT: OnceLock<Certificate> = OnceLock::new();
    CERT.get_or_init(|| {
        let rcgen::CertifiedKey { cert, key_pair } =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .expect("generating the fake's certificate");
        Certificate {
            cert_pem: cert.pem(),
            key_pem: key_pair.serialize_pem(),
        }
    })
}

/// The throw-away CA and its leaves for the hostile-TLS modes, made once per test run.
struct Pki {
    ca_pem: String,
    trusted: Certificate,
    other_name: Certificate,
    expired: Certificate,
    gmail: Certificate,
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "mailboxes fake IMAP test CA");
        let ca = ca_params.self_signed(&ca_key).expect("the test CA");
        let leaf = |names: &[&str], expired: bool| {
            let key = KeyPair::generate().expect("a leaf key");
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            let mut params = CertificateParams::new(names).expect("leaf params");
            if expired {
                params.not_before = rcgen::date_time_ymd(2000, 1, 1);
                params.not_after = rcgen::date_time_ymd(2001, 1, 1);
            }
            let cert = params.signed_by(&key, &ca, &ca_key).expect("a leaf");
            Certificate {
                cert_pem: cert.pem(),
                key_pem: key.serialize_pem(),
            }
        };
        Pki {
            ca_pem: ca.pem(),
            trusted: leaf(&["localhost", "127.0.0.1", "::1"], false),
            other_name: leaf(&["mail.example.net"], false),
            expired: leaf(&["127.0.0.1"], true),
            gmail: leaf(&["imap.gmail.com"], false),
        }
    })
}

/// An OpenSSL acceptor for one of the hostile-TLS modes.
fn openssl_acceptor(tls: Tls) -> openssl::ssl::SslAcceptor {
    use openssl::ssl::{SslAcceptor, SslMethod, SslVersion};
    let pki = pki();
    let leaf = match tls {
        Tls::OtherName => &pki.other_name,
        Tls::Expired => &pki.expired,
        Tls::Gmail => &pki.gmail,
        _ => &pki.trusted,
    };
    let mut builder =
        SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).expect("an OpenSSL acceptor");
    builder
        .set_certificate(&openssl::x509::X509::from_pem(leaf.cert_pem.as_bytes()).expect("cert"))
        .expect("set the certificate");
    builder
        .set_private_key(
            &openssl::pkey::PKey::private_key_from_pem(leaf.key_pem.as_bytes()).expect("key"),
        )
        .expect("set the key");
    if tls == Tls::Tls10 {
        // OpenSSL 3 allows TLS 1.0 only at security level 0.
        builder
            .set_cipher_list("DEFAULT:@SECLEVEL=0")
            .expect("TLS 1.0 ciphers");
        builder
            .set_min_proto_version(Some(SslVersion::TLS1))
            .expect("TLS 1.0 min");
        builder
            .set_max_proto_version(Some(SslVersion::TLS1))
            .expect("TLS 1.0 max");
    }
    builder.build()
}

fn tls_acceptor() -> native_tls::TlsAcceptor {
    let cert = certificate();
    let identity =
        native_tls::Identity::from_pkcs8(cert.cert_pem.as_bytes(), cert.key_pem.as_bytes())
            .expect("the fake's identity");
    native_tls::TlsAcceptor::new(identity).expect("a TLS acceptor")
}

/// One connection, plain or TLS, that records what it reads.
struct Conn<'a> {
    stream: Stream,
    buffer: Vec<u8>,
    shared: &'a Shared,
    /// The last command carried a non-synchronizing literal over 4096 bytes.
    big_nonsync_literal: bool,
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<native_tls::TlsStream<TcpStream>>),
    Ssl(Box<openssl::ssl::SslStream<TcpStream>>),
    Closed,
}

impl Conn<'_> {
    fn read_some(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 4096];
        loop {
            if self.shared.stop.load(Ordering::SeqCst) {
                return Err(io::Error::other("the fake was dropped"));
            }
            let result = match &mut self.stream {
                Stream::Plain(s) => s.read(&mut chunk),
                Stream::Tls(s) => s.read(&mut chunk),
                Stream::Ssl(s) => s.read(&mut chunk),
                Stream::Closed => return Ok(0),
            };
            match result {
                Ok(n) => {
                    self.shared
                        .received
                        .lock()
                        .unwrap()
                        .extend_from_slice(&chunk[..n]);
                    self.buffer.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// One read attempt of at most POLL: `Some(n)` bytes read (0 = EOF), `None` when nothing
    /// arrived in time.
    fn poll_once(&mut self) -> io::Result<Option<usize>> {
        if self.shared.stop.load(Ordering::SeqCst) {
            return Err(io::Error::other("the fake was dropped"));
        }
        let mut chunk = [0u8; 4096];
        let result = match &mut self.stream {
            Stream::Plain(s) => s.read(&mut chunk),
            Stream::Tls(s) => s.read(&mut chunk),
            Stream::Ssl(s) => s.read(&mut chunk),
            Stream::Closed => return Ok(Some(0)),
        };
        match result {
            Ok(n) => {
                self.shared
                    .received
                    .lock()
                    .unwrap()
                    .extend_from_slice(&chunk[..n]);
                self.buffer.extend_from_slice(&chunk[..n]);
                Ok(Some(n))
            }
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(None)
            }
            Err(err) => Err(err),
        }
    }

    /// One line without CRLF; `None` at EOF.
    fn read_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                let line = self.buffer[..end].to_vec();
                self.buffer.drain(..end + 2);
                return Ok(Some(line));
            }
            if self.read_some()? == 0 {
                return Ok(None);
            }
        }
    }

    fn read_exact(&mut self, n: usize) -> io::Result<Option<Vec<u8>>> {
        while self.buffer.len() < n {
            if self.read_some()? == 0 {
                return Ok(None);
            }
        }
        Ok(Some(self.buffer.drain(..n).collect()))
    }

    /// One command line with its literals inlined; `None` at EOF.
    fn read_command(&mut self) -> io::Result<Option<String>> {
        let mut command = Vec::new();
        self.big_nonsync_literal = false;
        loop {
            let Some(line) = self.read_line()? else {
                return Ok(None);
            };
            command.extend_from_slice(&line);
            match literal_size(&line) {
                Some((size, sync)) => {
                    self.big_nonsync_literal |= !sync && size > 4096;
                    if sync {
                        self.send("+ Ready for literal data")?;
                    }
                    let Some(literal) = self.read_exact(size)? else {
                        return Ok(None);
                    };
                    command.extend_from_slice(b"\r\n");
                    command.extend_from_slice(&literal);
                }
                None => {
                    let text = String::from_utf8_lossy(&command).into_owned();
                    self.note("C", &text);
                    return Ok(Some(text));
                }
            }
        }
    }

    fn send(&mut self, line: &str) -> io::Result<()> {
        self.note("S", line);
        self.write_all(format!("{line}\r\n").as_bytes())
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.stream {
            Stream::Plain(s) => s.write_all(bytes),
            Stream::Tls(s) => s.write_all(bytes),
            Stream::Ssl(s) => s.write_all(bytes),
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    fn note(&self, who: &str, line: &str) {
        let mut transcript = self.shared.transcript.lock().unwrap();
        transcript.push_str(who);
        transcript.push_str(": ");
        transcript.push_str(line.trim_end());
        transcript.push('\n');
    }

    fn start_tls(&mut self) -> io::Result<()> {
        let Stream::Plain(tcp) = std::mem::replace(&mut self.stream, Stream::Closed) else {
            return Err(io::Error::other("TLS is already active"));
        };
        // RFC 9051 §6.2.1: nothing sent before the handshake may be taken as after it.
        self.buffer.clear();
        let tls = tls_acceptor()
            .accept(tcp)
            .map_err(|err| io::Error::other(format!("TLS handshake: {err}")))?;
        self.note("S", "(TLS started)");
        self.stream = Stream::Tls(Box::new(tls));
        Ok(())
    }

    fn close(&mut self) {
        match std::mem::replace(&mut self.stream, Stream::Closed) {
            Stream::Plain(s) => {
                let _ = s.shutdown(Shutdown::Both);
            }
            Stream::Tls(mut s) => {
                let _ = s.shutdown();
            }
            Stream::Ssl(mut s) => {
                let _ = s.shutdown();
                let _ = s.get_ref().shutdown(Shutdown::Both);
            }
            Stream::Closed => {}
        }
    }

    /// Reads (and records) until the client leaves or the fake is dropped.
    fn drain(&mut self) -> io::Result<()> {
        while self.read_some()? > 0 {}
        Ok(())
    }
}

/// `{123}` (synchronizing) or `{123+}` at the end of a line.
fn literal_size(line: &[u8]) -> Option<(usize, bool)> {
    let text = std::str::from_utf8(line).ok()?;
    let inner = text.strip_suffix('}')?;
    let open = inner.rfind('{')?;
    let inner = &inner[open + 1..];
    let (digits, sync) = match inner.strip_suffix('+') {
        Some(digits) => (digits, false),
        None => (inner, true),
    };
    Some((digits.parse().ok()?, sync))
}

fn serve(tcp: TcpStream, behaviour: &Behaviour, tls: Tls, shared: &Shared) -> io::Result<()> {
    tcp.set_read_timeout(Some(POLL))?;
    tcp.set_nodelay(true)?;
    let stream = match tls {
        Tls::None => Stream::Plain(tcp),
        Tls::Implicit => {
            // The handshake needs blocking reads; the timeout is back once it is done.
            tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
            let tls = tls_acceptor()
                .accept(tcp)
                .map_err(|err| io::Error::other(format!("TLS handshake: {err}")))?;
            tls.get_ref().set_read_timeout(Some(POLL))?;
            Stream::Tls(Box::new(tls))
        }
        Tls::Trusted | Tls::OtherName | Tls::Expired | Tls::Tls10 | Tls::Gmail => {
            tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
            let tls = openssl_acceptor(tls)
                .accept(tcp)
                .map_err(|err| io::Error::other(format!("TLS handshake: {err}")))?;
            tls.get_ref().set_read_timeout(Some(POLL))?;
            Stream::Ssl(Box::new(tls))
        }
    };
    let mut conn = Conn {
        stream,
        buffer: Vec::new(),
        shared,
        big_nonsync_literal: false,
    };
    let result = match behaviour {
        Behaviour::NeverGreet => conn.drain(),
        Behaviour::CloseAtOnce => Ok(()),
        Behaviour::Raw(bytes) => {
            conn.note("S", &String::from_utf8_lossy(bytes));
            conn.write_all(bytes).and_then(|()| conn.drain())
        }
        Behaviour::Imap(script) => converse(&mut conn, script),
        Behaviour::Trickle { bytes, every } => trickle(&mut conn, bytes, *every),
        Behaviour::GreetAfter { delay, script } => {
            wait_reading(&mut conn, *delay).and_then(|()| converse(&mut conn, script))
        }
    };
    conn.close();
    result
}

/// Sends `bytes` one at a time, `every` apart, reading (and recording) what arrives meanwhile.
fn trickle(conn: &mut Conn<'_>, bytes: &[u8], every: Duration) -> io::Result<()> {
    conn.note(
        "S",
        &format!("(trickling {} bytes, one every {every:?})", bytes.len()),
    );
    for byte in bytes {
        wait_reading(conn, every)?;
        conn.write_all(&[*byte])?;
    }
    conn.drain()
}

/// Waits `delay` without answering, recording what the client sends; stops early when the
/// client leaves (an error) or the fake is dropped.
fn wait_reading(conn: &mut Conn<'_>, delay: Duration) -> io::Result<()> {
    let until = std::time::Instant::now() + delay;
    while std::time::Instant::now() < until {
        // Each poll waits at most POLL (the read timeout), so the clock is checked often.
        match conn.poll_once()? {
            Some(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            _ => continue,
        }
    }
    Ok(())
}

fn converse(conn: &mut Conn<'_>, script: &Script) -> io::Result<()> {
    conn.send(&script.greeting)?;
    while let Some(command) = conn.read_command()? {
        let mut words = command.split_whitespace();
        let tag = words.next().unwrap_or("*").to_string();
        let verb = words.next().unwrap_or_default().to_ascii_uppercase();
        if verb == "AUTHENTICATE" {
            let mechanism = words.next().unwrap_or_default().to_ascii_uppercase();
            let has_initial_response = words.next().is_some();
            let rounds = match (mechanism.as_str(), has_initial_response) {
                (_, true) => 0,
                ("LOGIN", false) => 2,
                _ => 1,
            };
            for _ in 0..rounds {
                conn.send("+ ")?;
                if conn.read_command()?.is_none() {
                    return Ok(());
                }
            }
        }
        let fill = |lines: &[String]| -> Vec<String> {
            lines.iter().map(|l| l.replace("{tag}", &tag)).collect()
        };
        if script.literal_minus && conn.big_nonsync_literal {
            conn.send(&format!(
                "{tag} BAD [TOOBIG] Non-synchronizing literal larger than 4096 bytes (LITERAL-)"
            ))?;
            continue;
        }
        if let Some((limit, line)) = &script.connection_limit {
            if verb == "LOGIN" && conn.shared.open.load(Ordering::SeqCst) > *limit {
                conn.send(&line.replace("{tag}", &tag))?;
                continue;
            }
        }
        match script.answer_for(&verb) {
            Answer::Lines(lines) => {
                for line in fill(&lines) {
                    conn.send(&line)?;
                }
            }
            Answer::LinesThenClose(lines) => {
                for line in fill(&lines) {
                    conn.send(&line)?;
                }
                return Ok(());
            }
            Answer::Trickle { bytes, every } => {
                let bytes = bytes.replace("{tag}", &tag);
                conn.note(
                    "S",
                    &format!("(trickling {} bytes, one every {every:?})", bytes.len()),
                );
                for byte in bytes.as_bytes() {
                    wait_reading(conn, every)?;
                    conn.write_all(&[*byte])?;
                }
            }
            Answer::CutOff(bytes) => {
                let bytes = bytes.replace("{tag}", &tag);
                conn.note("S", &format!("{bytes} (then closed)"));
                conn.write_all(bytes.as_bytes())?;
                return Ok(());
            }
            Answer::StartTls => {
                conn.send(&format!("{tag} OK Begin TLS negotiation now"))?;
                if let Stream::Plain(tcp) = &conn.stream {
                    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
                }
                conn.start_tls()?;
                if let Stream::Tls(tls) = &conn.stream {
                    tls.get_ref().set_read_timeout(Some(POLL))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};

    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    /// The fake answers a scripted session, inlines literals, and sees a password in any form.
    #[test]
    fn scripted_session_with_a_literal_records_the_password() {
        let fake = FakeImap::start(Behaviour::Imap(Script::without_starttls()));
        let stream = TcpStream::connect(("127.0.0.1", fake.port())).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut line = String::new();
        let mut next = |reader: &mut BufReader<TcpStream>| {
            line.clear();
            reader.read_line(&mut line).unwrap();
            line.clone()
        };
        assert!(next(&mut reader).starts_with("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN"));
        writer.write_all(b"a1 LOGIN bob {6}\r\n").unwrap();
        assert!(next(&mut reader).starts_with("+ "));
        writer.write_all(b"secret\r\n").unwrap();
        assert_eq!(next(&mut reader), "a1 OK logged in\r\n");
        writer.write_all(b"a2 LOGOUT\r\n").unwrap();
        assert_eq!(next(&mut reader), "* BYE Logging out\r\n");
        assert_eq!(next(&mut reader), "a2 OK Logout completed.\r\n");
        assert!(fake.saw_password("bob", "secret"));
        assert!(!fake.saw_password("bob", "other"));
        assert!(fake.transcript().contains("C: a1 LOGIN bob {6}\r\nsecret"));
    }
}
