//! A mailbox entry exactly as the web app stores it, its masked view, and how users name one.
//!
//! The stored shape is `{id, label, host, port, tls, user, password, status?, lastTestedAt?,
//! lastError?}` in camelCase; fields the CLI does not know are kept in `extra`. Output never
//! sees a `Mailbox`: it gets a `Masked` view, which has no password field to leak.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::probe::{Mechanism, Security, Target};
use crate::secret::Secret;
use crate::untrusted::{printable, Untrusted};

/// One stored mailbox (read side). Writes go through `Change`, which edits the raw JSON.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mailbox {
    pub id: String,
    pub label: String,
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub user: String,
    /// Empty for an OAuth2 entry, which then has no `password` key at all.
    #[serde(
        serialize_with = "crate::secret::expose_to_store",
        skip_serializing_if = "Secret::is_empty"
    )]
    pub password: Secret,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_tested_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// An OAuth2 entry's tokens (`crate::oauth2::grant` reads the rest of its fields).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret::expose_option_to_store"
    )]
    pub refresh_token: Option<Secret>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret::expose_option_to_store"
    )]
    pub access_token: Option<Secret>,
    /// The OAuth2 client's secret, where it has one (Google's "Desktop app" client): a stored
    /// grant must refresh unattended, without the sign-in's environment.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret::expose_option_to_store"
    )]
    pub oauth_client_secret: Option<Secret>,
    /// Fields the web app (or a newer CLI) wrote that this version does not know, exactly as
    /// written (numbers too: `crate::json`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The keys [`Mailbox`] knows, as the web app writes them.
const KNOWN_KEYS: [&str; 13] = [
    "id",
    "label",
    "host",
    "port",
    "tls",
    "user",
    "password",
    "status",
    "lastTestedAt",
    "lastError",
    "refreshToken",
    "accessToken",
    "oauthClientSecret",
];

/// What [`Mailbox`] reads of an entry (the rest stays in `extra`, see `crate::json`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields {
    id: String,
    #[serde(default)]
    label: String,
    host: String,
    /// Read as a JSON number first: exact numbers (`crate::json`) would otherwise say only
    /// "invalid number" for a port out of range.
    port: serde_json::Number,
    #[serde(default = "default_tls")]
    tls: bool,
    user: String,
    #[serde(default)]
    password: Secret,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    last_tested_at: Option<String>,
    #[serde(default)]
    last_error: Option<String>,
    #[serde(default)]
    refresh_token: Option<Secret>,
    #[serde(default)]
    access_token: Option<Secret>,
    #[serde(default)]
    oauth_client_secret: Option<Secret>,
}

impl<'de> Deserialize<'de> for Mailbox {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Mailbox, D::Error> {
        let map = Map::<String, Value>::deserialize(deserializer)?;
        let (fields, extra): (Fields, _) =
            crate::json::split_known(map, &KNOWN_KEYS).map_err(serde::de::Error::custom)?;
        let port = fields
            .port
            .as_u64()
            .and_then(|port| u16::try_from(port).ok())
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "invalid value: integer `{}`, expected u16",
                    fields.port
                ))
            })?;
        Ok(Mailbox {
            id: fields.id,
            label: fields.label,
            host: fields.host,
            port,
            tls: fields.tls,
            user: fields.user,
            password: fields.password,
            status: fields.status,
            last_tested_at: fields.last_tested_at,
            last_error: fields.last_error,
            refresh_token: fields.refresh_token,
            access_token: fields.access_token,
            oauth_client_secret: fields.oauth_client_secret,
            extra,
        })
    }
}

impl Mailbox {
    /// A new, untested entry with a fresh v4 id.
    pub fn new(
        label: String,
        host: String,
        port: u16,
        tls: bool,
        user: String,
        password: Secret,
    ) -> Mailbox {
        Mailbox {
            id: uuid::Uuid::new_v4().to_string(),
            label,
            host,
            port,
            tls,
            user,
            password,
            status: Some(STATUS_PENDING.to_string()),
            last_tested_at: None,
            last_error: None,
            refresh_token: None,
            access_token: None,
            oauth_client_secret: None,
            extra: Default::default(),
        }
    }
}

