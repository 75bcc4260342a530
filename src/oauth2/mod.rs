//! OAuth2 for IMAP: the providers' token endpoints and refreshing an access token from a
//! refresh token (RFC 6749 §6), for `test --host … --refresh-token-env VAR` in CI.
//!
//! Presets (shared/fixtures/oauth2-imap.md): Google's token endpoint wants the client secret of
//! its "Desktop app" client even though it is not secret (`GOOGLE_CLIENT_ID`,
//! `GOOGLE_CLIENT_SECRET`, the web app's names); Microsoft's is a public client
//! (`MICROSOFT_CLIENT_ID`, `--oauth-tenant`, default `common`) and wants the scope again;
//! `custom` names its token endpoint (`--oauth-token-url`, which also overrides a preset, for
//! self-hosted identity providers and tests). A refresh is retried only after a network error,
//! 408, 429 or a 5xx; `invalid_grant`, `unauthorized_client` and `invalid_client` are
//! permanent: the grant is gone and only signing in again helps.

pub mod flow;
pub mod grant;

use std::time::Duration;

use serde_json::Value;

use crate::error::usage;
use crate::http;
use crate::secret::Secret;
use crate::untrusted::printable;

/// Who issued the grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Provider {
    /// Google (Gmail, Workspace): GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET
    Google,
    /// Microsoft 365, Outlook.com: MICROSOFT_CLIENT_ID, --oauth-tenant
    Microsoft,
    /// Any other: --oauth-token-url and --oauth-client-id
    Custom,
}

pub const MICROSOFT_SCOPE: &str = "https://outlook.office.com/IMAP.AccessAsUser.All offline_access";

pub const GOOGLE_SCOPE: &str = "https://mail.google.com/";

/// A provider's endpoints and our client there: where to sign in, refresh and revoke.
#[derive(Clone)]
pub struct Endpoints {
    pub provider: Provider,
    /// The authorization endpoint (only a sign-in needs it).
    pub auth_url: Option<String>,
    pub token_url: String,
    pub client_id: String,
    client_secret: Option<Secret>,
    /// The scope asked for at sign-in.
    pub scope: String,
    /// Microsoft's tenant (the endpoints are under it), for the record.
    pub tenant: Option<String>,
    /// Sent again on a refresh (Microsoft wants it).
    refresh_scope: Option<String>,
}

/// The provider's settings, from presets, the environment and the flags.
#[derive(Default)]
pub struct Settings<'a> {
    pub provider: Option<Provider>,
    pub tenant: Option<&'a str>,
    pub auth_url: Option<&'a str>,
    pub token_url: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub client_secret_env: Option<&'a str>,
    /// Overrides the preset scope (a custom provider's, or a stored entry's).
    pub scope: Option<&'a str>,
    /// The client secret a stored entry keeps (used before any environment variable).
    pub client_secret: Option<&'a Secret>,
}

/// An https URL given for an endpoint (plain http only to this machine: a local identity
/// provider, a test), or a usage error naming the flag.
fn endpoint_url(url: String, flag: &str) -> anyhow::Result<String> {
    let loopback = [
        "http://127.0.0.1:",
        "http://127.0.0.1/",
        "http://localhost:",
        "http://localhost/",
        "http://[::1]:",
        "http://[::1]/",
    ]
    .iter()
    .any(|prefix| url.starts_with(prefix));
    if url.starts_with("https://") || loopback {
        Ok(url)
    } else {
        Err(usage(format!(
            "{flag} must be an https URL (plain http only to 127.0.0.1 or localhost; got '{}')",
            printable(&url)
        )))
    }
}

