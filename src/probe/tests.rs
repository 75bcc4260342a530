//! Probes against scripted fake IMAP servers on 127.0.0.1, one per test.
//!
//! Each server accepts one connection in a thread, plays its script (plain text, TLS from the
//! first byte, or STARTTLS), records every byte the client sent, and hands the transcript back
//! so a test can assert what went on the wire (and what never did). TLS certificates come from a
//! throw-away CA made with rcgen; its PEM is written to a temp file for `ca_certs`. The servers
//! use openssl directly rather than `native_tls::TlsAcceptor`, which disables TLS 1.3 (Mozilla
//! "intermediate" v4 settings): the round-trip counts must be checked for TLS 1.3 and 1.2.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::OnceLock;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use openssl::pkey::PKey;
use openssl::ssl::{SslAcceptor, SslMethod, SslStream, SslVersion};
use openssl::x509::X509;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use tempfile::NamedTempFile;

use super::classify::Fail;
use super::*;
use crate::imap::deadline::Deadline;
use crate::secret::Secret;

const USER: &str = "me@example.com";
/// A Gmail App Password with a double quote added, to exercise quoting.
const PASSWORD: &str = "abcd efgh \"ijkl\" mnop";
const QUOTED_LOGIN: &str = "LOGIN \"me@example.com\" \"abcd efgh \\\"ijkl\\\" mnop\"\r\n";

// ---------------------------------------------------------------------------------------------
// Certificates

struct Pki {
    ca_pem: String,
    /// Valid for localhost, 127.0.0.1 and imap.gmail.com.
    good: Leaf,
    /// Valid only for mail.example.net.
    other_name: Leaf,
    expired: Leaf,
    /// Self-signed for 127.0.0.1 and marked as a CA, as `openssl req -x509` makes them.
    self_signed_ca: Leaf,
}

/// A server certificate and its key, PEM.
struct Leaf {
    cert: String,
    key: String,
}

/// The TLS versions a fake server accepts.
#[derive(Debug, Clone, Copy)]
enum Version {
    Tls13,
    Tls12,
    /// TLS 1.2 with CBC cipher suites only, as servers not updated for a decade offer.
    Tls12Cbc,
    Tls10,
}

fn acceptor(leaf: &Leaf, version: Version) -> SslAcceptor {
    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    builder
        .set_certificate(&X509::from_pem(leaf.cert.as_bytes()).unwrap())
        .unwrap();
    builder
        .set_private_key(&PKey::private_key_from_pem(leaf.key.as_bytes()).unwrap())
        .unwrap();
    let (min, max) = match version {
        Version::Tls13 => (SslVersion::TLS1_3, SslVersion::TLS1_3),
        Version::Tls12 => (SslVersion::TLS1_2, SslVersion::TLS1_2),
        Version::Tls12Cbc => {
            builder
                .set_cipher_list("ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:AES128-SHA")
                .unwrap();
            (SslVersion::TLS1_2, SslVersion::TLS1_2)
        }
        Version::Tls10 => {
            builder.set_cipher_list("DEFAULT:@SECLEVEL=0").unwrap();
            (SslVersion::TLS1, SslVersion::TLS1)
        }
    };
    builder.set_min_proto_version(Some(min)).unwrap();
    builder.set_max_proto_version(Some(max)).unwrap();
    builder.build()
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "mailboxes probe test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let leaf = |names: &[&str], expired: bool| {
            let key = KeyPair::generate().unwrap();
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            let mut params = CertificateParams::new(names).unwrap();
            if expired {
                params.not_before = rcgen::date_time_ymd(2000, 1, 1);
                params.not_after = rcgen::date_time_ymd(2001, 1, 1);
            }
            let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
            Leaf {
                cert: cert.pem(),
                key: key.serialize_pem(),
            }
        };
        let self_signed_ca = {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            Leaf {
                cert: params.self_signed(&key).unwrap().pem(),
                key: key.serialize_pem(),
            }
        };
        Pki {
            self_signed_ca,
            ca_pem: ca.pem(),
            good: leaf(&["localhost", "127.0.0.1", "imap.gmail.com"], false),
            other_name: leaf(&["mail.example.net"], false),
            expired: leaf(&["127.0.0.1"], true),
        }
    })
}