fn default_tls() -> bool {
    true
}

/// `authType` of an OAuth2 entry (absent means `"password"`).
pub const AUTH_OAUTH2: &str = "oauth2";

/// `status` values, as the web app writes them.
pub const STATUS_OK: &str = "ok";
pub const STATUS_ERROR: &str = "error";
pub const STATUS_PENDING: &str = "pending";

impl Mailbox {
    pub fn security(&self) -> Security {
        Security::from_tls(self.tls)
    }

    /// Why this version cannot log in to this entry, if it cannot: an `authType` it does not
    /// know (the web app's OAuth2 entries, say) is never logged in to with an empty password,
    /// and its record is never rewritten.
    pub fn unsupported(&self) -> Option<String> {
        match self.extra.get("authType") {
            None | Some(Value::Null) => None,
            Some(Value::String(kind)) if kind == "password" || kind == AUTH_OAUTH2 => None,
            Some(other) => Some(format!(
                "this version of mailboxes cannot log in with authType {}: nothing was sent",
                printable(&other.to_string())
            )),
        }
    }

    /// Whether this is an OAuth2 entry (`authType: "oauth2"`).
    pub fn is_oauth2(&self) -> bool {
        self.extra.get("authType").and_then(Value::as_str) == Some(AUTH_OAUTH2)
    }

    /// What the probe needs to log in to this mailbox. For an OAuth2 entry the secret is the
    /// stored access token (the caller decides whether it is still good, or refreshes).
    pub fn target(&self) -> Target {
        let (secret, mechanism) = if self.is_oauth2() {
            (
                self.access_token.clone().unwrap_or_default(),
                Mechanism::OAuth2,
            )
        } else {
            (self.password.clone(), Mechanism::Password)
        };
        Target {
            // As `add` would store it: the web app may have kept `[::1]` in brackets (a port
            // inside the host is left for the connection to refuse in words).
            host: validate::host(&self.host).unwrap_or_else(|_| self.host.clone()),
            port: self.port,
            security: self.security(),
            user: self.user.clone(),
            secret,
            mechanism,
        }
    }

    pub fn short_id(&self) -> &str {
        self.id.get(..8).unwrap_or(&self.id)
    }

    /// The JSON a store writes for a new entry.
    pub fn to_stored_json(&self) -> Value {
        serde_json::to_value(self).expect("a mailbox always serializes")
    }

    /// The web app's GET item: everything but the password, which becomes `has_password`.
    pub fn masked(&self) -> Masked {
        let text = |value: &str| Untrusted::from(value);
        Masked {
            id: text(&self.id),
            label: text(&self.label),
            host: text(&self.host),
            port: self.port,
            tls: self.tls,
            user: text(&self.user),
            has_password: !self.password.is_empty(),
            status: self.status.as_deref().map(text),
            last_tested_at: self.last_tested_at.as_deref().map(text),
            last_error: self.last_error.as_deref().map(text),
            auth_type: match self.extra.get("authType") {
                Some(Value::String(kind)) => text(kind),
                None | Some(Value::Null) => text("password"),
                Some(other) => text(&other.to_string()),
            },
            oauth_provider: self
                .extra
                .get("oauthProvider")
                .and_then(Value::as_str)
                .map(text),
            has_refresh_token: self
                .refresh_token
                .as_ref()
                .is_some_and(|token| !token.is_empty()),
        }
    }
}

/// The masked view every report holds and every output prints. It cannot hold a password,
/// and every text in it is [`Untrusted`]: it reaches a terminal filtered, whatever prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Masked {
    pub id: Untrusted,
    pub label: Untrusted,
    pub host: Untrusted,
    pub port: u16,
    pub tls: bool,
    pub user: Untrusted,
    pub has_password: bool,
    pub status: Option<Untrusted>,
    #[serde(rename = "lastTestedAt")]
    pub last_tested_at: Option<Untrusted>,
    #[serde(rename = "lastError")]
    pub last_error: Option<Untrusted>,
    /// `password`, or what the entry says (`oauth2` from the web app's OAuth2 entries).
    #[serde(rename = "authType")]
    pub auth_type: Untrusted,
    /// `google`, `microsoft`, … for an OAuth2 entry.
    #[serde(rename = "oauthProvider")]
    pub oauth_provider: Option<Untrusted>,
    /// Whether an OAuth2 entry holds a refresh token (never the token).
    pub has_refresh_token: bool,
}

