//! Where a session's tokens are kept: the OS keyring, else a 0600 file, or (for one run) the
//! environment.
//!
//! Keyring: service `mailboxes`, account `<profile>:<url>`, the secret being the session as
//! JSON (Secret Service on Linux). Every keyring call runs in a thread and is given up after
//! 3 s, because D-Bus can hang (as gh does). Where no keyring answers (headless CI), the session
//! goes to `$XDG_STATE_HOME/mailboxes/session.<profile>.json`, mode 0600 in a 0700 dir, written
//! atomically (temp file + fsync + rename) so a concurrent reader never sees half a session.

use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::config::{ensure_private_dir, Paths};
use crate::secret::Secret;

const KEYRING_SERVICE: &str = "mailboxes";
const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

/// Where a session is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeptIn {
    /// The OS keyring (Secret Service, macOS Keychain, Windows Credential Manager).
    Keyring,
    /// A 0600 file in the state dir.
    File,
    /// `MAILBOXES_ACCESS_TOKEN`, for this run only.
    Env,
}

impl std::fmt::Display for KeptIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeptIn::Keyring => "keyring",
            KeptIn::File => "file",
            KeptIn::Env => "env",
        })
    }
}

/// A signed-in session as stored. `Debug` shows no token (`Secret` prints `***`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSession {
    /// The project this session belongs to; a session for another URL is not used.
    pub url: String,
    #[serde(serialize_with = "crate::secret::expose_to_store")]
    pub access_token: Secret,
    #[serde(serialize_with = "crate::secret::expose_to_store")]
    pub refresh_token: Secret,
    /// Unix seconds.
    pub expires_at: i64,
    pub user_id: String,
    #[serde(default)]
    pub email: Option<String>,
}

/// One place a profile's session can be kept.
#[derive(Debug, Clone)]
pub enum Keeper {
    Keyring { account: String },
    File { path: PathBuf, dir: PathBuf },
}

impl Keeper {
    pub fn keyring(profile: &str, url: &str) -> Keeper {
        Keeper::Keyring {
            account: format!("{profile}:{url}"),
        }
    }

    pub fn file(paths: &Paths, profile: &str) -> Keeper {
        Keeper::File {
            path: session_file(paths, profile),
            dir: paths.state_dir.clone(),
        }
    }

    pub fn kind(&self) -> KeptIn {
        match self {
            Keeper::Keyring { .. } => KeptIn::Keyring,
            Keeper::File { .. } => KeptIn::File,
        }
    }

    /// The stored session, `None` when there is none.
    pub fn load(&self) -> Result<Option<StoredSession>, String> {
        let text: Option<Zeroizing<String>> = match self {
            Keeper::Keyring { account } => {
                let account = account.clone();
                bounded(move || match keyring_entry(&account)?.get_password() {
                    Ok(text) => Ok(Some(Zeroizing::new(text))),
                    Err(keyring::Error::NoEntry) => Ok(None),
                    Err(err) => Err(err),
                })?
            }
            Keeper::File { path, .. } => match fs::read_to_string(path) {
                Ok(text) => Some(Zeroizing::new(text)),
                Err(err) if err.kind() == io::ErrorKind::NotFound => None,
                Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
            },
        };
        let Some(text) = text else { return Ok(None) };
        serde_json::from_str(&text).map(Some).map_err(|err| {
            format!(
                "the stored session in the {} is unreadable: {err}",
                self.kind()
            )
        })
    }

    pub fn save(&self, session: &StoredSession) -> Result<(), String> {
        let text = Zeroizing::new(serde_json::to_string(session).expect("a session serializes"));
        match self {
            Keeper::Keyring { account } => {
                let account = account.clone();
                bounded(move || {
                    keyring_entry(&account)?.set_password(&text)?;
                    // Read it back through a new entry: a backend that keeps nothing past the
                    // entry (keyring's in-memory mock, all a build without a native backend
                    // gets) must not pass for a keyring, or the next run is "not logged in".
                    match keyring_entry(&account)?.get_password().map(Zeroizing::new) {
                        Ok(kept) if kept.as_str() == text.as_str() => Ok(()),
                        Ok(_) | Err(keyring::Error::NoEntry) => {
                            Err(keyring::Error::NoStorageAccess(NotKept.into()))
                        }
                        Err(err) => Err(err),
                    }
                })
            }
            Keeper::File { path, dir } => write_private(dir, path, text.as_bytes())
                .map_err(|err| format!("cannot write {}: {err}", path.display())),
        }
    }

