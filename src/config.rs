//! Every place a setting can come from: XDG paths, profiles, and the environment.
//!
//! Config (what the user chose) lives in `$XDG_CONFIG_HOME/mailboxes/`; state the tool keeps
//! for itself (session file fallback, locks) in `$XDG_STATE_HOME/mailboxes/`. Both are 0700.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context;

pub const DEFAULT_PROFILE: &str = "default";

/// The directories this tool uses, resolved once per run.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl Paths {
    /// Resolves the XDG directories (honouring `XDG_CONFIG_HOME` and `XDG_STATE_HOME`).
    pub fn from_env() -> anyhow::Result<Paths> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let xdg = |var: &str, fallback: &str| -> anyhow::Result<PathBuf> {
            match std::env::var_os(var).map(PathBuf::from) {
                Some(dir) if dir.is_absolute() => Ok(dir),
                _ => home
                    .as_ref()
                    .map(|home| home.join(fallback))
                    .with_context(|| format!("neither {var} nor HOME is set; set one of them")),
            }
        };
        Ok(Paths {
            config_dir: xdg("XDG_CONFIG_HOME", ".config")?.join("mailboxes"),
            state_dir: xdg("XDG_STATE_HOME", ".local/state")?.join("mailboxes"),
        })
    }

    /// The local store's file for a profile: `mailboxes.json`, or `mailboxes.<profile>.json`.
    pub fn local_store(&self, profile: &str) -> PathBuf {
        if profile == DEFAULT_PROFILE {
            self.config_dir.join("mailboxes.json")
        } else {
            self.config_dir.join(format!("mailboxes.{profile}.json"))
        }
    }
}

/// Creates `dir` (and parents) with mode 0700 if missing; tightens it if it is ours and looser.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let mode = fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Checks a profile name before it becomes part of a file name.
pub fn validate_profile(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid profile name '{name}': use letters, digits, '-' and '_' (at most 64)"
        ))
    }
}
