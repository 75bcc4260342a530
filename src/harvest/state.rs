//! What a harvest remembers per mailbox, in `$XDG_STATE_HOME/mailboxes/harvest/<profile>/<id>.json`
//! (0600, directory 0700, replaced atomically): per folder the UIDVALIDITY and the highest UID
//! seen, and the contacts counted from it, so a re-run fetches only new messages and still
//! prints every contact. A folder whose UIDVALIDITY changed is scanned again from scratch and
//! its counts replaced, never added twice. Also the user's own addresses learned from Sent.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use super::contacts::Book;
use super::folders::Role;
use crate::config::Paths;

const VERSION: u32 = 1;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MailboxState {
    pub version: u32,
    /// The server and login the counts came from: a mailbox edited to point elsewhere starts
    /// over.
    pub host: String,
    pub user: String,
    /// The user's own addresses (keys), learned from the From of Sent messages.
    #[serde(default)]
    pub own: BTreeSet<String>,
    #[serde(default)]
    pub folders: BTreeMap<String, FolderState>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FolderState {
    pub uidvalidity: u32,
    pub highest_uid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default)]
    pub messages: u64,
    #[serde(default)]
    pub malformed: u64,
    #[serde(default)]
    pub contacts: Book,
}

/// Where a mailbox's state lives.
pub fn path(paths: &Paths, profile: &str, mailbox_id: &str) -> PathBuf {
    // Ids are UUIDs from the store; anything else is made file-name safe.
    let safe: String = mailbox_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    paths
        .state_dir
        .join("harvest")
        .join(profile)
        .join(format!("{safe}.json"))
}

/// The saved state for `host`/`user`, or a fresh one (no file, another server or login, an
/// older format). A file that cannot be read as state is reported through `Err`.
pub fn load(path: &Path, host: &str, user: &str) -> anyhow::Result<MailboxState> {
    let fresh = || fresh(host, user);
    let text = match fs::read(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(fresh()),
        Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
    };
    let state: MailboxState = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not harvest state", path.display()))?;
    if state.version != VERSION || state.host != host || state.user != user {
        return Ok(fresh());
    }
    Ok(state)
}

/// State for a mailbox never harvested.
pub fn fresh(host: &str, user: &str) -> MailboxState {
    MailboxState {
        version: VERSION,
        host: host.to_owned(),
        user: user.to_owned(),
        ..MailboxState::default()
    }
}

/// Writes `state` atomically, 0600 in a 0700 dir (temp file in the same directory, fsync, rename).
pub fn save(path: &Path, state: &MailboxState) -> anyhow::Result<()> {
    let dir = path.parent().context("state path has no directory")?;
    let bytes = serde_json::to_vec(state)?;
    crate::session::keeper::write_private(dir, path, &bytes)
        .with_context(|| format!("writing {}", path.display()))
}
