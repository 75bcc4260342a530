//! The scheduled sync's log: one JSON line per run in `$XDG_STATE_HOME/mailboxes/sync.log`
//! (time, exit code, summary, mailboxes that newly fail), kept under [`MAX_BYTES`] by dropping
//! the oldest half when it grows past it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const MAX_BYTES: u64 = 256 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub at: String,
    pub profile: String,
    pub exit: u8,
    pub summary: String,
    #[serde(default)]
    pub newly_failing: Vec<String>,
}

pub fn path(state_dir: &Path) -> PathBuf {
    state_dir.join("sync.log")
}

/// Appends `entry`, trimming the log first when it is too long.
pub fn append(state_dir: &Path, entry: &Entry) -> anyhow::Result<()> {
    let path = path(state_dir);
    crate::config::ensure_private_dir(state_dir)
        .map_err(|err| anyhow::anyhow!("creating {}: {err}", state_dir.display()))?;
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    if text.len() as u64 > MAX_BYTES {
        let half = text.len() / 2;
        let cut = text[half..]
            .find('\n')
            .map_or(text.len(), |at| half + at + 1);
        text = text[cut..].to_owned();
    }
    text.push_str(&serde_json::to_string(entry)?);
    text.push('\n');
    crate::config::write_private(&path, ".sync-log-", text.as_bytes())
        .map_err(|err| anyhow::anyhow!("{} {}: {}", err.step, path.display(), err.source))
}

/// The last run of `profile`, if any.
pub fn last(state_dir: &Path, profile: &str) -> Option<Entry> {
    let text = std::fs::read_to_string(path(state_dir)).ok()?;
    text.lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<Entry>(line).ok())
        .find(|entry| entry.profile == profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_stays_bounded_and_keeps_the_latest() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..4000 {
            let entry = Entry {
                at: format!("2026-12-05T10:{:02}:00Z", i % 60),
                profile: "default".into(),
                exit: (i % 2) as u8,
                summary: format!("run {i}: a summary long enough to fill the log quickly"),
                newly_failing: vec![],
            };
            append(dir.path(), &entry).unwrap();
        }
        let size = std::fs::metadata(path(dir.path())).unwrap().len();
        assert!(size <= MAX_BYTES + 200, "{size}");
        assert!(last(dir.path(), "default")
            .unwrap()
            .summary
            .starts_with("run 3999:"));
        assert!(last(dir.path(), "work").is_none());
    }
}
