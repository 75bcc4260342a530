//! The result of testing one mailbox: what every output format (human, JSON, GitHub, JUnit,
//! TAP) reports about it, and those formats (`render`).

pub mod render;

use std::time::Duration;

use serde::Serialize;

use crate::gmail;
use chrono::{DateTime, Utc};

use crate::imap::{error, tls};
use crate::mailbox::{Mailbox, STATUS_OK};
use crate::probe::{self, FailureKind, Mechanism, Probe, ProbeError};
use crate::staleness;

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The stored mailbox's id; `None` for an ad-hoc `test --host` probe.
    pub id: Option<String>,
    pub label: String,
    pub host: String,
    pub port: u16,
    pub ok: bool,
    /// Why it failed (`None` when ok); printed as `"ok"` then, so scripts can select on it.
    #[serde(serialize_with = "serialize_kind")]
    pub kind: Option<FailureKind>,
    /// One line for people (`None` when ok).
    pub message: Option<String>,
    /// What to do about it, in one line (`None` when ok).
    pub hint: Option<String>,
    /// `[ALERT]` texts the server sent.
    pub alerts: Vec<String>,
    pub elapsed_ms: u64,
    /// Request/response turns the probe waited on (`None` when it failed).
    pub round_trips: Option<u32>,
}

impl Outcome {
    /// `previous_status` is what the store said before this test (`"ok"` turns an auth
    /// failure into "probably revoked").
    pub fn new(
        id: Option<&str>,
        label: &str,
        host: &str,
        port: u16,
        previous_status: Option<&str>,
        result: Result<Probe, ProbeError>,
    ) -> Outcome {
        let base = Outcome {
            id: id.map(str::to_string),
            label: label.to_string(),
            host: host.to_string(),
            port,
            ok: false,
            kind: None,
            message: None,
            hint: None,
            alerts: Vec::new(),
            elapsed_ms: 0,
            round_trips: None,
        };
        match result {
            Ok(probe) => Outcome {
                ok: true,
                alerts: probe.alerts,
                elapsed_ms: millis(probe.elapsed),
                round_trips: Some(probe.round_trips),
                ..base
            },
            Err(err) => Outcome {
                kind: Some(err.kind),
                hint: Some(match (err.kind, err.mechanism) {
                    // A stored grant signs in again; an ad-hoc token is the caller's to renew.
                    (FailureKind::Auth, Mechanism::OAuth2) => match id {
                        Some(_) => format!(
                            "the access token was refused: sign in again \
                             with `mailboxes reauth '{}'`",
                            label.replace('\'', "'\\''")
                        ),
                        None => OAUTH2_REFUSED_HINT.to_string(),
                    },
                    (kind, _) => hint(
                        kind,
                        &err.message,
                        host,
                        previous_status == Some(STATUS_OK),
                        id.map(|_| label),
                    ),
                }),
                message: Some(err.message),
                elapsed_ms: millis(err.elapsed),
                ..base
            },
        }
    }

    /// The failure class as its JSON name (`"auth"`, `"tls"`, …), or `"ok"`.
    pub fn kind_name(&self) -> &'static str {
        self.kind.map_or(KIND_OK, FailureKind::name)
    }
}

/// The `kind` of a passing test.
pub const KIND_OK: &str = "ok";

fn serialize_kind<S: serde::Serializer>(
    kind: &Option<FailureKind>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind.map_or(KIND_OK, FailureKind::name))
}

/// A refused access token: OAuth2 access tokens live about an hour, and a revoked grant takes
/// its tokens with it.
const OAUTH2_REFUSED_HINT: &str = "the access token was refused: it may have expired \
     (Google's and Microsoft's last about an hour) or its grant been revoked; get a new one";

/// Microsoft's IMAP servers, which take OAuth2 only.
pub fn is_microsoft_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    [
        "outlook.office365.com",
        "outlook.office.com",
        "imap-mail.outlook.com",
    ]
    .contains(&host.as_str())
        || host.ends_with(".outlook.com")
}

