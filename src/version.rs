//! The `-V` / `--version` text: the version, the commit it was built from (set by build.rs when
//! built from a git checkout), and, for `--version`, the keyring and TLS backends compiled in
//! for this target.

/// `-V`: `0.1.0 (1a2b3c4 2026-12-03)`, or `0.1.0` when built from a crate tarball.
pub const SHORT: &str = env!("MAILBOXES_VERSION");

/// Where `mailboxes login` keeps the session on this target (a 0600 file where it does not
/// answer).
#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios"))))]
const KEYRING: &str = "Secret Service over D-Bus (zbus)";
#[cfg(target_os = "macos")]
const KEYRING: &str = "macOS Keychain";
#[cfg(windows)]
const KEYRING: &str = "Windows Credential Manager";

/// Where trusted roots come from, besides `--ca-cert` (src/probe/tls/roots.rs): OpenSSL's places
/// on Linux and the BSDs, the platform's store on macOS and Windows, and Mozilla's list
/// compiled in where the system has none.
#[cfg(not(any(target_os = "macos", target_os = "ios", windows)))]
const TLS: &str = "rustls (ring); roots: system bundle (SSL_CERT_FILE / OpenSSL's paths), \
Mozilla's compiled in if none";
#[cfg(any(target_os = "macos", target_os = "ios"))]
const TLS: &str = "rustls (ring); roots: SSL_CERT_FILE / SSL_CERT_DIR, else the Keychain's, \
Mozilla's compiled in if none";
#[cfg(windows)]
const TLS: &str = "rustls (ring); roots: SSL_CERT_FILE / SSL_CERT_DIR, else the Windows \
certificate store, Mozilla's compiled in if none";

/// `--version`: [`SHORT`] and one line per backend.
pub fn long() -> String {
    format!("{SHORT}\nkeyring: {KEYRING}\ntls: {TLS}")
}
