//! Harvesting many mailboxes in one run, the fold the `harvest` command needs: read what
//! earlier runs saw (the local state, or Supabase's progress when importing), harvest the
//! mailboxes concurrently (each waits on its own server), then fold each result in, one after
//! the other (save the state, or import into Supabase), and merge everyone's contacts.
//!
//! Nothing here prints: warnings come back in [`Batch::warnings`], progress through a callback.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use super::contacts::{self, Book, Contact, Filter};
use super::import::Importer;
use super::state::{self, FolderState, MailboxState};
use super::{Known, Options, Progress, Run};
use crate::config::Paths;
use crate::fanout;
use crate::mailbox::Mailbox;
use crate::probe::{FailureKind, ProbeError, Target};
use crate::untrusted::printable;

/// One harvest run over several mailboxes.
pub struct Plan<'a> {
    pub mailboxes: &'a [Mailbox],
    pub options: &'a Options,
    pub filter: Filter,
    /// Where the local state lives (per profile and mailbox).
    pub paths: &'a Paths,
    pub profile: &'a str,
    /// `--import GROUP`: counts go to Supabase, progress is read from there.
    pub importer: Option<&'a Importer>,
    /// `--full` or `--since`: read every folder from UID 1.
    pub incremental: bool,
    pub keep_noreply: bool,
    /// Mailboxes at once.
    pub jobs: usize,
    /// A single mailbox's failure is reported like several mailboxes' (`sync`), not the error.
    pub keep_going: bool,
}

/// How one mailbox's harvest went.
#[derive(Debug, Clone)]
pub struct MailboxRun {
    pub id: String,
    pub label: String,
    /// Folders read, folders unchanged, messages read; or what failed (its kind when it was
    /// the login).
    pub result: Result<(usize, usize, u64), (Option<FailureKind>, String)>,
}

/// What a run found, and what went wrong on the way.
pub struct Batch {
    pub contacts: Vec<Contact>,
    pub totals: Totals,
    /// One line each: a mailbox or folder that failed, a state file started over.
    pub warnings: Vec<String>,
    /// Some mailbox or folder failed (exit 1).
    pub failed: bool,
    /// Every mailbox harvested (or tried), in order.
    pub mailboxes: Vec<MailboxRun>,
}

/// Harvests every mailbox of `plan`; `on_progress` hears of every message (from several
/// threads). With one mailbox its failure is the error; with several it is a warning.
pub fn run(plan: &Plan<'_>, on_progress: &(dyn Fn(Progress) + Sync)) -> anyhow::Result<Batch> {
    let started = Instant::now();
    // Loading the CA store (most of a no-change run's CPU) overlaps with reading the state.
    let warm_options = plan.options.probe.clone();
    let warming = std::thread::spawn(move || crate::probe::prepare(&warm_options));
    let chosen = plan.mailboxes;
    let importer = plan.importer;
    let incremental = plan.incremental;
    let mut warnings = Vec::new();
    let mut failed = false;
    let mut own = BTreeSet::new();
    // (label, books) per mailbox, for the merge.
    let mut sources: Vec<(String, Vec<Book>)> = Vec::new();
    let mut totals = Totals::default();
    // Read what earlier runs saw (local state, or Supabase when importing) ...
    // --full and --since read every folder from UID 1 (imported: its share is replaced).
    let mut imported = match &importer {
        Some(importer) if incremental => {
            let ids: Vec<&str> = chosen.iter().map(|mailbox| mailbox.id.as_str()).collect();
            importer.progress(&ids)?
        }
        _ => Default::default(),
    };
    let mut prepared = Vec::with_capacity(chosen.len());
    // Entries of an unknown `authType` are left alone (see `Mailbox::unsupported`).
    let chosen: Vec<&Mailbox> = chosen
        .iter()
        .filter(|mailbox| match mailbox.unsupported() {
            Some(why) => {
                warnings.push(format!("'{}': {why}", mailbox.label));
                failed = true;
                false
            }
            None => true,
        })
        .collect();
    for mailbox in chosen.iter().copied() {
        let target = mailbox.target();
        let state_path = state::path(plan.paths, plan.profile, &mailbox.id);
        let saved = match state::load(&state_path, &target.host, &target.user) {
            Ok(saved) => saved,
            Err(err) => {
                warnings.push(format!("{err:#}; starting over for '{}'", mailbox.label));
                state::fresh(&target.host, &target.user)
            }
        };
        let mut known = Known {
            own: saved.own.clone(),
            ..Known::default()
        };
        if incremental {
            known.folders = match &importer {
                Some(_) => imported.remove(&mailbox.id).unwrap_or_default(),
                None => saved
                    .folders
                    .iter()
                    .map(|(name, f)| (name.clone(), (f.uidvalidity, f.highest_uid)))
                    .collect(),
            };
        }
        prepared.push((target, state_path, saved, known));
    }
    log::debug!("harvest: state read after {:?}", started.elapsed());
    let _ = warming.join();
    log::debug!("harvest: TLS ready after {:?}", started.elapsed());
    // ... harvest the mailboxes concurrently (each waits on its own server) ...
    let results = harvest_many(&prepared, plan.options, plan.jobs, on_progress);
    let mut runs = Vec::with_capacity(chosen.len());
    log::debug!("harvest: servers done after {:?}", started.elapsed());
    // ... and fold the results in, one mailbox after the other.
    for ((mailbox, (_, state_path, mut saved, known)), result) in
        chosen.iter().zip(prepared).zip(results)
    {
        let run = match result {
            Ok(run) => run,
            Err(err) if chosen.len() > 1 || plan.keep_going => {
                let kind = err.downcast_ref::<ProbeError>().map(|err| err.kind);
                let message = match err.downcast_ref::<ProbeError>() {
                    Some(err) => err.message.clone(),
                    None => format!("{err:#}"),
                };
                runs.push(MailboxRun {
                    id: mailbox.id.clone(),
                    label: mailbox.label.clone(),
                    result: Err((kind, message)),
                });
                warnings.push(format!("'{}': {err:#}", mailbox.label));
                failed = true;
                continue;
            }
            Err(err) => return Err(err.context(format!("harvesting '{}'", mailbox.label))),
        };
        totals.add(&run);
        runs.push(MailboxRun {
            id: mailbox.id.clone(),
            label: mailbox.label.clone(),
            result: Ok((
                run.folders.len(),
                run.folders.iter().filter(|f| f.unchanged).count(),
                run.folders.iter().map(|f| f.messages).sum(),
            )),
        });
        for folder in &run.folders {
            if let Some(error) = &folder.error {
                // Folder names come from the server, labels from the store.
                warnings.push(
                    printable(&format!(
                        "'{}' folder '{}': {error}",
                        mailbox.label, folder.name
                    ))
                    .into_owned(),
                );
                failed = true;
            }
        }
        own.extend(run.own.iter().cloned());
        let books = if let Some(importer) = &importer {
            let imported =
                importer.import(mailbox, &run, &known.folders, &run.own, plan.keep_noreply)?;
            totals.imported += imported.contacts;
            // The user's addresses learned from Sent stay local: remember them for next time.
            if !run.own.is_subset(&saved.own) {
                saved.own.extend(run.own.iter().cloned());
                state::save(&state_path, &saved)?;
            }
            run.folders
                .into_iter()
                .filter(|f| f.error.is_none())
                .map(|f| f.book)
                .collect()
        } else if plan.options.since.is_some() {
            run.folders.into_iter().map(|f| f.book).collect()
        } else {
            let changed = !run.own.is_subset(&saved.own)
                || run
                    .folders
                    .iter()
                    .any(|f| !f.unchanged && f.error.is_none())
                || run
                    .folders
                    .iter()
                    .any(|f| !saved.folders.contains_key(&f.name));
            // Only the folders of this run (others an earlier `--folders` run saved stay apart).
            let scanned: BTreeSet<String> = run.folders.iter().map(|f| f.name.clone()).collect();
            remember(&mut saved, run);
            if changed {
                state::save(&state_path, &saved)?;
            }
            saved
                .folders
                .into_iter()
                .filter(|(name, _)| scanned.contains(name))
                .map(|(_, folder)| folder.contacts)
                .collect()
        };
        sources.push((mailbox.label.clone(), books));
    }
    log::debug!("harvest: results folded in after {:?}", started.elapsed());
    let merged = contacts::merge(
        sources
            .iter()
            .flat_map(|(label, books)| books.iter().map(move |book| (label.as_str(), book))),
        &own,
        plan.filter,
    );
    totals.elapsed = started.elapsed();
    Ok(Batch {
        contacts: merged,
        totals,
        warnings,
        failed,
        mailboxes: runs,
    })
}