/// One line saying what to do about a failure; for Gmail, the exact page that fixes it.
/// `stored_label` names the stored mailbox to `edit` (`None` for an ad-hoc probe).
pub fn hint(
    kind: FailureKind,
    message: &str,
    host: &str,
    previously_ok: bool,
    stored_label: Option<&str>,
) -> String {
    let gmail = gmail::is_gmail_host(host);
    let store_it = match stored_label {
        Some(label) => format!(
            " and store it with `mailboxes edit '{}' --password-prompt`",
            label.replace('\'', "'\\''")
        ),
        None => String::new(),
    };
    let oauth2_test = format!(
        "test it with an OAuth2 access token: `mailboxes test --host {} --user … \
         --access-token-env VAR`",
        crate::untrusted::printable(host)
    );
    // A stored password entry is switched to OAuth2 in place; an ad-hoc probe tries a token.
    let provider = if gmail {
        "google"
    } else if is_microsoft_host(host) {
        "microsoft"
    } else {
        "custom --oauth-auth-url … --oauth-token-url … --oauth-scope …"
    };
    let switch = match stored_label {
        Some(label) => format!(
            "switch it to OAuth2 with `mailboxes reauth '{}' --oauth {provider}`",
            label.replace('\'', "'\\''")
        ),
        None => oauth2_test,
    };
    match kind {
        FailureKind::Auth if message == probe::WANTS_OAUTH2 => switch,
        FailureKind::Auth if is_microsoft_host(host) => format!(
            "Microsoft turned off password IMAP (Exchange Online in 2022, Outlook.com in \
             September 2024): it takes OAuth2 only; {switch}"
        ),
        FailureKind::Auth if gmail && previously_ok => format!(
            "this worked before, so the App Password was probably revoked (Google revokes App \
             Passwords when the account password changes): create a new one at {}{store_it}",
            gmail::APP_PASSWORDS_URL
        ),
        FailureKind::Auth if gmail => format!(
            "Gmail needs an App Password (16 letters), not the account password: create one at \
             {}{store_it}",
            gmail::APP_PASSWORDS_URL
        ),
        FailureKind::Auth if previously_ok => {
            format!(
                "this worked before: the password was probably changed or revoked; get the new \
                 one{store_it}"
            )
        }
        FailureKind::Auth => match stored_label {
            Some(label) => format!(
                "check the user name and the password; change them with `mailboxes edit '{}' \
                 --user … --password-prompt`",
                label.replace('\'', "'\\''")
            ),
            None => "check the user name and the password".to_string(),
        },
        FailureKind::AppPasswordRequired => format!(
            "2-Step Verification is on: create an App Password at {}{store_it}",
            gmail::APP_PASSWORDS_URL
        ),
        FailureKind::ImapDisabled => format!(
            "turn IMAP on in Gmail's settings ({}); in Google Workspace an admin may have to \
             allow it",
            gmail::IMAP_SETTINGS_URL
        ),
        FailureKind::WebLoginRequired => format!(
            "sign in once in a browser on this network, or allow the device at {}, then retry",
            gmail::UNLOCK_URL
        ),
        // The probe's own wording tells the TLS failures that are not about certificates.
        FailureKind::Tls if message.ends_with(tls::NOT_TLS) => {
            "check the port and the --tls/--starttls choice (993 is implicit TLS, 143 STARTTLS)"
                .to_string()
        }
        FailureKind::Tls
            if message.ends_with(tls::TLS_TOO_OLD) || message.ends_with(tls::NOTHING_IN_COMMON) =>
        {
            "the server's TLS is too old for this tool (it needs TLS 1.2+ with AES-GCM or \
             ChaCha20): ask its admin to update it"
                .to_string()
        }
        FailureKind::Tls => "for a server with a private CA pass --ca-cert FILE; check that the \
             host name matches the certificate"
            .to_string(),
        FailureKind::Dns if message.contains(error::PORT_IN_HOST) => {
            let (name, port) = error::split_port(host).unwrap_or((host, "PORT"));
            let name = crate::untrusted::printable(name);
            match stored_label {
                Some(label) => format!(
                    "give the port on its own: `mailboxes edit '{}' --host {name} --port {port}`",
                    label.replace('\'', "'\\''")
                ),
                None => format!("give the port on its own: --host {name} --port {port}"),
            }
        }
        FailureKind::Dns => {
            "check the host name (`mailboxes discover EMAIL` suggests settings)".to_string()
        }
        FailureKind::Connect => "check the host and port (993 for TLS, 143 for STARTTLS) and \
             any firewall in between"
            .to_string(),
        FailureKind::Timeout => "the server did not answer in time: check the host and port, \
             or raise --timeout"
            .to_string(),
        FailureKind::Stale | FailureKind::LastTestFailed => match stored_label {
            Some(label) => format!(
                "log in again with `mailboxes test '{}'`",
                label.replace('\'', "'\\''")
            ),
            None => "log in again with `mailboxes test`".to_string(),
        },
        // Never "check the password" nor "probably revoked": the password was not the reason.
        FailureKind::Limit if message.to_ascii_lowercase().contains("connections") => format!(
            "the password was not checked: the server limits how many connections one account \
             may have at once (Gmail 15, Dovecot 10 by default); close other mail clients of this \
             account, or wait, then retry (this tool keeps at most {} per account)",
            crate::fanout::PER_ACCOUNT
        ),
        FailureKind::Limit => "the password was not checked: the server refused for now \
             (temporarily unavailable or over a limit); retry later"
            .to_string(),
        FailureKind::Unsupported => "update mailboxes: this entry was made by a newer web app \
             or CLI; it was neither tested nor changed"
            .to_string(),
        FailureKind::OAuthClient => match stored_label {
            Some(label) => format!(
                "set up the OAuth2 client the message names here (its environment variable), or \
                 sign in again with `mailboxes reauth '{}'`, after which the entry keeps it",
                label.replace('\'', "'\\''")
            ),
            None => "set up the OAuth2 client the message names".to_string(),
        },
        FailureKind::OAuthRevoked => {
            let how = match stored_label {
                Some(label) => format!(
                    "sign in again with `mailboxes reauth '{}'`",
                    label.replace('\'', "'\\''")
                ),
                None => "sign in again to get a new refresh token".to_string(),
            };
            format!(
                "{how}: the grant was revoked or expired (Google: a password change revokes it, \
                 and apps in Testing mode get 7-day tokens), or belongs to another OAuth2 client"
            )
        }
        FailureKind::Protocol => "the server did not answer like an IMAP server: check the port \
             and the --tls/--starttls choice"
            .to_string(),
    }
}

