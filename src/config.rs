//! Every place a setting can come from: XDG paths, profiles, and the environment.
//!
//! Config (what the user chose) lives in `$XDG_CONFIG_HOME/mailboxes/`; state the tool keeps
//! for itself (session file fallback, locks) in `$XDG_STATE_HOME/mailboxes/`. Both are 0700.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;

pub const DEFAULT_PROFILE: &str = "default";

/// The directories this tool uses, resolved once per run.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl Paths {
    /// Resolves the XDG directories (honouring `XDG_CONFIG_HOME` and `XDG_STATE_HOME`); on
    /// Windows, where neither is usually set, `%APPDATA%` and `%LOCALAPPDATA%`.
    pub fn from_env() -> anyhow::Result<Paths> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let absolute = |var: &str| {
            std::env::var_os(var)
                .map(PathBuf::from)
                .filter(|dir| dir.is_absolute())
        };
        let xdg = |var: &str, windows: &str, fallback: &str| -> anyhow::Result<PathBuf> {
            absolute(var)
                .or_else(|| cfg!(windows).then(|| absolute(windows)).flatten())
                .or_else(|| home.as_ref().map(|home| home.join(fallback)))
                .with_context(|| format!("neither {var} nor HOME is set; set one of them"))
        };
        Ok(Paths {
            config_dir: xdg("XDG_CONFIG_HOME", "APPDATA", ".config")?.join("mailboxes"),
            state_dir: xdg("XDG_STATE_HOME", "LOCALAPPDATA", ".local/state")?.join("mailboxes"),
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
/// (Windows: a user's profile directories are private by their ACLs already.)
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
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
    #[cfg(not(unix))]
    fs::create_dir_all(dir)
}

/// Makes a rename in `dir` durable: on Unix the directory itself must be synced, or a crash
/// can bring the old file back. (Windows cannot open a directory as a file; its rename is
/// journaled by NTFS.)
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) {
        fs::File::open(dir)?.sync_all()
    } else {
        Ok(())
    }
}

/// Why [`write_private`] failed: the step (to finish "… {path}": "creating a temporary file
/// beside", "writing", "replacing", "syncing the directory of") and the error.
#[derive(Debug)]
pub struct WriteError {
    pub step: &'static str,
    pub source: io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.step, self.source)
    }
}

/// Writes `bytes` to `path` atomically, readable by the user alone: a 0600 temp file named
/// `{prefix}…tmp` beside it, synced, renamed over `path`, then the directory synced. A reader
/// (or a crash) sees the old file or the new one, never part of one. The one writer of every
/// private file (store, session, profiles, harvest state).
pub fn write_private(path: &Path, prefix: &str, bytes: &[u8]) -> Result<(), WriteError> {
    use std::io::Write as _;
    let step = |step: &'static str| move |source: io::Error| WriteError { step, source };
    let dir = path.parent().unwrap_or(Path::new("."));
    // tempfile creates the file 0600, which the rename carries over.
    let mut file = tempfile::Builder::new()
        .prefix(prefix)
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(step("creating a temporary file beside"))?;
    file.write_all(bytes).map_err(step("writing"))?;
    file.as_file().sync_all().map_err(step("writing"))?;
    file.persist(path)
        .map_err(|err| step("replacing")(err.error))?;
    sync_dir(dir).map_err(step("syncing the directory of"))
}

/// Why [`lock_exclusive`] did not get its lock.
#[derive(Debug)]
pub enum LockError {
    /// The lock file could not be opened (or created).
    Open(io::Error),
    /// Locking it failed for another reason than someone else holding it.
    Lock(io::Error),
    /// Another process held it for the whole wait.
    TimedOut,
}

/// Opens (creating it 0600) the lock file at `path` and takes an exclusive `flock` on it,
/// polling every `poll` while another process holds it, for at most `wait`. The lock is held
/// until the returned file is dropped, and the kernel drops it when a process dies, so a
/// killed `mailboxes` never leaves a stale lock behind.
pub fn lock_exclusive(path: &Path, wait: Duration, poll: Duration) -> Result<fs::File, LockError> {
    let mut options = fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path).map_err(LockError::Open)?;
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(poll);
            }
            Err(fs::TryLockError::WouldBlock) => return Err(LockError::TimedOut),
            Err(fs::TryLockError::Error(err)) => return Err(LockError::Lock(err)),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exclusive_lock_waits_times_out_and_is_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let short = Duration::from_millis(30);
        let held = lock_exclusive(&path, short, Duration::from_millis(5)).unwrap();
        let started = Instant::now();
        // flock locks belong to the open file: a second open in this process contends too.
        assert!(matches!(
            lock_exclusive(&path, short, Duration::from_millis(5)),
            Err(LockError::TimedOut)
        ));
        assert!(started.elapsed() >= short);
        drop(held);
        lock_exclusive(&path, short, Duration::from_millis(5)).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(matches!(
            lock_exclusive(&dir.path().join("no/such/dir/x.lock"), short, short),
            Err(LockError::Open(_))
        ));
    }
}
