//! A stored mailbox's OAuth2 grant (issue 12): the entry's fields, whether its access token can
//! still be used, the client that refreshes it, and the lock that keeps two processes from
//! spending one refresh token.
//!
//! The entry keeps flat camelCase keys beside the usual ones, so the web app's `entry || patch`
//! merge keeps working: `authType: "oauth2"`, `oauthProvider`, `oauthClientId` (the client that
//! minted the grant: a refresh with another one fails), `oauthScope`, `oauthTokenUrl` (only when
//! not the preset), `oauthTenant`, `refreshToken`, `accessToken`, `accessTokenExpiresAt`; no
//! `password`.

use std::fs::File;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Endpoints, Provider, Settings, Tokens};
use crate::config::{self, LockError};
use crate::mailbox::{Mailbox, Patch};
use crate::secret::Secret;

pub use crate::mailbox::AUTH_OAUTH2 as AUTH_TYPE;

/// An access token is used until this long before it expires: a login takes a moment, and
/// clocks differ.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// What a stored OAuth2 entry says about its grant.
#[derive(Debug, Clone)]
pub struct Grant {
    pub provider: Provider,
    pub client_id: Option<String>,
    pub scope: Option<String>,
    pub token_url: Option<String>,
    pub auth_url: Option<String>,
    pub tenant: Option<String>,
    pub refresh_token: Option<Secret>,
    pub access_token: Option<Secret>,
    pub expires_at: Option<DateTime<Utc>>,
    pub client_secret: Option<Secret>,
}

impl Grant {
    /// The grant of an OAuth2 entry; `None` for a password entry.
    pub fn of(mailbox: &Mailbox) -> Option<Grant> {
        if mailbox.extra.get("authType").and_then(Value::as_str) != Some(AUTH_TYPE) {
            return None;
        }
        let text = |key: &str| {
            mailbox
                .extra
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        let provider = match text("oauthProvider").as_deref() {
            Some("google") => Provider::Google,
            Some("microsoft") => Provider::Microsoft,
            _ => Provider::Custom,
        };
        Some(Grant {
            provider,
            client_id: text("oauthClientId"),
            scope: text("oauthScope"),
            token_url: text("oauthTokenUrl"),
            auth_url: text("oauthAuthUrl"),
            tenant: text("oauthTenant"),
            refresh_token: mailbox.refresh_token.clone().filter(|t| !t.is_empty()),
            access_token: mailbox.access_token.clone().filter(|t| !t.is_empty()),
            client_secret: mailbox
                .oauth_client_secret
                .clone()
                .filter(|t| !t.is_empty()),
            expires_at: text("accessTokenExpiresAt")
                .and_then(|at| DateTime::parse_from_rfc3339(&at).ok())
                .map(|at| at.with_timezone(&Utc)),
        })
    }

    /// The stored access token, while it is good for more than [`EXPIRY_MARGIN`]. A token
    /// without an expiry is tried (a login that fails then refreshes).
    pub fn usable_access_token(&self, now: DateTime<Utc>) -> Option<&Secret> {
        let token = self.access_token.as_ref()?;
        let margin = chrono::Duration::from_std(EXPIRY_MARGIN).expect("a small duration");
        match self.expires_at {
            Some(at) if at - margin <= now => None,
            _ => Some(token),
        }
    }

    /// The client that refreshes this grant: the stored client id and endpoint, the provider's
    /// secret from the environment (`GOOGLE_CLIENT_SECRET` for Google).
    pub fn token_client(&self) -> anyhow::Result<Endpoints> {
        Endpoints::new(&Settings {
            provider: Some(self.provider),
            tenant: self.tenant.as_deref(),
            auth_url: self.auth_url.as_deref(),
            token_url: self.token_url.as_deref(),
            client_id: self.client_id.as_deref(),
            client_secret_env: None,
            scope: self.scope.as_deref(),
            client_secret: self.client_secret.as_ref(),
        })
    }
}

/// What a refresh changes in the entry: the new access token, when it expires, and the
/// refresh token when the provider rotated it.
pub fn refreshed(tokens: &Tokens, now: DateTime<Utc>) -> Patch {
    Patch {
        access_token: Some(tokens.access_token.clone()),
        access_token_expires_at: Some(tokens.expires_in.map(|seconds| {
            let seconds = i64::try_from(seconds)
                .unwrap_or(i64::MAX)
                .min(10 * 365 * 86_400);
            crate::mailbox::timestamp(now + chrono::Duration::seconds(seconds))
        })),
        refresh_token: tokens.refresh_token.clone(),
        ..Patch::default()
    }
}

/// How long a process waits for another one that is refreshing the same grant.
pub const LOCK_WAIT: Duration = Duration::from_secs(60);

/// Takes the lock on one entry's grant (a file under `state_dir`, released on drop or death):
/// whoever holds it refreshes, and records the rotated refresh token before letting go, so the
/// next one reads it instead of spending the old one (which a rotating provider refuses).
pub fn lock(state_dir: &Path, entry_id: &str, wait: Duration) -> anyhow::Result<File> {
    let dir = state_dir.join("oauth2-locks");
    config::ensure_private_dir(&dir)
        .map_err(|err| anyhow::anyhow!("creating {}: {err}", dir.display()))?;
    // The id is the web app's uuid; anything else is reduced to a safe file name.
    let name: String = entry_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let path = dir.join(format!("{name}.lock"));
    config::lock_exclusive(&path, wait, Duration::from_millis(10)).map_err(|err| match err {
        LockError::TimedOut => anyhow::anyhow!(
            "another mailboxes process kept refreshing this mailbox's OAuth2 token for {} s; \
             try again",
            wait.as_secs()
        ),
        LockError::Open(err) | LockError::Lock(err) => {
            anyhow::anyhow!("locking {}: {err}", path.display())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(extra: Value) -> Mailbox {
        let mut value = json!({"id": "x", "label": "M", "host": "h", "port": 993, "user": "u"});
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn an_access_token_is_used_until_a_minute_before_it_expires() {
        let now = Utc::now();
        let at = |offset: i64| {
            let expires = (now + chrono::Duration::seconds(offset)).to_rfc3339();
            Grant::of(&entry(
                json!({"authType": "oauth2", "oauthProvider": "google",
                "accessToken": "ya29.t", "accessTokenExpiresAt": expires}),
            ))
            .unwrap()
        };
        assert!(at(3000).usable_access_token(now).is_some());
        assert!(at(61).usable_access_token(now).is_some());
        assert!(at(59).usable_access_token(now).is_none());
        assert!(at(-10).usable_access_token(now).is_none());
        let grant = at(3000);
        assert_eq!(grant.provider, Provider::Google);
        assert!(Grant::of(&entry(json!({"password": "p"}))).is_none());
    }
}
