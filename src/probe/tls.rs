//! TLS for the probe, on rustls: the connector (the system's trusted roots plus `--ca-cert`
//! files, TLS 1.2 at least, or no checks at all when the user asked for `insecure`) and the
//! handshake, with its failures told apart: an unknown CA, a certificate for another name, an
//! expired one, a server that does not speak TLS (or only an old version), a timeout.
//!
//! rustls rather than OpenSSL (issue 5): OpenSSL 3.0 spent ~2 ms of CPU per handshake (its
//! decoders re-parse every certificate's key, and it takes locks at every step) and ~4 ms to
//! start up, more than the rest of a login on a near server; rustls with ring does a handshake
//! in a fraction of that. The price: no TLS 1.2 CBC cipher suites and no RSA key exchange,
//! which only servers that have not been updated for a decade still need.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_name, WebPkiServerVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    AlertDescription, CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct,
    Error as TlsError, InvalidMessage, PeerIncompatible, RootCertStore, SignatureScheme,
    StreamOwned,
};

use super::classify::{self, Fail, Step};
use super::deadline::{Deadline, DeadlineStream, Meter};
use super::{FailureKind, ProbeOptions};

/// An established TLS connection.
pub(super) type TlsStream = StreamOwned<ClientConnection, DeadlineStream>;

/// What every handshake of a probe run starts from.
#[derive(Clone)]
pub(super) struct Connector {
    config: Arc<ClientConfig>,
}

/// The connector for `options`; a bad CA file fails before any connection is made.
///
/// The last one is kept for the next probe with the same options, so `test --all` and
/// `harvest --all` build it once, not per mailbox.
pub(super) fn connector(options: &ProbeOptions) -> Result<Connector, Fail> {
    type Cached = (Vec<PathBuf>, bool, Connector);
    static LAST: Mutex<Option<Cached>> = Mutex::new(None);
    // Held while building, so parallel probes wait for one build instead of each doing their own.
    let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((ca_certs, insecure, connector)) = last.as_ref() {
        if *ca_certs == options.ca_certs && *insecure == options.insecure {
            return Ok(connector.clone());
        }
    }
    let connector = build(options)?;
    *last = Some((
        options.ca_certs.clone(),
        options.insecure,
        connector.clone(),
    ));
    Ok(connector)
}

/// Builds the connector for `options` and, unless `--ca-cert` or `--insecure` make them
/// unlikely to be needed, reads the system's root bundle: see [`super::prepare`].
pub(super) fn prepare(options: &ProbeOptions) {
    if connector(options).is_ok() && options.ca_certs.is_empty() && !options.insecure {
        SystemRoots::Bundle.load();
    }
}

fn build(options: &ProbeOptions) -> Result<Connector, Fail> {
    let setup = |err: TlsError| {
        Fail::new(
            FailureKind::Tls,
            format!(
                "cannot set up TLS: {}",
                classify::sanitize(&err.to_string())
            ),
        )
    };
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(setup)?;
    // Read even when insecure: a CA file the user named but we cannot read is worth saying.
    let mut files = Vec::new();
    for path in &options.ca_certs {
        files.push((path, read_ca_file(path)?));
    }
    let verifier: Arc<dyn ServerCertVerifier> = if options.insecure {
        Arc::new(Unchecked(provider))
    } else {
        let mut pinned = Vec::new();
        let mut pinned_roots = RootCertStore::empty();
        for (path, certs) in files {
            for cert in certs {
                pinned_roots.add(cert.clone()).map_err(|err| {
                    Fail::new(
                        FailureKind::Tls,
                        format!(
                            "CA certificate file {} holds a certificate that cannot be used: {}",
                            classify::sanitize(&path.display().to_string()),
                            classify::sanitize(&err.to_string())
                        ),
                    )
                })?;
                pinned.push(cert);
            }
        }
        Arc::new(Verifier::new(pinned, pinned_roots, provider))
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Connector {
        config: Arc::new(config),
    })
}

