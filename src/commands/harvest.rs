//! `mailboxes harvest`: collect the people a mailbox corresponds with, incrementally, and print
//! them (table, JSON, CSV, vCard, mutt) or upsert them into Supabase (`--import GROUP`).
//!
//! Without `--import`, what each run counted is kept per folder in the local state dir, so a
//! re-run fetches only new messages and still prints every contact. With `--import`, the
//! progress markers live in Supabase beside the contacts (`public.contact_harvests`), so any
//! machine can continue where another left off and counts are added exactly once.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use serde_json::Value;

use super::Context;
use crate::cli::HarvestArgs;
use crate::error::usage;
use crate::exit::Exit;
use crate::harvest::batch::{self, Batch, Plan};
use crate::harvest::contacts::{Contact, Filter};
use crate::harvest::export::{exporter, ExportFormat};
use crate::harvest::import::Importer;
use crate::harvest::{Options, Progress};
use crate::mailbox::select_many;
use crate::output::{Format, Report, Style};

pub struct Harvest {
    contacts: Vec<Contact>,
    format: ExportFormat,
    failed: bool,
}

pub fn run(context: &Context, args: HarvestArgs) -> anyhow::Result<Harvest> {
    // `--json` and `--format` were checked to agree when the command line was read.
    let format = match (args.format, context.ui.format) {
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
        connections: usize::from(args.connections),
    };
    let filter = Filter {
        direction: args.direction,
        personal: args.personal,
        keep_noreply: args.keep_noreply,
    };
    let store = context.store()?;
    let all = store.list()?;
    let mut chosen = select_many(all, &args.mailboxes, args.all)?;
    // OAuth2 entries get an access token that is good now (refreshed and stored under the
    // grant's lock); one whose grant is gone is reported and left out.
    let refused = super::tokens::refresh_stale(&*store, &context.paths.state_dir, &mut chosen)?;
    for (id, err) in &refused {
        if let Some(mailbox) = chosen.iter().find(|m| &m.id == id) {
            let hint = crate::outcome::hint(
                err.kind,
                &err.message,
                &mailbox.host,
                false,
                Some(&mailbox.label),
            );
            context.ui.warn(&format!(
                "'{}': {} ({hint})",
                crate::untrusted::printable(&mailbox.label),
                err.message
            ));
        }
    }
    chosen.retain(|m| !refused.iter().any(|(id, _)| id == &m.id));
    let importer = match &args.import {
        // The same PostgREST client (one connection) as the store's.
        Some(group) => Some(Importer::new(context.postgrest()?, group)),
        None => None,
    };
    let plan_for = |mailboxes| Plan {
        mailboxes,
        options: &options,
        filter,
        paths: &context.paths,
        profile: &context.profile,
        importer: importer.as_ref(),
        incremental: !args.full && args.since.is_none(),
        keep_noreply: args.keep_noreply,
        jobs: crate::harvest::batch::JOBS,
        keep_going: false,
    };
    let run_batch = |plan: &Plan| {
        let bar = progress_bar();
        let result = batch::run(plan, &|event| match event {
            Progress::Expect(n) => bar.inc_length(n),
            Progress::Message => bar.inc(1),
            Progress::Messages(n) => bar.inc(n),
        });
        bar.finish_and_clear();
        result
    };
    let first = chosen.clone();
    let result = run_batch(&plan_for(&first));
    // A login refused with an OAuth2 token that had not expired: one refresh, then again.
    let refused_logins = super::tokens::refused_logins(&result, &chosen);
    let result = if !refused_logins.is_empty()
        && super::tokens::refresh_refused(
            &*store,
            &context.paths.state_dir,
            &mut chosen,
            &refused_logins,
        )? {
        run_batch(&plan_for(&chosen))
    } else {
        result
    };
    let batch = result?;
    for warning in &batch.warnings {
        context.ui.warn(warning);
    }
    context
        .ui
        .note(&summary(&batch, args.import.as_deref().map(str::trim)));
    Ok(Harvest {
        contacts: batch.contacts,
        format,
        failed: batch.failed || !refused.is_empty(),
    })
}

/// The line a harvest ends with, on stderr.
fn summary(batch: &Batch, group: Option<&str>) -> String {
    let totals = &batch.totals;
    let mut note = format!(
        "{} contacts from {} messages read ({} folders, {} unchanged) in {:.2} s, {} round trips",
        batch.contacts.len(),
        totals.messages,
        totals.folders,
        totals.unchanged,
        totals.elapsed.as_secs_f64(),
        totals.round_trips,
    );
    if totals.malformed > 0 {
        note.push_str(&format!(
            "; {} malformed addresses or messages skipped",
            totals.malformed
        ));
    }
    if let Some(group) = group {
        note.push_str(&format!(
            "; {} contacts upserted into group '{group}'",
            totals.imported
        ));
    }
    note
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
