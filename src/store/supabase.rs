//! The Supabase store: the signed-in user's `public.user_secrets.settings.mailboxes`, over
//! PostgREST, as the web app keeps it.
//!
//! Reads fetch only the mailboxes (`select=mailboxes:settings->mailboxes`), never the rest of
//! `settings` (it holds the user's API keys). Writes call the migration's SQL functions
//! (`POST /rest/v1/rpc/mailboxes_*`, one atomic UPDATE each, RLS applies). Where they are not
//! installed (PostgREST answers 404 PGRST202) writes fall back to optimistic
//! read-modify-write: read the row, apply the change with `Change::apply_to`, and PATCH the
//! whole `settings` back only if `settings.mailboxesRevision` is still what was read (a new
//! uuid is written each time); zero rows updated means someone else wrote first, so read again
//! and retry (bounded, with jitter). That the functions are missing is remembered per profile
//! for an hour, so the fallback costs two requests per change, not three.
//!
//! Secrets only ever travel in JSON bodies and headers: request URLs hold nothing but the
//! user id (a uuid) and revision markers (uuids), which are not secret.
//!
//! Requests go through the command's one PostgREST client (`crate::postgrest`), which retries
//! reads and refused (429) requests. A write is retried when a retry cannot do harm:
//! - always when the request was provably never sent (the connection was refused);
//! - `mailboxes_update` (edit, test results) also after a timeout or a 5xx: it merges fixed
//!   values into one entry, so applying it twice leaves the same entry;
//! - not `mailboxes_add` / `mailboxes_remove` after the request may have reached the server:
//!   a second add of a landed entry fails as a duplicate, a second remove reports "not found",
//!   either way telling the user something false. Instead the list is read back: a change that
//!   shows (the added uuid is there, the removed ones are gone) landed and is reported as
//!   done; one that does not show is reported as failed ("may or may not have been applied"
//!   when the answer was lost). The same read settles a 2xx answer that cannot be read;
//! - the fallback's guarded PATCH is retried after a lost answer: the next round reads the row
//!   back, and if it carries the revision this attempt wrote, the write landed.

use std::rc::Rc;

use serde_json::{json, Map, Value};

use super::{duplicate, entry_id, parse_entries, Change, Store, StoreError};
use crate::http::{Failure, Method, Reply, Request};
use crate::mailbox::Mailbox;
use crate::postgrest::{self, backoff, encode, is_transient, Client, Retry};
use crate::session::CallError;

/// How many optimistic rounds the fallback makes before giving up.
const FALLBACK_ROUNDS: u32 = 40;

/// The revision marker other writers bump on every change (non-secret, a uuid).
const REVISION: &str = "mailboxesRevision";

pub struct SupabaseStore {
    client: Rc<Client>,
}

impl SupabaseStore {
    /// The store behind the command's PostgREST client; sends nothing.
    pub fn new(client: Rc<Client>) -> SupabaseStore {
        SupabaseStore { client }
    }

    fn source(&self) -> String {
        format!(
            "Supabase ({}) user_secrets.settings.mailboxes",
            self.client.url()
        )
    }

    fn call(&self, request: &Request, retry: Retry, what: &str) -> Result<Reply, StoreError> {
        self.client.call(request, retry, what)
    }

    /// The error an unexpected (non-2xx) reply means.
    fn failed(&self, reply: &Reply, what: &str) -> StoreError {
        let err = reply.error();
        if postgrest::is_permission_denied(reply) {
            return StoreError::PermissionDenied(format!(
                "{what}: permission denied by {} ({}); the row must belong to the signed-in \
                 user (Row Level Security)",
                self.client.url(),
                err.message
            ));
        }
        if err.has_code("22023") {
            return StoreError::Malformed(format!(
                "{}: {} (nothing was changed; fix or remove it in the database)",
                self.source(),
                err.message
            ));
        }
        if reply.status == 404 {
            return StoreError::Unavailable(format!(
                "{what}: {} has no public.user_secrets table for this user ({err}); is this the \
                 web app's Supabase project?",
                self.client.url()
            ));
        }
        StoreError::Unavailable(format!("{what}: {} answered {err}", self.client.url()))
    }

    fn user_id(&self) -> Result<String, StoreError> {
        self.client.user_id()
    }