/// Where the system keeps trusted roots, as OpenSSL looks for them: one bundle file and
/// certificate directories, each read at most once per process, and only when needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SystemRoots {
    /// `$SSL_CERT_FILE`, or the distribution's bundle.
    Bundle,
    /// `$SSL_CERT_DIR` (colon-separated), or the distribution's directories. On most systems
    /// they hold the bundle's certificates again, one file each: a fallback for a root that
    /// was added to the directory alone.
    Dirs,
}

impl SystemRoots {
    fn load(self) -> &'static RootCertStore {
        static BUNDLE: OnceLock<RootCertStore> = OnceLock::new();
        static DIRS: OnceLock<RootCertStore> = OnceLock::new();
        let once = match self {
            SystemRoots::Bundle => &BUNDLE,
            SystemRoots::Dirs => &DIRS,
        };
        once.get_or_init(|| {
            let mut roots = RootCertStore::empty();
            let probed = openssl_probe::probe();
            match self {
                SystemRoots::Bundle => {
                    let file = match env::var_os("SSL_CERT_FILE") {
                        Some(file) => Some(PathBuf::from(file)),
                        None => probed.cert_file,
                    };
                    if let Some(pem) = file.and_then(|file| fs::read(file).ok()) {
                        add_pem_certs(&mut roots, &pem);
                    }
                }
                SystemRoots::Dirs => {
                    let dirs = match env::var_os("SSL_CERT_DIR") {
                        Some(dirs) => split_dirs(&dirs),
                        None => probed.cert_dir,
                    };
                    for dir in dirs {
                        let Ok(entries) = fs::read_dir(&dir) else {
                            continue;
                        };
                        for entry in entries.flatten() {
                            if let Ok(pem) = fs::read(entry.path()) {
                                add_pem_certs(&mut roots, &pem);
                            }
                        }
                    }
                }
            }
            log::debug!(
                "probe: {} trusted roots from the system's {self:?}",
                roots.len()
            );
            roots
        })
    }
}

/// `$SSL_CERT_DIR`'s directories (colon-separated, like OpenSSL reads it).
fn split_dirs(dirs: &OsString) -> Vec<PathBuf> {
    env::split_paths(dirs)
        .filter(|dir| !dir.as_os_str().is_empty())
        .collect()
}

/// Adds every certificate in `pem` that can be a trust anchor; others are skipped, as OpenSSL
/// skips what it cannot parse.
///
/// A plain table decoder rather than rustls' PEM reader: that one is constant-time, right for
/// private keys but slow, and a system bundle (~200 kB of public certificates) then cost ~8 ms,
/// a third of a whole `mailboxes test` (issue 5). This is one pass over the text.
fn add_pem_certs(roots: &mut RootCertStore, pem: &[u8]) {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    let mut certs = Vec::new();
    let mut rest = pem;
    while let Some(at) = find(rest, BEGIN) {
        rest = &rest[at + BEGIN.len()..];
        let mut der = Vec::with_capacity(rest.len().min(8192) * 3 / 4);
        if let Some(used) = decode_pem_body(rest, &mut der) {
            certs.push(CertificateDer::from(der));
            rest = &rest[used..];
        }
    }
    roots.add_parsable_certificates(certs);
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Decodes a PEM body (standard base64 over lines) into `out`, up to the `-----END` line;
/// returns how many bytes of `text` that took, or `None` for a character base64 has not.
fn decode_pem_body(text: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    const SKIP: u8 = 0xfe; // whitespace and padding
    const BAD: u8 = 0xff;
    static VALUES: [u8; 256] = {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut values = [BAD; 256];
        let mut i = 0;
        while i < 64 {
            values[alphabet[i] as usize] = i as u8;
            i += 1;
        }
        values[b'=' as usize] = SKIP;
        values[b' ' as usize] = SKIP;
        values[b'\t' as usize] = SKIP;
        values[b'\r' as usize] = SKIP;
        values[b'\n' as usize] = SKIP;
        values
    };
    let (mut bits, mut count) = (0u32, 0u32);
    for (at, &c) in text.iter().enumerate() {
        match VALUES[usize::from(c)] {
            SKIP => {}
            BAD if c == b'-' => return Some(at),
            BAD => return None,
            value => {
                bits = (bits << 6) | u32::from(value);
                count += 6;
                if count >= 8 {
                    count -= 8;
                    out.push((bits >> count) as u8);
                }
            }
        }
    }
    None
}

/// Every certificate in a PEM file (a bundle may hold several).
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, Fail> {
    let shown = classify::sanitize(&path.display().to_string());
    let pem = fs::read(path).map_err(|err| {
        Fail::new(
            FailureKind::Tls,
            format!(
                "cannot read CA certificate file {shown}: {}",
                classify::describe_io(&err)
            ),
        )
    })?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| {
            Fail::new(
                FailureKind::Tls,
                format!(
                    "CA certificate file {shown} is not valid PEM: {}",
                    classify::sanitize(&err.to_string())
                ),
            )
        })?;
    if certs.is_empty() {
        return Err(Fail::new(
            FailureKind::Tls,
            format!("CA certificate file {shown} holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")"),
        ));
    }
    Ok(certs)
}