impl Endpoints {
    pub fn new(settings: &Settings<'_>) -> anyhow::Result<Endpoints> {
        let provider = settings.provider.unwrap_or(Provider::Custom);
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let secret_from = |var: &str| {
            env(var).map(|v| Secret::new(v.trim())).ok_or_else(|| {
                usage(format!(
                    "environment variable {var} (the OAuth2 client secret) is not set"
                ))
            })
        };
        let tenant = settings.tenant.unwrap_or("common");
        if !tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(usage(format!(
                "--oauth-tenant must be common, consumers, organizations or a tenant id (got '{}')",
                printable(tenant)
            )));
        }
        let microsoft = |endpoint: &str| {
            format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/{endpoint}")
        };
        // The client id is checked first: without one there is nothing to sign in to, and its
        // message says how to get one.
        let preset_id = match provider {
            Provider::Google => env("GOOGLE_CLIENT_ID"),
            Provider::Microsoft => env("MICROSOFT_CLIENT_ID"),
            Provider::Custom => None,
        };
        let client_id = settings
            .client_id
            .map(str::to_owned)
            .or(preset_id.clone())
            .ok_or_else(|| {
                usage(match provider {
                    Provider::Google => {
                        "no OAuth2 client id: set GOOGLE_CLIENT_ID (and \
                         GOOGLE_CLIENT_SECRET) to your \"Desktop app\" client (Google Cloud \
                         console → APIs & Services → Credentials; see the README)"
                    }
                    Provider::Microsoft => {
                        "no OAuth2 client id: set MICROSOFT_CLIENT_ID to your app \
                         registration (Entra admin center → App registrations; see the README)"
                    }
                    Provider::Custom => "no OAuth2 client id: pass --oauth-client-id",
                })
            })?;
        let (preset_auth, preset_token, secret, preset_scope) = match provider {
            Provider::Google => {
                let secret = match (settings.client_secret, settings.client_secret_env) {
                    (Some(stored), _) => Some(stored.clone()),
                    (None, Some(var)) => Some(secret_from(var)?),
                    (None, None) => Some(secret_from("GOOGLE_CLIENT_SECRET")?),
                };
                (
                    Some("https://accounts.google.com/o/oauth2/v2/auth".to_string()),
                    Some("https://oauth2.googleapis.com/token".to_string()),
                    secret,
                    Some(GOOGLE_SCOPE),
                )
            }
            Provider::Microsoft => (
                Some(microsoft("authorize")),
                Some(microsoft("token")),
                match settings.client_secret {
                    Some(stored) => Some(stored.clone()),
                    None => settings.client_secret_env.map(secret_from).transpose()?,
                },
                Some(MICROSOFT_SCOPE),
            ),
            Provider::Custom => (
                None,
                None,
                match settings.client_secret {
                    Some(stored) => Some(stored.clone()),
                    None => settings.client_secret_env.map(secret_from).transpose()?,
                },
                None,
            ),
        };
        let token_url = settings
            .token_url
            .map(str::to_owned)
            .or(preset_token)
            .ok_or_else(|| usage("--oauth custom needs --oauth-token-url URL"))?;
        let token_url = endpoint_url(token_url, "--oauth-token-url")?;
        let auth_url = settings
            .auth_url
            .map(str::to_owned)
            .or(preset_auth)
            .map(|url| endpoint_url(url, "--oauth-auth-url"))
            .transpose()?;
        let scope = settings
            .scope
            .map(str::to_owned)
            .or(preset_scope.map(str::to_owned))
            .unwrap_or_default();
        Ok(Endpoints {
            provider,
            auth_url,
            token_url,
            client_id,
            client_secret: secret,
            refresh_scope: (provider == Provider::Microsoft).then(|| scope.clone()),
            scope,
            tenant: (provider == Provider::Microsoft).then(|| tenant.to_owned()),
        })
    }

    /// The client secret, for the entry to keep (a stored grant refreshes unattended).
    pub fn client_secret(&self) -> Option<&Secret> {
        self.client_secret.as_ref()
    }

    /// Whether the token endpoint is the provider's own (not stored then).
    pub fn is_preset_token_url(&self) -> bool {
        self.token_url.starts_with("https://oauth2.googleapis.com/")
            || self
                .token_url
                .starts_with("https://login.microsoftonline.com/")
    }

    /// Whether the authorization endpoint is the provider's own (not stored then).
    pub fn is_preset_auth_url(&self) -> bool {
        self.auth_url.as_deref().is_none_or(|url| {
            url.starts_with("https://accounts.google.com/")
                || url.starts_with("https://login.microsoftonline.com/")
        })
    }

    /// An endpoint beside the token endpoint: Microsoft's `devicecode`, Google's `revoke`
    /// (`…/token` → `…/NAME`, which also holds for a stand-in at an overridden URL).
    fn sibling(&self, name: &str) -> Option<String> {
        sibling(&self.token_url, name)
    }

    fn with_client(&self, mut fields: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
        fields.push(("client_id", self.client_id.clone()));
        if let Some(secret) = &self.client_secret {
            fields.push(("client_secret", secret.expose().to_owned()));
        }
        fields
    }
}

