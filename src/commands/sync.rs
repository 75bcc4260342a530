//! `mailboxes sync` (issue 14): for each mailbox, log in (the result recorded as `test` records
//! it), harvest what is new, and write the contacts into the current contacts store — the local
//! vdir (`addressbook`), or Supabase's `public.contacts` when signed in. One sync at a time per
//! profile (a lock); mailboxes in parallel, bounded by `--jobs`.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

use serde_json::{json, Value};

use super::Context;
use crate::addressbook::{self, vdir::Vdir, BookState};
use crate::cli::SyncArgs;
use crate::config;
use crate::exit::Exit;
use crate::harvest::batch::{self, Plan};
use crate::harvest::contacts::{Direction, Filter};
use crate::harvest::import::Importer;
use crate::harvest::Options;
use crate::mailbox::{self, select_many, Patch};
use crate::output::{Report, Style};
use crate::store::{Change, StoreError, StoreKind};
use crate::untrusted::printable;

/// One mailbox's part of a sync.
struct Synced {
    id: String,
    label: String,
    ok: bool,
    kind: &'static str,
    message: Option<String>,
    folders_read: usize,
    folders_unchanged: usize,
    messages: u64,
    contacts_new: usize,
    contacts_updated: usize,
}

pub struct Sync {
    mailboxes: Vec<Synced>,
    /// Labels of mailboxes whose last test was ok and that failed now.
    newly_failing: Vec<String>,
    book: String,
    written: addressbook::Written,
    imported: Option<u64>,
    contacts: usize,
    elapsed: Duration,
}

pub fn run(context: &Context, args: SyncArgs) -> anyhow::Result<Sync> {
    let scheduled = args.scheduled;
    let result = run_sync(context, args);
    if scheduled {
        record_scheduled_run(context, &result);
    }
    result
}

/// A scheduled run's line in the sync log, and a desktop notification for each mailbox that
/// stopped working.
fn record_scheduled_run(context: &Context, result: &anyhow::Result<Sync>) {
    let (exit, summary, newly_failing) = match result {
        Ok(sync) => {
            let failed = sync.mailboxes.iter().filter(|m| !m.ok).count();
            (
                sync.exit() as u8,
                format!(
                    "{} ok, {failed} failed; {} new, {} updated contacts",
                    sync.mailboxes.len() - failed,
                    sync.written.created,
                    sync.written.updated
                ),
                sync.newly_failing.clone(),
            )
        }
        Err(err) => (
            crate::exit::exit_for(err) as u8,
            format!("{err:#}"),
            Vec::new(),
        ),
    };
    let entry = crate::schedule::log::Entry {
        at: crate::mailbox::tested_at(),
        profile: context.profile.clone(),
        exit,
        summary,
        newly_failing: newly_failing.clone(),
    };
    if let Err(err) = crate::schedule::log::append(&context.paths.state_dir, &entry) {
        context
            .ui
            .warn(&format!("could not write the sync log: {err:#}"));
    }
    for label in &newly_failing {
        notify(
            &format!("{label} stopped working"),
            "mailboxes sync could not log in; run `mailboxes test` to see why",
        );
    }
}

/// A desktop notification where one can be shown (notify-send with a display, osascript);
/// best effort, never waited for long.
fn notify(title: &str, body: &str) {
    let has_display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let spawned = if cfg!(target_os = "macos") {
        std::process::Command::new("osascript")
            .arg("-e")
            .arg(format!(
                "display notification {:?} with title {:?}",
                body,
                format!("mailboxes: {title}")
            ))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
    } else if has_display {
        std::process::Command::new("notify-send")
            .args(["--app-name=mailboxes", &format!("mailboxes: {title}"), body])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
    } else {
        return;
    };
    if let Ok(mut child) = spawned {
        let _ = child.wait();
    }
}

