//! `--import GROUP`: upserting harvested contacts into Supabase (`public.contacts`, migration
//! `supabase/migrations/20261126000000_contacts.sql`), with the harvest's progress kept beside
//! them (`public.contact_harvests`) instead of in the local state dir.
//!
//! One harvest of one mailbox is one `contacts_import` RPC call, which checks that every
//! folder's progress marker is still where this run started from and then applies the counts,
//! in one transaction: importing twice, or from two machines, never counts a message twice.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use serde_json::{json, Value};

use super::contacts::{self, Book, Tally};
use super::{address, Run};
use std::rc::Rc;

use crate::http::{Method, Request};
use crate::mailbox::Mailbox;
use crate::postgrest::{self, in_list, Client, Retry};
use crate::store::StoreError;

/// Import progress: mailbox id → folder → (UIDVALIDITY, highest UID imported).
pub type ImportedUpTo = BTreeMap<String, BTreeMap<String, (u32, u32)>>;

pub struct Importer {
    client: Rc<Client>,
    group: String,
}

/// What one import did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Imported {
    pub contacts: u64,
}

impl Importer {
    /// Imports into `group` through the command's PostgREST client (the store's too).
    pub fn new(client: Rc<Client>, group: &str) -> Importer {
        Importer {
            client,
            group: group.trim().to_owned(),
        }
    }