/// The usual checks (rustls' webpki verifier), in steps and with one allowance.
///
/// Trust grows only as far as a certificate needs: the `--ca-cert` certificates alone first, so
/// a run against a private CA (a company server, CI, the benchmark) never reads the system's
/// ~150 roots, which cost more CPU than the handshake itself; then the system's bundle; then its
/// certificate directories, which OpenSSL also reads (lazily) and which rarely hold anything the
/// bundle lacks. Only an unknown issuer moves on to the next step.
///
/// The allowance: a certificate the user passed itself with `--ca-cert` is trusted even when it
/// is marked as a CA. That is what `openssl req -x509` makes, so it is how many self-hosted
/// servers' self-signed certificates look; webpki refuses a CA certificate as a server's,
/// OpenSSL-based clients accept it. Its name must still match.
#[derive(Debug)]
struct Verifier {
    provider: Arc<CryptoProvider>,
    pinned: Vec<CertificateDer<'static>>,
    /// Trusts the `--ca-cert` certificates only; `None` without any.
    pinned_only: Option<Arc<WebPkiServerVerifier>>,
    /// Each trusts the `--ca-cert` certificates and the system's roots up to that step; built
    /// at first need, `None` when that leaves no root at all.
    with_system: [OnceLock<Option<Arc<WebPkiServerVerifier>>>; 2],
}

/// The system's roots, in the order [`Verifier`] reaches for them.
const SYSTEM_STEPS: [SystemRoots; 2] = [SystemRoots::Bundle, SystemRoots::Dirs];

impl Verifier {
    fn new(
        pinned: Vec<CertificateDer<'static>>,
        pinned_roots: RootCertStore,
        provider: Arc<CryptoProvider>,
    ) -> Self {
        let pinned_only = webpki_verifier(pinned_roots, &provider);
        Verifier {
            provider,
            pinned,
            pinned_only,
            with_system: Default::default(),
        }
    }

    /// The verifier that trusts the system's roots up to step `step` of [`SYSTEM_STEPS`].
    fn with_system(&self, step: usize) -> Option<&Arc<WebPkiServerVerifier>> {
        self.with_system[step]
            .get_or_init(|| {
                let mut roots = RootCertStore::empty();
                for source in &SYSTEM_STEPS[..=step] {
                    roots.roots.extend(source.load().roots.iter().cloned());
                }
                roots.add_parsable_certificates(self.pinned.iter().cloned());
                webpki_verifier(roots, &self.provider)
            })
            .as_ref()
    }

