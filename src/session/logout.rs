//! `mailboxes logout`: revoke the session on the server and forget the stored tokens.

use serde::Serialize;

use super::gotrue;
use super::keeper::{Keeper, KeptIn};
use super::{forget_stored, profiles, storage, Options, SessionError};
use crate::http::Api;
use crate::secret::Secret;

#[derive(Debug, Serialize)]
pub struct LogoutReport {
    pub profile: String,
    pub url: Option<String>,
    /// Whether a session was stored.
    pub was_logged_in: bool,
    /// Whether the server revoked the session.
    pub revoked: bool,
    /// Why revocation failed (the stored tokens are deleted all the same).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_error: Option<String>,
    /// Where stored tokens were deleted.
    pub deleted_from: Vec<KeptIn>,
}

/// Revokes the session on the server (short timeout) and deletes the stored tokens, even when
/// the server is unreachable. Keeps the URL and anon key for the next login.
pub fn logout(opts: &Options) -> Result<LogoutReport, SessionError> {
    let remembered = profiles::get(&opts.paths, &opts.profile).map_err(storage)?;
    let mut report = LogoutReport {
        profile: opts.profile.clone(),
        url: remembered.url.clone(),
        was_logged_in: remembered.session.is_some(),
        revoked: false,
        revoke_error: None,
        deleted_from: Vec::new(),
    };
    let keeper = match (remembered.session, &remembered.url) {
        (Some(KeptIn::Keyring), Some(url)) => Some(Keeper::keyring(&opts.profile, url)),
        (Some(_), Some(_)) => Some(Keeper::file(&opts.paths, &opts.profile)),
        _ => None,
    };
    if let (Some(keeper), Some(url), Some(anon_key)) =
        (&keeper, &remembered.url, &remembered.anon_key)
    {
        match keeper.load() {
            Ok(Some(session)) => {
                let api = Api::new(url, Secret::new(anon_key.as_str()));
                match gotrue::sign_out(&api, &session.access_token) {
                    Ok(()) => report.revoked = true,
                    Err(err) => report.revoke_error = Some(err.to_string()),
                }
            }
            Ok(None) => report.revoke_error = Some("no stored session was found".into()),
            Err(err) => report.revoke_error = Some(err),
        }
    }
    report.deleted_from = forget_stored(&opts.paths, &opts.profile, &remembered);
    if remembered.session.is_some() {
        profiles::update(&opts.paths, &opts.profile, |profile| {
            profile.session = None;
        })
        .map_err(storage)?;
    }
    Ok(report)
}
