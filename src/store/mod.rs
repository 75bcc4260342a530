//! Where mailboxes are kept: the `Store` trait and the changes a command can make.
//!
//! A store reads the list and applies one `Change` atomically: a concurrent writer never loses
//! an update, and entries and fields the CLI does not know (and, in Supabase, the other keys of
//! `settings`) are kept exactly as they were. `Change::apply_to` is the one implementation of
//! what a change means on the raw JSON array; every store that rewrites the array calls it.

pub mod local;
pub mod supabase;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::mailbox::{Mailbox, Patch};

/// Which store a command talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    /// A JSON file in the user's config dir (no account needed).
    Local,
    /// The user's row in Supabase (`public.user_secrets.settings.mailboxes`).
    Supabase,
}

impl StoreKind {
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Local => "local",
            StoreKind::Supabase => "supabase",
        }
    }
}

/// One atomic change to the stored list.
#[derive(Debug, Clone)]
pub enum Change {
    /// Append a new entry.
    Add(Mailbox),
    /// Merge `patch` into the entry with this id (fields not in the patch are kept).
    Update { id: String, patch: Patch },
    /// Remove the entries with these ids.
    Remove { ids: Vec<String> },
    /// Merge each patch into the entry with its id, in one atomic change (`test --all` records
    /// all its results at once). Ids no longer stored (removed meanwhile) are skipped.
    UpdateMany { patches: Vec<(String, Patch)> },
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no mailbox with id {0} (it may have been removed meanwhile)")]
    NotFound(String),
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    NotLoggedIn(String),
    #[error("{0}")]
    PermissionDenied(String),
}

pub trait Store {
    /// Every stored mailbox, in stored order.
    fn list(&self) -> Result<Vec<Mailbox>, StoreError>;
    /// Applies one change atomically.
    fn apply(&self, change: &Change) -> Result<(), StoreError>;
    /// Where the data lives, for diagnostics (a path or a URL, never a secret).
    fn describe(&self) -> String;
}

impl Change {
    /// Applies the change to the raw stored array, touching nothing but what it changes.
    pub fn apply_to(&self, entries: &mut Vec<Value>) -> Result<(), StoreError> {
        match self {
            Change::Add(mailbox) => {
                if entries
                    .iter()
                    .any(|entry| entry_id(entry) == Some(&mailbox.id))
                {
                    return Err(duplicate(&mailbox.id));
                }
                entries.push(mailbox.to_stored_json());
            }
            Change::Update { id, patch } => {
                let entry = entries
                    .iter_mut()
                    .find(|entry| entry_id(entry) == Some(id))
                    .ok_or_else(|| StoreError::NotFound(id.clone()))?;
                let object = entry
                    .as_object_mut()
                    .ok_or_else(|| StoreError::Malformed(format!("entry {id} is not an object")))?;
                merge(object, patch.to_stored_json());
            }
            Change::UpdateMany { patches } => {
                for (id, patch) in patches {
                    let Some(entry) = entries.iter_mut().find(|entry| entry_id(entry) == Some(id))
                    else {
                        continue;
                    };
                    let object = entry.as_object_mut().ok_or_else(|| {
                        StoreError::Malformed(format!("entry {id} is not an object"))
                    })?;
                    merge(object, patch.to_stored_json());
                }
            }
            Change::Remove { ids } => {
                if let Some(missing) = ids
                    .iter()
                    .find(|id| !entries.iter().any(|entry| entry_id(entry) == Some(*id)))
                {
                    return Err(StoreError::NotFound(missing.clone()));
                }
                entries.retain(|entry| !entry_id(entry).is_some_and(|found| ids.contains(found)));
            }
        }
        Ok(())
    }
}

fn merge(object: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        object.insert(key, value);
    }
}

pub fn duplicate(id: &str) -> StoreError {
    StoreError::Malformed(format!("a mailbox with id {id} already exists"))
}

/// The `id` of a raw stored entry.
pub fn entry_id(entry: &Value) -> Option<&String> {
    match entry.get("id") {
        Some(Value::String(id)) => Some(id),
        _ => None,
    }
}

/// Reads a stored `mailboxes` array, refusing data this version cannot safely rewrite.
///
/// `source` names where it came from (a path or "Supabase") for the error message. Malformed
/// data is reported and never overwritten: every store calls this before applying a change.
pub fn parse_entries(value: &Value, source: &str) -> Result<Vec<Mailbox>, StoreError> {
    let malformed = |what: String| {
        StoreError::Malformed(format!(
            "{source}: {what}; fix or remove it by hand (nothing was changed)"
        ))
    };
    let entries = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(entries) => entries,
        other => {
            return Err(malformed(format!(
                "mailboxes is {} instead of an array",
                json_type(other)
            )))
        }
    };
    let mut seen = std::collections::HashSet::new();
    let mut mailboxes = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let id = entry_id(entry)
            .ok_or_else(|| malformed(format!("entry {} has no string id", index + 1)))?;
        if !seen.insert(id.as_str()) {
            return Err(malformed(format!("id {id} appears more than once")));
        }
        // serde quotes the offending value; a password's must not reach the message.
        let mailbox = Mailbox::deserialize(entry).map_err(|err| match wrong_field(entry) {
            Some("password") => malformed(format!("entry {id}: password must be a string")),
            Some(field) => malformed(format!("entry {id}: {field}: {err}")),
            None => malformed(format!("entry {id}: {err}")),
        })?;
        mailboxes.push(mailbox);
    }
    Ok(mailboxes)
}

/// The known field of a stored entry whose value has the wrong type or range. serde names a
/// missing field but not a wrong one ("invalid value: integer `70000`, expected u16"), and
/// the user fixing the file by hand needs to know which (issue 4).
fn wrong_field(entry: &Value) -> Option<&'static str> {
    let object = entry.as_object()?;
    type Check = (&'static str, fn(&Value) -> bool);
    let checks: [Check; 9] = [
        ("label", Value::is_string),
        ("host", Value::is_string),
        ("port", |v| {
            v.as_u64().is_some_and(|p| p <= u64::from(u16::MAX))
        }),
        ("tls", Value::is_boolean),
        ("user", Value::is_string),
        ("password", Value::is_string),
        ("status", |v| v.is_string() || v.is_null()),
        ("lastTestedAt", |v| v.is_string() || v.is_null()),
        ("lastError", |v| v.is_string() || v.is_null()),
    ];
    checks
        .iter()
        .find(|(key, ok)| object.get(*key).is_some_and(|value| !ok(value)))
        .map(|(key, _)| *key)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
