//! What is remembered per profile in `$XDG_CONFIG_HOME/mailboxes/profiles.json` (0600): the
//! project URL, its anon key, and non-secret markers (where the session is kept, the email).
//!
//! It never holds a token, so reading it is cheap and safe: `is_logged_in` decides the default
//! store from it without touching the keyring. Updates are read-modify-write under an exclusive
//! lock on `profiles.lock`, so two logins to different profiles do not lose each other.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::keeper::{write_private, KeptIn};
use crate::config::{ensure_private_dir, Paths};

#[derive(Debug, Default, Serialize)]
pub struct Profiles {
    pub profiles: BTreeMap<String, Profile>,
    /// Keys a newer version wrote, exactly as written (`crate::json`).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct ProfilesFields {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

impl<'de> Deserialize<'de> for Profiles {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Profiles, D::Error> {
        let map = serde_json::Map::deserialize(deserializer)?;
        let (fields, extra): (ProfilesFields, _) =
            crate::json::split_known(map, &["profiles"]).map_err(serde::de::Error::custom)?;
        Ok(Profiles {
            profiles: fields.profiles,
            extra,
        })
    }
}

/// A profile as stored; other keys (a newer version's) are kept in `extra`, exactly.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[serde(try_from = "ProfileWithExtra")]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The project's anon (publishable) key: public by design, sent with every request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anon_key: Option<String>,
    /// Where the session is kept; `None` when logged out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<KeptIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Unix seconds when the RPC functions were last found missing at `url` (a cache, so the
    /// fallback does not first try an RPC that 404s on every write).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc_missing_since: Option<i64>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// [`Profile`]'s keys read exactly (see `crate::json`), then split into fields and `extra`.
#[derive(Deserialize)]
#[serde(transparent)]
struct ProfileWithExtra(serde_json::Map<String, serde_json::Value>);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileFields {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    anon_key: Option<String>,
    #[serde(default)]
    session: Option<KeptIn>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    rpc_missing_since: Option<i64>,
}

impl TryFrom<ProfileWithExtra> for Profile {
    type Error = serde_json::Error;

    fn try_from(ProfileWithExtra(map): ProfileWithExtra) -> Result<Profile, Self::Error> {
        let known = ["url", "anonKey", "session", "email", "rpcMissingSince"];
        let (fields, extra): (ProfileFields, _) = crate::json::split_known(map, &known)?;
        Ok(Profile {
            url: fields.url,
            anon_key: fields.anon_key,
            session: fields.session,
            email: fields.email,
            rpc_missing_since: fields.rpc_missing_since,
            extra,
        })
    }
}

pub fn file(paths: &Paths) -> PathBuf {
    paths.config_dir.join("profiles.json")
}

pub fn load(paths: &Paths) -> Result<Profiles, String> {
    let path = file(paths);
    match fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|err| format!("{} is not valid: {err}", path.display())),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Profiles::default()),
        Err(err) => Err(format!("cannot read {}: {err}", path.display())),
    }
}

pub fn get(paths: &Paths, name: &str) -> Result<Profile, String> {
    Ok(load(paths)?.profiles.remove(name).unwrap_or_default())
}

/// Changes one profile under the lock and writes the file back atomically.
pub fn update(paths: &Paths, name: &str, change: impl FnOnce(&mut Profile)) -> Result<(), String> {
    let fail = |err: io::Error| format!("cannot update {}: {err}", file(paths).display());
    ensure_private_dir(&paths.config_dir).map_err(fail)?;
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(paths.config_dir.join("profiles.lock"))
        .map_err(fail)?;
    lock.lock().map_err(fail)?;
    let mut all = load(paths)?;
    change(all.profiles.entry(name.to_string()).or_default());
    let text = serde_json::to_string_pretty(&all).expect("profiles serialize");
    write_private(&paths.config_dir, &file(paths), text.as_bytes()).map_err(fail)
}