fn ca_file() -> NamedTempFile {
    let mut file = NamedTempFile::new().unwrap();
    // A bundle with something else first: every certificate in the file must count.
    let unrelated = rcgen::generate_simple_self_signed(vec!["unrelated.test".to_string()])
        .unwrap()
        .cert
        .pem();
    write!(file, "{unrelated}{}", pki().ca_pem).unwrap();
    file
}

// ---------------------------------------------------------------------------------------------
// Fake servers

enum PeerStream {
    Plain(TcpStream),
    Tls(Box<SslStream<TcpStream>>),
    Gone,
}

/// The server's side of one connection: what it sends, and a record of what it received.
struct Peer {
    stream: PeerStream,
    received: Vec<u8>,
    /// How the client's data ended: `Some(true)` clean EOF (close_notify on TLS).
    clean_eof: Option<bool>,
}

impl Peer {
    fn send(&mut self, text: &str) {
        let _ = match &mut self.stream {
            PeerStream::Plain(s) => s.write_all(text.as_bytes()),
            PeerStream::Tls(s) => s.write_all(text.as_bytes()),
            PeerStream::Gone => Ok(()),
        };
    }

    fn read_byte(&mut self) -> io::Result<Option<u8>> {
        let mut byte = [0u8];
        let n = match &mut self.stream {
            PeerStream::Plain(s) => s.read(&mut byte)?,
            PeerStream::Tls(s) => s.read(&mut byte)?,
            PeerStream::Gone => 0,
        };
        if n == 0 {
            return Ok(None);
        }
        self.received.push(byte[0]);
        Ok(Some(byte[0]))
    }

    /// One line from the client (without CRLF), or `None` at EOF or error.
    fn line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        loop {
            match self.read_byte() {
                Ok(Some(b'\n')) => break,
                Ok(Some(b)) => line.push(b),
                _ => return None,
            }
        }
        Some(String::from_utf8_lossy(&line).trim_end().to_owned())
    }

    /// Reads until the client closes, recording everything.
    fn drain(&mut self) {
        loop {
            match self.read_byte() {
                Ok(Some(_)) => {}
                Ok(None) => {
                    self.clean_eof = Some(true);
                    return;
                }
                Err(_) => {
                    self.clean_eof = Some(false);
                    return;
                }
            }
        }
    }

    fn start_tls(&mut self, leaf: &Leaf, version: Version) -> bool {
        let PeerStream::Plain(tcp) = std::mem::replace(&mut self.stream, PeerStream::Gone) else {
            return false;
        };
        match acceptor(leaf, version).accept(tcp) {
            Ok(tls) => {
                self.stream = PeerStream::Tls(Box::new(tls));
                true
            }
            Err(_) => false,
        }
    }
}

struct Server {
    port: u16,
    handle: JoinHandle<Peer>,
}

impl Server {
    /// A server that runs `script` on its first connection.
    fn start(script: impl FnOnce(&mut Peer) + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = thread::spawn(move || {
            let (tcp, _) = listener.accept().unwrap();
            // Never let a broken test hang the suite.
            tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            tcp.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut peer = Peer {
                stream: PeerStream::Plain(tcp),
                received: Vec::new(),
                clean_eof: None,
            };
            script(&mut peer);
            peer
        });
        Server { port, handle }
    }

    /// A server speaking TLS 1.3 from the first byte with `leaf`, then running `script`.
    fn tls(leaf: &'static Leaf, script: impl FnOnce(&mut Peer) + Send + 'static) -> Server {
        Server::tls_version(leaf, Version::Tls13, script)
    }

    fn tls_version(
        leaf: &'static Leaf,
        version: Version,
        script: impl FnOnce(&mut Peer) + Send + 'static,
    ) -> Server {
        Server::start(move |peer| {
            if peer.start_tls(leaf, version) {
                script(peer);
            }
        })
    }

    /// What the client sent, once the server's script is over.
    fn finish(self) -> Peer {
        self.handle.join().expect("fake server panicked")
    }
}

