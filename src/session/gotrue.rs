//! The Supabase Auth (GoTrue) endpoints the CLI uses: password and refresh-token grants,
//! logout, and the current user.
//!
//! Wire format as in supabase/auth (`internal/api/token.go`, `logout.go`, `errors.go`): the
//! token endpoints answer `{access_token, token_type, expires_in, expires_at, refresh_token,
//! user}`; errors are read leniently (`msg`/`message`/`error_description`, `error_code`/`code`).
//! Tokens are opaque here (HS256 or ES256 JWTs alike); expiry comes from `expires_at` or
//! `expires_in`, never from decoding a token.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::http::{Api, ApiError, Failure, Method, Request};
use crate::secret::Secret;

/// What the token endpoints answer.
#[derive(Deserialize)]
pub struct TokenReply {
    pub access_token: Secret,
    pub refresh_token: Secret,
    #[serde(default)]
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub expires_at: Option<i64>,
    pub user: User,
}

impl TokenReply {
    /// When the access token expires (unix seconds), from `expires_at`, else `now + expires_in`.
    pub fn expires_at(&self, now: i64) -> i64 {
        self.expires_at
            .or_else(|| self.expires_in.map(|seconds| now + seconds))
            // No expiry given: treat it as short-lived so it is refreshed soon.
            .unwrap_or(now + 60)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
}

/// Why an auth call failed.
#[derive(Debug)]
pub enum AuthFailure {
    /// The server answered with an error.
    Rejected(ApiError),
    /// No usable answer.
    Transport(Failure),
    /// An answer that is not GoTrue's.
    Invalid(String),
}

impl std::fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthFailure::Rejected(err) => write!(f, "{err}"),
            AuthFailure::Transport(failure) => write!(f, "{failure}"),
            AuthFailure::Invalid(message) => f.write_str(message),
        }
    }
}

#[derive(Serialize)]
struct PasswordGrant<'a> {
    email: &'a str,
    password: &'a str,
}

#[derive(Serialize)]
struct RefreshGrant<'a> {
    refresh_token: &'a str,
}

/// `POST /auth/v1/token?grant_type=password`.
pub fn sign_in(api: &Api, email: &str, password: &Secret) -> Result<TokenReply, AuthFailure> {
    token(api, sign_in_request(email, password))
}

// The password and tokens go in the JSON body, never in the URL (proxies log URLs).
fn sign_in_request(email: &str, password: &Secret) -> Request {
    let body = PasswordGrant {
        email,
        password: password.expose(),
    };
    Request::new(Method::Post, "/auth/v1/token?grant_type=password").json(&body)
}

fn refresh_request(refresh_token: &Secret) -> Request {
    let body = RefreshGrant {
        refresh_token: refresh_token.expose(),
    };
    Request::new(Method::Post, "/auth/v1/token?grant_type=refresh_token").json(&body)
}

/// `POST /auth/v1/token?grant_type=refresh_token`. The answer holds a new refresh token (the
/// old one is spent): store it before using the new access token.
pub fn refresh(api: &Api, refresh_token: &Secret) -> Result<TokenReply, AuthFailure> {
    token(api, refresh_request(refresh_token))
}

fn token(api: &Api, request: Request) -> Result<TokenReply, AuthFailure> {
    let reply = api.send(&request).map_err(AuthFailure::Transport)?;
    if !reply.is_success() {
        return Err(AuthFailure::Rejected(reply.error()));
    }
    serde_json::from_str(&reply.body).map_err(|err| {
        AuthFailure::Invalid(format!(
            "{} answered the token request with something that is not a session ({err})",
            api.base()
        ))
    })
}

/// `POST /auth/v1/logout?scope=local`: revokes this session's refresh tokens. Short timeout:
/// logging out must not hang on an unreachable server.
pub fn sign_out(api: &Api, access_token: &Secret) -> Result<(), AuthFailure> {
    let request = Request::new(Method::Post, "/auth/v1/logout?scope=local")
        .bearer(access_token)
        .timeout(Duration::from_secs(5));
    let reply = api.send(&request).map_err(AuthFailure::Transport)?;
    if reply.is_success() {
        Ok(())
    } else {
        Err(AuthFailure::Rejected(reply.error()))
    }
}

/// `GET /auth/v1/user`: who the access token belongs to (and whether it is still valid).
pub fn user(api: &Api, access_token: &Secret) -> Result<User, AuthFailure> {
    let reply = api
        .send(&Request::new(Method::Get, "/auth/v1/user").bearer(access_token))
        .map_err(AuthFailure::Transport)?;
    if !reply.is_success() {
        return Err(AuthFailure::Rejected(reply.error()));
    }
    serde_json::from_str(&reply.body)
        .map_err(|err| AuthFailure::Invalid(format!("unexpected answer from /auth/v1/user: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_go_in_the_body_not_the_url() {
        let password = Secret::new("hunter2-password");
        let request = sign_in_request("a@example.com", &password);
        assert!(!request.path.contains("hunter2"));
        let body = String::from_utf8(request.body.as_deref().unwrap().to_vec()).unwrap();
        assert_eq!(
            body,
            r#"{"email":"a@example.com","password":"hunter2-password"}"#
        );
        let request = refresh_request(&Secret::new("refresh-abc"));
        assert_eq!(request.path, "/auth/v1/token?grant_type=refresh_token");
        assert!(String::from_utf8_lossy(request.body.as_deref().unwrap()).contains("refresh-abc"));
    }

    #[test]
    fn expiry_from_the_reply() {
        let reply: TokenReply = serde_json::from_str(
            r#"{"access_token":"a","token_type":"bearer","expires_in":3600,"expires_at":1700003600,
                "refresh_token":"r","user":{"id":"u1","email":"a@example.com","aud":"authenticated"}}"#,
        )
        .unwrap();
        assert_eq!(reply.expires_at(1_700_000_000), 1_700_003_600);
        assert_eq!(reply.user.email.as_deref(), Some("a@example.com"));
        let no_at: TokenReply = serde_json::from_str(
            r#"{"access_token":"a","expires_in":60,"refresh_token":"r","user":{"id":"u1"}}"#,
        )
        .unwrap();
        assert_eq!(no_at.expires_at(100), 160);
    }
}