    /// Verifies with ever more roots while the issuer is the problem.
    fn verify_stepwise(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        let steps = std::iter::once(self.pinned_only.as_ref())
            .chain((0..SYSTEM_STEPS.len()).map(|step| self.with_system(step)))
            .flatten();
        let mut verified = None;
        for verifier in steps {
            let result = verifier.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            );
            let unknown_issuer = matches!(
                result,
                Err(TlsError::InvalidCertificate(
                    CertificateError::UnknownIssuer
                ))
            );
            verified = Some(result);
            if !unknown_issuer {
                break;
            }
        }
        verified.unwrap_or_else(|| {
            Err(TlsError::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(NoRoots)),
            )))
        })
    }
}

/// A webpki verifier trusting `roots`, or `None` when there are none.
fn webpki_verifier(
    roots: RootCertStore,
    provider: &Arc<CryptoProvider>,
) -> Option<Arc<WebPkiServerVerifier>> {
    if roots.is_empty() {
        return None;
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider))
        .build()
        .ok()
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        let verified =
            self.verify_stepwise(end_entity, intermediates, server_name, ocsp_response, now);
        match verified {
            Err(TlsError::InvalidCertificate(CertificateError::Other(other)))
                if is_ca_used_as_end_entity(&other.to_string())
                    && self.pinned.iter().any(|cert| cert == end_entity) =>
            {
                verify_server_name(&ParsedCertificate::try_from(end_entity)?, server_name)?;
                Ok(ServerCertVerified::assertion())
            }
            Err(TlsError::InvalidCertificate(CertificateError::UnknownIssuer))
                if is_self_signed(end_entity) =>
            {
                Err(TlsError::InvalidCertificate(CertificateError::Other(
                    rustls::OtherError(Arc::new(SelfSigned)),
                )))
            }
            verified => verified,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Neither the system nor `--ca-cert` gave a single trusted root.
#[derive(Debug)]
struct NoRoots;

impl std::fmt::Display for NoRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no trusted CA certificates found on this system")
    }
}

impl std::error::Error for NoRoots {}

/// An untrusted certificate that names itself as its issuer: worth saying, since a private
/// server's certificate usually is one, and `--ca-cert` with that very file fixes it.
#[derive(Debug)]
struct SelfSigned;

impl std::fmt::Display for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("self-signed certificate")
    }
}

impl std::error::Error for SelfSigned {}

/// Whether the certificate's issuer and subject are the same name (byte for byte, which is
/// how a self-signed certificate repeats it).
fn is_self_signed(cert: &[u8]) -> bool {
    issuer_and_subject(cert).is_some_and(|(issuer, subject)| issuer == subject)
}

/// The issuer and subject names (DER) of an X.509 certificate, by walking its outer fields:
/// Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
/// signature, issuer, validity, subject, … }, … }.
fn issuer_and_subject(cert: &[u8]) -> Option<(&[u8], &[u8])> {
    let (certificate, _) = der_element(cert, 0x30)?;
    let (mut tbs, _) = der_element(certificate.1, 0x30)?;
    let mut fields = Vec::with_capacity(6);
    while fields.len() < 6 && !tbs.1.is_empty() {
        let ((tag, _), rest) = der_any(tbs.1)?;
        let whole = &tbs.1[..tbs.1.len() - rest.len()];
        tbs.1 = rest;
        if fields.is_empty() && tag == 0xa0 {
            continue; // the optional version
        }
        fields.push(whole);
    }
    // serialNumber, signature, issuer, validity, subject
    Some((fields.get(2)?, fields.get(4)?))
}

/// A DER element read off the front of some input: ((tag, contents), the input after it).
type Element<'a> = ((u8, &'a [u8]), &'a [u8]);

/// One DER element with the expected tag.
fn der_element(input: &[u8], tag: u8) -> Option<Element<'_>> {
    der_any(input).filter(|((found, _), _)| *found == tag)
}

/// One DER element. Definite lengths only, as DER requires.
fn der_any(input: &[u8]) -> Option<Element<'_>> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b));
        (len, &rest[count..])
    };
    (rest.len() >= len).then(|| ((tag, &rest[..len]), &rest[len..]))
}

