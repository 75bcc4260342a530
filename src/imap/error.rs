//! The IMAP layer's failures: a stable class ([`FailureKind`]) and one line a person can act
//! on, for every step from DNS to the last response. Words for a refused login belong to the
//! login policy (`crate::probe::classify`).
//!
//! Every message that shows server text goes through [`sanitize`] (control characters dropped,
//! at most 200 characters), so a hostile server cannot draw on the user's terminal or flood it.

use std::io;
use std::time::Duration;

/// Longest piece of server text shown to people, in characters.
const MAX_SHOWN: usize = 200;

/// Why a login (or a connection) failed: a stable class scripts match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Credentials rejected.
    Auth,
    /// Gmail: the account password was used where an App Password is needed.
    AppPasswordRequired,
    /// Gmail: IMAP is switched off for the account.
    ImapDisabled,
    /// Gmail: Google wants a browser sign-in first.
    WebLoginRequired,
    /// The server refused for now, not the credentials: too many connections to the account
    /// (`[LIMIT]`, `[INUSE]`, Dovecot's `mail_max_userip_connections`, Gmail's 15), or
    /// temporarily unavailable (`[UNAVAILABLE]`). Tried once more after the others.
    Limit,
    /// Not from a probe: `test --fail-if-stale` found no recent recorded test.
    Stale,
    /// Not from a probe: `test --fail-if-stale` found that the recorded test failed.
    LastTestFailed,
    Tls,
    Connect,
    Dns,
    Timeout,
    Protocol,
    /// Not from a probe: the OAuth2 grant is gone (the refresh token was revoked or expired,
    /// or belongs to another client); only signing in again helps.
    #[serde(rename = "oauth_revoked")]
    OAuthRevoked,
    /// Not from a probe: the OAuth2 client a stored grant needs is not set up here (no client
    /// id, or a provider that wants a secret without one); nothing was sent.
    #[serde(rename = "oauth_client")]
    OAuthClient,
    /// Not from a probe: the entry's `authType` is newer than this version (nothing was sent).
    Unsupported,
}

impl FailureKind {
    /// The stable name scripts match on (`--json`'s `kind`, TAP, JUnit, summaries).
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Auth => "auth",
            FailureKind::AppPasswordRequired => "app_password_required",
            FailureKind::ImapDisabled => "imap_disabled",
            FailureKind::WebLoginRequired => "web_login_required",
            FailureKind::Limit => "limit",
            FailureKind::Stale => "stale",
            FailureKind::LastTestFailed => "last_test_failed",
            FailureKind::Tls => "tls",
            FailureKind::Connect => "connect",
            FailureKind::Dns => "dns",
            FailureKind::Timeout => "timeout",
            FailureKind::Protocol => "protocol",
            FailureKind::OAuthRevoked => "oauth_revoked",
            FailureKind::OAuthClient => "oauth_client",
            FailureKind::Unsupported => "unsupported",
        }
    }
}

/// A failure before the elapsed time is attached.
#[derive(Debug)]
pub(crate) struct Fail {
    pub(crate) kind: FailureKind,
    pub(crate) message: String,
}

impl Fail {
    pub(crate) fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Fail {
            kind,
            message: message.into(),
        }
    }
}

/// The step a login was in, for timeout and connection-loss messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Resolve,
    Connect,
    TlsHandshake,
    Greeting,
    Capability,
    StartTls,
    Login,
    Authenticate,
}

impl Step {
    /// "waiting for …" / "during …", to finish a sentence.
    fn phrase(self) -> &'static str {
        match self {
            Step::Resolve => "while resolving the host name",
            Step::Connect => "while connecting",
            Step::TlsHandshake => "during the TLS handshake",
            Step::Greeting => "waiting for the server greeting",
            Step::Capability => "waiting for the CAPABILITY response",
            Step::StartTls => "waiting for the STARTTLS response",
            Step::Login => "waiting for the LOGIN response",
            Step::Authenticate => "waiting for the AUTHENTICATE response",
        }
    }
}