    // -----------------------------------------------------------------------------------------
    // RPC: one atomic call per change

    /// Applies `change` with the SQL functions; `Ok(false)` when they are not installed.
    fn apply_rpc(&self, change: &Change) -> Result<bool, StoreError> {
        let (name, args, retry) = match change {
            Change::Add(mailbox) => (
                "mailboxes_add",
                json!({ "entry": mailbox.to_stored_json() }),
                Retry::NotSentOnly,
            ),
            Change::Update { id, patch } => (
                "mailboxes_update",
                json!({ "mailbox_id": id, "patch": Value::Object(patch.to_stored_json()) }),
                Retry::Safe,
            ),
            Change::Remove { ids } => (
                "mailboxes_remove",
                json!({ "mailbox_ids": ids }),
                Retry::NotSentOnly,
            ),
            Change::UpdateMany { patches } => {
                let patches: Map<String, Value> = patches
                    .iter()
                    .map(|(id, patch)| (id.clone(), Value::Object(patch.to_stored_json())))
                    .collect();
                (
                    "mailboxes_update_many",
                    json!({ "patches": patches }),
                    Retry::Safe,
                )
            }
        };
        let what = format!("saving to {}", self.client.url());
        let request = Request::new(Method::Post, format!("/rest/v1/rpc/{name}")).json(&args);
        let reply = match self.call(&request, retry, &what) {
            Ok(reply) => reply,
            // The answer to an add or remove was lost or refused: it may have landed. The list
            // tells (ids are uuids the CLI made), so a change that landed is not reported as a
            // failure and one that did not is reported as not made (issue 4).
            Err(err @ StoreError::Unavailable(_))
                if !matches!(change, Change::Update { .. } | Change::UpdateMany { .. }) =>
            {
                return match self.shows_in_list(change) {
                    Ok(true) => Ok(true),
                    _ => Err(err),
                }
            }
            Err(err) => return Err(err),
        };
        if postgrest::is_missing_function(&reply) {
            log::debug!("{name} is not installed: falling back to read-modify-write");
            self.client.remember_rpc(false);
            return Ok(false);
        }
        if !reply.is_success() {
            let err = reply.error();
            if let Change::Add(mailbox) = change {
                if reply.status == 409 || err.has_code("23505") {
                    return Err(duplicate(&mailbox.id));
                }
            }
            return Err(self.failed(&reply, &what));
        }
        self.client.remember_rpc(true);
        // A 2xx means the function ran and committed; an answer cut short (no readable
        // result) is settled by reading the list rather than guessed (issue 4).
        let result = match (change, reply.json()) {
            (Change::Add(_), _) => return Ok(true),
            (_, Ok(result @ (Value::Bool(_) | Value::Number(_)))) => result,
            (_, Ok(_) | Err(_)) => {
                return match self.shows_in_list(change)? {
                    true => Ok(true),
                    false => Err(StoreError::Unavailable(format!(
                        "{what}: the server's answer was unreadable and the change does not \
                         show in the list (run `mailboxes list` to check)"
                    ))),
                }
            }
        };
        match change {
            // Ids removed meanwhile are skipped, as `Change::apply_to` does.
            Change::Add(_) | Change::UpdateMany { .. } => {}
            Change::Update { id, .. } => {
                if result != Value::Bool(true) {
                    return Err(StoreError::NotFound(id.clone()));
                }
            }
            // The function removes those of `ids` that exist. The CLI picked them from a fresh
            // list, so fewer means someone removed some meanwhile: they are gone, as asked.
            Change::Remove { ids } => {
                if result.as_i64().unwrap_or(0) == 0 {
                    return Err(StoreError::NotFound(ids.join(", ")));
                }
            }
        }
        Ok(true)
    }