/// webpki's words (its error's Debug) for a CA certificate presented as a server's.
fn is_ca_used_as_end_entity(error: &str) -> bool {
    error.contains("CaUsedAsEndEntity")
}

/// `--insecure`: no checks at all, as the user asked.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Runs the TLS handshake over `stream`, verifying the certificate for `host` (unless
/// insecure): SNI for names, and the name or IP address checked against the certificate.
pub(super) fn handshake(
    connector: &Connector,
    host: &str,
    port: u16,
    mut stream: DeadlineStream,
    meter: &Meter,
    deadline: Deadline,
) -> Result<TlsStream, Fail> {
    let started = std::time::Instant::now();
    let name = match host.parse::<IpAddr>() {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => ServerName::try_from(host.to_owned()).map_err(|_| {
            Fail::new(
                FailureKind::Tls,
                format!(
                    "cannot set up TLS for {}: not a valid host name for a certificate",
                    classify::address(host, port)
                ),
            )
        })?,
    };
    let mut tls = ClientConnection::new(Arc::clone(&connector.config), name).map_err(|err| {
        Fail::new(
            FailureKind::Tls,
            format!(
                "cannot set up TLS for {}: {}",
                classify::address(host, port),
                classify::sanitize(&err.to_string())
            ),
        )
    })?;
    while tls.is_handshaking() {
        match tls.complete_io(&mut stream) {
            // No progress and no error: the server closed the connection.
            Ok((0, 0)) => {
                let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
                return Err(handshake_failed(host, port, &eof, meter, deadline));
            }
            Ok(_) => {}
            Err(err) => return Err(handshake_failed(host, port, &err, meter, deadline)),
        }
    }
    log::debug!("probe: TLS handshake done in {:?}", started.elapsed());
    Ok(StreamOwned::new(tls, stream))
}

/// Phrases a failed handshake: the meter's flags first (the deadline and the read budget
/// surface as I/O errors from under the TLS layer), then rustls' error, then the socket's.
fn handshake_failed(
    host: &str,
    port: u16,
    err: &io::Error,
    meter: &Meter,
    deadline: Deadline,
) -> Fail {
    if meter.timed_out()
        || matches!(
            err.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        )
    {
        return classify::timeout(Step::TlsHandshake, host, port, deadline.total());
    }
    if meter.over_budget() {
        return Fail::new(
            FailureKind::Protocol,
            "server sent more than 1 MiB during the TLS handshake; giving up",
        );
    }
    let addr = classify::address(host, port);
    let failed = |why: &str| {
        Fail::new(
            FailureKind::Tls,
            format!("TLS handshake with {addr} failed: {why}"),
        )
    };
    match err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<TlsError>())
    {
        Some(tls) => tls_failed(host, port, tls),
        None => match err.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => failed("the server closed the connection"),
            _ => failed(&classify::describe_io(err)),
        },
    }
}