impl Outcome {
    /// `test --fail-if-stale`: the recorded result judged without logging in.
    pub fn from_record(mailbox: &Mailbox, limit: Duration, now: DateTime<Utc>) -> Outcome {
        let failure = if staleness::is_stale(mailbox, limit, now) {
            let message = match mailbox.last_tested_at.as_deref() {
                None => "never tested".to_string(),
                Some(at) => format!(
                    "last tested {} ({at}), longer ago than {}",
                    staleness::relative_time(at, now),
                    staleness::describe(limit)
                ),
            };
            Some((FailureKind::Stale, message))
        } else if mailbox.status.as_deref() != Some(STATUS_OK) {
            let when = mailbox.last_tested_at.as_deref().unwrap_or_default();
            Some((
                FailureKind::LastTestFailed,
                format!(
                    "the last test ({}) failed: {}",
                    staleness::relative_time(when, now),
                    mailbox.last_error.as_deref().unwrap_or("no error recorded")
                ),
            ))
        } else {
            None
        };
        let (kind, message) = failure.unzip();
        Outcome {
            id: Some(mailbox.id.clone()),
            label: mailbox.label.clone(),
            host: mailbox.host.clone(),
            port: mailbox.port,
            ok: kind.is_none(),
            hint: kind.map(|kind| hint(kind, "", &mailbox.host, false, Some(&mailbox.label))),
            kind,
            message,
            alerts: Vec::new(),
            elapsed_ms: 0,
            round_trips: None,
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// "3 ok, 1 auth, 1 tls": counts by kind, ok first, then in order of first appearance.
pub fn summary(outcomes: &[Outcome]) -> String {
    let mut counts: Vec<(&str, usize)> = vec![(KIND_OK, 0)];
    for outcome in outcomes {
        let kind = outcome.kind_name();
        match counts.iter_mut().find(|(name, _)| *name == kind) {
            Some((_, count)) => *count += 1,
            None => counts.push((kind, 1)),
        }
    }
    counts
        .iter()
        .filter(|(name, count)| *count > 0 || *name == KIND_OK)
        .map(|(name, count)| format!("{count} {name}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_the_serde_names() {
        use FailureKind::*;
        for kind in [
            Auth,
            AppPasswordRequired,
            ImapDisabled,
            WebLoginRequired,
            Limit,
            Stale,
            LastTestFailed,
            Tls,
            Connect,
            Dns,
            Timeout,
            Protocol,
            OAuthRevoked,
            OAuthClient,
            Unsupported,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
        }
    }

    #[test]
    fn a_gmail_login_that_worked_before_is_probably_revoked() {
        let hint = hint(FailureKind::Auth, "", "imap.gmail.com", true, Some("Work"));
        assert!(hint.starts_with("this worked before, so the App Password was probably revoked"));
        assert!(hint.contains("https://myaccount.google.com/apppasswords"));
        assert!(hint.ends_with("`mailboxes edit 'Work' --password-prompt`"));
    }

    #[test]
    fn ad_hoc_hints_do_not_suggest_editing_a_store() {
        let hint = hint(
            FailureKind::AppPasswordRequired,
            "",
            "imap.gmail.com",
            false,
            None,
        );
        assert!(!hint.contains("mailboxes edit"), "{hint}");
    }

    #[test]
    fn tls_hints_follow_what_failed() {
        let tls = |message: &str| hint(FailureKind::Tls, message, "h", false, None);
        assert!(
            tls("certificate not trusted for h (self-signed certificate)").contains("--ca-cert")
        );
        // The messages exactly as the probe phrases them.
        let failed = |why: &str| tls(&format!("TLS handshake with h:993 failed: {why}"));
        assert!(failed(tls::NOT_TLS).starts_with("check the port and the --tls/--starttls choice"));
        for too_old in [tls::TLS_TOO_OLD, tls::NOTHING_IN_COMMON] {
            assert!(failed(too_old).starts_with("the server's TLS is too old"));
        }
    }

    #[test]
    fn a_limit_is_never_a_wrong_or_revoked_password() {
        let message = "server refused the login for now: Too many simultaneous connections.";
        for previously_ok in [false, true] {
            let hint = hint(
                FailureKind::Limit,
                message,
                "imap.gmail.com",
                previously_ok,
                Some("Work"),
            );
            assert!(hint.starts_with("the password was not checked"), "{hint}");
            assert!(
                !hint.contains("revoked") && !hint.contains("App Password"),
                "{hint}"
            );
        }
        let unavailable = hint(FailureKind::Limit, "login refused: down", "h", true, None);
        assert!(unavailable.contains("retry later"), "{unavailable}");
    }

    #[test]
    fn summary_counts_by_kind() {
        let outcome = |kind: Option<FailureKind>| Outcome {
            id: None,
            label: "x".into(),
            host: "h".into(),
            port: 1,
            ok: kind.is_none(),
            kind,
            message: None,
            hint: None,
            alerts: Vec::new(),
            elapsed_ms: 0,
            round_trips: None,
        };
        let all = [
            outcome(None),
            outcome(Some(FailureKind::Auth)),
            outcome(None),
            outcome(Some(FailureKind::Tls)),
            outcome(Some(FailureKind::AppPasswordRequired)),
        ];
        assert_eq!(
            summary(&all),
            "2 ok, 1 auth, 1 tls, 1 app_password_required"
        );
        assert_eq!(summary(&all[1..2]), "0 ok, 1 auth");
    }
}