fn transcript(peer: &Peer) -> String {
    String::from_utf8_lossy(&peer.received).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Probing

fn target(port: u16, security: Security) -> Target {
    Target {
        host: "127.0.0.1".into(),
        port,
        security,
        user: USER.into(),
        secret: Secret::new(PASSWORD),
        mechanism: Mechanism::Password,
    }
}

fn options(ca: Option<&NamedTempFile>, timeout_ms: u64) -> ConnectOptions {
    ConnectOptions {
        timeout: Duration::from_millis(timeout_ms),
        ca_certs: ca.map(|f| f.path().to_path_buf()).into_iter().collect(),
        insecure: false,
        resolve: Vec::new(),
    }
}

fn to_localhost(_host: &str, port: u16, _deadline: Deadline) -> Result<Vec<SocketAddr>, Fail> {
    Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
}

fn expect_err(result: Result<Probe, ProbeError>) -> ProbeError {
    match result {
        Ok(probe) => panic!("probe unexpectedly succeeded: {probe:?}"),
        Err(err) => {
            assert!(
                !err.message.contains(PASSWORD),
                "message leaks the password: {}",
                err.message
            );
            err
        }
    }
}

/// The server side of a successful LOGIN (after the greeting): answer, then read LOGOUT and
/// wait for the client to close.
fn accept_login(peer: &mut Peer, tag: &str) {
    peer.line();
    peer.send("* OK [ALERT] Mailbox is 95% full\r\n");
    peer.send(&format!(
        "{tag} OK [CAPABILITY IMAP4rev1 IDLE] {USER} authenticated (Success)\r\n"
    ));
    peer.drain();
}

// ---------------------------------------------------------------------------------------------
// Success paths

#[test]
fn tls_login_takes_four_round_trips_and_quotes_the_password() {
    let ca = ca_file();
    let server = Server::tls(&pki().good, |peer| {
        peer.send("* OK Gimap ready for requests from 127.0.0.1 x1y2z3\r\n");
        accept_login(peer, "a1");
    });
    let probe = probe(
        &target(server.port, Security::Tls),
        &options(Some(&ca), 5000),
    )
    .unwrap();
    let peer = server.finish();
    assert_eq!(transcript(&peer), format!("a1 {QUOTED_LOGIN}a2 LOGOUT\r\n"));
    assert_eq!(probe.round_trips, 4);
    assert_eq!(probe.alerts, ["Mailbox is 95% full"]);
    assert_eq!(
        peer.clean_eof,
        Some(true),
        "no TLS close_notify before the close"
    );
}

#[test]
fn tls_1_2_needs_no_extra_wait_for_the_greeting() {
    // TLS 1.2 has a two-round-trip handshake, but the greeting follows the server's Finished
    // without the client having to speak, so the total stays at 4.
    let ca = ca_file();
    let server = Server::tls_version(&pki().good, Version::Tls12, |peer| {
        peer.send("* OK ready\r\n");
        accept_login(peer, "a1");
    });
    let probe = probe(
        &target(server.port, Security::Tls),
        &options(Some(&ca), 5000),
    )
    .unwrap();
    let peer = server.finish();
    assert_eq!(probe.round_trips, 4);
    assert_eq!(transcript(&peer), format!("a1 {QUOTED_LOGIN}a2 LOGOUT\r\n"));
}

/// Servers whose TLS is too old: only TLS 1.0, or TLS 1.2 with CBC cipher suites only. Refused
/// before any IMAP is spoken, each with its own words.
#[test]
fn servers_with_too_old_tls_are_refused_and_named() {
    let ca = ca_file();
    for (version, why) in [
        (
            Version::Tls10,
            "the server does not support TLS 1.2 or newer",
        ),
        (
            Version::Tls12Cbc,
            "the server refused it (no cipher suite or key exchange in common: only modern ones \
             are offered)",
        ),
    ] {
        let server = Server::tls_version(&pki().good, version, |peer| {
            peer.send("* OK ready\r\n");
        });
        let err = expect_err(probe(
            &target(server.port, Security::Tls),
            &options(Some(&ca), 5000),
        ));
        let port = server.port;
        let peer = server.finish();
        assert_eq!(err.kind, FailureKind::Tls);
        assert_eq!(
            err.message,
            format!("TLS handshake with 127.0.0.1:{port} failed: {why}")
        );
        assert_eq!(transcript(&peer), "");
    }
}

#[test]
fn starttls_uses_greeting_capabilities_five_round_trips() {
    let ca = ca_file();
    let server = Server::start(|peer| {
        peer.send("* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] Dovecot ready.\r\n");
        assert_eq!(peer.line().as_deref(), Some("a1 STARTTLS"));
        peer.send("a1 OK Begin TLS negotiation now.\r\n");
        if peer.start_tls(&pki().good, Version::Tls13) {
            accept_login(peer, "a2");
        }
    });
    let probe = probe(
        &target(server.port, Security::StartTls),
        &options(Some(&ca), 5000),
    )
    .unwrap();
    let peer = server.finish();
    assert_eq!(probe.round_trips, 5);
    assert_eq!(peer.clean_eof, Some(true));
    // The plain-text part of the transcript, then what arrived over TLS.
    assert_eq!(
        transcript(&peer),
        format!("a1 STARTTLS\r\na2 {QUOTED_LOGIN}a3 LOGOUT\r\n")
    );
}

#[test]
fn starttls_asks_for_capabilities_only_when_the_greeting_has_none() {
    let ca = ca_file();
    let server = Server::start(|peer| {
        peer.send("* OK ready\r\n");
        assert_eq!(peer.line().as_deref(), Some("a1 CAPABILITY"));
        peer.send("* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n");
        assert_eq!(peer.line().as_deref(), Some("a2 STARTTLS"));
        peer.send("a2 OK go\r\n");
        if peer.start_tls(&pki().good, Version::Tls13) {
            accept_login(peer, "a3");
        }
    });
    let probe = probe(
        &target(server.port, Security::StartTls),
        &options(Some(&ca), 5000),
    )
    .unwrap();
    let peer = server.finish();
    assert_eq!(probe.round_trips, 6);
    assert!(transcript(&peer).ends_with(&format!("a3 {QUOTED_LOGIN}a4 LOGOUT\r\n")));
}

#[test]
fn non_ascii_passwords_go_as_literals() {
    let ca = ca_file();
    let server = Server::tls(&pki().good, |peer| {
        peer.send("* OK ready\r\n");
        assert_eq!(
            peer.line().as_deref(),
            Some("a1 LOGIN \"me@example.com\" {10}")
        );
        peer.send("+ go ahead\r\n");
        accept_login(peer, "a1");
    });
    let mut target = target(server.port, Security::Tls);
    target.secret = Secret::new("pässwörd");
    let probe = probe(&target, &options(Some(&ca), 5000)).unwrap();
    let peer = server.finish();
    assert_eq!(
        transcript(&peer),
        "a1 LOGIN \"me@example.com\" {10}\r\npässwörd\r\na2 LOGOUT\r\n"
    );
    assert_eq!(probe.round_trips, 5, "one more for the literal's go-ahead");
}

#[test]
fn insecure_accepts_a_certificate_for_another_name() {
    let server = Server::tls(&pki().other_name, |peer| {
        peer.send("* OK ready\r\n");
        accept_login(peer, "a1");
    });
    let mut options = options(None, 5000);
    options.insecure = true;
    probe(&target(server.port, Security::Tls), &options).unwrap();
    server.finish();
}

// ---------------------------------------------------------------------------------------------
// Refusing to leak the password

#[test]
fn starttls_missing_fails_before_login() {
    let server = Server::start(|peer| {
        peer.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] plain only\r\n");
        peer.drain();
    });
    let err = expect_err(probe(
        &target(server.port, Security::StartTls),
        &options(None, 5000),
    ));
    let peer = server.finish();
    assert_eq!(err.kind, FailureKind::Tls);
    assert_eq!(
        err.message,
        "server does not offer STARTTLS; refusing to send the password in clear"
    );
    assert_eq!(
        transcript(&peer),
        "",
        "nothing may be sent, least of all LOGIN"
    );
}