/// `…/token` → `…/NAME`.
fn sibling(token_url: &str, name: &str) -> Option<String> {
    token_url
        .strip_suffix("/token")
        .map(|base| format!("{base}/{name}"))
}

/// A fresh access token, and the refresh token to keep (a provider may rotate it). `Debug`
/// shows no token (`Secret`'s own).
#[derive(Debug)]
pub struct Tokens {
    pub access_token: Secret,
    /// A new refresh token, when the provider rotated it (Microsoft does on every use).
    pub refresh_token: Option<Secret>,
    /// Seconds the access token is good for, as the provider said (`expires_in`).
    pub expires_in: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The grant is gone (revoked, expired, another client): only signing in again helps.
    #[error("{0}")]
    Revoked(String),
    /// The endpoint could not be reached or kept failing.
    #[error("{0}")]
    Failed(String),
}

/// How often a refresh is tried when the endpoint fails for now.
const TRIES: u32 = 3;

/// Trades `refresh_token` for a new access token.
pub fn refresh(client: &Endpoints, refresh_token: &Secret) -> Result<Tokens, RefreshError> {
    let mut fields = client.with_client(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh_token.expose().into()),
    ]);
    if let Some(scope) = &client.refresh_scope {
        fields.push(("scope", scope.clone()));
    }
    token_request(client, &fields, "refresh the access token", TRIES)
}

/// Posts `fields` to the token endpoint, retrying what may pass (network, 408, 429, 5xx).
fn token_request(
    client: &Endpoints,
    fields: &[(&'static str, String)],
    doing: &str,
    tries: u32,
) -> Result<Tokens, RefreshError> {
    // What the endpoint says back may quote what it was sent: never a secret of ours.
    let sent: Vec<Secret> = fields
        .iter()
        .filter(|(key, _)| {
            matches!(
                *key,
                "refresh_token" | "code" | "code_verifier" | "client_secret" | "device_code"
            )
        })
        .map(|(_, value)| Secret::new(value.clone()))
        .collect();
    let masker = crate::secret::Masker::new(&sent.iter().collect::<Vec<_>>());
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let endpoint = printable(&client.token_url).into_owned();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let last = attempt >= tries;
        let again = match http::post_form(&client.token_url, &fields) {
            Ok(reply) if reply.is_success() => return tokens(&reply.body, &endpoint),
            Ok(reply) if matches!(reply.status, 408 | 429 | 500..=599) && !last => {
                log::debug!("token endpoint: HTTP {}, retrying", reply.status);
                reply
                    .retry_after
                    .unwrap_or(Duration::from_millis(200 * u64::from(attempt)))
            }
            Ok(reply) => {
                return Err(refused(
                    reply.status,
                    &masker.mask(&reply.body),
                    &endpoint,
                    doing,
                ))
            }
            Err(failure) if !last => {
                log::debug!("token endpoint: {failure}, retrying");
                Duration::from_millis(200 * u64::from(attempt))
            }
            Err(failure) => {
                return Err(RefreshError::Failed(format!(
                    "cannot {doing} at {endpoint}: {failure}"
                )))
            }
        };
        std::thread::sleep(again.min(Duration::from_secs(10)));
    }
}

/// Trades an authorization code (with its PKCE verifier) for tokens (RFC 6749 §4.1.3).
pub fn exchange_code(
    client: &Endpoints,
    code: &Secret,
    redirect_uri: &str,
    verifier: &str,
) -> anyhow::Result<Tokens> {
    let fields = client.with_client(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.expose().into()),
        ("redirect_uri", redirect_uri.into()),
        ("code_verifier", verifier.into()),
    ]);
    // Once: a code is single-use, so a retry after a lost answer could only be refused.
    let tokens = token_request(client, &fields, "take the sign-in", 1)?;
    with_refresh_token(tokens, client)
}

/// A sign-in is worth storing only with a refresh token: access tokens last an hour.
fn with_refresh_token(tokens: Tokens, client: &Endpoints) -> anyhow::Result<Tokens> {
    if tokens.refresh_token.is_none() {
        return Err(anyhow::anyhow!(
            "the provider sent no refresh token, so the sign-in would stop working within the \
             hour; nothing was stored{}",
            match client.provider {
                Provider::Google =>
                    " (Google sends one with access_type=offline and \
                                     prompt=consent, which mailboxes asks for; check the client)",
                Provider::Microsoft => " (Microsoft sends one for the offline_access scope)",
                Provider::Custom =>
                    " (ask for the offline_access scope, or what your \
                                     provider needs, with --oauth-scope)",
            }
        ));
    }
    Ok(tokens)
}

