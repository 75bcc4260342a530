//! The trusted roots, read from the system only when a certificate needs them.
//!
//! Linux and the BSDs: where OpenSSL keeps them (`SSL_CERT_FILE`, `SSL_CERT_DIR`, else the
//! distribution's bundle and directories). macOS and Windows: `SSL_CERT_FILE`/`SSL_CERT_DIR`
//! when set, else the platform's trust store (Keychain, the Windows certificate store). Where
//! the system has no root at all, Mozilla's list compiled into this binary.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::PathBuf;
use std::sync::OnceLock;

use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

/// Where trusted roots come from, in the order the verifier reaches for them: each is read at
/// most once per process, and only when needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SystemRoots {
    /// `$SSL_CERT_FILE`, else the distribution's bundle (macOS, Windows: the platform's store).
    Bundle,
    /// `$SSL_CERT_DIR` (colon-separated), or the distribution's directories. On most systems
    /// they hold the bundle's certificates again, one file each: a fallback for a root that
    /// was added to the directory alone.
    Dirs,
    /// Mozilla's roots compiled into the binary, only where the system gave none at all (a
    /// container without ca-certificates): never added to roots the system chose.
    Compiled,
}

impl SystemRoots {
    /// The trust anchors of this source.
    pub(super) fn load(self) -> &'static RootCertStore {
        static BUNDLE: OnceLock<RootCertStore> = OnceLock::new();
        static DIRS: OnceLock<RootCertStore> = OnceLock::new();
        static COMPILED: OnceLock<RootCertStore> = OnceLock::new();
        let once = match self {
            SystemRoots::Bundle => &BUNDLE,
            SystemRoots::Dirs => &DIRS,
            SystemRoots::Compiled => &COMPILED,
        };
        once.get_or_init(|| {
            let mut roots = RootCertStore::empty();
            match self {
                SystemRoots::Compiled => {
                    if SystemRoots::Bundle.load().is_empty() && SystemRoots::Dirs.load().is_empty()
                    {
                        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                    }
                }
                _ => {
                    roots.add_parsable_certificates(self.certificates().iter().cloned());
                }
            }
            log::debug!("probe: {} trusted roots from {self:?}", roots.len());
            roots
        })
    }

    /// The certificates of this source as read (some may not be usable as anchors); none for
    /// [`SystemRoots::Compiled`], whose anchors are not certificates.
    pub(super) fn certificates(self) -> &'static [CertificateDer<'static>] {
        static BUNDLE: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
        static DIRS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
        let once = match self {
            SystemRoots::Bundle => &BUNDLE,
            SystemRoots::Dirs => &DIRS,
            SystemRoots::Compiled => return &[],
        };
        once.get_or_init(|| {
            let mut certs = Vec::new();
            match self {
                SystemRoots::Bundle => match env::var_os("SSL_CERT_FILE") {
                    Some(file) => read_pem_file(&PathBuf::from(file), &mut certs),
                    None => platform::bundle(&mut certs),
                },
                SystemRoots::Dirs => {
                    let dirs = match env::var_os("SSL_CERT_DIR") {
                        Some(dirs) => split_dirs(&dirs),
                        None => platform::dirs(),
                    };
                    for dir in dirs {
                        let Ok(entries) = fs::read_dir(&dir) else {
                            continue;
                        };
                        for entry in entries.flatten() {
                            read_pem_file(&entry.path(), &mut certs);
                        }
                    }
                }
                SystemRoots::Compiled => {}
            }
            certs
        })
    }
}

/// Appends the certificates of the PEM file at `path`; a file that cannot be read adds none.
fn read_pem_file(path: &std::path::Path, certs: &mut Vec<CertificateDer<'static>>) {
    if let Ok(pem) = fs::read(path) {
        pem_certificates(&pem, certs);
    }
}

/// Linux and the BSDs: the files OpenSSL would read (openssl-probe knows each distribution's).
#[cfg(not(any(target_os = "macos", target_os = "ios", windows)))]
mod platform {
    use std::path::PathBuf;

    use rustls::pki_types::CertificateDer;

    pub(super) fn bundle(certs: &mut Vec<CertificateDer<'static>>) {
        if let Some(file) = openssl_probe::probe().cert_file {
            super::read_pem_file(&file, certs);
        }
    }

    pub(super) fn dirs() -> Vec<PathBuf> {
        openssl_probe::probe().cert_dir
    }
}

/// macOS and Windows: the platform's trust store (what Safari/Edge trust, with the roots an
/// administrator added); there are no certificate directories to read.
#[cfg(any(target_os = "macos", target_os = "ios", windows))]
mod platform {
    use std::path::PathBuf;

    use rustls::pki_types::CertificateDer;

    pub(super) fn bundle(certs: &mut Vec<CertificateDer<'static>>) {
        let found = rustls_native_certs::load_native_certs();
        for err in &found.errors {
            log::debug!("probe: reading the platform's trusted roots: {err}");
        }
        certs.extend(found.certs);
    }

    pub(super) fn dirs() -> Vec<PathBuf> {
        Vec::new()
    }
}

/// `$SSL_CERT_DIR`'s directories (colon-separated, like OpenSSL reads it).
fn split_dirs(dirs: &OsString) -> Vec<PathBuf> {
    env::split_paths(dirs)
        .filter(|dir| !dir.as_os_str().is_empty())
        .collect()
}

/// Appends every certificate in `pem` to `certs`; text that is no certificate is skipped, as
/// OpenSSL skips what it cannot parse.
///
/// A plain table decoder rather than rustls' PEM reader: that one is constant-time, right for
/// private keys but slow, and a system bundle (~200 kB of public certificates) then cost ~8 ms,
/// a third of a whole `mailboxes test` (issue 5). This is one pass over the text.
fn pem_certificates(pem: &[u8], certs: &mut Vec<CertificateDer<'static>>) {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    let mut rest = pem;
    while let Some(at) = find(rest, BEGIN) {
        rest = &rest[at + BEGIN.len()..];
        let mut der = Vec::with_capacity(rest.len().min(8192) * 3 / 4);
        if let Some(used) = decode_pem_body(rest, &mut der) {
            certs.push(CertificateDer::from(der));
            rest = &rest[used..];
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut certs = Vec::new();
        pem_certificates(bundle.as_bytes(), &mut certs);
        assert_eq!(certs.len(), 3);
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(certs);
        assert_eq!(roots.len(), 3);
    }

    /// The PEM decoder reads system files: no input may make it panic, loop or read out of
    /// bounds.
    #[test]
    fn the_pem_decoder_takes_any_bytes() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let mut runner = TestRunner::new(Config {
            cases: 300,
            ..Config::default()
        });
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
                let mut certs = Vec::new();
                pem_certificates(parts.concat().as_bytes(), &mut certs);
                let mut roots = RootCertStore::empty();
                roots.add_parsable_certificates(certs);
                prop_assert!(roots.is_empty());
                Ok(())
            })
            .unwrap();
    }
}