/// How many mailboxes are harvested at once by default.
pub const JOBS: usize = 4;

/// Runs [`super::run`] for every prepared mailbox, [`JOBS`] at a time and at most
/// [`fanout::PER_ACCOUNT`] per account; one refused for a connection limit is tried once more
/// after the others. Results in order.
fn harvest_many(
    prepared: &[(Target, PathBuf, MailboxState, Known)],
    options: &Options,
    jobs: usize,
    on_progress: &(dyn Fn(Progress) + Sync),
) -> Vec<anyhow::Result<Run>> {
    fanout::run(
        prepared,
        jobs,
        fanout::PER_ACCOUNT,
        |(target, ..)| fanout::account(&target.host, &target.user),
        |(target, _, _, known)| {
            let mut on_progress = |event: Progress| on_progress(event);
            super::run(target, options, known, &mut on_progress)
        },
        |result| {
            result.as_ref().is_err_and(|err| {
                err.downcast_ref::<ProbeError>()
                    .is_some_and(|err| err.kind == FailureKind::Limit)
            })
        },
    )
}

/// Folds a run into the saved state: a full scan replaces a folder's counts, an incremental
/// one adds to them. A folder that failed keeps what it had.
fn remember(saved: &mut MailboxState, run: Run) {
    saved.own.extend(run.own);
    for folder in run.folders {
        if folder.error.is_some() {
            continue;
        }
        let entry = saved.folders.entry(folder.name.clone()).or_default();
        if folder.unchanged {
            continue;
        }
        if folder.full {
            *entry = FolderState::default();
        }
        entry.uidvalidity = folder.uidvalidity;
        entry.highest_uid = entry.highest_uid.max(folder.highest_uid);
        entry.role = folder.role;
        entry.messages += folder.messages;
        entry.malformed += folder.malformed;
        contacts::absorb(&mut entry.contacts, &folder.book);
    }
}

/// What a run read, for the line it ends with.
#[derive(Default)]
pub struct Totals {
    pub messages: u64,
    pub folders: usize,
    pub unchanged: usize,
    pub malformed: u64,
    pub round_trips: u32,
    pub imported: u64,
    pub elapsed: std::time::Duration,
}

impl Totals {
    fn add(&mut self, run: &Run) {
        self.round_trips += run.round_trips;
        for folder in &run.folders {
            self.folders += 1;
            self.unchanged += usize::from(folder.unchanged);
            self.messages += folder.messages;
            self.malformed += folder.malformed;
        }
    }
}