impl Masked {
    /// The first 8 characters of the id (what tables show; 4 or more select it).
    pub fn short_id(&self) -> Untrusted {
        let id = self.id.raw();
        Untrusted::from(id.get(..8).unwrap_or(id))
    }
}

/// The fields one `Change::Update` sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Patch {
    pub label: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<bool>,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub status: Option<String>,
    pub last_tested_at: Option<String>,
    /// `Some(None)` clears the last error (writes `null`).
    pub last_error: Option<Option<String>>,
    /// An OAuth2 entry's tokens, after a sign-in or a refresh.
    pub access_token: Option<Secret>,
    /// `Some(None)` writes `null` (the provider gave no expiry).
    pub access_token_expires_at: Option<Option<String>>,
    pub refresh_token: Option<Secret>,
    pub oauth_client_secret: Option<Secret>,
    /// Other fields set as they are (an OAuth2 entry's `authType`, `oauthProvider`, …; never a
    /// secret: `Debug` shows them).
    pub plain: Map<String, Value>,
}

impl Patch {
    /// The result of a test, as the web app's test endpoint records it.
    pub fn test_result(ok: bool, tested_at: String, error: Option<String>) -> Patch {
        Patch {
            status: Some(if ok { STATUS_OK } else { STATUS_ERROR }.to_string()),
            last_tested_at: Some(tested_at),
            last_error: Some(error),
            ..Patch::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.to_stored_json().is_empty()
    }

    /// The camelCase keys and values to merge into the stored entry.
    pub fn to_stored_json(&self) -> Map<String, Value> {
        let mut map = Map::new();
        let mut set = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                map.insert(key.to_string(), value);
            }
        };
        set("label", self.label.clone().map(Value::from));
        set("host", self.host.clone().map(Value::from));
        set("port", self.port.map(Value::from));
        set("tls", self.tls.map(Value::from));
        set("user", self.user.clone().map(Value::from));
        set(
            "password",
            self.password.as_ref().map(|p| Value::from(p.expose())),
        );
        set("status", self.status.clone().map(Value::from));
        set("lastTestedAt", self.last_tested_at.clone().map(Value::from));
        set(
            "lastError",
            self.last_error
                .clone()
                .map(|e| e.map_or(Value::Null, Value::from)),
        );
        set(
            "accessToken",
            self.access_token.as_ref().map(|t| Value::from(t.expose())),
        );
        set(
            "accessTokenExpiresAt",
            self.access_token_expires_at
                .clone()
                .map(|at| at.map_or(Value::Null, Value::from)),
        );
        set(
            "refreshToken",
            self.refresh_token.as_ref().map(|t| Value::from(t.expose())),
        );
        set(
            "oauthClientSecret",
            self.oauth_client_secret
                .as_ref()
                .map(|t| Value::from(t.expose())),
        );
        for (key, value) in &self.plain {
            map.insert(key.clone(), value.clone());
        }
        map
    }
}

/// How a user names a mailbox: an id, a unique id prefix (4+ chars) or a label (any case).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SelectorError {
    #[error("no mailbox matches '{}' (see `mailboxes list`)", printable(.0))]
    NoMatch(String),
    #[error("'{}' matches {} mailboxes ({}); use more of the id", printable(selector), candidates.len(), candidates.join(", "))]
    Ambiguous {
        selector: String,
        /// Already printable.
        candidates: Vec<String>,
    },
}