/// Revokes a grant where the provider can (Google: RFC 7009 at `…/revoke`). `Ok(false)` where
/// it has no such endpoint (Microsoft: a refresh token dies unused after 90 days).
/// `token_url` is the stored one (an override), else Google's own. Needs no client secret.
pub fn revoke(
    provider: Provider,
    token_url: Option<&str>,
    refresh_token: &Secret,
) -> Result<bool, String> {
    if provider != Provider::Google {
        return Ok(false);
    }
    let token_url = token_url.unwrap_or("https://oauth2.googleapis.com/token");
    let Some(url) = sibling(token_url, "revoke") else {
        return Ok(false);
    };
    match http::post_form(&url, &[("token", refresh_token.expose())]) {
        Ok(reply) if reply.is_success() => Ok(true),
        // Already revoked or expired: what `remove` wanted anyway.
        Ok(reply) if reply.status == 400 && reply.body.contains("invalid_token") => Ok(true),
        Ok(reply) => Err(format!(
            "{} answered HTTP {}",
            printable(&url),
            reply.status
        )),
        Err(failure) => Err(format!("{}: {failure}", printable(&url))),
    }
}

/// The device authorization grant (RFC 8628), for Microsoft: the person signs in on any
/// device with the code shown; we poll the token endpoint at the pace the provider sets.
pub fn device_sign_in(
    client: &Endpoints,
    timeout: Duration,
    say: &dyn Fn(&str),
) -> anyhow::Result<Tokens> {
    let url = client.sibling("devicecode").ok_or_else(|| {
        usage("--device needs a token endpoint ending in /token (its devicecode endpoint is beside it)")
    })?;
    let fields = client.with_client(vec![("scope", client.scope.clone())]);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = http::post_form(&url, &fields).map_err(|failure| {
        anyhow::anyhow!(
            "cannot start the device sign-in at {}: {failure}",
            printable(&url)
        )
    })?;
    if !reply.is_success() {
        return Err(refused(
            reply.status,
            &reply.body,
            &printable(&url),
            "start a device sign-in",
        )
        .into());
    }
    let value: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    let text = |key: &str| value[key].as_str().map(str::to_owned);
    let (Some(device_code), Some(user_code), Some(verify)) = (
        text("device_code"),
        text("user_code"),
        text("verification_uri").or_else(|| text("verification_url")),
    ) else {
        return Err(anyhow::anyhow!(
            "{} answered without a device_code, user_code and verification_uri",
            printable(&url)
        ));
    };
    let device_code = Secret::new(device_code);
    say(&format!(
        "To sign in, open {} on any device and enter the code {}",
        printable(&verify),
        printable(&user_code)
    ));
    let started = std::time::Instant::now();
    let lifetime = value["expires_in"]
        .as_u64()
        .map(Duration::from_secs)
        .unwrap_or(timeout);
    let mut interval = Duration::from_secs(value["interval"].as_u64().unwrap_or(5).clamp(1, 60));
    let fields = client.with_client(vec![
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:device_code".into(),
        ),
        ("device_code", device_code.expose().into()),
    ]);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    loop {
        if started.elapsed() + interval > timeout.min(lifetime) {
            return Err(usage(format!(
                "the code was not entered within {} s; nothing was stored (run it again, or raise --timeout)",
                timeout.min(lifetime).as_secs()
            )));
        }
        std::thread::sleep(interval);
        let reply = match http::post_form(&client.token_url, &fields) {
            Ok(reply) => reply,
            Err(failure) => {
                log::debug!("device sign-in poll: {failure}");
                continue;
            }
        };
        if reply.is_success() {
            let tokens = tokens(&reply.body, &printable(&client.token_url))?;
            return with_refresh_token(tokens, client);
        }
        let value: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
        match value["error"].as_str().unwrap_or_default() {
            "authorization_pending" => {}
            // RFC 8628 §3.5: five seconds more from now on.
            "slow_down" => interval += Duration::from_secs(5),
            "access_denied" | "authorization_declined" => {
                return Err(anyhow::anyhow!(
                    "the sign-in was refused (access_denied): nothing was stored"
                ))
            }
            "expired_token" | "code_expired" => {
                return Err(anyhow::anyhow!(
                    "the code expired before it was entered; nothing was stored (run it again)"
                ))
            }
            _ => {
                let masker = crate::secret::Masker::new(
                    &[Some(&device_code), client.client_secret.as_ref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>(),
                );
                return Err(refused(
                    reply.status,
                    &masker.mask(&reply.body),
                    &printable(&client.token_url),
                    "finish the device sign-in",
                )
                .into());
            }
        }
    }
}