    /// Where earlier imports of each of `mailbox_ids` got to, in one request:
    /// mailbox id → folder → (UIDVALIDITY, highest UID). Mailboxes never imported are absent.
    pub fn progress(&self, mailbox_ids: &[&str]) -> anyhow::Result<ImportedUpTo> {
        let mut progress = ImportedUpTo::new();
        if mailbox_ids.is_empty() {
            return Ok(progress);
        }
        let path = format!(
            "/rest/v1/contact_harvests?select=mailbox_id,folder,uidvalidity,highest_uid\
             &mailbox_id=in.({})",
            in_list(mailbox_ids)
        );
        let reply = self.send(
            &Request::new(Method::Get, path),
            Retry::Safe,
            "reading harvest progress",
        )?;
        let rows = reply.json().map_err(StoreError::Unavailable)?;
        for row in rows.as_array().into_iter().flatten() {
            let number = |key: &str| {
                row[key]
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0)
            };
            if let (Some(mailbox), Some(folder)) =
                (row["mailbox_id"].as_str(), row["folder"].as_str())
            {
                progress.entry(mailbox.to_owned()).or_default().insert(
                    folder.to_owned(),
                    (number("uidvalidity"), number("highest_uid")),
                );
            }
        }
        Ok(progress)
    }

    /// Every row of the user's `public.contacts` (RLS: their own), most seen first.
    pub fn contacts(&self) -> anyhow::Result<Vec<Value>> {
        let reply = self.send(
            // Every column: `merged_into` only exists once the dedup migration is applied.
            &Request::new(
                Method::Get,
                "/rest/v1/contacts?select=*&order=from_count.desc,to_count.desc,email.asc"
                    .to_string(),
            ),
            Retry::Safe,
            "reading contacts",
        )?;
        let rows = reply.json().map_err(StoreError::Unavailable)?;
        Ok(rows.as_array().cloned().unwrap_or_default())
    }

    /// Merges the contacts `emails` into `primary` (`contacts_merge`, one transaction).
    pub fn merge(&self, primary: &str, emails: &[String]) -> anyhow::Result<()> {
        self.dedup_call(
            "contacts_merge",
            json!({"p_primary": primary, "p_emails": emails}),
            "merging contacts",
        )
    }

    /// Takes `email` back out of the contact it was merged into (`contacts_unmerge`).
    pub fn unmerge(&self, email: &str) -> anyhow::Result<bool> {
        let reply = self.client.call(
            &Request::new(Method::Post, "/rest/v1/rpc/contacts_unmerge".to_string())
                .json(&json!({"p_email": email})),
            Retry::Safe,
            "unmerging a contact",
        )?;
        if !reply.is_success() {
            return Err(self.dedup_error(&reply, "unmerging a contact"));
        }
        Ok(reply.json().ok() == Some(Value::Bool(true)))
    }

    fn dedup_call(&self, function: &str, args: Value, what: &str) -> anyhow::Result<()> {
        let reply = self.client.call(
            &Request::new(Method::Post, format!("/rest/v1/rpc/{function}")).json(&args),
            Retry::Safe,
            what,
        )?;
        if reply.is_success() {
            return Ok(());
        }
        Err(self.dedup_error(&reply, what))
    }

    fn dedup_error(&self, reply: &crate::http::Reply, what: &str) -> anyhow::Error {
        if postgrest::is_missing_function(reply) {
            return StoreError::Unavailable(format!(
                "{what}: {} cannot merge contacts yet; apply supabase/migrations/\
                 20261205000000_contacts_dedup.sql (`supabase db push`)",
                self.client.url()
            ))
            .into();
        }
        StoreError::Unavailable(format!("{what}: HTTP {}", reply.status)).into()
    }

    /// Imports `run`'s new counts for `mailbox`, minus the user's own and (unless `keep_noreply`)
    /// machine addresses. `known` is the progress this run started from.
    pub fn import(
        &self,
        mailbox: &Mailbox,
        run: &Run,
        known: &BTreeMap<String, (u32, u32)>,
        own: &BTreeSet<String>,
        keep_noreply: bool,
    ) -> anyhow::Result<Imported> {
        let mut folders = Vec::new();
        let mut per_contact: BTreeMap<&str, (Tally, BTreeMap<String, Value>)> = BTreeMap::new();
        for folder in &run.folders {
            if folder.error.is_some() || folder.unchanged {
                continue;
            }
            folders.push(json!({
                "folder": folder.name,
                "uidvalidity": folder.uidvalidity,
                "from_uid": if folder.full { 0 } else { known.get(&folder.name).map_or(0, |k| k.1) },
                "highest_uid": folder.highest_uid,
                "full": folder.full,
            }));
            let source = format!("{}/{}", mailbox.id, folder.name);
            add_sources(&mut per_contact, &folder.book, &source, own, keep_noreply);
        }
        if folders.is_empty() {
            return Ok(Imported::default());
        }
        let contacts: Vec<Value> = per_contact
            .into_iter()
            .map(|(key, (tally, sources))| {
                json!({
                    "email": key,
                    "name": tally.best_name(),
                    "first_seen": tally.first_seen.and_then(contacts::timestamp),
                    "last_seen": tally.last_seen.and_then(contacts::timestamp),
                    "sources": sources,
                })
            })
            .collect();
        let count = contacts.len() as u64;
        let request = Request::new(Method::Post, "/rest/v1/rpc/contacts_import").json(&json!({
            "p_group": self.group,
            "p_mailbox": mailbox.id,
            "p_folders": folders,
            "p_contacts": contacts,
        }));
        // Not retried once it may have arrived: a second import would find the progress moved
        // and answer a conflict for work that did land.
        self.send(&request, Retry::NotSentOnly, "importing contacts")
            .with_context(|| format!("importing the contacts of '{}'", mailbox.label))?;
        Ok(Imported { contacts: count })
    }

    /// Sends a request (retried as the store retries: 429 after its Retry-After, and what
    /// `retry` allows); maps failures.
    fn send(
        &self,
        request: &Request,
        retry: Retry,
        what: &str,
    ) -> anyhow::Result<crate::http::Reply> {
        let reply = self.client.call(request, retry, what)?;
        if reply.is_success() {
            return Ok(reply);
        }
        let err = reply.error();
        let message = if postgrest::is_missing_function(&reply)
            || err.has_code("42P01")
            || err.has_code("PGRST205")
        {
            return Err(StoreError::Unavailable(format!(
                "{what}: {} has no contacts tables; apply supabase/migrations/\
                 20261126000000_contacts.sql (`supabase db push`)",
                self.client.url()
            ))
            .into());
        } else if reply.status == 409 || err.has_code("PT409") {
            err.message
                .trim_start_matches("contacts_import: ")
                .to_owned()
        } else if postgrest::is_permission_denied(&reply) {
            return Err(StoreError::PermissionDenied(format!(
                "{what}: permission denied ({})",
                err.message
            ))
            .into());
        } else {
            format!("{what}: HTTP {}: {}", reply.status, err.message)
        };
        Err(anyhow::anyhow!(message))
    }
}

/// Adds one folder's counts to the per-contact sources, skipping own and machine addresses.
fn add_sources<'a>(
    per_contact: &mut BTreeMap<&'a str, (Tally, BTreeMap<String, Value>)>,
    book: &'a Book,
    source: &str,
    own: &BTreeSet<String>,
    keep_noreply: bool,
) {
    for (key, tally) in book {
        if own.contains(key) || (!keep_noreply && address::is_noreply(key)) {
            continue;
        }
        let entry = per_contact.entry(key.as_str()).or_default();
        entry.0.absorb(tally);
        entry.1.insert(
            source.to_owned(),
            json!({"from": tally.from_count, "to": tally.to_count}),
        );
    }
}