/// Finds the one mailbox `selector` names.
pub fn select<'a>(mailboxes: &'a [Mailbox], selector: &str) -> Result<&'a Mailbox, SelectorError> {
    if let Some(found) = mailboxes.iter().find(|m| m.id == selector) {
        return Ok(found);
    }
    let by_label: Vec<&Mailbox> = mailboxes
        .iter()
        .filter(|m| !m.label.is_empty() && m.label.to_lowercase() == selector.to_lowercase())
        .collect();
    let by_prefix: Vec<&Mailbox> = if selector.len() >= 4 {
        let prefix = selector.to_lowercase();
        mailboxes
            .iter()
            .filter(|m| m.id.to_lowercase().starts_with(&prefix))
            .collect()
    } else {
        Vec::new()
    };
    let matches = if by_label.is_empty() {
        by_prefix
    } else {
        by_label
    };
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(SelectorError::NoMatch(selector.to_string())),
        many => Err(SelectorError::Ambiguous {
            selector: selector.to_string(),
            candidates: many
                .iter()
                .map(|m| format!("{} {}", printable(m.short_id()), printable(&m.label)))
                .collect(),
        }),
    }
}

/// The mailboxes `selectors` name, each once, in the order named; all of them with `every`.
pub fn select_many(
    mailboxes: Vec<Mailbox>,
    selectors: &[String],
    every: bool,
) -> Result<Vec<Mailbox>, SelectorError> {
    if every {
        return Ok(mailboxes);
    }
    let mut chosen: Vec<Mailbox> = Vec::new();
    for selector in selectors {
        let mailbox = select(&mailboxes, selector)?;
        if !chosen.iter().any(|m| m.id == mailbox.id) {
            chosen.push(mailbox.clone());
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(id: &str, label: &str) -> Mailbox {
        serde_json::from_value(json!({
            "id": id, "label": label, "host": "imap.example.com", "port": 993, "tls": true,
            "user": "me@example.com", "password": "abcd efgh ijkl mnop"
        }))
        .unwrap()
    }

    #[test]
    fn debug_and_masked_never_show_the_password() {
        let mailbox = entry("8d0e4c2a-0000-4000-8000-000000000001", "Work");
        assert!(!format!("{mailbox:?}").contains("abcd"));
        let masked = serde_json::to_string(&mailbox.masked()).unwrap();
        assert!(!masked.contains("abcd"));
        assert!(masked.contains(r#""has_password":true"#));
    }

    #[test]
    fn unknown_fields_round_trip() {
        let raw =
            json!({"id": "x", "host": "h", "port": 1, "user": "u", "futureField": {"a": [1]}});
        let mailbox: Mailbox = serde_json::from_value(raw).unwrap();
        assert_eq!(mailbox.extra["futureField"], json!({"a": [1]}));
        assert_eq!(mailbox.to_stored_json()["futureField"], json!({"a": [1]}));
    }

    #[test]
    fn selectors() {
        let all = [
            entry("8d0e4c2a-0000-4000-8000-000000000001", "Work"),
            entry("8d0e9999-0000-4000-8000-000000000002", "Home"),
        ];
        assert_eq!(select(&all, "work").unwrap().label, "Work");
        assert_eq!(select(&all, "8d0e9").unwrap().label, "Home");
        assert_eq!(select(&all, all[0].id.as_str()).unwrap().label, "Work");
        assert!(matches!(
            select(&all, "8d0e"),
            Err(SelectorError::Ambiguous { .. })
        ));
        assert!(matches!(
            select(&all, "8d0"),
            Err(SelectorError::NoMatch(_))
        ));
        assert!(matches!(
            select(&all, "nope"),
            Err(SelectorError::NoMatch(_))
        ));
    }

    #[test]
    fn patch_writes_only_what_it_sets() {
        let patch = Patch {
            label: Some("New".into()),
            last_error: Some(None),
            ..Patch::default()
        };
        assert_eq!(
            Value::Object(patch.to_stored_json()),
            json!({"label": "New", "lastError": null})
        );
        assert!(Patch::default().is_empty());
    }
}

/// Checks and normalizes user-typed fields before they reach a store.
/// Labels name mailboxes on the command line, so two may not share one (in any case).
pub fn ensure_label_free(
    existing: &[Mailbox],
    label: &str,
    except_id: Option<&str>,
) -> anyhow::Result<()> {
    let clash = existing.iter().find(|m| {
        Some(m.id.as_str()) != except_id && m.label.to_lowercase() == label.to_lowercase()
    });
    match clash {
        Some(other) => Err(crate::error::usage(format!(
            "a mailbox labelled '{}' already exists ({}); choose another --label",
            other.label,
            other.short_id()
        ))),
        None => Ok(()),
    }
}

/// Now, as the web app writes `lastTestedAt` (JavaScript's `toISOString()`).
pub fn tested_at() -> String {
    timestamp(chrono::Utc::now())
}

/// A time as the web app writes one (JavaScript's `toISOString()`).
pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub mod validate {
    use crate::error::UsageError;

    fn no_control(value: &str, what: &str) -> Result<(), UsageError> {
        if value.chars().any(char::is_control) {
            return Err(UsageError(format!(
                "{what} must not contain control characters"
            )));
        }
        Ok(())
    }

    pub fn label(value: &str) -> Result<String, UsageError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(UsageError(
                "the label is empty; give a name with --label".into(),
            ));
        }
        if value.chars().count() > 100 {
            return Err(UsageError("the label is longer than 100 characters".into()));
        }
        no_control(value, "the label")?;
        Ok(value.to_string())
    }

    /// A host name or address as a connection needs it: an IPv6 address in brackets is
    /// unbracketed (`[::1]` → `::1`); a port in it (`imap.example.com:993`) is refused and
    /// pointed at `--port`, since stored with the host it would make every test fail as DNS.
    pub fn host(value: &str) -> Result<String, UsageError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(UsageError(
                "the host is empty; give the IMAP server with --host".into(),
            ));
        }
        if let Some(inner) = value.strip_prefix('[') {
            return match inner.split_once(']') {
                Some((address, "")) if address.parse::<std::net::Ipv6Addr>().is_ok() => {
                    Ok(address.to_string())
                }
                Some((address, port)) if port.starts_with(':') => Err(port_in_host(address, port)),
                _ => Err(UsageError(format!(
                    "'{value}' is not an IPv6 address; give it as --host ::1 (brackets optional)"
                ))),
            };
        }
        if value.contains(':') && value.parse::<std::net::Ipv6Addr>().is_err() {
            return match value.rsplit_once(':') {
                Some((name, port)) if !name.contains(':') => Err(port_in_host(name, port)),
                _ => Err(UsageError(format!(
                    "'{value}' is not a host name or address; give just the server, e.g. --host \
                     imap.example.com"
                ))),
            };
        }
        if value.len() > 253
            || value
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "/@?#".contains(c))
        {
            return Err(UsageError(format!(
                "'{value}' is not a host name; give just the server name, e.g. --host imap.example.com"
            )));
        }
        Ok(value.to_string())
    }

    fn port_in_host(host: &str, port: &str) -> UsageError {
        let port = port.trim_start_matches(':');
        UsageError(format!(
            "'{host}:{port}' has the port in the host; give --host {host} --port {port}"
        ))
    }

    pub fn user(value: &str) -> Result<String, UsageError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(UsageError(
                "the user is empty; give the login name with --user".into(),
            ));
        }
        no_control(value, "the user")?;
        Ok(value.to_string())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn checks() {
            assert_eq!(label("  Work ").unwrap(), "Work");
            assert!(label(" ").is_err());
            assert!(host("").is_err());
            assert!(host("imap.example.com/x").is_err());
            assert!(host("imap example").is_err());
            assert_eq!(host("imap.gmail.com").unwrap(), "imap.gmail.com");
            assert_eq!(host("[::1]").unwrap(), "::1");
            assert_eq!(host("::1").unwrap(), "::1");
            assert_eq!(host("[2001:db8::1]").unwrap(), "2001:db8::1");
            let port_hint = |h: &str| host(h).unwrap_err().0;
            assert_eq!(
                port_hint("127.0.0.1:993"),
                "'127.0.0.1:993' has the port in the host; give --host 127.0.0.1 --port 993"
            );
            assert!(port_hint("imap.example.com:993").contains("--port 993"));
            assert!(port_hint("[::1]:993").contains("--host ::1 --port 993"));
            assert!(host("[not-v6]").is_err());
            assert!(host("a:b:c").is_err());
            assert!(user("a\r\nb").is_err());
        }
    }
}
