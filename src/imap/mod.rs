//! The IMAP layer of the whole program: connecting (DNS, TCP, implicit TLS or STARTTLS), every
//! step bounded by one deadline and a byte budget; reading bounded responses (literals, line
//! caps); encoding commands; capabilities; and the failures of each step in people's words.
//!
//! What to do with a connection is decided above it: `probe` logs in and judges the answer
//! (login policy, Gmail's refusals), `harvest` reads folders over the logged-in connection.
//! HTTPS to Supabase (`http`) uses the same TLS setup and trusted roots.
//!
//! Layout: `deadline` bounds time and bytes (and resolves and connects), `tls` sets up and
//! classifies TLS, `reader` reads bounded responses, `wire` parses them and encodes commands,
//! `connection` connects and hands over the logged-in stream, `error` words what failed.

pub mod connection;
pub mod deadline;
pub mod error;
pub mod reader;
pub mod tls;
pub mod wire;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use error::FailureKind;

use crate::secret::Secret;

/// How the connection is secured. `tls: true` in the stored entry = `Tls` (implicit, port 993).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Tls,
    StartTls,
}

impl Security {
    /// The stored entry's `tls` flag as a security.
    pub fn from_tls(tls: bool) -> Security {
        if tls {
            Security::Tls
        } else {
            Security::StartTls
        }
    }

    /// IMAP's port for this security: 993 for implicit TLS, 143 for STARTTLS.
    pub fn default_port(self) -> u16 {
        match self {
            Security::Tls => 993,
            Security::StartTls => 143,
        }
    }
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Overall deadline for connecting and logging in.
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM files), on top of the system's.
    pub ca_certs: Vec<PathBuf>,
    /// Accept any certificate and host name. Loud, never the default.
    pub insecure: bool,
    /// Host names to connect to at a given address instead of asking DNS (like curl's
    /// `--resolve`); TLS still checks the certificate against the name.
    pub resolve: Vec<(String, IpAddr)>,
}

impl ConnectOptions {
    /// The address `host` is pinned to by `resolve`, if any (names compare in any case).
    pub fn pinned(&self, host: &str) -> Option<IpAddr> {
        let host = host.trim_end_matches('.');
        self.resolve
            .iter()
            .find(|(name, _)| name.trim_end_matches('.').eq_ignore_ascii_case(host))
            .map(|(_, ip)| *ip)
    }
}

/// What to log in to, and with what.
#[derive(Debug, Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    /// The password, or with [`Mechanism::OAuth2`] the access token.
    pub secret: Secret,
    pub mechanism: Mechanism,
}

/// How a login proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// `LOGIN user password`.
    Password,
    /// `AUTHENTICATE XOAUTH2` (or `OAUTHBEARER` where that is all the server offers) with an
    /// OAuth2 access token.
    OAuth2,
}
