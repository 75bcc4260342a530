//! Turning what went wrong into a [`FailureKind`] and one line a person can act on.
//!
//! Every message that shows server text goes through [`sanitize`] (control characters dropped,
//! at most 200 characters), so a hostile server cannot draw on the user's terminal or flood it.
//! Messages never contain the password: none is built from it, and `probe` scrubs the final
//! message in case a server echoes it back.

use std::io;
use std::time::Duration;

use super::FailureKind;
use crate::gmail::Refusal;

/// Longest piece of server text shown to people, in characters.
const MAX_SHOWN: usize = 200;

/// Where Gmail users create the App Password that IMAP needs once 2-Step Verification is on.
const GMAIL_HINT: &str = "for Gmail use an App Password: myaccount.google.com/apppasswords";

/// A failed probe before the elapsed time is attached.
#[derive(Debug)]
pub(super) struct Fail {
    pub(super) kind: FailureKind,
    pub(super) message: String,
}

impl Fail {
    pub(super) fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Fail {
            kind,
            message: message.into(),
        }
    }
}

/// The step a probe was in, for timeout and connection-loss messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Resolve,
    Connect,
    TlsHandshake,
    Greeting,
    Capability,
    StartTls,
    Login,
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
        }
    }
}

/// `host:port`, with brackets around an IPv6 address.
pub(super) fn address(host: &str, port: u16) -> String {
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

pub(super) fn timeout(step: Step, host: &str, port: u16, total: Duration) -> Fail {
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
pub(super) fn plain_greeting_timeout_hint(mut fail: Fail, port: u16) -> Fail {
    if fail.kind == FailureKind::Timeout && port == 993 {
        fail.message
            .push_str(" (port 993 usually wants TLS from the start, not STARTTLS)");
    }
    fail
}

pub(super) fn unresolvable(host: &str, reason: &str) -> Fail {
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

pub(super) fn connect_failed(host: &str, port: u16, err: &io::Error) -> Fail {
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
pub(super) fn lost(
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
pub(super) fn describe_io(err: &io::Error) -> String {
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

/// Masks the password should a server have echoed it into text we show or log. Very short
/// passwords are left alone: masking every "a" would garble the text and hint at the password.
pub(super) fn scrub(text: &str, password: &str) -> String {
    if password.chars().count() >= 4 && text.contains(password) {
        text.replace(password, "***")
    } else {
        text.to_owned()
    }
}

pub(super) use crate::gmail::is_gmail_host as is_gmail;

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
pub(super) fn is_limit(code: &str, text: &str) -> bool {
    if matches!(code, "UNAVAILABLE" | "LIMIT" | "INUSE") {
        return true;
    }
    let text = text.to_ascii_lowercase();
    LIMIT_WORDS.iter().any(|words| text.contains(words))
}

/// A tagged NO or BAD to LOGIN, phrased for people. `code` is the response code's name
/// (`AUTHENTICATIONFAILED`, `ALERT`, …) and `code_args` what follows it (WEBALERT's URL);
/// `alerts` are `[ALERT]` texts the server sent while LOGIN was running, shown too.
pub(super) fn login_rejected(
    host: &str,
    bad: bool,
    code: Option<(&str, &str)>,
    text: &str,
    alerts: &[String],
) -> Fail {
    let text = sanitize(text);
    let gmail = is_gmail(host);
    let (code_name, code_args) = code.unwrap_or(("", ""));
    // Gmail appends "(Failure)" to every rejection; it tells people nothing.
    let core = if gmail {
        text.trim_end_matches("(Failure)").trim_end().to_owned()
    } else {
        text.clone()
    };
    let core = if core.is_empty() {
        "no reason given".to_owned()
    } else {
        core
    };
    // A limit is checked first: never a wrong password, whatever else the text says.
    let limit = is_limit(code_name, &text)
        || (code_name != "AUTHENTICATIONFAILED" && alerts.iter().any(|a| is_limit("", a)));
    let mut message = if limit {
        format!("server refused the login for now: {core}")
    } else if gmail
        && (code_name == "AUTHENTICATIONFAILED"
            || core.contains("Application-specific password")
            || core.contains("Invalid credentials"))
    {
        format!("{core} ({GMAIL_HINT})")
    } else if bad {
        format!("login rejected (BAD): {core}")
    } else {
        format!("login rejected: {core}")
    };
    if code_name == "WEBALERT" && !code_args.is_empty() {
        message.push_str(&format!(" (sign in at {})", sanitize(code_args)));
    }
    for alert in alerts {
        let alert = sanitize(alert);
        if !alert.is_empty() && !message.contains(&alert) {
            message.push_str(&format!(" [server alert: {alert}]"));
        }
    }
    // Gmail's refusals other than a wrong password have their own kinds, so scripts can act.
    let kind = match crate::gmail::refusal(code_name, &text) {
        _ if limit => FailureKind::Limit,
        Some(Refusal::AppPasswordRequired) => FailureKind::AppPasswordRequired,
        Some(Refusal::WebLoginRequired) => FailureKind::WebLoginRequired,
        Some(Refusal::ImapDisabled) => FailureKind::ImapDisabled,
        None => FailureKind::Auth,
    };
    Fail::new(kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_drops_control_characters_and_caps_length() {
        assert_eq!(sanitize("a\x1b[31mred\x07\r\n  b"), "a[31mred b");
        let long = "x".repeat(500);
        let shown = sanitize(&long);
        assert_eq!(shown.chars().count(), MAX_SHOWN + 1);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn gmail_invalid_credentials_get_the_app_password_hint() {
        let fail = login_rejected(
            "imap.gmail.com",
            false,
            Some(("AUTHENTICATIONFAILED", "")),
            "Invalid credentials (Failure)",
            &[],
        );
        assert_eq!(fail.kind, FailureKind::Auth);
        assert_eq!(
            fail.message,
            "Invalid credentials (for Gmail use an App Password: myaccount.google.com/apppasswords)"
        );
    }

    #[test]
    fn gmail_application_specific_password_alert_is_shown_with_the_hint() {
        let fail = login_rejected(
            "IMAP.googlemail.com",
            false,
            Some(("ALERT", "")),
            "Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)",
            &[],
        );
        assert_eq!(
            fail.message,
            "Application-specific password required: https://support.google.com/accounts/answer/185833 \
             (for Gmail use an App Password: myaccount.google.com/apppasswords)"
        );
    }

    #[test]
    fn gmail_web_login_shows_the_url() {
        let fail = login_rejected(
            "imap.gmail.com",
            false,
            Some(("WEBALERT", "https://accounts.google.com/x")),
            "Web login required.",
            &[],
        );
        assert_eq!(
            fail.message,
            "login rejected: Web login required. (sign in at https://accounts.google.com/x)"
        );
    }

    #[test]
    fn other_servers_get_their_text_and_alerts() {
        let fail = login_rejected(
            "mail.example.com",
            false,
            Some(("AUTHENTICATIONFAILED", "")),
            "Authentication failed.",
            &["Too many failures, wait 5 min".to_owned()],
        );
        assert_eq!(
            fail.message,
            "login rejected: Authentication failed. [server alert: Too many failures, wait 5 min]"
        );
        let bad = login_rejected("mail.example.com", true, None, "", &[]);
        assert_eq!(bad.message, "login rejected (BAD): no reason given");
    }

    #[test]
    fn connection_limits_are_not_wrong_passwords() {
        let dovecot = login_rejected(
            "mail.example.com",
            false,
            Some(("LIMIT", "")),
            "Maximum number of connections from user+IP exceeded (mail_max_userip_connections=10)",
            &[],
        );
        assert_eq!(dovecot.kind, FailureKind::Limit);
        assert_eq!(
            dovecot.message,
            "server refused the login for now: Maximum number of connections from user+IP \
             exceeded (mail_max_userip_connections=10)"
        );
        let gmail = login_rejected(
            "imap.gmail.com",
            false,
            Some(("ALERT", "")),
            "Too many simultaneous connections. (Failure)",
            &[],
        );
        assert_eq!(gmail.kind, FailureKind::Limit);
        assert_eq!(
            gmail.message,
            "server refused the login for now: Too many simultaneous connections."
        );
        for code in ["UNAVAILABLE", "INUSE", "limit"] {
            let fail = login_rejected("h", false, Some((code, "")), "try later", &[]);
            let expected = if code == "limit" {
                FailureKind::Auth // codes arrive upper-cased from the parser
            } else {
                FailureKind::Limit
            };
            assert_eq!(fail.kind, expected, "{code}");
        }
        // An alert about connections next to a plain NO: a limit. Next to
        // AUTHENTICATIONFAILED: the credentials.
        let alerted = ["Too many simultaneous connections".to_owned()];
        assert_eq!(
            login_rejected("h", false, None, "failed", &alerted).kind,
            FailureKind::Limit
        );
        assert_eq!(
            login_rejected(
                "h",
                false,
                Some(("AUTHENTICATIONFAILED", "")),
                "x",
                &alerted
            )
            .kind,
            FailureKind::Auth
        );
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