#[test]
fn starttls_missing_after_capability_fails_before_login() {
    let server = Server::start(|peer| {
        peer.send("* OK ready\r\n");
        peer.line();
        peer.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na1 OK done\r\n");
        peer.drain();
    });
    let err = expect_err(probe(
        &target(server.port, Security::StartTls),
        &options(None, 5000),
    ));
    let peer = server.finish();
    assert_eq!(err.kind, FailureKind::Tls);
    assert_eq!(transcript(&peer), "a1 CAPABILITY\r\n");
    assert!(!transcript(&peer).contains("LOGIN"));
}

#[test]
fn starttls_refused_by_the_server_fails_before_login() {
    let server = Server::start(|peer| {
        peer.send("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
        peer.line();
        peer.send("a1 NO TLS is broken today\r\n");
        peer.drain();
    });
    let err = expect_err(probe(
        &target(server.port, Security::StartTls),
        &options(None, 5000),
    ));
    let peer = server.finish();
    assert_eq!(err.kind, FailureKind::Tls);
    assert_eq!(
        err.message,
        "server refused STARTTLS (TLS is broken today); refusing to send the password in clear"
    );
    assert!(!transcript(&peer).contains("LOGIN"));
}

#[test]
fn login_disabled_on_tls_is_refused_before_login() {
    let ca = ca_file();
    let server = Server::tls(&pki().good, |peer| {
        peer.send("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=XOAUTH2] oauth only\r\n");
        peer.drain();
    });
    let err = expect_err(probe(
        &target(server.port, Security::Tls),
        &options(Some(&ca), 5000),
    ));
    let peer = server.finish();
    assert_eq!(err.kind, FailureKind::Auth);
    // It offers OAuth2, so that is what the message says it wants.
    assert_eq!(err.message, super::WANTS_OAUTH2);
    assert_eq!(transcript(&peer), "");
}

#[test]
fn line_breaks_in_the_password_are_refused_before_connecting() {
    let mut target = target(1, Security::Tls);
    target.secret = Secret::new("secret\r\na2 DELETE INBOX");
    let err = expect_err(probe(&target, &options(None, 5000)));
    assert_eq!(err.kind, FailureKind::Auth);
    assert!(err.message.contains("line break"), "{}", err.message);
}

// ---------------------------------------------------------------------------------------------
// Login rejected

fn rejected(host: &str, answer: &'static str) -> (ProbeError, Peer) {
    let ca = ca_file();
    let server = Server::tls(&pki().good, move |peer| {
        peer.send("* OK Gimap ready for requests from 127.0.0.1 x1y2z3\r\n");
        peer.line();
        peer.send(answer);
        peer.drain();
    });
    let mut target = target(server.port, Security::Tls);
    target.host = host.into();
    let err = expect_err(probe_with(&target, &options(Some(&ca), 5000), to_localhost));
    (err, server.finish())
}

#[test]
fn gmail_invalid_credentials_suggest_an_app_password() {
    let (err, peer) = rejected(
        "imap.gmail.com",
        "a1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n",
    );
    assert_eq!(err.kind, FailureKind::Auth);
    assert_eq!(
        err.message,
        "Invalid credentials (for Gmail use an App Password: myaccount.google.com/apppasswords)"
    );
    // Still a polite goodbye, without waiting for it.
    assert!(transcript(&peer).ends_with("a2 LOGOUT\r\n"));
}

#[test]
fn gmail_alerts_are_shown() {
    let (err, _) = rejected(
        "imap.gmail.com",
        "a1 NO [ALERT] Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754 (Failure)\r\n",
    );
    assert_eq!(err.kind, FailureKind::WebLoginRequired);
    assert_eq!(
        err.message,
        "login rejected: Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754"
    );
    let (err, _) = rejected(
        "imap.gmail.com",
        "a1 NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)\r\n",
    );
    assert_eq!(err.kind, FailureKind::AppPasswordRequired);
    assert_eq!(
        err.message,
        "Application-specific password required: https://support.google.com/accounts/answer/185833 \
         (for Gmail use an App Password: myaccount.google.com/apppasswords)"
    );
    let (err, _) = rejected(
        "imap.gmail.com",
        "a1 NO [ALERT] Your account is not enabled for IMAP use. Please visit your Gmail settings page and enable your account for IMAP access. (Failure)\r\n",
    );
    assert_eq!(err.kind, FailureKind::ImapDisabled);
    let (err, _) = rejected(
        "imap.gmail.com",
        "a1 NO [WEBALERT https://accounts.google.com/signin/continue?x=1] Web login required.\r\n",
    );
    assert_eq!(err.kind, FailureKind::WebLoginRequired);
    assert_eq!(
        err.message,
        "login rejected: Web login required. (sign in at https://accounts.google.com/signin/continue?x=1)"
    );
}

#[test]
fn other_servers_show_their_text_and_untagged_alerts() {
    let (err, _) = rejected(
        "localhost",
        "* NO [ALERT] Account locked for 10 minutes\r\na1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
    );
    assert_eq!(err.kind, FailureKind::Auth);
    assert_eq!(
        err.message,
        "login rejected: Authentication failed. [server alert: Account locked for 10 minutes]"
    );
}

#[test]
fn an_echoed_password_is_masked() {
    let (err, _) = rejected(
        "localhost",
        "a1 BAD Unknown argument abcd efgh \"ijkl\" mnop\r\n",
    );
    assert_eq!(err.message, "login rejected (BAD): Unknown argument ***");
}

// ---------------------------------------------------------------------------------------------
// Timeouts

fn assert_timeout(err: &ProbeError, message: &str, budget: Duration) {
    assert_eq!(err.kind, FailureKind::Timeout, "{}", err.message);
    assert_eq!(err.message, message);
    assert!(
        err.elapsed >= budget && err.elapsed < budget + Duration::from_millis(500),
        "took {:?} for a {budget:?} timeout",
        err.elapsed
    );
}

#[test]
fn a_silent_server_times_out_on_the_greeting() {
    let server = Server::start(|peer| peer.drain());
    let err = expect_err(probe(
        &target(server.port, Security::StartTls),
        &options(None, 1000),
    ));
    server.finish();
    assert_timeout(
        &err,
        "timed out waiting for the server greeting after 1 s",
        Duration::from_secs(1),
    );
}

#[test]
fn a_trickling_server_cannot_stretch_the_deadline() {
    let server = Server::start(|peer| {
        let started = Instant::now();
        peer.send("* OK");
        // One byte every 300 ms: each read succeeds, only the overall deadline can stop it.
        while started.elapsed() < Duration::from_secs(4) {
            thread::sleep(Duration::from_millis(300));
            let PeerStream::Plain(tcp) = &mut peer.stream else {
                return;
            };
            if tcp.write_all(b".").is_err() {
                return;
            }
        }
    });
    let err = expect_err(probe(
        &target(server.port, Security::StartTls),
        &options(None, 1000),
    ));
    assert_timeout(
        &err,
        "timed out waiting for the server greeting after 1 s",
        Duration::from_secs(1),
    );
    server.finish();
}

#[test]
fn a_server_that_never_answers_the_tls_hello_times_out() {
    let server = Server::start(|peer| peer.drain());
    let port = server.port;
    let err = expect_err(probe(&target(port, Security::Tls), &options(None, 1000)));
    server.finish();
    assert_timeout(
        &err,
        &format!("timed out during the TLS handshake with 127.0.0.1:{port} after 1 s"),
        Duration::from_secs(1),
    );
}

#[test]
fn a_server_that_never_answers_login_times_out() {
    let ca = ca_file();
    let server = Server::tls(&pki().good, |peer| {
        peer.send("* OK ready\r\n");
        peer.drain();
    });
    let err = expect_err(probe(
        &target(server.port, Security::Tls),
        &options(Some(&ca), 1000),
    ));
    server.finish();
    assert_timeout(
        &err,
        "timed out waiting for the LOGIN response after 1 s",
        Duration::from_secs(1),
    );
}

// ---------------------------------------------------------------------------------------------
// Broken or hostile servers

fn greeted_with(greeting: &'static str) -> ProbeError {
    let server = Server::start(move |peer| {
        peer.send(greeting);
        peer.drain();
    });
    let err = expect_err(probe(
        &target(server.port, Security::StartTls),
        &options(None, 5000),
    ));
    let peer = server.finish();
    assert_eq!(transcript(&peer), "");
    err
}

#[test]
fn a_garbage_greeting_is_a_protocol_error() {
    let err = greeted_with("SSH-2.0-OpenSSH_9.6\x1b[2J\r\n");
    assert_eq!(err.kind, FailureKind::Protocol);
    assert_eq!(
        err.message,
        "unexpected server greeting (is this an IMAP port?): SSH-2.0-OpenSSH_9.6[2J"
    );
}

#[test]
fn a_bye_greeting_shows_its_text() {
    let err = greeted_with("* BYE Too many connections from 127.0.0.1\r\n");
    // A per-IP connection limit: a refusal for now, tried again (issue 15).
    assert_eq!(err.kind, FailureKind::Limit);
    assert_eq!(
        err.message,
        "server refused the connection: Too many connections from 127.0.0.1"
    );
}

#[test]
fn a_huge_literal_fails_fast() {
    let started = Instant::now();
    let err = greeted_with("* OK {1073741824}\r\n");
    assert_eq!(err.kind, FailureKind::Protocol);
    assert_eq!(
        err.message,
        "server announced a 1073741824-byte literal in the greeting; refusing to read it"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn an_endless_line_fails_fast() {
    let server = Server::start(|peer| {
        let chunk = "x".repeat(16 * 1024);
        for _ in 0..16 {
            peer.send(&chunk);
        }
        peer.drain();
    });
    let err = expect_err(probe(
        &target(server.port, Security::StartTls),
        &options(None, 5000),
    ));
    server.finish();
    assert_eq!(err.kind, FailureKind::Protocol);
    assert_eq!(
        err.message,
        "server sent a line longer than 64 KiB in the greeting; giving up"
    );
}

#[test]
fn a_flood_of_short_lines_hits_the_read_budget() {
    let server = Server::start(|peer| {
        peer.send("* OK ready\r\n");
        peer.line();
        let line = format!("* OK {}\r\n", "x".repeat(1000));
        for _ in 0..1100 {
            peer.send(&line);
        }
        peer.drain();
    });
    let started = Instant::now();
    let err = expect_err(probe(
        &target(server.port, Security::StartTls),
        &options(None, 5000),
    ));
    server.finish();
    assert_eq!(err.kind, FailureKind::Protocol);
    assert_eq!(
        err.message,
        "server sent more than 1 MiB waiting for the CAPABILITY response; giving up"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_connection_closed_during_login_shows_the_bye() {
    let ca = ca_file();
    let server = Server::tls(&pki().good, |peer| {
        peer.send("* OK ready\r\n");
        peer.line();
        peer.send("* BYE Server shutting down\r\n");
        // Gone without a TLS close_notify, like a crashing server.
        peer.stream = PeerStream::Gone;
    });
    let err = expect_err(probe(
        &target(server.port, Security::Tls),
        &options(Some(&ca), 5000),
    ));
    server.finish();
    assert_eq!(err.kind, FailureKind::Protocol);
    assert_eq!(
        err.message,
        "server closed the connection waiting for the LOGIN response: Server shutting down"
    );
}

// ---------------------------------------------------------------------------------------------
// Certificates

fn tls_failure(leaf: &'static Leaf, ca: Option<&NamedTempFile>) -> ProbeError {
    let server = Server::tls(leaf, |peer| peer.send("* OK ready\r\n"));
    let err = expect_err(probe(
        &target(server.port, Security::Tls),
        &options(ca, 5000),
    ));
    let peer = server.finish();
    assert_eq!(transcript(&peer), "");
    err
}

#[test]
fn an_unknown_ca_is_not_trusted() {
    let err = tls_failure(&pki().good, None);
    assert_eq!(err.kind, FailureKind::Tls);
    assert_eq!(
        err.message,
        "certificate not trusted for 127.0.0.1 (its issuer is not a trusted CA)"
    );
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let ca = ca_file();
    let err = tls_failure(&pki().other_name, Some(&ca));
    assert_eq!(err.kind, FailureKind::Tls);
    assert_eq!(
        err.message,
        "certificate is for another host name than 127.0.0.1"
    );
}

#[test]
fn an_expired_certificate_is_refused() {
    let ca = ca_file();
    let err = tls_failure(&pki().expired, Some(&ca));
    assert_eq!(err.kind, FailureKind::Tls);
    assert_eq!(err.message, "certificate for 127.0.0.1 has expired");
}

#[test]
fn a_self_signed_ca_certificate_is_trusted_when_passed_itself() {
    let leaf = &pki().self_signed_ca;
    let mut pinned = NamedTempFile::new().unwrap();
    pinned.write_all(leaf.cert.as_bytes()).unwrap();
    let server = Server::tls(leaf, |peer| {
        peer.send("* OK ready\r\n");
        accept_login(peer, "a1");
    });
    let probed = probe(
        &target(server.port, Security::Tls),
        &options(Some(&pinned), 5000),
    )
    .unwrap();
    server.finish();
    assert_eq!(probed.round_trips, 4);

    // Its name must still match, and without it the certificate is not trusted.
    let server = Server::tls(leaf, |peer| peer.send("* OK ready\r\n"));
    let mut other = target(server.port, Security::Tls);
    other.host = "localhost".into();
    let err = expect_err(probe(&other, &options(Some(&pinned), 5000)));
    server.finish();
    assert_eq!(
        err.message,
        "certificate is for another host name than localhost"
    );
    let err = tls_failure(leaf, Some(&ca_file()));
    assert_eq!(err.kind, FailureKind::Tls);
    assert!(
        err.message
            .starts_with("certificate not trusted for 127.0.0.1 ("),
        "{}",
        err.message
    );
}

#[test]
fn a_plain_text_server_on_a_tls_port_is_named() {
    let server = Server::start(|peer| peer.send("* OK plain IMAP here\r\n"));
    let port = server.port;
    let err = expect_err(probe(
        &target(port, Security::Tls),
        &options(Some(&ca_file()), 5000),
    ));
    server.finish();
    assert_eq!(err.kind, FailureKind::Tls);
    assert_eq!(
        err.message,
        format!(
            "TLS handshake with 127.0.0.1:{port} failed: the server does not answer with TLS \
             (a plain-text or STARTTLS port?)"
        )
    );
}

#[test]
fn unreadable_or_empty_ca_files_are_named() {
    let mut options = options(None, 5000);
    options.ca_certs = vec!["/nonexistent/ca.pem".into()];
    let err = expect_err(probe(&target(1, Security::Tls), &options));
    assert_eq!(err.kind, FailureKind::Tls);
    assert_eq!(
        err.message,
        "cannot read CA certificate file /nonexistent/ca.pem: no such file"
    );

    let mut junk = NamedTempFile::new().unwrap();
    junk.write_all(b"not a certificate").unwrap();
    options.ca_certs = vec![junk.path().to_path_buf()];
    let err = expect_err(probe(&target(1, Security::Tls), &options));
    assert_eq!(err.kind, FailureKind::Tls);
    assert!(
        err.message.starts_with(&format!(
            "CA certificate file {} holds no PEM certificate",
            junk.path().display()
        )),
        "{}",
        err.message
    );
}

// ---------------------------------------------------------------------------------------------
// Network

#[test]
fn a_refused_connection_is_a_connect_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let err = expect_err(probe(&target(port, Security::Tls), &options(None, 5000)));
    assert_eq!(err.kind, FailureKind::Connect);
    assert_eq!(
        err.message,
        format!("could not connect to 127.0.0.1:{port}: connection refused")
    );
}

#[test]
fn an_unknown_host_is_a_dns_error() {
    let mut target = target(993, Security::Tls);
    // A name the C library refuses without asking any DNS server: tests talk to loopback only.
    target.host = "no-such-host!.example".into();
    let err = expect_err(probe(&target, &options(None, 5000)));
    assert_eq!(err.kind, FailureKind::Dns, "{}", err.message);
    assert!(
        err.message
            .starts_with("cannot resolve host 'no-such-host!.example'"),
        "{}",
        err.message
    );
}
