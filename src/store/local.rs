//! The local store: one JSON file, `{"mailboxes": [...]}`, in the user's config dir.
//!
//! Promises: the file is 0600 in a 0700 dir; a change is read-modify-written under an exclusive
//! lock on a sibling `.lock` file (so concurrent processes never lose an update) and lands by
//! temp file + fsync + rename (so a crash leaves the old or the new file, never a torn one).
//! Readers take no lock: a rename is atomic, so they always see a whole file.

use std::fs::{self, File};
use std::io;

use std::path::{Path, PathBuf};
use std::time::Duration;
use zeroize::Zeroizing;

use serde_json::{Map, Value};

use super::{parse_entries, Change, Store, StoreError};
use crate::config::{ensure_private_dir, lock_exclusive, LockError};
use crate::mailbox::Mailbox;

/// How long a writer waits for another `mailboxes` process to finish its change.
const LOCK_WAIT: Duration = Duration::from_secs(30);

pub struct LocalStore {
    path: PathBuf,
}

impl LocalStore {
    pub fn new(path: PathBuf) -> LocalStore {
        LocalStore { path }
    }

    /// The whole document, or `None` when the file does not exist yet.
    fn read_document(&self) -> Result<Option<Map<String, Value>>, StoreError> {
        // The file holds every password: its bytes are zeroed once parsed.
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(self.unavailable("reading", err)),
        };
        let text = std::str::from_utf8(&bytes).map_err(|_| self.malformed("is not valid UTF-8"))?;
        match serde_json::from_str(text) {
            Ok(Value::Object(document)) => Ok(Some(document)),
            Ok(_) => Err(self.malformed("is not a JSON object")),
            Err(err) => Err(self.malformed(&format!("is not valid JSON ({err})"))),
        }
    }

    fn write_document(&self, document: &Map<String, Value>) -> Result<(), StoreError> {
        // Serialized in memory first: written straight to the file, serde makes one tiny write
        // call per token (283,150 of them for 50 mailboxes, issue 5). The bytes hold every
        // password: zeroed when dropped.
        let mut bytes = Zeroizing::new(
            serde_json::to_vec_pretty(document)
                .map_err(|err| self.unavailable("writing", err.into()))?,
        );
        bytes.push(b'\n');
        crate::config::write_private(&self.path, &self.temp_prefix(), &bytes)
            .map_err(|err| self.unavailable(err.step, err.source))
    }

    fn lock(&self) -> Result<File, StoreError> {
        let lock_path = self.path.with_extension("json.lock");
        lock_exclusive(&lock_path, LOCK_WAIT, Duration::from_millis(5)).map_err(|err| match err {
            LockError::Open(err) => self.unavailable("opening the lock file of", err),
            LockError::Lock(err) => self.unavailable("locking", err),
            LockError::TimedOut => StoreError::Unavailable(format!(
                "another mailboxes process has held {} for {} s; try again",
                lock_path.display(),
                LOCK_WAIT.as_secs()
            )),
        })
    }

    /// `.mailboxes.json.` for `mailboxes.json`: temp files name their store, so one profile's
    /// writer never sweeps another profile's temp file.
    fn temp_prefix(&self) -> String {
        let name = self.path.file_name().and_then(|name| name.to_str());
        format!(".{}.", name.unwrap_or("mailboxes"))
    }

    /// Deletes temp files of writers that died before their rename (`kill -9`, power loss):
    /// each is a full copy of the store, passwords included. Only a writer holding the lock
    /// creates one, so under the lock every one left is stale. Best effort. (Issue 4: 27 of
    /// 200 `kill -9`s left one behind before this sweep.)
    fn sweep_stale_temp_files(&self) {
        let prefix = self.temp_prefix();
        let Ok(entries) = fs::read_dir(self.dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let stale = name
                .to_str()
                .and_then(|name| name.strip_prefix(&prefix))
                .and_then(|rest| rest.strip_suffix(".tmp"))
                .is_some_and(|random| {
                    !random.is_empty() && random.chars().all(|c| c.is_ascii_alphanumeric())
                });
            if stale {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    fn malformed(&self, what: &str) -> StoreError {
        StoreError::Malformed(format!(
            "{} {what}; fix or move it aside (nothing was changed)",
            self.path.display()
        ))
    }

    fn unavailable(&self, doing: &str, err: io::Error) -> StoreError {
        StoreError::Unavailable(format!("{doing} {}: {err}", self.path.display()))
    }
}

impl Store for LocalStore {
    fn list(&self) -> Result<Vec<Mailbox>, StoreError> {
        match self.read_document()? {
            None => Ok(Vec::new()),
            Some(document) => parse_entries(
                document.get("mailboxes").unwrap_or(&Value::Null),
                &self.path.display().to_string(),
            ),
        }
    }

    fn apply(&self, change: &Change) -> Result<(), StoreError> {
        ensure_private_dir(self.dir())
            .map_err(|err| self.unavailable("creating the dir of", err))?;
        let _lock = self.lock()?;
        self.sweep_stale_temp_files();
        let mut document = self.read_document()?.unwrap_or_default();
        let source = self.path.display().to_string();
        let slot = document
            .entry("mailboxes")
            .or_insert_with(|| Value::Array(Vec::new()));
        if slot.is_null() {
            *slot = Value::Array(Vec::new());
        }
        parse_entries(slot, &source)?;
        let Value::Array(entries) = slot else {
            unreachable!("parse_entries accepts only arrays")
        };
        change.apply_to(entries)?;
        self.write_document(&document)
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use serde_json::json;

    use super::*;
    use crate::mailbox::Patch;

    fn mailbox(id: &str, label: &str) -> Mailbox {
        serde_json::from_value(json!({
            "id": id, "label": label, "host": "imap.example.com", "port": 993, "tls": true,
            "user": "me", "password": "pw"
        }))
        .unwrap()
    }

    fn store() -> (tempfile::TempDir, LocalStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("cfg/mailboxes.json"));
        (dir, store)
    }

    #[test]
    fn add_update_remove_keep_unknown_fields_and_keys() {
        let (_dir, store) = store();
        fs::create_dir_all(store.dir()).unwrap();
        let original = json!({
            "version": 7,
            "mailboxes": [{"id": "a", "label": "A", "host": "h", "port": 993, "tls": true,
                           "user": "u", "password": "p", "webOnly": {"x": [1, 2]}, "lastError": null}]
        });
        fs::write(&store.path, original.to_string()).unwrap();

        store.apply(&Change::Add(mailbox("b", "B"))).unwrap();
        let patch = Patch {
            label: Some("A2".into()),
            ..Patch::default()
        };
        store
            .apply(&Change::Update {
                id: "a".into(),
                patch,
            })
            .unwrap();
        store
            .apply(&Change::Remove {
                ids: vec!["b".into()],
            })
            .unwrap();

        let now: Value = serde_json::from_slice(&fs::read(&store.path).unwrap()).unwrap();
        let mut expected = original.clone();
        expected["mailboxes"][0]["label"] = json!("A2");
        assert_eq!(now, expected);
        let mode = fs::metadata(&store.path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = fs::metadata(store.dir()).unwrap().permissions().mode() & 0o777;
        assert_eq!(dir_mode, 0o700);
    }

    #[test]
    fn a_duplicate_id_is_refused_and_changes_nothing() {
        let (_dir, store) = store();
        store.apply(&Change::Add(mailbox("a", "A"))).unwrap();
        let before = fs::read(&store.path).unwrap();
        let err = store.apply(&Change::Add(mailbox("a", "B"))).unwrap_err();
        assert_eq!(err.to_string(), "a mailbox with id a already exists");
        assert_eq!(fs::read(&store.path).unwrap(), before);
    }

    #[test]
    fn a_non_string_password_is_reported_without_its_value() {
        let (_dir, store) = store();
        fs::create_dir_all(store.dir()).unwrap();
        let document = json!({"mailboxes": [{"id": "a", "host": "h", "port": 1, "user": "u",
                                             "password": 918273645}]});
        fs::write(&store.path, document.to_string()).unwrap();
        let err = store.list().unwrap_err().to_string();
        assert!(err.contains("entry a: password must be a string"), "{err}");
        assert!(!err.contains("918273645"), "{err}");
    }

    #[test]
    fn missing_ids_are_not_found_and_change_nothing() {
        let (_dir, store) = store();
        store.apply(&Change::Add(mailbox("a", "A"))).unwrap();
        let before = fs::read(&store.path).unwrap();
        let err = store
            .apply(&Change::Remove {
                ids: vec!["a".into(), "zzz".into()],
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(id) if id == "zzz"));
        let err = store
            .apply(&Change::Update {
                id: "zzz".into(),
                patch: Patch::default(),
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)));
        assert_eq!(fs::read(&store.path).unwrap(), before);
    }

    #[test]
    fn malformed_files_are_reported_and_never_overwritten() {
        let cases: [&[u8]; 6] = [
            b"{not json",
            b"[1, 2]",
            br#"{"mailboxes": {"id": "a"}}"#,
            br#"{"mailboxes": [{"label": "no id"}]}"#,
            br#"{"mailboxes": [{"id": "a", "host": "h", "port": 1, "user": "u"}, {"id": "a", "host": "h", "port": 1, "user": "u"}]}"#,
            b"{\"mailboxes\": [], \"x\": \"\xff\"}",
        ];
        for bytes in cases {
            let (_dir, store) = store();
            fs::create_dir_all(store.dir()).unwrap();
            fs::write(&store.path, bytes).unwrap();
            let err = store.apply(&Change::Add(mailbox("b", "B"))).unwrap_err();
            assert!(matches!(err, StoreError::Malformed(_)), "{err:?}");
            assert!(err.to_string().contains("nothing was changed"), "{err}");
            assert!(store.list().is_err());
            assert_eq!(fs::read(&store.path).unwrap(), bytes);
        }
    }

    #[test]
    fn stale_temp_files_of_this_store_only_are_swept_under_the_lock() {
        let (_dir, store) = store();
        fs::create_dir_all(store.dir()).unwrap();
        let dead_writer = store.dir().join(".mailboxes.json.Ab3xY9.tmp");
        let other_profile = store.dir().join(".mailboxes.json.json.Ab3xY9.tmp");
        let unrelated = store.dir().join("notes.tmp");
        for path in [&dead_writer, &other_profile, &unrelated] {
            fs::write(path, b"{}").unwrap();
        }
        store.apply(&Change::Add(mailbox("a", "A"))).unwrap();
        assert!(!dead_writer.exists());
        assert!(other_profile.exists() && unrelated.exists());
    }

    #[test]
    fn concurrent_writers_never_lose_an_update() {
        let (_dir, store) = store();
        std::thread::scope(|scope| {
            for i in 0..16 {
                let store = &store;
                scope.spawn(move || {
                    // Separate stores, like separate processes: each opens its own lock file.
                    let own = LocalStore::new(store.path.clone());
                    own.apply(&Change::Add(mailbox(&format!("id-{i}"), &format!("L{i}"))))
                        .unwrap();
                });
            }
        });
        assert_eq!(store.list().unwrap().len(), 16);
    }
}