/// `host:port`, with brackets around an IPv6 address.
pub(crate) fn address(host: &str, port: u16) -> String {
    let host = sanitize(host);
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// "15 s", "1.5 s".
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

pub(crate) fn timeout(step: Step, host: &str, port: u16, total: Duration) -> Fail {
    let after = seconds(total);
    let message = match step {
        Step::Resolve => format!(
            "timed out resolving host '{}' after {after}",
            sanitize(host)
        ),
        Step::Connect => format!(
            "timed out connecting to {} after {after}",
            address(host, port)
        ),
        Step::TlsHandshake => format!(
            "timed out during the TLS handshake with {} after {after}",
            address(host, port)
        ),
        waiting => format!("timed out {} after {after}", waiting.phrase()),
    };
    Fail::new(FailureKind::Timeout, message)
}

/// An implicit-TLS server waits, silent, for our TLS hello; a STARTTLS probe of port 993 then
/// times out on the greeting. Say what the likely mix-up is.
pub(crate) fn plain_greeting_timeout_hint(mut fail: Fail, port: u16) -> Fail {
    if fail.kind == FailureKind::Timeout && port == 993 {
        fail.message
            .push_str(" (port 993 usually wants TLS from the start, not STARTTLS)");
    }
    fail
}

/// Words of the failure for a host with its port in it (see [`port_in_host`]).
pub(crate) const PORT_IN_HOST: &str = "has the port in it";

/// `host` and `port` of a host written with its port (`imap.example.com:993`, `[::1]:993`),
/// as an entry the web app stored may have it; `None` for a host name or a bare address.
pub(crate) fn split_port(host: &str) -> Option<(&str, &str)> {
    let (name, port) = match host.strip_prefix('[') {
        Some(inner) => inner.split_once("]:")?,
        None => host
            .rsplit_once(':')
            .filter(|(name, _)| !name.contains(':'))?,
    };
    (!name.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        .then_some((name, port))
}

/// A stored host with its port in it: no name server knows `imap.example.com:993`, and
/// "cannot resolve" would send the user looking at DNS. Nothing is looked up.
pub(crate) fn port_in_host(host: &str) -> Option<Fail> {
    split_port(host)?;
    Some(Fail::new(
        FailureKind::Dns,
        format!(
            "the host '{}' {PORT_IN_HOST}; nothing was looked up",
            sanitize(host)
        ),
    ))
}

pub(crate) fn unresolvable(host: &str, reason: &str) -> Fail {
    // std prefixes getaddrinfo's text with this; the name is what matters to people.
    let reason = reason
        .trim_start_matches("failed to lookup address information: ")
        .trim();
    Fail::new(
        FailureKind::Dns,
        format!(
            "cannot resolve host '{}': {}",
            sanitize(host),
            sanitize(reason)
        ),
    )
}

pub(crate) fn connect_failed(host: &str, port: u16, err: &io::Error) -> Fail {
    Fail::new(
        FailureKind::Connect,
        format!(
            "could not connect to {}: {}",
            address(host, port),
            describe_io(err)
        ),
    )
}

/// An I/O error in a step after connecting, read through the meter's flags: the deadline and
/// the read budget surface as I/O errors from deep inside the TLS layer.
pub(crate) fn lost(
    step: Step,
    host: &str,
    port: u16,
    total: Duration,
    err: &io::Error,
    (timed_out, over_budget): (bool, bool),
    bye: Option<&str>,
) -> Fail {
    if timed_out {
        return timeout(step, host, port, total);
    }
    if over_budget {
        return Fail::new(
            FailureKind::Protocol,
            format!("server sent more than 1 MiB {}; giving up", step.phrase()),
        );
    }
    let addr = address(host, port);
    // rustls reports a TCP close without TLS close_notify as UnexpectedEof, like plain reads.
    match err.kind() {
        io::ErrorKind::UnexpectedEof => {
            let mut message = format!("server closed the connection {}", step.phrase());
            if let Some(bye) = bye {
                message.push_str(": ");
                message.push_str(&sanitize(bye));
            }
            Fail::new(FailureKind::Protocol, message)
        }
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => Fail::new(
            FailureKind::Connect,
            format!("connection to {addr} was reset {}", step.phrase()),
        ),
        _ => Fail::new(
            FailureKind::Protocol,
            format!(
                "connection to {addr} failed {}: {}",
                step.phrase(),
                describe_io(err)
            ),
        ),
    }
}

/// Lower-case words for an I/O error, without Rust's "(os error 111)".
pub(crate) fn describe_io(err: &io::Error) -> String {
    let fixed = match err.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused",
        io::ErrorKind::ConnectionReset => "connection reset",
        io::ErrorKind::ConnectionAborted => "connection aborted",
        io::ErrorKind::NotFound => "no such file",
        io::ErrorKind::PermissionDenied => "permission denied",
        io::ErrorKind::NetworkUnreachable => "network unreachable",
        io::ErrorKind::HostUnreachable => "host unreachable",
        io::ErrorKind::AddrNotAvailable => "address not available",
        io::ErrorKind::TimedOut => "timed out",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_owned();
    }
    let text = err.to_string();
    let text = match text.find(" (os error") {
        Some(at) => &text[..at],
        None => &text,
    };
    sanitize(&text.to_lowercase())
}

/// Server (or library) text made safe to show: control characters dropped, whitespace runs
/// collapsed, at most [`MAX_SHOWN`] characters.
pub(crate) fn sanitize(text: &str) -> String {
    let mut out = String::new();
    let mut shown = 0;
    let mut last_space = true;
    for c in text.chars() {
        let c = if c.is_whitespace() { ' ' } else { c };
        if c.is_control() || (c == ' ' && last_space) {
            continue;
        }
        if shown == MAX_SHOWN {
            out.push('…');
            break;
        }
        last_space = c == ' ';
        out.push(c);
        shown += 1;
    }
    out.trim_end().to_owned()
}

/// What servers say when they refuse for now because of a limit, without (or besides) an
/// RFC 5530 code: Dovecot's `mail_max_userip_connections` ("Maximum number of connections from
/// user+IP exceeded"), Gmail's `[ALERT] Too many simultaneous connections`, and the per-IP
/// greetings of others ("Too many connections from your IP").
const LIMIT_WORDS: &[&str] = &[
    "maximum number of connections",
    "too many simultaneous connections",
    "too many connections",
    "too many concurrent connections",
];

/// Whether a refusal is about a connection limit or the server's availability, not the
/// credentials: RFC 5530's `[UNAVAILABLE]`, `[LIMIT]` and `[INUSE]`, or the wordings above.
pub(crate) fn is_limit(code: &str, text: &str) -> bool {
    if matches!(code, "UNAVAILABLE" | "LIMIT" | "INUSE") {
        return true;
    }
    let text = text.to_ascii_lowercase();
    LIMIT_WORDS.iter().any(|words| text.contains(words))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_inside_the_host_is_found() {
        assert_eq!(
            split_port("imap.example.com:993"),
            Some(("imap.example.com", "993"))
        );
        assert_eq!(split_port("127.0.0.1:143"), Some(("127.0.0.1", "143")));
        assert_eq!(split_port("[::1]:993"), Some(("::1", "993")));
        for host in [
            "imap.example.com",
            "::1",
            "2001:db8::993",
            "[::1]",
            "host:",
            "host:x1",
        ] {
            assert_eq!(split_port(host), None, "{host}");
        }
    }

    #[test]
    fn sanitize_drops_control_characters_and_caps_length() {
        assert_eq!(sanitize("a\x1b[31mred\x07\r\n  b"), "a[31mred b");
        let long = "x".repeat(500);
        let shown = sanitize(&long);
        assert_eq!(shown.chars().count(), MAX_SHOWN + 1);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn timeouts_name_the_step_and_the_timeout() {
        let t = Duration::from_secs(15);
        assert_eq!(
            timeout(Step::Greeting, "h", 993, t).message,
            "timed out waiting for the server greeting after 15 s"
        );
        assert_eq!(
            timeout(Step::Connect, "::1", 993, Duration::from_millis(1500)).message,
            "timed out connecting to [::1]:993 after 1.5 s"
        );
        assert_eq!(
            timeout(Step::Login, "h", 993, t).message,
            "timed out waiting for the LOGIN response after 15 s"
        );
        let greeting = || timeout(Step::Greeting, "h", 993, t);
        assert_eq!(
            plain_greeting_timeout_hint(greeting(), 993).message,
            "timed out waiting for the server greeting after 15 s \
             (port 993 usually wants TLS from the start, not STARTTLS)"
        );
        assert_eq!(
            plain_greeting_timeout_hint(greeting(), 143).message,
            greeting().message
        );
    }
}
