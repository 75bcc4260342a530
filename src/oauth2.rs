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

/// Where and as whom to refresh.
pub struct TokenClient {
    token_url: String,
    client_id: String,
    client_secret: Option<Secret>,
    scope: Option<&'static str>,
}

/// The provider's settings, from presets, the environment and the flags.
pub struct Settings<'a> {
    pub provider: Provider,
    pub tenant: Option<&'a str>,
    pub token_url: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub client_secret_env: Option<&'a str>,
}

impl TokenClient {
    pub fn new(settings: &Settings<'_>) -> anyhow::Result<TokenClient> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let secret_from = |var: &str| {
            env(var).map(|v| Secret::new(v.trim())).ok_or_else(|| {
                usage(format!(
                    "environment variable {var} (the OAuth2 client secret) is not set"
                ))
            })
        };
        let (preset_url, preset_id, secret, scope) = match settings.provider {
            Provider::Google => {
                let secret = match settings.client_secret_env {
                    Some(var) => Some(secret_from(var)?),
                    None => Some(secret_from("GOOGLE_CLIENT_SECRET")?),
                };
                (
                    Some("https://oauth2.googleapis.com/token".to_string()),
                    env("GOOGLE_CLIENT_ID"),
                    secret,
                    None,
                )
            }
            Provider::Microsoft => (
                Some(format!(
                    "https://login.microsoftonline.com/{}/oauth2/v2.0/token",
                    settings.tenant.unwrap_or("common")
                )),
                env("MICROSOFT_CLIENT_ID"),
                settings.client_secret_env.map(secret_from).transpose()?,
                Some(MICROSOFT_SCOPE),
            ),
            Provider::Custom => (
                None,
                None,
                settings.client_secret_env.map(secret_from).transpose()?,
                None,
            ),
        };
        let token_url = settings
            .token_url
            .map(str::to_owned)
            .or(preset_url)
            .ok_or_else(|| usage("--oauth custom needs --oauth-token-url URL"))?;
        if !(token_url.starts_with("https://") || token_url.starts_with("http://")) {
            return Err(usage(format!(
                "--oauth-token-url must be an http(s) URL (got '{}')",
                printable(&token_url)
            )));
        }
        let client_id = settings
            .client_id
            .map(str::to_owned)
            .or(preset_id)
            .ok_or_else(|| {
                usage(match settings.provider {
                    Provider::Google => {
                        "no OAuth2 client id: set GOOGLE_CLIENT_ID (and \
                         GOOGLE_CLIENT_SECRET) to the \"Desktop app\" client that minted the \
                         refresh token (Google Cloud console → APIs & Services → Credentials)"
                    }
                    Provider::Microsoft => {
                        "no OAuth2 client id: set MICROSOFT_CLIENT_ID to the \
                         app registration that minted the refresh token (Entra admin center → App \
                         registrations)"
                    }
                    Provider::Custom => "no OAuth2 client id: pass --oauth-client-id",
                })
            })?;
        Ok(TokenClient {
            token_url,
            client_id,
            client_secret: secret,
            scope,
        })
    }
}

/// A fresh access token, and the refresh token to keep (a provider may rotate it).
pub struct Tokens {
    pub access_token: Secret,
    /// A new refresh token, when the provider rotated it (Microsoft does on every use).
    pub refresh_token: Option<Secret>,
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
pub fn refresh(client: &TokenClient, refresh_token: &Secret) -> Result<Tokens, RefreshError> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose()),
        ("client_id", &client.client_id),
    ];
    if let Some(secret) = &client.client_secret {
        fields.push(("client_secret", secret.expose()));
    }
    if let Some(scope) = client.scope {
        fields.push(("scope", scope));
    }
    let endpoint = printable(&client.token_url).into_owned();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let last = attempt >= TRIES;
        let again = match http::post_form(&client.token_url, &fields) {
            Ok(reply) if reply.is_success() => return tokens(&reply.body, &endpoint),
            Ok(reply) if matches!(reply.status, 408 | 429 | 500..=599) && !last => {
                log::debug!("token endpoint: HTTP {}, retrying", reply.status);
                reply
                    .retry_after
                    .unwrap_or(Duration::from_millis(200 * u64::from(attempt)))
            }
            Ok(reply) => return Err(refused(reply.status, &reply.body, &endpoint)),
            Err(failure) if !last => {
                log::debug!("token endpoint: {failure}, retrying");
                Duration::from_millis(200 * u64::from(attempt))
            }
            Err(failure) => {
                return Err(RefreshError::Failed(format!(
                    "cannot refresh the access token at {endpoint}: {failure}"
                )))
            }
        };
        std::thread::sleep(again.min(Duration::from_secs(10)));
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
    })
}

/// A refusal in people's words; the permanent ones (RFC 6749 §5.2) as [`RefreshError::Revoked`].
fn refused(status: u16, body: &str, endpoint: &str) -> RefreshError {
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
    let message = format!("the token endpoint {endpoint} refused the refresh token ({said})");
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
    fn permanent_refusals_are_revoked_the_rest_failed() {
        let revoked = refused(
            400,
            r#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#,
            "https://oauth2.googleapis.com/token",
        );
        assert!(matches!(&revoked, RefreshError::Revoked(m)
            if m.ends_with("(invalid_grant: Token has been expired or revoked.)")));
        assert!(matches!(
            refused(400, r#"{"error":"unauthorized_client"}"#, "x"),
            RefreshError::Revoked(_)
        ));
        assert!(matches!(
            refused(400, r#"{"error":"invalid_scope"}"#, "x"),
            RefreshError::Failed(_)
        ));
        assert!(
            matches!(refused(403, "<html>", "x"), RefreshError::Failed(m) if m.contains("HTTP 403"))
        );
    }
}
