//! `mailboxes harvest`: collect the people a mailbox corresponds with, incrementally, and print
//! them (table, JSON, CSV, vCard, mutt) or upsert them into Supabase (`--import GROUP`).
//!
//! Without `--import`, what each run counted is kept per folder in the local state dir, so a
//! re-run fetches only new messages and still prints every contact. With `--import`, the
//! progress markers live in Supabase beside the contacts (`public.contact_harvests`), so any
//! machine can continue where another left off and counts are added exactly once.

use std::collections::BTreeSet;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Context;
use crate::cli::HarvestArgs;
use crate::error::{usage, Exit};
use crate::fanout;
use crate::harvest::contacts::{self, Book, Contact, Filter};
use crate::harvest::export::{exporter, ExportFormat};
use crate::harvest::import::Importer;
use crate::harvest::state::{self, FolderState, MailboxState};
use crate::harvest::{self, Known, Options, Progress, Run};
use crate::mailbox::select_many;
use crate::output::{Format, Report, Style};
use crate::probe::{FailureKind, ProbeError, Target};

pub struct Harvest {
    contacts: Vec<Contact>,
    format: ExportFormat,
    failed: bool,
}

pub fn run(context: &Context, args: HarvestArgs) -> anyhow::Result<Harvest> {
    let format = match (args.format, context.ui.format) {
        (Some(format), Format::Json) if format != ExportFormat::Json => {
            return Err(usage("--json and --format disagree; give one of them"))
        }
        (Some(format), _) => format,
        (None, Format::Json) => ExportFormat::Json,
        (None, _) => ExportFormat::Table,
    };
    if args.mailboxes.is_empty() && !args.all {
        return Err(usage("name the mailboxes to harvest, or use --all"));
    }
    if let Some(group) = &args.import {
        if group.trim().is_empty() {
            return Err(usage("--import needs a group name"));
        }
    }
    let options = Options {
        probe: args.imap.connect_options(&context.ui)?,
        folders: args.folders.clone().filter(|f| !f.is_empty()),
        since: args.since,
        overall: args.imap.timeout.map(Duration::from_secs),
    };
    let filter = Filter {
        direction: args.direction,
        personal: args.personal,
        keep_noreply: args.keep_noreply,
    };
    // Loading the CA store (most of a no-change run's CPU) overlaps with reading the state.
    let warm_options = options.probe.clone();
    let warming = std::thread::spawn(move || crate::probe::prepare(&warm_options));
    let store = context.store()?;
    let all = store.list()?;
    let chosen = select_many(all, &args.mailboxes, args.all)?;
    let importer = match &args.import {
        // The same PostgREST client (one connection) as the store's.
        Some(group) => Some(Importer::new(context.postgrest()?, group)),
        None => None,
    };

    let started = Instant::now();
    let bar = progress_bar();
    let mut failed = false;
    let mut own = BTreeSet::new();
    // (label, books) per mailbox, for the merge.
    let mut sources: Vec<(String, Vec<Book>)> = Vec::new();
    let mut totals = Totals::default();
    // Read what earlier runs saw (local state, or Supabase when importing) ...
    // --full and --since read every folder from UID 1 (imported: its share is replaced).
    let incremental = !args.full && args.since.is_none();
    let mut imported = match &importer {
        Some(importer) if incremental => {
            let ids: Vec<&str> = chosen.iter().map(|mailbox| mailbox.id.as_str()).collect();
            importer.progress(&ids)?
        }
        _ => Default::default(),
    };
    let mut prepared = Vec::with_capacity(chosen.len());
    for mailbox in &chosen {
        let target = mailbox.target();
        let state_path = state::path(&context.paths, &context.profile, &mailbox.id);
        let saved = match state::load(&state_path, &target.host, &target.user) {
            Ok(saved) => saved,
            Err(err) => {
                context
                    .ui
                    .warn(&format!("{err:#}; starting over for '{}'", mailbox.label));
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
    let results = harvest_many(&prepared, &options, &bar);
    log::debug!("harvest: servers done after {:?}", started.elapsed());
    // ... and fold the results in, one mailbox after the other.
    for ((mailbox, (_, state_path, mut saved, known)), result) in
        chosen.iter().zip(prepared).zip(results)
    {
        let run = match result {
            Ok(run) => run,
            Err(err) if chosen.len() > 1 => {
                context.ui.warn(&format!("'{}': {err:#}", mailbox.label));
                failed = true;
                continue;
            }
            Err(err) => {
                bar.finish_and_clear();
                return Err(err.context(format!("harvesting '{}'", mailbox.label)));
            }
        };
        totals.add(&run);
        for folder in &run.folders {
            if let Some(error) = &folder.error {
                context.ui.warn(&format!(
                    "'{}' folder '{}': {error}",
                    mailbox.label, folder.name
                ));
                failed = true;
            }
        }
        own.extend(run.own.iter().cloned());
        let books = if let Some(importer) = &importer {
            let imported =
                importer.import(mailbox, &run, &known.folders, &run.own, args.keep_noreply)?;
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
        } else if args.since.is_some() {
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
    bar.finish_and_clear();
    log::debug!("harvest: results folded in after {:?}", started.elapsed());
    let merged = contacts::merge(
        sources
            .iter()
            .flat_map(|(label, books)| books.iter().map(move |book| (label.as_str(), book))),
        &own,
        filter,
    );
    let mut note = format!(
        "{} contacts from {} messages read ({} folders, {} unchanged) in {:.2} s, {} round trips",
        merged.len(),
        totals.messages,
        totals.folders,
        totals.unchanged,
        started.elapsed().as_secs_f64(),
        totals.round_trips,
    );
    if totals.malformed > 0 {
        note.push_str(&format!(
            "; {} malformed addresses or messages skipped",
            totals.malformed
        ));
    }
    if let Some(group) = &args.import {
        note.push_str(&format!(
            "; {} contacts upserted into group '{}'",
            totals.imported,
            group.trim()
        ));
    }
    context.ui.note(&note);
    Ok(Harvest {
        contacts: merged,
        format,
        failed,
    })
}

/// How many mailboxes are harvested at once.
const JOBS: usize = 4;

/// Runs [`harvest::run`] for every prepared mailbox, [`JOBS`] at a time and at most
/// [`fanout::PER_ACCOUNT`] per account; one refused for a connection limit is tried once more
/// after the others. Results in order.
fn harvest_many(
    prepared: &[(Target, PathBuf, MailboxState, Known)],
    options: &Options,
    bar: &indicatif::ProgressBar,
) -> Vec<anyhow::Result<Run>> {
    fanout::run(
        prepared,
        JOBS,
        fanout::PER_ACCOUNT,
        |(target, ..)| fanout::account(&target.host, &target.user),
        |(target, _, _, known)| {
            let mut on_progress = |event: Progress| match event {
                Progress::Expect(n) => bar.inc_length(n),
                Progress::Message => bar.inc(1),
            };
            harvest::run(target, options, known, &mut on_progress)
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

#[derive(Default)]
struct Totals {
    messages: u64,
    folders: usize,
    unchanged: usize,
    malformed: u64,
    round_trips: u32,
    imported: u64,
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

/// A progress bar on a terminal's stderr, after a short delay; nothing in scripts.
fn progress_bar() -> indicatif::ProgressBar {
    if !io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} messages {wide_bar} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

impl Report for Harvest {
    fn human(&self, out: &mut dyn Write, style: &Style) -> io::Result<()> {
        exporter(self.format, style.width).write(&self.contacts, out)
    }

    fn json(&self) -> Value {
        serde_json::to_value(&self.contacts).unwrap_or(Value::Null)
    }

    fn exit(&self) -> Exit {
        if self.failed {
            Exit::Failed
        } else {
            Exit::Success
        }
    }
}
