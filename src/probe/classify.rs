//! Login policy's words for what went wrong: a refused LOGIN (Gmail's kinds, limits), and the
//! password masked should a server echo it. Transport failures (DNS, connect, TLS, timeouts, a
//! lost connection) are worded by the IMAP layer (`crate::imap::error`).
//!
//! Every message that shows server text goes through [`sanitize`] (control characters dropped,
//! at most 200 characters), so a hostile server cannot draw on the user's terminal or flood it.
//! Messages never contain the password: none is built from it, and `probe` scrubs the final
//! message in case a server echoes it back.

use crate::gmail::Refusal;
pub(crate) use crate::imap::error::{is_limit, sanitize, Fail, FailureKind, Step};
pub(crate) use crate::secret::scrub;

/// Where Gmail users create the App Password that IMAP needs once 2-Step Verification is on.
const GMAIL_HINT: &str = "for Gmail use an App Password: myaccount.google.com/apppasswords";

pub(super) use crate::gmail::is_gmail_host as is_gmail;

/// An OAuth2 error challenge (`+ <base64 JSON>`, RFC 7628 §3.2.2) in a few words, e.g.
/// `status 401, scope mail`; `None` when it is not base64 JSON.
pub(super) fn oauth2_challenge(challenge: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(challenge.trim())
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let fields: Vec<String> = value
        .as_object()?
        .iter()
        .take(4)
        .map(|(key, value)| match value.as_str() {
            Some(text) => format!("{key} {text}"),
            None => format!("{key} {value}"),
        })
        .collect();
    Some(sanitize(&fields.join(", ")))
}

/// A tagged NO or BAD to AUTHENTICATE with an OAuth2 token: a limit is still a limit, but
/// none of the password advice applies (Gmail's App Password hint would mislead).
pub(super) fn authenticate_rejected(
    bad: bool,
    code: Option<(&str, &str)>,
    text: &str,
    alerts: &[String],
) -> Fail {
    let mut fail = login_rejected("", bad, code, text, alerts);
    if fail.kind != FailureKind::Limit {
        fail.kind = FailureKind::Auth;
    }
    fail
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
}
