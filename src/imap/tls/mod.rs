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
//!
//! Layout: this file builds the connector, runs the handshake and phrases its failures;
//! `verify` checks certificates, `roots` reads the system's trusted roots.

mod roots;
mod verify;

use std::fs;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::ring;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, ClientConnection, Error as TlsError,
    InvalidMessage, PeerIncompatible, RootCertStore, StreamOwned,
};

use super::deadline::{Deadline, DeadlineStream, Meter};
use super::error::{self as classify, Fail, Step};
use super::{ConnectOptions, FailureKind};
use roots::SystemRoots;
use verify::{is_ca_used_as_end_entity, NoRoots, SelfSigned, Unchecked, Verifier};

/// An established TLS connection.
pub(crate) type TlsStream = StreamOwned<ClientConnection, DeadlineStream>;

/// What every handshake of a probe run starts from.
#[derive(Clone)]
pub(crate) struct Connector {
    config: Arc<ClientConfig>,
}

/// The connector for `options`; a bad CA file fails before any connection is made.
///
/// The last one is kept for the next probe with the same options, so `test --all` and
/// `harvest --all` build it once, not per mailbox.
pub(crate) fn connector(options: &ConnectOptions) -> Result<Connector, Fail> {
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
pub(crate) fn prepare(options: &ConnectOptions) {
    if connector(options).is_ok() && options.ca_certs.is_empty() && !options.insecure {
        SystemRoots::Bundle.load();
    }
}

fn build(options: &ConnectOptions) -> Result<Connector, Fail> {
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

/// Runs the TLS handshake over `stream`, verifying the certificate for `host` (unless
/// insecure): SNI for names, and the name or IP address checked against the certificate.
pub(crate) fn handshake(
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

/// The system's trusted root certificates for another client of this crate that speaks TLS
/// (HTTPS to Supabase): the bundle's, or the directories' when there is no bundle; empty when
/// the system has none.
pub(crate) fn system_root_certificates() -> &'static [CertificateDer<'static>] {
    match SystemRoots::Bundle.certificates() {
        [] => SystemRoots::Dirs.certificates(),
        bundle => bundle,
    }
}

/// How the handshake failures that are not about certificates end; `outcome::hint` tells them
/// apart by these words, so they are written once, here.
pub(crate) const NOT_TLS: &str =
    "the server does not answer with TLS (a plain-text or STARTTLS port?)";
pub(crate) const TLS_TOO_OLD: &str = "the server does not support TLS 1.2 or newer";
pub(crate) const NOTHING_IN_COMMON: &str = "the server refused it (no cipher suite or key \
     exchange in common: only modern ones are offered)";

/// A TLS-level failure in words, for another client of this crate that speaks TLS (HTTPS to
/// Supabase) — the same words the probe uses.
pub(crate) fn describe(host: &str, port: u16, err: &TlsError) -> String {
    tls_failed(host, port, err).message
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
                "no trusted CA certificates found: pass --ca-cert FILE".to_owned()
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
        ) => format!("TLS handshake with {addr} failed: {TLS_TOO_OLD}"),
        // A plain-text server's first bytes ("* OK", "HTTP/1.1") are no TLS record.
        TlsError::InvalidMessage(InvalidMessage::InvalidContentType)
        | TlsError::InvalidMessage(InvalidMessage::MessageTooLarge) => {
            format!("TLS handshake with {addr} failed: {NOT_TLS}")
        }
        TlsError::AlertReceived(AlertDescription::HandshakeFailure)
        | TlsError::PeerIncompatible(_) => {
            format!("TLS handshake with {addr} failed: {NOTHING_IN_COMMON}")
        }
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
    use super::verify::SelfSigned;
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
    fn self_signed_certificates_are_named() {
        assert_eq!(
            message(TlsError::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(SelfSigned))
            ))),
            "certificate not trusted for mail.example.com (self-signed certificate)"
        );
    }

    #[test]
    fn server_text_in_errors_is_sanitized() {
        let err = TlsError::General("bad\u{1b}[31m thing\r\nnext".into());
        let text = message(err);
        assert!(!text.contains('\u{1b}') && !text.contains('\n'), "{text:?}");
    }
}
