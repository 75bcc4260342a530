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

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Profiles {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
    /// Keys a newer version wrote.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
