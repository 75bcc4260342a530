//! `mailboxes login`: the password grant, and keeping the session (keyring, else 0600 file).

use serde::Serialize;

use super::gotrue::{self, AuthFailure};
use super::keeper::{Keeper, KeptIn, StoredSession};
use super::{forget_stored, now, profiles, rfc3339, storage, Options, SessionError};
use crate::http::Api;
use crate::secret::Secret;

#[derive(Debug, Serialize)]
pub struct LoginReport {
    pub profile: String,
    pub url: String,
    pub user_id: String,
    pub email: Option<String>,
    pub expires_at: String,
    pub session: KeptIn,
    /// Why the keyring was not used (the CLI says so once on stderr), when `session` is `file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyring_error: Option<String>,
}

/// Signs in with email + password and stores the session (keyring, else 0600 file).
pub fn login(opts: &Options, email: &str, password: &Secret) -> Result<LoginReport, SessionError> {
    let remembered = profiles::get(&opts.paths, &opts.profile).map_err(storage)?;
    let (url, anon_key) = opts.project(&remembered)?;
    let api = Api::new(&url, anon_key.clone());
    let reply = gotrue::sign_in(&api, email.trim(), password).map_err(|failure| match failure {
        AuthFailure::Rejected(err) if (400..500).contains(&err.status) => {
            SessionError::InvalidCredentials(format!("login failed: {}", err.message))
        }
        other => SessionError::Unavailable(format!("login failed: {other}")),
    })?;
    let session = StoredSession {
        url: url.clone(),
        expires_at: reply.expires_at(now()),
        email: reply
            .user
            .email
            .clone()
            .or_else(|| Some(email.trim().to_string())),
        user_id: reply.user.id.clone(),
        access_token: reply.access_token.clone(),
        refresh_token: reply.refresh_token.clone(),
    };

    // Replace whatever this profile had before, wherever it was kept.
    forget_stored(&opts.paths, &opts.profile, &remembered);
    let keyring = Keeper::keyring(&opts.profile, &url);
    let (kept_in, keyring_error) = match keyring.save(&session) {
        Ok(()) => (KeptIn::Keyring, None),
        Err(err) => {
            log::debug!("keyring unavailable: {err}");
            Keeper::file(&opts.paths, &opts.profile)
                .save(&session)
                .map_err(storage)?;
            (KeptIn::File, Some(err))
        }
    };
    profiles::update(&opts.paths, &opts.profile, |profile| {
        if profile.url.as_deref() != Some(&url) {
            profile.rpc_missing_since = None;
        }
        profile.url = Some(url.clone());
        profile.anon_key = Some(anon_key.expose().to_string());
        profile.session = Some(kept_in);
        profile.email = session.email.clone();
    })
    .map_err(storage)?;
    Ok(LoginReport {
        profile: opts.profile.clone(),
        url,
        user_id: session.user_id.clone(),
        email: session.email.clone(),
        expires_at: rfc3339(session.expires_at),
        session: kept_in,
        keyring_error,
    })
}