/// Phrases a TLS-level failure for a person.
fn tls_failed(host: &str, port: u16, err: &TlsError) -> Fail {
    let shown_host = classify::sanitize(host);
    let addr = classify::address(host, port);
    let not_trusted = |why: &str| format!("certificate not trusted for {shown_host} ({why})");
    let message = match err {
        TlsError::InvalidCertificate(cert) => match cert {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!("certificate is for another host name than {shown_host}")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                format!("certificate for {shown_host} has expired")
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                format!("certificate for {shown_host} is not valid yet")
            }
            CertificateError::UnknownIssuer => not_trusted("its issuer is not a trusted CA"),
            CertificateError::BadSignature => not_trusted("bad signature"),
            CertificateError::Revoked => not_trusted("revoked"),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                not_trusted("not issued for a server")
            }
            CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                not_trusted("signed with an algorithm too weak or unknown")
            }
            CertificateError::BadEncoding => not_trusted("malformed certificate"),
            CertificateError::Other(other) if other.0.is::<NoRoots>() => {
                "no trusted CA certificates found on this system; install them (e.g. apt-get                  install ca-certificates), or pass --ca-cert FILE"
                    .to_owned()
            }
            CertificateError::Other(other) if other.0.is::<SelfSigned>() => {
                not_trusted("self-signed certificate")
            }
            CertificateError::Other(other) if is_ca_used_as_end_entity(&other.to_string()) => {
                not_trusted(
                    "a CA certificate used as the server's; pass exactly this certificate with                      --ca-cert to trust it",
                )
            }
            other => not_trusted(&classify::sanitize(&other.to_string())),
        },
        TlsError::AlertReceived(AlertDescription::ProtocolVersion)
        | TlsError::PeerIncompatible(
            PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled
            | PeerIncompatible::SupportedVersionsExtensionRequired,
        ) => format!("TLS handshake with {addr} failed: the server does not support TLS 1.2 or newer"),
        // A plain-text server's first bytes ("* OK", "HTTP/1.1") are no TLS record.
        TlsError::InvalidMessage(InvalidMessage::InvalidContentType)
        | TlsError::InvalidMessage(InvalidMessage::MessageTooLarge) => format!(
            "TLS handshake with {addr} failed: the server does not answer with TLS \
             (a plain-text or STARTTLS port?)"
        ),
        TlsError::AlertReceived(AlertDescription::HandshakeFailure)
        | TlsError::PeerIncompatible(_) => format!(
            "TLS handshake with {addr} failed: the server refused it (no cipher suite or key \
             exchange in common: only modern ones are offered)"
        ),
        TlsError::AlertReceived(alert) => format!(
            "TLS handshake with {addr} failed: the server sent the alert \"{}\"",
            words(&format!("{alert:?}"))
        ),
        other => format!(
            "TLS handshake with {addr} failed: {}",
            classify::sanitize(&other.to_string())
        ),
    };
    Fail::new(FailureKind::Tls, message)
}