    /// Deletes the stored session; deleting what is not there is fine.
    pub fn delete(&self) -> Result<(), String> {
        match self {
            Keeper::Keyring { account } => {
                let account = account.clone();
                bounded(move || match keyring_entry(&account)?.delete_credential() {
                    Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                    Err(err) => Err(err),
                })
            }
            Keeper::File { path, .. } => match fs::remove_file(path) {
                Ok(()) => Ok(()),
                Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(err) => Err(format!("cannot delete {}: {err}", path.display())),
            },
        }
    }
}

pub fn session_file(paths: &Paths, profile: &str) -> PathBuf {
    paths.state_dir.join(format!("session.{profile}.json"))
}

fn keyring_entry(account: &str) -> Result<keyring::Entry, keyring::Error> {
    keyring::Entry::new(KEYRING_SERVICE, account)
}

/// Runs one keyring call in a thread and gives up after `KEYRING_TIMEOUT`. A call that hangs
/// is left behind; the process exits without waiting for it.
fn bounded<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, keyring::Error> + Send + 'static,
) -> Result<T, String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = sender.send(call());
        })
        .map_err(|err| format!("cannot start the keyring call: {err}"))?;
    match receiver.recv_timeout(KEYRING_TIMEOUT) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(describe(&err)),
        Err(_) => Err(format!(
            "the keyring did not answer within {} s",
            KEYRING_TIMEOUT.as_secs()
        )),
    }
}

/// The keyring took the session but a new entry did not find it.
#[derive(Debug)]
struct NotKept;

impl std::fmt::Display for NotKept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the keyring did not keep the session (no persistent keyring backend)")
    }
}

impl std::error::Error for NotKept {}

fn describe(err: &keyring::Error) -> String {
    match err {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            // The D-Bus messages are long; the first line says what happened.
            inner
                .to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        }
        other => other.to_string(),
    }
}

/// Writes `bytes` to `path` with mode 0600 (temp file in the same 0700 dir, fsync, rename).
pub fn write_private(
    dir: &std::path::Path,
    path: &std::path::Path,
    bytes: &[u8],
) -> io::Result<()> {
    ensure_private_dir(dir)?;
    crate::config::write_private(path, ".tmp", bytes).map_err(|err| err.source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn paths(dir: &std::path::Path) -> Paths {
        Paths {
            config_dir: dir.join("config"),
            state_dir: dir.join("state"),
        }
    }

    fn session() -> StoredSession {
        StoredSession {
            url: "http://127.0.0.1:1".into(),
            access_token: Secret::new("access-123"),
            refresh_token: Secret::new("refresh-456"),
            expires_at: 1_700_000_000,
            user_id: "u1".into(),
            email: Some("a@example.com".into()),
        }
    }

    #[test]
    fn file_keeper_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let paths = paths(dir.path());
        let keeper = Keeper::file(&paths, "default");
        assert!(keeper.load().unwrap().is_none());
        keeper.save(&session()).unwrap();
        let file = session_file(&paths, "default");
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::metadata(&paths.state_dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let loaded = keeper.load().unwrap().unwrap();
        assert_eq!(loaded.refresh_token.expose(), "refresh-456");
        assert_eq!(loaded.user_id, "u1");
        keeper.delete().unwrap();
        keeper.delete().unwrap();
        assert!(!file.exists());
    }

    #[test]
    fn debug_shows_no_token() {
        let text = format!("{:?}", session());
        assert!(!text.contains("access-123") && !text.contains("refresh-456"));
    }

    // The keyring round trip against a real Secret Service (gnome-keyring under
    // dbus-run-session) is tests/all/supabase_cli.rs `session_in_the_keyring_when_…`.

    #[test]
    fn a_keyring_that_keeps_nothing_is_not_taken_for_one() {
        // keyring's mock keeps a secret only in the entry that set it, as a build without a
        // native backend would: the save must fail so the caller falls back to the file.
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let keeper = Keeper::keyring("unit-test-mock", "http://127.0.0.1:1");
        let err = keeper.save(&session()).unwrap_err();
        assert!(err.contains("did not keep the session"), "{err}");
    }

    #[test]
    fn no_dbus_means_no_keyring_quickly() {
        // With no session bus the keyring call fails (it must not hang); the caller falls back.
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
            return;
        }
        let started = std::time::Instant::now();
        let keeper = Keeper::keyring("unit-test", "http://127.0.0.1:1");
        assert!(keeper.save(&session()).is_err());
        assert!(started.elapsed() < KEYRING_TIMEOUT + Duration::from_secs(1));
    }
}