    /// Whether the stored list already shows `change` (an added id is there, removed ids are
    /// gone, an updated id is there): for a write whose answer was lost or unreadable.
    fn shows_in_list(&self, change: &Change) -> Result<bool, StoreError> {
        let ids: Vec<String> = self.list()?.into_iter().map(|m| m.id).collect();
        Ok(match change {
            Change::Add(mailbox) => ids.contains(&mailbox.id),
            Change::Remove { ids: removed } => !removed.iter().any(|id| ids.contains(id)),
            Change::Update { id, .. } => ids.contains(id),
            Change::UpdateMany { .. } => true,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Fallback: optimistic read-modify-write guarded by the revision marker

    fn apply_optimistic(&self, change: &Change) -> Result<(), StoreError> {
        let user_id = self.user_id()?;
        let what = format!("saving to {}", self.client.url());
        // The revision our last write set, when its answer was lost.
        let mut unsure: Option<String> = None;
        for round in 1..=FALLBACK_ROUNDS {
            if round > 1 {
                std::thread::sleep(backoff(round - 1));
            }
            let row = self.read_row(&user_id)?;
            let new_revision = uuid::Uuid::new_v4().to_string();
            let Some(mut settings) = row else {
                if unsure.is_some() && !matches!(change, Change::Add(_)) {
                    return Ok(());
                }
                let mut entries = Vec::new();
                change.apply_to(&mut entries)?;
                let body = json!({
                    "user_id": user_id,
                    "settings": { "mailboxes": entries, REVISION: new_revision },
                });
                let request = Request::new(Method::Post, "/rest/v1/user_secrets")
                    .json(&body)
                    .prefer("return=minimal");
                match self.client.send_once(&request) {
                    Ok(reply) if reply.is_success() => return Ok(()),
                    // Someone created the row meanwhile: read it and go round.
                    Ok(reply) if reply.status == 409 => continue,
                    Ok(reply) => return Err(self.failed(&reply, &what)),
                    Err(CallError::Session(err)) => return Err(err.into()),
                    Err(CallError::Transport(failure)) => {
                        log::debug!("creating the row: {failure}");
                        unsure = Some(new_revision);
                        continue;
                    }
                }
            };
            let old_revision = revision_text(settings.get(REVISION));
            if let Some(ours) = &unsure {
                if old_revision.as_deref() == Some(ours.as_str()) {
                    return Ok(());
                }
            }
            let stored = settings.get("mailboxes").cloned().unwrap_or(Value::Null);
            // Never rewrite what this version cannot read.
            parse_entries(&stored, &self.source())?;
            let mut entries = match stored {
                Value::Array(entries) => entries,
                _ => Vec::new(),
            };
            if unsure.is_some() && already_applied(change, &entries) {
                return Ok(());
            }
            change.apply_to(&mut entries)?;
            settings.insert("mailboxes".into(), Value::Array(entries));
            settings.insert(REVISION.into(), Value::String(new_revision.clone()));
            let guard = match &old_revision {
                Some(revision) => format!("eq.{}", encode(revision)),
                None => "is.null".to_string(),
            };
            let path = format!(
                "/rest/v1/user_secrets?user_id=eq.{}&settings-%3E%3E{REVISION}={guard}&select=user_id",
                encode(&user_id)
            );
            let request = Request::new(Method::Patch, path)
                .json(&json!({ "settings": Value::Object(settings) }))
                .prefer("return=representation");
            match self.client.send_once(&request) {
                Ok(reply) if reply.is_success() => {
                    let updated = reply
                        .json()
                        .ok()
                        .and_then(|rows| rows.as_array().map(Vec::len))
                        .unwrap_or(0);
                    if updated > 0 {
                        return Ok(());
                    }
                    log::debug!("revision changed meanwhile (round {round}); reading again");
                }
                Ok(reply) if is_transient(reply.status) => {
                    unsure = Some(new_revision);
                }
                Ok(reply) => return Err(self.failed(&reply, &what)),
                Err(CallError::Session(err)) => return Err(err.into()),
                Err(CallError::Transport(Failure::NotSent(message))) => {
                    log::debug!("{message}");
                }
                Err(CallError::Transport(failure)) => {
                    log::debug!("{failure}");
                    unsure = Some(new_revision);
                }
            }
        }
        Err(StoreError::Unavailable(format!(
            "{what}: other writers kept changing the list; gave up after {FALLBACK_ROUNDS} tries \
             (nothing was changed)"
        )))
    }

    /// The user's whole `settings` object (fallback only), `None` when there is no row.
    fn read_row(&self, user_id: &str) -> Result<Option<Map<String, Value>>, StoreError> {
        let what = format!("reading from {}", self.client.url());
        let path = format!(
            "/rest/v1/user_secrets?select=user_id,settings&user_id=eq.{}",
            encode(user_id)
        );
        let reply = self.call(&Request::new(Method::Get, path), Retry::Safe, &what)?;
        if !reply.is_success() {
            return Err(self.failed(&reply, &what));
        }
        let rows = reply
            .json()
            .map_err(|err| StoreError::Unavailable(format!("{what}: {err}")))?;
        match rows.as_array().map(Vec::as_slice) {
            Some([]) => Ok(None),
            Some([row]) => match row.get("settings") {
                None | Some(Value::Null) => Ok(Some(Map::new())),
                Some(Value::Object(settings)) => Ok(Some(settings.clone())),
                Some(_) => Err(StoreError::Malformed(format!(
                    "{}: settings is not a JSON object; fix it in the database (nothing was \
                     changed)",
                    self.source()
                ))),
            },
            _ => Err(StoreError::Unavailable(format!(
                "{what}: unexpected answer (not one row)"
            ))),
        }
    }
}

impl Store for SupabaseStore {
    fn list(&self) -> Result<Vec<Mailbox>, StoreError> {
        let what = format!("reading from {}", self.client.url());
        // Only the mailboxes: the rest of `settings` holds the user's API keys. RLS limits the
        // rows to the user's own; the user id filter (when known) says so explicitly too.
        let mut path = "/rest/v1/user_secrets?select=mailboxes:settings-%3Emailboxes".to_string();
        if let Some(user_id) = self.client.known_user_id() {
            path.push_str(&format!("&user_id=eq.{}", encode(&user_id)));
        }
        let reply = self.call(&Request::new(Method::Get, path), Retry::Safe, &what)?;
        if !reply.is_success() {
            return Err(self.failed(&reply, &what));
        }
        let rows = reply
            .json()
            .map_err(|err| StoreError::Unavailable(format!("{what}: {err}")))?;
        match rows.as_array().map(Vec::as_slice) {
            Some([]) => Ok(Vec::new()),
            Some([row]) => {
                parse_entries(row.get("mailboxes").unwrap_or(&Value::Null), &self.source())
            }
            Some(_) => Err(StoreError::PermissionDenied(format!(
                "{what}: more than one user's row is visible; is Row Level Security enabled on \
                 public.user_secrets?"
            ))),
            None => Err(StoreError::Unavailable(format!(
                "{what}: unexpected answer (not a list of rows)"
            ))),
        }
    }

    fn apply(&self, change: &Change) -> Result<(), StoreError> {
        if !self.client.rpc_known_missing() && self.apply_rpc(change)? {
            return Ok(());
        }
        self.apply_optimistic(change)
    }

    fn describe(&self) -> String {
        format!(
            "{} (profile {})",
            self.client.url(),
            self.client.connection().profile()
        )
    }
}

/// Whether a change whose answer was lost shows in `entries` already.
fn already_applied(change: &Change, entries: &[Value]) -> bool {
    match change {
        Change::Add(mailbox) => entries.iter().any(|e| entry_id(e) == Some(&mailbox.id)),
        Change::Remove { ids } => !entries
            .iter()
            .any(|e| entry_id(e).is_some_and(|id| ids.contains(id))),
        // Merging the same patch twice gives the same entry: applying it again is harmless.
        Change::Update { .. } | Change::UpdateMany { .. } => false,
    }
}

/// The revision marker as PostgREST's `->>` renders it (text of a string; JSON of others).
fn revision_text(value: Option<&Value>) -> Option<String> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_as_text() {
        assert_eq!(revision_text(None), None);
        assert_eq!(revision_text(Some(&Value::Null)), None);
        assert_eq!(revision_text(Some(&json!("abc"))).as_deref(), Some("abc"));
        assert_eq!(revision_text(Some(&json!(5))).as_deref(), Some("5"));
    }

    #[test]
    fn lost_answers_are_checked_against_the_list() {
        let entries = vec![json!({"id": "a"}), json!({"id": "b"})];
        assert!(already_applied(
            &Change::Remove {
                ids: vec!["c".into()]
            },
            &entries
        ));
        assert!(!already_applied(
            &Change::Remove {
                ids: vec!["a".into()]
            },
            &entries
        ));
    }
}