fn tokens(body: &str, endpoint: &str) -> Result<Tokens, RefreshError> {
    let value: Value = serde_json::from_str(body).map_err(|_| {
        RefreshError::Failed(format!(
            "the token endpoint {endpoint} answered something else than JSON"
        ))
    })?;
    let text = |key: &str| {
        value[key]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(Secret::new)
    };
    let access_token = text("access_token").ok_or_else(|| {
        RefreshError::Failed(format!(
            "the token endpoint {endpoint} sent no access_token"
        ))
    })?;
    Ok(Tokens {
        access_token,
        refresh_token: text("refresh_token"),
        // Said as a number, a float or a string; when not said at all, the hour Google and
        // Microsoft give, so a stored token is never taken for good forever.
        expires_in: value["expires_in"]
            .as_u64()
            .or_else(|| {
                value["expires_in"]
                    .as_f64()
                    .filter(|s| *s >= 0.0)
                    .map(|s| s as u64)
            })
            .or_else(|| value["expires_in"].as_str()?.trim().parse().ok())
            .or(Some(3600)),
    })
}

/// A refusal in people's words; the permanent ones (RFC 6749 §5.2) as [`RefreshError::Revoked`].
fn refused(status: u16, body: &str, endpoint: &str, doing: &str) -> RefreshError {
    let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let code = value["error"].as_str().unwrap_or_default();
    let description = value["error_description"].as_str().unwrap_or_default();
    let said = printable(&match (code, description) {
        ("", _) => format!("HTTP {status}"),
        (code, "") => code.to_owned(),
        (code, description) => format!("{code}: {description}"),
    })
    .chars()
    .take(200)
    .collect::<String>();
    let message = format!("the token endpoint {endpoint} refused to {doing} ({said})");
    match code {
        "invalid_grant" | "unauthorized_client" | "invalid_client" => {
            RefreshError::Revoked(message)
        }
        _ => RefreshError::Failed(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_endpoints_only_on_this_machine() {
        assert!(endpoint_url("https://idp.example/token".into(), "--x").is_ok());
        assert!(endpoint_url("http://127.0.0.1:8080/token".into(), "--x").is_ok());
        assert!(endpoint_url("http://localhost/token".into(), "--x").is_ok());
        for bad in [
            "http://idp.example/token",
            "http://127.0.0.1.evil.example/t",
            "ftp://x",
        ] {
            assert!(endpoint_url(bad.into(), "--x").is_err(), "{bad}");
        }
    }

    /// A token endpoint that quotes what it was sent in its error: the text shown and stored
    /// holds no secret of ours.
    #[test]
    fn an_endpoint_echoing_the_refresh_token_does_not_get_it_shown() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let body = r#"{"error":"invalid_grant","error_description":"bad token 1//echoed-refresh-token-value"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        });
        let client = Endpoints::new(&Settings {
            provider: Some(Provider::Custom),
            token_url: Some(&format!("http://127.0.0.1:{port}/token")),
            client_id: Some("c"),
            ..Settings::default()
        })
        .unwrap();
        let err = refresh(&client, &Secret::new("1//echoed-refresh-token-value")).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, RefreshError::Revoked(_)), "{text}");
        assert!(!text.contains("echoed-refresh-token"), "{text}");
    }

    #[test]
    fn permanent_refusals_are_revoked_the_rest_failed() {
        let revoked = refused(
            400,
            r#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#,
            "https://oauth2.googleapis.com/token",
            "refresh the access token",
        );
        assert!(matches!(&revoked, RefreshError::Revoked(m)
            if m.ends_with("(invalid_grant: Token has been expired or revoked.)")));
        assert!(matches!(
            refused(400, r#"{"error":"unauthorized_client"}"#, "x", "y"),
            RefreshError::Revoked(_)
        ));
        assert!(matches!(
            refused(400, r#"{"error":"invalid_scope"}"#, "x", "y"),
            RefreshError::Failed(_)
        ));
        assert!(
            matches!(refused(403, "<html>", "x", "y"), RefreshError::Failed(m) if m.contains("HTTP 403"))
        );
    }
}
