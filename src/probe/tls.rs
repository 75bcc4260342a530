//! TLS for the probe: the connector (system roots plus `--ca-cert` files, TLS 1.2 at least, or
//! no checks at all when the user asked for `insecure`) and the handshake, with its failures
//! told apart: an unknown CA, a certificate for another name, an expired one, a server that
//! does not speak TLS (or only an old version), a timeout.
//!
//! native-tls (OpenSSL on Linux) reports certificate problems as text: "… (<verify result>)".
//! We match the verify result's well-known wording and fall back to OpenSSL's reason, sanitized.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use native_tls::{Certificate, HandshakeError, Protocol, TlsConnector, TlsStream};

use super::classify::{self, Fail, Step};
use super::deadline::{Deadline, DeadlineStream, Meter};
use super::{FailureKind, ProbeOptions};

/// The connector for `options`; a bad CA file fails before any connection is made.
///
/// Building one costs ~150 ms of CPU (OpenSSL loads the system's CA store), so the last one is
/// kept for the next probe with the same options: `test --all` builds it once, not per mailbox.
pub(super) fn connector(options: &ProbeOptions) -> Result<TlsConnector, Fail> {
    type Cached = (Vec<PathBuf>, bool, TlsConnector);
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

fn build(options: &ProbeOptions) -> Result<TlsConnector, Fail> {
    let mut builder = TlsConnector::builder();
    builder.min_protocol_version(Some(Protocol::Tlsv12));
    for path in &options.ca_certs {
        for cert in read_ca_file(path)? {
            builder.add_root_certificate(cert);
        }
    }
    if options.insecure {
        builder
            .danger_accept_invalid_certs(true)
            .danger_accept_invalid_hostnames(true);
    }
    builder.build().map_err(|err| {
        Fail::new(
            FailureKind::Tls,
            format!(
                "cannot set up TLS: {}",
                classify::sanitize(&err.to_string())
            ),
        )
    })
}

/// Every certificate in a PEM file (a bundle may hold several).
fn read_ca_file(path: &Path) -> Result<Vec<Certificate>, Fail> {
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
    let certs = Certificate::stack_from_pem(&pem).map_err(|err| {
        Fail::new(
            FailureKind::Tls,
            format!(
                "CA certificate file {shown} is not valid PEM: {}",
                openssl_reason(&err.to_string())
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

/// Runs the TLS handshake over `stream`, verifying the certificate for `host`.
pub(super) fn handshake(
    connector: &TlsConnector,
    host: &str,
    port: u16,
    stream: DeadlineStream,
    meter: &Meter,
    deadline: Deadline,
) -> Result<TlsStream<DeadlineStream>, Fail> {
    let started = std::time::Instant::now();
    match connector.connect(host, stream) {
        Ok(tls) => {
            log::debug!("probe: TLS handshake done in {:?}", started.elapsed());
            Ok(tls)
        }
        // A blocking socket only "would block" when its timeout, i.e. the deadline, expired.
        Err(HandshakeError::WouldBlock(_)) => Err(classify::timeout(
            Step::TlsHandshake,
            host,
            port,
            deadline.total(),
        )),
        Err(HandshakeError::Failure(_)) if meter.timed_out() => Err(classify::timeout(
            Step::TlsHandshake,
            host,
            port,
            deadline.total(),
        )),
        Err(HandshakeError::Failure(_)) if meter.over_budget() => Err(Fail::new(
            FailureKind::Protocol,
            "server sent more than 1 MiB during the TLS handshake; giving up",
        )),
        Err(HandshakeError::Failure(err)) => Err(handshake_failed(host, port, &err.to_string())),
    }
}

/// Phrases a failed handshake from native-tls's text.
fn handshake_failed(host: &str, port: u16, text: &str) -> Fail {
    let shown_host = classify::sanitize(host);
    let addr = classify::address(host, port);
    let lower = text.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    let message = if has(&["hostname mismatch", "ip address mismatch"]) {
        format!("certificate is for another host name than {shown_host}")
    } else if has(&["certificate has expired"]) {
        format!("certificate for {shown_host} has expired")
    } else if has(&["certificate is not yet valid"]) {
        format!("certificate for {shown_host} is not valid yet")
    } else if has(&[
        "self-signed certificate",
        "self signed certificate",
        "unable to get local issuer certificate",
        "unable to get issuer certificate",
        "unable to verify the first certificate",
        "certificate verify failed",
    ]) {
        match verify_result(text) {
            Some(reason) => format!(
                "certificate not trusted for {shown_host} ({})",
                classify::sanitize(reason)
            ),
            None => format!("certificate not trusted for {shown_host}"),
        }
    } else if has(&[
        "wrong version number",
        "packet length too long",
        "http request",
    ]) {
        format!(
            "TLS handshake with {addr} failed: the server does not answer with TLS \
             (a plain-text or STARTTLS port?)"
        )
    } else if has(&[
        "unsupported protocol",
        "protocol version",
        "no protocols available",
        "version too low",
    ]) {
        format!("TLS handshake with {addr} failed: the server does not support TLS 1.2 or newer")
    } else if has(&["unexpected eof", "connection reset", "broken pipe"]) {
        format!("TLS handshake with {addr} failed: the server closed the connection")
    } else {
        format!("TLS handshake with {addr} failed: {}", openssl_reason(text))
    };
    Fail::new(FailureKind::Tls, message)
}

/// The "(…)" native-tls appends with OpenSSL's certificate verify result, if any.
fn verify_result(text: &str) -> Option<&str> {
    let text = text.trim_end();
    let inner = text.strip_suffix(')')?;
    let open = inner.rfind(" (")?;
    Some(&inner[open + 2..])
}

/// OpenSSL's reason out of "error:0A000086:SSL routines:func:reason:file:line:…", sanitized.
fn openssl_reason(text: &str) -> String {
    let reason = text
        .find("error:")
        .and_then(|at| text[at..].split(':').nth(4))
        .filter(|reason| !reason.trim().is_empty())
        .unwrap_or(text);
    classify::sanitize(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNTRUSTED: &str = "error:0A000086:SSL routines:tls_post_process_server_certificate:\
        certificate verify failed:../ssl/statem/statem_clnt.c:1889: (self-signed certificate in certificate chain)";

    #[test]
    fn untrusted_certificates_name_the_host_and_the_reason() {
        let fail = handshake_failed("mail.example.com", 993, UNTRUSTED);
        assert_eq!(fail.kind, FailureKind::Tls);
        assert_eq!(
            fail.message,
            "certificate not trusted for mail.example.com (self-signed certificate in certificate chain)"
        );
    }

    #[test]
    fn old_protocol_and_plain_text_ports_are_told_apart() {
        let old = handshake_failed(
            "h",
            993,
            "error:0A000102:SSL routines:tls_process_server_hello:unsupported protocol:x.c:1:",
        );
        assert_eq!(
            old.message,
            "TLS handshake with h:993 failed: the server does not support TLS 1.2 or newer"
        );
        let plain = handshake_failed(
            "h",
            143,
            "error:0A00010B:SSL routines:ssl3_get_record:wrong version number:x.c:1:",
        );
        assert!(
            plain.message.contains("does not answer with TLS"),
            "{}",
            plain.message
        );
        let other = handshake_failed(
            "h",
            993,
            "error:0A000410:SSL routines:x:sslv3 alert handshake failure:y.c:2:",
        );
        assert_eq!(
            other.message,
            "TLS handshake with h:993 failed: sslv3 alert handshake failure"
        );
    }
}
