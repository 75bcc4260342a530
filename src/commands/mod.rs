//! One file per verb. A command resolves its inputs, calls the store, probe or session, and
//! returns a `Report`; it never prints (except through `Ui` warnings) and never exits.

mod add;
mod completions;
mod contacts;
mod discover;
mod edit;
mod harvest;
mod list;
mod remove;
mod schedule;
mod session;
mod signin;
mod sync;
mod test;
mod tokens;
mod wizard;

use std::cell::OnceCell;
use std::rc::Rc;

use crate::cli::{Cli, Command, HarvestArgs, Internal, TestArgs};
use crate::config::{self, Paths};
use crate::error::usage;
use crate::exit::Exit;
use crate::harvest::export::ExportFormat;
use crate::input::Terminal;
use crate::output::{Format, Report, Ui};
use crate::postgrest;
use crate::store::local::LocalStore;
use crate::store::supabase::SupabaseStore;
use crate::store::{Store, StoreError, StoreKind};

/// What every command may need, resolved once from flags and the environment.
pub struct Context {
    pub paths: Paths,
    pub profile: String,
    pub store_choice: Option<StoreKind>,
    pub ui: Ui,
    pub terminal: Terminal,
    /// The command's one PostgREST client, opened at first need and shared by the Supabase
    /// store and the contacts import.
    postgrest: OnceCell<Rc<postgrest::Client>>,
}

impl Context {
    /// The store named by `--store`/`MAILBOXES_STORE`, else Supabase once logged in, else local.
    pub fn store_kind(&self) -> StoreKind {
        self.store_choice.unwrap_or_else(|| {
            if crate::session::is_logged_in(&self.paths, &self.profile) {
                StoreKind::Supabase
            } else {
                StoreKind::Local
            }
        })
    }

    pub fn store(&self) -> anyhow::Result<Box<dyn Store>> {
        let store = self.open_store()?;
        log::info!("store: {}", store.describe());
        Ok(store)
    }

    fn open_store(&self) -> anyhow::Result<Box<dyn Store>> {
        match self.store_kind() {
            StoreKind::Local => Ok(Box::new(LocalStore::new(
                self.paths.local_store(&self.profile),
            ))),
            StoreKind::Supabase => Ok(Box::new(SupabaseStore::new(self.postgrest()?))),
        }
    }

    /// The signed-in PostgREST client of this profile (loads the session; sends nothing).
    pub fn postgrest(&self) -> anyhow::Result<Rc<postgrest::Client>> {
        if let Some(client) = self.postgrest.get() {
            return Ok(Rc::clone(client));
        }
        let options = crate::session::Options::from_env(&self.paths, &self.profile, None, None);
        let client = Rc::new(postgrest::Client::open(&options).map_err(StoreError::from)?);
        Ok(Rc::clone(self.postgrest.get_or_init(|| client)))
    }
}

/// Runs the parsed command line and returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    crate::output::init_logging(cli.global.verbose);
    config::validate_profile(&cli.global.profile).map_err(usage)?;
    let format = output_format(&cli)?;
    let context = Context {
        paths: Paths::from_env()?,
        profile: cli.global.profile.clone(),
        store_choice: cli.global.store,
        ui: Ui::new(format, cli.global.no_color),
        terminal: Terminal::detect(),
        postgrest: OnceCell::new(),
    };
    let report: Box<dyn Report> = match cli.command {
        Command::List(args) => Box::new(list::run(&context, args)?),
        Command::Add(args) => Box::new(add::run(&context, args)?),
        Command::Edit(args) => Box::new(edit::run(&context, args)?),
        Command::Remove(args) => Box::new(remove::run(&context, args)?),
        Command::Reauth(args) => Box::new(signin::reauth(&context, args)?),
        Command::Test(args) => Box::new(test::run(&context, args)?),
        Command::Harvest(args) => Box::new(harvest::run(&context, args)?),
        Command::Sync(args) => Box::new(sync::run(&context, args)?),
        Command::Contacts(args) => Box::new(contacts::run(&context, args)?),
        Command::Schedule(args) => Box::new(schedule::run(&context, args)?),
        Command::Login(args) => Box::new(session::login(&context, args)?),
        Command::Logout => Box::new(session::logout(&context)?),
        Command::Status => Box::new(session::status(&context)?),
        Command::Discover(args) => Box::new(discover::run(args)?),
        Command::Completions { shell } => Box::new(completions::print(shell)),
    };
    context.ui.print(report.as_ref())?;
    Ok(report.exit())
}

/// What stdout carries, from `--json` and a command's `--format`, decided here once for every
/// command: the two must agree.
fn output_format(cli: &Cli) -> anyhow::Result<Format> {
    let json = cli.global.json;
    let agree = |same: bool| {
        if json && !same {
            Err(usage("--json and --format disagree; give one of them"))
        } else {
            Ok(())
        }
    };
    Ok(match &cli.command {
        Command::Test(TestArgs {
            format: Some(format),
            ..
        }) => {
            agree(*format == Format::Json)?;
            *format
        }
        // harvest's own formats (table, csv, vcard, …) are written by its exporters.
        Command::Harvest(HarvestArgs {
            format: Some(format),
            ..
        }) => {
            agree(*format == ExportFormat::Json)?;
            if json {
                Format::Json
            } else {
                Format::Human
            }
        }
        _ if json => Format::Json,
        _ => Format::Human,
    })
}

/// Runs the project's own verb (`generate DIR`).
pub fn run_internal(internal: Internal) -> anyhow::Result<Exit> {
    let report = match internal {
        Internal::Generate { dir } => completions::generate(&dir)?,
    };
    Ui::new(Format::Human, true).print(&report)?;
    Ok(report.exit())
}