fn run_sync(context: &Context, args: SyncArgs) -> anyhow::Result<Sync> {
    let _running = lock(context, args.wait)?;
    let store = context.store()?;
    let supabase = context.store_kind() == StoreKind::Supabase;
    // The address book is checked first: a read-only disk fails before any login.
    let (book, dir) = if supabase {
        if args.contacts_dir.is_some() {
            return Err(crate::error::usage(
                "--contacts-dir is for the local address book; signed in, contacts go to \
                 Supabase (pass --store local for the vdir)",
            ));
        }
        (None, None)
    } else {
        let dir = match &args.contacts_dir {
            Some(dir) => dir.clone(),
            None => addressbook::default_dir(&context.profile)?,
        };
        let book = Vdir::open(&dir)?;
        book.sweep_stale();
        (Some(book), Some(dir))
    };
    let all = store.list()?;
    let every = args.all || args.mailboxes.is_empty();
    let mut chosen = select_many(all, &args.mailboxes, every)?;
    let was_ok: Vec<String> = chosen
        .iter()
        .filter(|m| m.status.as_deref() == Some(crate::mailbox::STATUS_OK))
        .map(|m| m.id.clone())
        .collect();
    let refused = super::tokens::refresh_stale(&*store, &context.paths.state_dir, &mut chosen)?;
    // Their labels, for the report: they are not harvested.
    let refused: Vec<(String, String, crate::probe::ProbeError)> = refused
        .into_iter()
        .map(|(id, err)| {
            let label = chosen
                .iter()
                .find(|m| m.id == id)
                .map_or_else(|| id.clone(), |m| m.label.clone());
            (id, label, err)
        })
        .collect();
    chosen.retain(|m| !refused.iter().any(|(id, _, _)| id == &m.id));

    let importer = if supabase {
        Some(Importer::new(context.postgrest()?, "mailboxes sync"))
    } else {
        None
    };
    let options = Options {
        probe: args.imap.connect_options(&context.ui)?,
        folders: None,
        since: None,
        overall: args.imap.timeout.map(Duration::from_secs),
        connections: usize::from(args.connections),
    };
    let plan_for = |mailboxes| Plan {
        mailboxes,
        options: &options,
        filter: Filter {
            direction: Direction::Both,
            personal: false,
            keep_noreply: false,
        },
        paths: &context.paths,
        profile: &context.profile,
        importer: importer.as_ref(),
        incremental: !args.full,
        keep_noreply: false,
        jobs: usize::from(args.jobs),
        keep_going: true,
    };
    let first = chosen.clone();
    let result = batch::run(&plan_for(&first), &|_| {});
    // A login refused with an OAuth2 token that had not expired: one refresh, then again
    // (the others find nothing new the second time: a round trip each).
    let refused_logins = super::tokens::refused_logins(&result, &chosen);
    let result = if !refused_logins.is_empty()
        && super::tokens::refresh_refused(
            &*store,
            &context.paths.state_dir,
            &mut chosen,
            &refused_logins,
        )? {
        batch::run(&plan_for(&chosen), &|_| {})
    } else {
        result
    };
    let batch = result?;

    // The logins' results, as `test` records them: one atomic change.
    let mut patches: Vec<(String, Patch)> = batch
        .mailboxes
        .iter()
        .filter(|run| run.result.is_ok() || matches!(run.result, Err((Some(_), _))))
        .map(|run| {
            let error = run
                .result
                .as_ref()
                .err()
                .map(|(_, message)| message.clone());
            (
                run.id.clone(),
                Patch::test_result(run.result.is_ok(), mailbox::tested_at(), error),
            )
        })
        .collect();
    for (id, _, err) in &refused {
        patches.push((
            id.clone(),
            Patch::test_result(false, mailbox::tested_at(), Some(err.message.clone())),
        ));
    }
    if !patches.is_empty() {
        store.apply(&Change::UpdateMany { patches })?;
    }

    let mut written = addressbook::Written::default();
    if let (Some(book), Some(dir)) = (&book, &dir) {
        let mut state = BookState::load(&context.paths, &context.profile, dir);
        written = addressbook::write(book, &mut state, &batch.contacts)?;
        state.save(&context.paths, &context.profile)?;
        for unreadable in &written.unreadable {
            context.ui.warn(&format!(
                "{} is not a card mailboxes can read ({}); left alone",
                printable(&unreadable.file),
                printable(&unreadable.why)
            ));
        }
        if args.full && written.skipped_deleted > 0 {
            context.ui.note(&format!(
                "{} contacts whose cards you deleted were not created again",
                written.skipped_deleted
            ));
        }
    }
    // Contacts new or updated per mailbox: the changed cards of contacts seen in it.
    let mut per_label: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for contact in &batch.contacts {
        let uid = addressbook::uid_for(&contact.key);
        let created = written.created_uids.contains(&uid);
        let updated = !created && written.changed.contains(&uid);
        for label in &contact.mailboxes {
            let entry = per_label.entry(label.as_str()).or_default();
            entry.0 += usize::from(created);
            entry.1 += usize::from(updated);
        }
    }
    let mut mailboxes: Vec<Synced> = batch
        .mailboxes
        .iter()
        .map(|run| {
            let (new, updated) = per_label
                .get(run.label.as_str())
                .copied()
                .unwrap_or_default();
            match &run.result {
                Ok((read, unchanged, messages)) => Synced {
                    id: run.id.clone(),
                    label: run.label.clone(),
                    ok: true,
                    kind: "ok",
                    message: None,
                    folders_read: *read - *unchanged,
                    folders_unchanged: *unchanged,
                    messages: *messages,
                    contacts_new: new,
                    contacts_updated: updated,
                },
                Err((kind, message)) => Synced {
                    id: run.id.clone(),
                    label: run.label.clone(),
                    ok: false,
                    kind: kind.map_or("error", |k| k.name()),
                    message: Some(message.clone()),
                    folders_read: 0,
                    folders_unchanged: 0,
                    messages: 0,
                    contacts_new: 0,
                    contacts_updated: 0,
                },
            }
        })
        .collect();
    for (id, label, err) in &refused {
        mailboxes.push(Synced {
            id: id.clone(),
            label: label.clone(),
            ok: false,
            kind: err.kind.name(),
            message: Some(err.message.clone()),
            folders_read: 0,
            folders_unchanged: 0,
            messages: 0,
            contacts_new: 0,
            contacts_updated: 0,
        });
    }
    for warning in batch.warnings.iter().filter(|w| {
        // Mailbox failures are in the report already.
        !mailboxes
            .iter()
            .any(|m| !m.ok && w.starts_with(&format!("'{}': ", m.label)))
    }) {
        context.ui.warn(warning);
    }
    let newly_failing = mailboxes
        .iter()
        .filter(|m| !m.ok && was_ok.contains(&m.id))
        .map(|m| m.label.clone())
        .collect();
    Ok(Sync {
        newly_failing,
        mailboxes,
        book: match &dir {
            Some(dir) => dir.display().to_string(),
            None => "Supabase public.contacts".to_string(),
        },
        written,
        imported: supabase.then_some(batch.totals.imported),
        contacts: batch.contacts.len(),
        elapsed: batch.totals.elapsed,
    })
}

