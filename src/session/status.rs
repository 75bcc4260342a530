//! `mailboxes status`: who is logged in where, and whether the migration is installed.

use serde::Serialize;

use super::keeper::KeptIn;
use super::{profiles, rfc3339, storage, CallError, Options, SessionError};
use crate::http::{Method, Request};
use crate::postgrest::{self, Client};

#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub profile: String,
    pub url: Option<String>,
    pub logged_in: bool,
    pub user_id: Option<String>,
    pub email: Option<String>,
    /// When the access token expires (RFC 3339), if known.
    pub expires_at: Option<String>,
    /// Where the session is kept: `keyring`, `file` or `env`.
    pub session: Option<KeptIn>,
    /// Whether the atomic SQL functions are installed (`None` when it could not be checked).
    pub migration_installed: Option<bool>,
    pub api_version: Option<i64>,
    /// What went wrong while checking, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// Who is logged in where, and whether the migration is installed (asks the server).
pub fn status(opts: &Options) -> Result<StatusReport, SessionError> {
    let remembered = profiles::get(&opts.paths, &opts.profile).map_err(storage)?;
    let mut report = StatusReport {
        profile: opts.profile.clone(),
        url: opts.url_for(&remembered),
        logged_in: false,
        user_id: None,
        email: remembered
            .email
            .clone()
            .filter(|_| remembered.session.is_some()),
        expires_at: None,
        session: match opts.access_token {
            Some(_) => Some(KeptIn::Env),
            None => remembered.session,
        },
        migration_installed: None,
        api_version: None,
        problem: None,
    };
    if opts.access_token.is_none() && remembered.session.is_none() {
        return Ok(report);
    }
    let client = match Client::open(opts) {
        Ok(client) => client,
        Err(err) => {
            report.problem = Some(err.to_string());
            return Ok(report);
        }
    };
    let connection = client.connection();
    report.session = Some(connection.kept_in());
    report.url = Some(connection.url().to_string());
    let probe = client.send_once(
        &Request::new(Method::Post, "/rest/v1/rpc/mailboxes_api_version")
            .json(&serde_json::json!({})),
    );
    let mut usable = true;
    match probe {
        Ok(reply) if reply.is_success() => {
            report.migration_installed = Some(true);
            report.api_version = reply.json().ok().and_then(|value| value.as_i64());
            client.remember_rpc(true);
        }
        Ok(reply) if postgrest::is_missing_function(&reply) => {
            report.migration_installed = Some(false);
            client.remember_rpc(false);
        }
        Ok(reply) => report.problem = Some(format!("checking the migration: {}", reply.error())),
        Err(CallError::Transport(failure)) => report.problem = Some(failure.to_string()),
        Err(CallError::Session(err)) => {
            usable = !matches!(err, SessionError::NotLoggedIn(_));
            report.problem = Some(err.to_string());
        }
    }
    if usable && connection.keeper.is_none() {
        // MAILBOXES_ACCESS_TOKEN: ask who it belongs to (one request; nothing is stored).
        if let Err(err) = connection.user_id() {
            usable = !matches!(err, CallError::Session(SessionError::NotLoggedIn(_)));
            report.problem.get_or_insert_with(|| match err {
                CallError::Transport(failure) => failure.to_string(),
                CallError::Session(err) => err.to_string(),
            });
        }
    }
    let credentials = connection.credentials.borrow();
    report.logged_in = usable;
    report.user_id = credentials.user_id().map(str::to_owned);
    report.email = credentials.email().map(str::to_owned).or(report.email);
    report.expires_at = credentials.expires_at().map(rfc3339);
    Ok(report)
}
