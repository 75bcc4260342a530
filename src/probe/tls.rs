//! TLS for the probe: the connector (system roots plus `--ca-cert` files, TLS 1.2 at least, or
//! no checks at all when the user asked for `insecure`) and the handshake, with its failures
//! told apart: an unknown CA, a certificate for another name, an expired one, a server that
//! does not speak TLS (or only an old version), a timeout.
//!
//! OpenSSL reports certificate problems as text, to which we append its verify result:
//! "… (<verify result>)". We match the verify result's well-known wording and fall back to
//! OpenSSL's reason, sanitized.

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use openssl::error::ErrorStack;
use openssl::ssl::{
    HandshakeError, Ssl, SslContext, SslContextBuilder, SslFiletype, SslMethod, SslMode,
    SslOptions, SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::store::X509Lookup;
use openssl::x509::verify::X509CheckFlags;
use openssl::x509::{X509VerifyResult, X509};

use super::classify::{self, Fail, Step};
use super::deadline::{Deadline, DeadlineStream, Meter};
use super::{FailureKind, ProbeOptions};

/// An established TLS connection.
pub(super) type TlsStream = SslStream<DeadlineStream>;

/// What every handshake of a probe run starts from.
#[derive(Clone)]
pub(super) struct Connector {
    context: SslContext,
    insecure: bool,
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

// OpenSSL is driven directly rather than through native-tls: native-tls (like OpenSSL's
// default paths) parses the whole system CA bundle up front — twice — which cost ~100 ms of
// CPU per run, more than the whole login on a near server (issue 5). Here the system roots are
// looked up lazily in OpenSSL's hashed directory, one certificate file per handshake.
fn build(options: &ProbeOptions) -> Result<Connector, Fail> {
    let setup = |err: ErrorStack| {
        Fail::new(
            FailureKind::Tls,
            format!("cannot set up TLS: {}", openssl_reason(&err.to_string())),
        )
    };
    let mut context = SslContextBuilder::new(SslMethod::tls_client()).map_err(setup)?;
    // What openssl's SslConnector sets up, minus its eager `set_default_verify_paths`.
    context.set_options(SslOptions::ALL | SslOptions::NO_COMPRESSION);
    context.set_mode(
        SslMode::AUTO_RETRY | SslMode::ACCEPT_MOVING_WRITE_BUFFER | SslMode::ENABLE_PARTIAL_WRITE,
    );
    context
        .set_cipher_list("DEFAULT:!aNULL:!eNULL:!MD5:!3DES:!DES:!RC4:!IDEA:!SEED:!aDSS:!SRP:!PSK")
        .map_err(setup)?;
    context
        .set_min_proto_version(Some(SslVersion::TLS1_2))
        .map_err(setup)?;
    for path in &options.ca_certs {
        for cert in read_ca_file(path)? {
            context.cert_store_mut().add_cert(cert).map_err(setup)?;
        }
    }
    if options.insecure {
        context.set_verify(SslVerifyMode::NONE);
    } else {
        context.set_verify(SslVerifyMode::PEER);
        add_system_roots(&mut context).map_err(setup)?;
    }
    Ok(Connector {
        context: context.build(),
        insecure: options.insecure,
    })
}

/// The system's trusted roots: a hashed directory (read lazily) where there is one, else the
/// bundle file (read once), else OpenSSL's compiled-in default paths.
fn add_system_roots(context: &mut SslContextBuilder) -> Result<(), ErrorStack> {
    let system = openssl_probe::probe();
    let hashed: Vec<&str> = system
        .cert_dir
        .iter()
        .filter(|dir| is_hashed_dir(dir))
        .filter_map(|dir| dir.to_str())
        .collect();
    if !hashed.is_empty() {
        let lookup = context
            .cert_store_mut()
            .add_lookup(X509Lookup::hash_dir())?;
        for dir in hashed {
            lookup.add_dir(dir, SslFiletype::PEM)?;
        }
        return Ok(());
    }
    match &system.cert_file {
        Some(file) => context.set_ca_file(file),
        None => context.set_default_verify_paths(),
    }
}

/// Whether `dir` holds OpenSSL's hash links (`5ad8a5d6.0`), as `c_rehash` makes them.
fn is_hashed_dir(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        name.len() == 10 && name.ends_with(".0") && name[..8].chars().all(|c| c.is_ascii_hexdigit())
    })
}

/// Every certificate in a PEM file (a bundle may hold several).
fn read_ca_file(path: &Path) -> Result<Vec<X509>, Fail> {
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
    let certs = X509::stack_from_pem(&pem).map_err(|err| {
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

/// Runs the TLS handshake over `stream`, verifying the certificate for `host` (unless
/// insecure): SNI for names, and the name or IP address checked against the certificate.
pub(super) fn handshake(
    connector: &Connector,
    host: &str,
    port: u16,
    stream: DeadlineStream,
    meter: &Meter,
    deadline: Deadline,
) -> Result<TlsStream, Fail> {
    let started = std::time::Instant::now();
    let setup = |err: ErrorStack| {
        Fail::new(
            FailureKind::Tls,
            format!(
                "cannot set up TLS for {}: {}",
                classify::address(host, port),
                openssl_reason(&err.to_string())
            ),
        )
    };
    let mut ssl = Ssl::new(&connector.context).map_err(setup)?;
    let ip = host.parse::<IpAddr>().ok();
    if ip.is_none() {
        ssl.set_hostname(host).map_err(setup)?;
    }
    if !connector.insecure {
        let param = ssl.param_mut();
        param.set_hostflags(X509CheckFlags::NO_PARTIAL_WILDCARDS);
        match ip {
            Some(ip) => param.set_ip(ip).map_err(setup)?,
            None => param.set_host(host).map_err(setup)?,
        }
    }
    match ssl.connect(stream) {
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
        Err(HandshakeError::Failure(mid)) => {
            // "<error> (<verify result>)", the shape the messages below are matched on.
            let mut text = mid.error().to_string();
            let verify = mid.ssl().verify_result();
            if verify != X509VerifyResult::OK {
                text.push_str(&format!(" ({})", verify.error_string()));
            }
            Err(handshake_failed(host, port, &text))
        }
        Err(HandshakeError::SetupFailure(err)) => Err(setup(err)),
    }
}

/// Phrases a failed handshake from OpenSSL's text.
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

/// The "(…)" `handshake` appends with OpenSSL's certificate verify result, if any.
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