/// One sync at a time per profile: two would write the same cards and harvest state.
pub(super) fn lock(context: &Context, wait: bool) -> anyhow::Result<std::fs::File> {
    let dir = &context.paths.state_dir;
    config::ensure_private_dir(dir)
        .map_err(|err| anyhow::anyhow!("creating {}: {err}", dir.display()))?;
    let path = dir.join(format!("sync.{}.lock", context.profile));
    let patience = if wait {
        Duration::from_secs(3600)
    } else {
        Duration::ZERO
    };
    config::lock_exclusive(&path, patience, Duration::from_millis(100)).map_err(|err| match err {
        config::LockError::TimedOut => StoreError::Unavailable(format!(
            "a sync of profile '{}' is already running; pass --wait to wait for it",
            context.profile
        ))
        .into(),
        config::LockError::Open(err) | config::LockError::Lock(err) => {
            anyhow::anyhow!("locking {}: {err}", path.display())
        }
    })
}

impl Report for Sync {
    fn human(&self, out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        for m in &self.mailboxes {
            let label = printable(&m.label);
            if m.ok {
                let plural = |n: u64, one: &str, many: &str| {
                    format!("{n} {}", if n == 1 { one } else { many })
                };
                writeln!(
                    out,
                    "✓ {label}: {} read ({}, {} unchanged), {} new and {} updated",
                    plural(m.messages, "message", "messages"),
                    plural(
                        (m.folders_read + m.folders_unchanged) as u64,
                        "folder",
                        "folders"
                    ),
                    m.folders_unchanged,
                    plural(m.contacts_new as u64, "contact", "contacts"),
                    m.contacts_updated
                )?;
            } else {
                writeln!(
                    out,
                    "✗ {label}: {} ({})",
                    printable(m.message.as_deref().unwrap_or_default()),
                    m.kind
                )?;
            }
        }
        match self.imported {
            Some(imported) => writeln!(out, "{imported} contacts imported into {}", self.book),
            None => writeln!(
                out,
                "{} contacts in {}: {} new, {} updated, {} unchanged",
                self.contacts,
                printable(&self.book),
                self.written.created,
                self.written.updated,
                self.written.unchanged
            ),
        }
    }

    fn json(&self) -> Value {
        json!({
            "mailboxes": self.mailboxes.iter().map(|m| json!({
                "id": m.id, "label": m.label, "ok": m.ok, "kind": m.kind, "message": m.message,
                "folders_read": m.folders_read, "folders_unchanged": m.folders_unchanged,
                "messages": m.messages, "contacts_new": m.contacts_new,
                "contacts_updated": m.contacts_updated,
            })).collect::<Vec<_>>(),
            "address_book": self.book,
            "contacts": self.contacts,
            "cards": {
                "created": self.written.created, "updated": self.written.updated,
                "unchanged": self.written.unchanged,
                "skipped_deleted": self.written.skipped_deleted,
                "unreadable": self.written.unreadable,
            },
            "imported": self.imported,
            "newly_failing": self.newly_failing,
            "elapsed_ms": u64::try_from(self.elapsed.as_millis()).unwrap_or(u64::MAX),
        })
    }

    fn exit(&self) -> Exit {
        if self.mailboxes.iter().all(|m| m.ok) {
            Exit::Success
        } else {
            Exit::Failed
        }
    }
}