/// "HandshakeFailure" → "handshake failure".
fn words(camel: &str) -> String {
    let mut out = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(err: TlsError) -> String {
        tls_failed("mail.example.com", 993, &err).message
    }

    #[test]
    fn certificate_problems_name_the_host_and_the_reason() {
        assert_eq!(
            message(TlsError::InvalidCertificate(
                CertificateError::UnknownIssuer
            )),
            "certificate not trusted for mail.example.com (its issuer is not a trusted CA)"
        );
        assert_eq!(
            message(TlsError::InvalidCertificate(
                CertificateError::NotValidForName
            )),
            "certificate is for another host name than mail.example.com"
        );
        assert_eq!(
            message(TlsError::InvalidCertificate(CertificateError::Expired)),
            "certificate for mail.example.com has expired"
        );
        assert_eq!(
            message(TlsError::InvalidCertificate(CertificateError::Revoked)),
            "certificate not trusted for mail.example.com (revoked)"
        );
    }

    #[test]
    fn old_protocols_plain_text_ports_and_alerts_are_told_apart() {
        let old = "TLS handshake with mail.example.com:993 failed: the server does not support \
                   TLS 1.2 or newer";
        assert_eq!(
            message(TlsError::AlertReceived(AlertDescription::ProtocolVersion)),
            old
        );
        assert_eq!(
            message(TlsError::PeerIncompatible(
                PeerIncompatible::ServerDoesNotSupportTls12Or13
            )),
            old
        );
        assert!(
            message(TlsError::InvalidMessage(InvalidMessage::InvalidContentType))
                .ends_with("the server does not answer with TLS (a plain-text or STARTTLS port?)")
        );
        assert!(
            message(TlsError::AlertReceived(AlertDescription::HandshakeFailure))
                .contains("no cipher suite or key exchange in common")
        );
        assert_eq!(
            message(TlsError::AlertReceived(AlertDescription::InternalError)),
            "TLS handshake with mail.example.com:993 failed: the server sent the alert \
             \"internal error\""
        );
    }

    #[test]
    fn self_signed_certificates_are_recognized() {
        let der = |pem: &str| CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "a test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["mail.example.com".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &ca, &ca_key)
            .unwrap();
        assert!(is_self_signed(&der(&ca.pem())));
        assert!(!is_self_signed(&der(&leaf.pem())));
        let whole = der(&leaf.pem());
        for cut in [0, 1, 10, whole.len() / 2, whole.len() - 1] {
            assert!(!is_self_signed(&whole[..cut]), "cut at {cut}");
        }
        assert_eq!(
            message(TlsError::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(SelfSigned))
            ))),
            "certificate not trusted for mail.example.com (self-signed certificate)"
        );
    }

    #[test]
    fn pem_bundles_decode_like_the_base64_crate() {
        use base64::Engine as _;
        for len in [0usize, 1, 2, 3, 4, 5, 63, 64, 65, 1000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
            let text = base64::engine::general_purpose::STANDARD.encode(&data);
            let lines: Vec<&str> = text
                .as_bytes()
                .chunks(64)
                .map(|line| std::str::from_utf8(line).unwrap())
                .collect();
            let body = format!("\r\n{}\r\n-----END CERTIFICATE-----\n", lines.join("\r\n"));
            let mut out = Vec::new();
            let used = decode_pem_body(body.as_bytes(), &mut out).unwrap();
            assert_eq!(out, data, "len {len}");
            assert!(body[used..].starts_with("-----END"), "len {len}");
        }
        assert_eq!(decode_pem_body(b"QUJD!-----END", &mut Vec::new()), None);
        assert_eq!(decode_pem_body(b"QUJD", &mut Vec::new()), None);

        // A bundle with comments between certificates, as some distributions ship it.
        let cert = |name: &str| {
            let key = rcgen::KeyPair::generate().unwrap();
            let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, name);
            params.self_signed(&key).unwrap().pem()
        };
        let bundle = format!(
            "# Root one\n{}\n# Root two\n{}# a broken one\n-----BEGIN CERTIFICATE-----\n\
             not*base64\n-----END CERTIFICATE-----\n{}",
            cert("one"),
            cert("two"),
            cert("three")
        );
        let mut roots = RootCertStore::empty();
        add_pem_certs(&mut roots, bundle.as_bytes());
        assert_eq!(roots.len(), 3);
    }

    /// The DER walk and the PEM decoder read system files and servers' certificates: no input
    /// may make them panic, loop or read out of bounds.
    #[test]
    fn certificate_parsers_take_any_bytes() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let mut runner = TestRunner::new(Config {
            cases: 300,
            ..Config::default()
        });
        let der_like = prop::collection::vec(
            prop_oneof![
                Just(0x30u8),
                Just(0x82),
                Just(0xa0),
                Just(0x02),
                any::<u8>()
            ],
            0..300,
        );
        runner
            .run(&der_like, |bytes| {
                let _ = is_self_signed(&bytes);
                Ok(())
            })
            .unwrap();
        let pem_like = prop::collection::vec(
            prop_oneof![
                Just("-----BEGIN CERTIFICATE-----\n".to_owned()),
                Just("-----END CERTIFICATE-----\n".to_owned()),
                Just("MIIB\n".to_owned()),
                Just("==\r\n".to_owned()),
                "[ -~]{0,20}",
            ],
            0..20,
        );
        runner
            .run(&pem_like, |parts| {
                let mut roots = RootCertStore::empty();
                add_pem_certs(&mut roots, parts.concat().as_bytes());
                prop_assert!(roots.is_empty());
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn server_text_in_errors_is_sanitized() {
        let err = TlsError::General("bad\u{1b}[31m thing\r\nnext".into());
        let text = message(err);
        assert!(!text.contains('\u{1b}') && !text.contains('\n'), "{text:?}");
    }
}
