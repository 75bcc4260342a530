//! Certificate checks: webpki's, with trust that grows step by step ([`Verifier`]), and none
//! at all for `--insecure` ([`Unchecked`]).

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_name, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, DigitallySignedStruct, Error as TlsError, RootCertStore, SignatureScheme,
};

use super::roots::SystemRoots;

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
pub(super) struct Verifier {
    provider: Arc<CryptoProvider>,
    pinned: Vec<CertificateDer<'static>>,
    /// Trusts the `--ca-cert` certificates only; `None` without any.
    pinned_only: Option<Arc<WebPkiServerVerifier>>,
    /// Each trusts the `--ca-cert` certificates and the system's roots up to that step; built
    /// at first need, `None` when that leaves no root at all.
    with_system: [OnceLock<Option<Arc<WebPkiServerVerifier>>>; 3],
}

/// The system's roots, in the order [`Verifier`] reaches for them.
const SYSTEM_STEPS: [SystemRoots; 3] = [
    SystemRoots::Bundle,
    SystemRoots::Dirs,
    SystemRoots::Compiled,
];

impl Verifier {
    pub(super) fn new(
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

    /// The verifier that trusts the system's roots up to step `step` of [`SYSTEM_STEPS`];
    /// `None` when that step adds no root (it would only repeat the step before).
    fn with_system(&self, step: usize) -> Option<&Arc<WebPkiServerVerifier>> {
        self.with_system[step]
            .get_or_init(|| {
                if step > 0 && SYSTEM_STEPS[step].load().is_empty() {
                    return None;
                }
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
pub(super) struct NoRoots;

impl std::fmt::Display for NoRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no trusted CA certificates found on this system")
    }
}

impl std::error::Error for NoRoots {}

/// An untrusted certificate that names itself as its issuer: worth saying, since a private
/// server's certificate usually is one, and `--ca-cert` with that very file fixes it.
#[derive(Debug)]
pub(super) struct SelfSigned;

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
pub(super) fn is_ca_used_as_end_entity(error: &str) -> bool {
    error.contains("CaUsedAsEndEntity")
}

/// `--insecure`: no checks at all, as the user asked.
#[derive(Debug)]
pub(super) struct Unchecked(pub(super) Arc<CryptoProvider>);

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

#[cfg(test)]
mod tests {
    use rustls::pki_types::pem::PemObject;

    use super::*;

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
    }

    /// The DER walk reads servers' certificates: no input may make it panic or read out of
    /// bounds.
    #[test]
    fn the_der_walk_takes_any_bytes() {
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
    }
}
