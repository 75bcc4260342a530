//! The local address book: a vdir (the format of vdirsyncer, khard, aerc): one vCard per
//! contact in `<UID>.vcf`, written atomically (a temporary file in the same directory, synced,
//! renamed over), so a killed sync leaves every card whole.

use std::fs;
use std::path::{Path, PathBuf};

use super::card::{Card, CardError};

pub struct Vdir {
    dir: PathBuf,
}

impl Vdir {
    /// Opens `dir` (created 0700 when missing) and proves it can be written to, before anything
    /// else happens: a read-only disk fails here, with nothing half-written.
    pub fn open(dir: &Path) -> anyhow::Result<Vdir> {
        // An existing book (khard's, vdirsyncer's) is the user's: its mode is left alone.
        if !dir.is_dir() {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir).map_err(|err| {
                anyhow::anyhow!(
                    "cannot create the address book {}: {err}; nothing was changed (pass \
                     --contacts-dir DIR to use another)",
                    dir.display()
                )
            })?;
        }
        // Named like a temporary card, so a sync killed right here has it swept by the next.
        let probe = dir.join(format!(".mailboxes-write-check-{}.tmp", std::process::id()));
        fs::write(&probe, b"")
            .and_then(|()| fs::remove_file(&probe))
            .map_err(|err| {
                anyhow::anyhow!(
                    "cannot write to the address book {}: {err}; nothing was changed",
                    dir.display()
                )
            })?;
        Ok(Vdir {
            dir: dir.to_path_buf(),
        })
    }

    /// Removes temporary files a killed sync left (`.mailboxes-….tmp`). Only a sync holding the
    /// profile's lock writes here, so under it every one left is stale.
    pub fn sweep_stale(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".mailboxes-") && name.ends_with(".tmp") {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Opens `dir` for reading only (it may not exist yet: an empty book).
    pub fn read_only(dir: &Path) -> Vdir {
        Vdir {
            dir: dir.to_path_buf(),
        }
    }

    /// Removes the file `name` of the book (a card merged into another).
    pub fn remove_file(&self, name: &str) -> anyhow::Result<()> {
        let path = self.dir.join(name);
        fs::remove_file(&path).map_err(|err| anyhow::anyhow!("removing {}: {err}", path.display()))
    }

    /// The card in the file `name` of the book: `Ok(None)` when there is no such file.
    pub fn read_file(&self, name: &str) -> Result<Option<Card>, CardError> {
        match fs::read(self.dir.join(name)) {
            Ok(bytes) => Card::parse(&bytes).map(Some),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(_) => Err(CardError::NotACard),
        }
    }

    /// Writes `card` to the file `name` of the book atomically (without syncing the directory: [`Vdir::sync`]
    /// does that once for the run).
    pub fn write_file(&self, name: &str, card: &Card) -> anyhow::Result<()> {
        let target = self.dir.join(name);
        crate::config::write_private(&target, ".mailboxes-", card.render().as_bytes())
            .map_err(|err| anyhow::anyhow!("{} {}: {}", err.step, target.display(), err.source))
    }

    /// Every `.vcf` in the book with its card, or why it cannot be read; sorted by file name.
    pub fn scan(&self) -> Vec<(PathBuf, Result<Card, CardError>)> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "vcf"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|path| {
                let card = fs::read(&path)
                    .map_err(|_| CardError::NotACard)
                    .and_then(|bytes| Card::parse(&bytes));
                (path, card)
            })
            .collect()
    }

    /// Syncs the directory, so the renames of this run survive a crash.
    pub fn sync(&self) {
        let _ = crate::config::sync_dir(&self.dir);
    }
}
