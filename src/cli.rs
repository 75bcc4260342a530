//! The command line: global flags, one enum arm per verb. Doc comments are the `--help` text.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::error::usage;
use crate::exit::EXIT_CODES_HELP;
use crate::imap::ConnectOptions;
use crate::output::{Format, Ui};
use crate::staleness::parse_duration;
use crate::store::StoreKind;
use crate::version;

#[derive(Debug, Parser)]
#[command(
    name = "mailboxes",
    version = version::SHORT,
    long_version = version::long(),
    about = "Manage and test the IMAP mailboxes of your web-app account from a terminal, a script or CI",
    long_about = "Manage and test the IMAP mailboxes of your web-app account from a terminal, a \
script or CI.\n\nMailboxes are kept in a local file (the default, no account needed) or in your \
Supabase account once you run `mailboxes login`. Passwords are never printed: output shows \
`has_password` only.",
    after_long_help = EXIT_CODES_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where mailboxes are kept [default: supabase once logged in, else local]
    #[arg(
        long,
        global = true,
        env = "MAILBOXES_STORE",
        value_enum,
        value_name = "STORE"
    )]
    pub store: Option<StoreKind>,

    /// Which profile (account, or local file) to use
    #[arg(
        long,
        global = true,
        env = "MAILBOXES_PROFILE",
        default_value = "default",
        value_name = "NAME"
    )]
    pub profile: String,

    /// Print JSON for scripts instead of tables and sentences
    #[arg(long, global = true)]
    pub json: bool,

    /// Diagnostics on stderr: -v info, -vv debug, -vvv trace (never secrets)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// No colours (also when NO_COLOR is set or stdout is not a terminal)
    #[arg(long, global = true)]
    pub no_color: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List mailboxes (passwords are never shown)
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Add a mailbox
    #[command(after_long_help = ADD_EXAMPLES)]
    Add(AddArgs),
    /// Change a mailbox's fields; the password only when asked
    Edit(EditArgs),
    /// Sign in again with OAuth2 for a stored mailbox (a revoked or expired grant), or switch
    /// a password mailbox to OAuth2 with --oauth; keeps its id, label and every other field
    Reauth(ReauthArgs),
    /// Remove mailboxes (asks first on a terminal; scripts pass --yes)
    #[command(visible_alias = "rm")]
    Remove(RemoveArgs),
    /// Log in to mailboxes over IMAP and record the result
    #[command(after_long_help = TEST_EXAMPLES)]
    Test(TestArgs),
    /// Harvest contacts (senders and recipients) from mailboxes over IMAP
    #[command(after_long_help = HARVEST_EXAMPLES)]
    Harvest(HarvestArgs),
    /// Log in to mailboxes, harvest what is new and write the contacts into your address book
    /// (a vdir khard and vdirsyncer read; on Supabase, public.contacts)
    #[command(after_long_help = SYNC_EXAMPLES)]
    Sync(SyncArgs),
    /// The contacts `sync` keeps in your address book: list, show, groups, export, dedup
    Contacts(ContactsArgs),
    /// Run `sync` unattended: systemd user units, cron, launchd or a Windows scheduled task
    #[command(after_long_help = SCHEDULE_EXAMPLES)]
    Schedule(ScheduleArgs),
    /// Sign in to your Supabase account and keep the session in the OS keyring
    Login(LoginArgs),
    /// Sign out: revoke the session and forget the stored tokens
    Logout,
    /// Show the account, session and store in use
    #[command(visible_alias = "whoami")]
    Status,
    /// Find the IMAP server for an email address (presets, DNS SRV, MX) without saving
    #[command(after_long_help = DISCOVER_EXAMPLES)]
    Discover(DiscoverArgs),
    /// Print a shell completion script
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The project's own verb, outside [`Cli`] so that the completions and man pages it writes
/// (which describe `Cli`) never offer it: `mailboxes generate DIR`.
#[derive(Debug, Parser)]
#[command(name = "mailboxes", no_binary_name = true)]
pub enum Internal {
    /// Write completion scripts and man pages into DIR/completions and DIR/man
    Generate { dir: PathBuf },
}

impl Internal {
    /// The internal verb when the command line starts with one, parsed (exiting on bad use).
    pub fn from_args() -> Option<Internal> {
        let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
        (args.first().is_some_and(|verb| verb == "generate")).then(|| Internal::parse_from(args))
    }
}

/// Flags of every command that connects to an IMAP server.
#[derive(Debug, Clone, Args)]
pub struct ImapArgs {
    /// Also trust this CA certificate (PEM), e.g. for a self-hosted server; repeatable
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Vec<PathBuf>,

    /// DANGEROUS: accept any certificate and host name
    #[arg(long)]
    pub insecure: bool,

    /// Give up on a server after this many seconds (DNS, connect, TLS and every response)
    /// [default: 15]; `harvest --help` says how it bounds a harvest
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: Option<u64>,

    /// Connect to HOST at ADDR instead of asking DNS, e.g. to try a server before its DNS
    /// changes (like curl's --resolve); the certificate is still checked for HOST. Repeatable
    #[arg(long, value_name = "HOST:ADDR", value_parser = parse_resolve)]
    pub resolve: Vec<(String, IpAddr)>,
}

/// `--timeout` when not given.
pub const DEFAULT_TIMEOUT: u64 = 15;

impl ImapArgs {
    /// `--timeout`, or its default.
    pub fn timeout_secs(&self) -> u64 {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    /// How to connect, shared by every command that logs in (`add --test`, `test`, the
    /// wizard, `harvest`); `--insecure` is warned about on `ui` each time.
    pub fn connect_options(&self, ui: &Ui) -> anyhow::Result<ConnectOptions> {
        for path in &self.ca_cert {
            if !path.is_file() {
                return Err(usage(format!(
                    "--ca-cert {}: no such file; give a PEM certificate",
                    path.display()
                )));
            }
        }
        if self.insecure {
            ui.warn(
                "--insecure: certificates and host names are NOT checked; anyone on the path can \
                 read the password",
            );
        }
        Ok(ConnectOptions {
            timeout: Duration::from_secs(self.timeout_secs()),
            ca_certs: self.ca_cert.clone(),
            insecure: self.insecure,
            resolve: self.resolve.clone(),
        })
    }
}

/// `imap.example.com:192.0.2.7` or `imap.example.com:2001:db8::7` (also `[2001:db8::7]`).
fn parse_resolve(text: &str) -> Result<(String, IpAddr), String> {
    let invalid = || format!("'{text}' is not HOST:ADDR, e.g. imap.example.com:192.0.2.7");
    let (host, addr) = text.split_once(':').ok_or_else(invalid)?;
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = addr.parse().map_err(|_| invalid())?;
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    Ok((host.to_string(), ip))
}

/// How a mailbox's connection is secured.
#[derive(Debug, Clone, Copy, Args)]
#[group(multiple = false)]
pub struct SecurityArgs {
    /// Implicit TLS (port 993 by default)
    #[arg(long)]
    pub tls: bool,
    /// Plain connection upgraded with STARTTLS (port 143 by default); never sends the password in clear
    #[arg(long)]
    pub starttls: bool,
}

impl SecurityArgs {
    /// `Some(true)` for TLS, `Some(false)` for STARTTLS, `None` when neither flag was given.
    pub fn tls(&self) -> Option<bool> {
        match (self.tls, self.starttls) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

/// Where a password comes from in scripts (there is deliberately no `--password VALUE`).
#[derive(Debug, Clone, Args)]
#[group(multiple = false)]
pub struct PasswordArgs {
    /// Read the password from the first line of stdin
    #[arg(long)]
    pub password_stdin: bool,
    /// Read the password from this environment variable
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only mailboxes never tested, or last tested longer ago than this (e.g. 24h, 7d)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub stale: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// A name for the mailbox, e.g. "Work Gmail"
    #[arg(long)]
    pub label: Option<String>,
    /// IMAP server host name
    #[arg(long)]
    pub host: Option<String>,
    /// IMAP server port [default: 993 with --tls, 143 with --starttls]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    #[command(flatten)]
    pub security: SecurityArgs,
    /// Login name, usually the email address
    #[arg(long)]
    pub user: Option<String>,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Gmail: imap.gmail.com, port 993, TLS (use an App Password)
    #[arg(long, conflicts_with_all = ["host", "port", "starttls"])]
    pub gmail: bool,
    /// Fill host, port, security and user from this address (presets, DNS SRV, MX); flags
    /// given too win
    #[arg(long, value_name = "ADDRESS", conflicts_with = "gmail")]
    pub email: Option<String>,
    /// Log in first and save only if it works
    #[arg(long)]
    pub test: bool,
    #[command(flatten)]
    pub oauth: OAuthArgs,
    #[command(flatten)]
    pub imap: ImapArgs,
}

/// Signing in with OAuth2 (`add --oauth`, `reauth`).
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "OAuth2")]
pub struct OAuthArgs {
    /// Sign in with OAuth2 instead of a password (Gmail; Microsoft 365 and Outlook.com take
    /// nothing else): google presets imap.gmail.com, microsoft outlook.office365.com
    #[arg(long, value_name = "PROVIDER")]
    pub oauth: Option<crate::oauth2::Provider>,
    /// The authorization endpoint, instead of the provider's (needed for custom)
    #[arg(long, value_name = "URL")]
    pub oauth_auth_url: Option<String>,
    /// The token endpoint, instead of the provider's (needed for custom)
    #[arg(long, value_name = "URL")]
    pub oauth_token_url: Option<String>,
    /// The scope to ask for, instead of the provider's (needed for custom)
    #[arg(long, value_name = "SCOPE")]
    pub oauth_scope: Option<String>,
    /// The OAuth2 client id, instead of GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID
    #[arg(long, value_name = "ID")]
    pub oauth_client_id: Option<String>,
    /// Read the OAuth2 client secret from environment variable VAR (never from a flag)
    #[arg(long, value_name = "VAR")]
    pub oauth_client_secret_env: Option<String>,
    /// Microsoft's tenant: common, consumers, organizations or an id [default: common]
    #[arg(long, value_name = "TENANT")]
    pub oauth_tenant: Option<String>,
    /// Print the sign-in address instead of opening a browser, and take the address the
    /// browser ends up at pasted on stdin (for SSH sessions)
    #[arg(long, conflicts_with = "device")]
    pub no_browser: bool,
    /// Microsoft: sign in on any device with a code (device code flow)
    #[arg(long)]
    pub device: bool,
}

impl OAuthArgs {
    /// Whether any OAuth2 flag but `--oauth` was given.
    pub fn any_detail(&self) -> bool {
        self.oauth_auth_url.is_some()
            || self.oauth_token_url.is_some()
            || self.oauth_scope.is_some()
            || self.oauth_client_id.is_some()
            || self.oauth_client_secret_env.is_some()
            || self.oauth_tenant.is_some()
            || self.no_browser
            || self.device
    }
}

#[derive(Debug, Args)]
pub struct ReauthArgs {
    /// The mailbox: its id, a unique id prefix (4+ characters) or its label
    pub mailbox: String,
    /// Log in with the new token and record the result
    #[arg(long)]
    pub test: bool,
    #[command(flatten)]
    pub oauth: OAuthArgs,
    #[command(flatten)]
    pub imap: ImapArgs,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The email address, e.g. me@example.com
    pub email: String,
    /// Give up on DNS after this many seconds
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The mailbox: its id, a unique id prefix (4+ characters) or its label
    pub mailbox: String,
    /// New label
    #[arg(long)]
    pub label: Option<String>,
    /// New IMAP server host name
    #[arg(long)]
    pub host: Option<String>,
    /// New port
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    #[command(flatten)]
    pub security: SecurityArgs,
    /// New login name
    #[arg(long)]
    pub user: Option<String>,
    /// Ask for a new password (no echo)
    #[arg(long, conflicts_with_all = ["password_stdin", "password_env"])]
    pub password_prompt: bool,
    #[command(flatten)]
    pub password: PasswordArgs,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The mailboxes: ids, unique id prefixes (4+ characters) or labels
    #[arg(required = true)]
    pub mailboxes: Vec<String>,
    /// Do not ask for confirmation (needed when stdin is not a terminal)
    #[arg(short, long)]
    pub yes: bool,
    /// Keep an OAuth2 entry's grant at the provider (by default Google's is revoked)
    #[arg(long)]
    pub keep_grant: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The mailboxes to test: ids, unique id prefixes or labels
    #[arg(conflicts_with_all = ["all", "host"])]
    pub mailboxes: Vec<String>,
    /// Test every stored mailbox, concurrently
    #[arg(long, conflicts_with = "host")]
    pub all: bool,
    /// How many mailboxes to test at once
    #[arg(long, short = 'j', value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
    /// Do not record the result in the store
    #[arg(long)]
    pub no_save: bool,
    /// Do not log in: check the recorded results instead, failing every mailbox whose last
    /// test failed, is older than DURATION (e.g. 24h, 7d) or never happened
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, conflicts_with_all = ["host", "no_save"])]
    pub fail_if_stale: Option<Duration>,
    /// Output format for people, scripts or CI systems (--json is short for --format json)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Ad-hoc probe of a server, without the store: IMAP host name
    #[arg(long, requires = "user")]
    pub host: Option<String>,
    /// Ad-hoc probe: port [default: 993 with --tls, 143 with --starttls]
    #[arg(long, requires = "host", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    #[command(flatten)]
    pub security: SecurityArgs,
    /// Ad-hoc probe: login name
    #[arg(long, requires = "host")]
    pub user: Option<String>,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// Ad-hoc probe with OAuth2 (XOAUTH2, or OAUTHBEARER where that is all the server
    /// offers): read the access token from environment variable VAR instead of a password
    #[arg(
        long,
        value_name = "VAR",
        requires = "host",
        conflicts_with_all = ["password_stdin", "password_env"]
    )]
    pub access_token_env: Option<String>,
    /// Ad-hoc probe with OAuth2: trade the refresh token in environment variable VAR for an
    /// access token first (at --oauth's token endpoint), then log in with it
    #[arg(
        long,
        value_name = "VAR",
        requires = "host",
        conflicts_with_all = ["password_stdin", "password_env", "access_token_env"]
    )]
    pub refresh_token_env: Option<String>,
    /// Who issued the refresh token [default: from the host: Gmail → google, Microsoft →
    /// microsoft]
    #[arg(
        long,
        value_enum,
        value_name = "PROVIDER",
        requires = "refresh_token_env"
    )]
    pub oauth: Option<crate::oauth2::Provider>,
    /// Microsoft's tenant: common, consumers, organizations or an id [default: common]
    #[arg(long, value_name = "TENANT", requires = "refresh_token_env")]
    pub oauth_tenant: Option<String>,
    /// The token endpoint, instead of the provider's (self-hosted identity providers)
    #[arg(long, value_name = "URL", requires = "refresh_token_env")]
    pub oauth_token_url: Option<String>,
    /// The OAuth2 client id, instead of GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID
    #[arg(long, value_name = "ID", requires = "refresh_token_env")]
    pub oauth_client_id: Option<String>,
    /// Read the OAuth2 client secret from environment variable VAR (never from a flag)
    #[arg(long, value_name = "VAR", requires = "refresh_token_env")]
    pub oauth_client_secret_env: Option<String>,
    #[command(flatten)]
    pub imap: ImapArgs,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The mailboxes to sync: ids, unique id prefixes or labels [default: all]
    #[arg(conflicts_with = "all")]
    pub mailboxes: Vec<String>,
    /// Every stored mailbox (the default when none is named)
    #[arg(long)]
    pub all: bool,
    /// Read every folder from the start instead of only what is new
    #[arg(long)]
    pub full: bool,
    /// The address book: a vdir (one vCard per file), e.g. an existing khard or vdirsyncer
    /// address book [default: $XDG_DATA_HOME/mailboxes/contacts]
    #[arg(long, value_name = "DIR")]
    pub contacts_dir: Option<PathBuf>,
    /// Wait for a sync of this profile that is already running, instead of stopping
    #[arg(long)]
    pub wait: bool,
    /// Mailboxes at once (at most 4 per account whatever this says); a no-change sync costs
    /// about one login when all run at once
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u8).range(1..=64))]
    pub jobs: u8,
    /// Connections one mailbox may use at once: a folder with many new messages is read over
    /// several (each logs in once)
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=15))]
    pub connections: u8,
    /// Run as the scheduler does: log the run to $XDG_STATE_HOME/mailboxes/sync.log and notify
    /// the desktop of mailboxes that stopped working
    #[arg(long, hide = true)]
    pub scheduled: bool,
    #[command(flatten)]
    pub imap: ImapArgs,
}

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    pub command: ScheduleCommand,
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Run `mailboxes sync` every interval, as this profile and store
    Install {
        /// How often: minutes dividing an hour (15m, 30m), hours dividing a day (1h … 12h), 1d
        #[arg(long, default_value = "6h", value_parser = parse_every)]
        every: crate::schedule::Every,
        /// Which scheduler [default: systemd where a user manager runs, else cron; launchd on
        /// macOS; schtasks on Windows]
        #[arg(long, value_enum)]
        scheduler: Option<crate::schedule::Scheduler>,
        /// Write the units but do not enable them
        #[arg(long)]
        no_enable: bool,
        /// The address book the sync writes into [default: the sync's]
        #[arg(long, value_name = "DIR")]
        contacts_dir: Option<PathBuf>,
    },
    /// The scheduler, the next run, and the last run's time, exit code and summary
    Status,
    /// Take the schedule out again (only what `install` put in)
    Remove,
}

fn parse_every(text: &str) -> Result<crate::schedule::Every, String> {
    crate::schedule::Every::parse(text).map_err(|err| err.0)
}

#[derive(Debug, Args)]
pub struct ContactsArgs {
    #[command(subcommand)]
    pub command: ContactsCommand,
    /// The address book (a vdir) [default: $XDG_DATA_HOME/mailboxes/contacts]
    #[arg(long, value_name = "DIR", global = true)]
    pub contacts_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Every contact, most written to and from first (--json: emails, name, groups, counts)
    #[command(visible_alias = "ls")]
    List,
    /// One contact, by address or UID
    Show {
        /// An email address of the contact, or its card's UID
        contact: String,
    },
    /// The groups (vCard categories) and how many contacts each holds
    Groups,
    /// Every contact in one format, as `harvest --format` writes it
    Export {
        #[arg(long, value_enum, default_value = "vcard")]
        format: crate::harvest::export::ExportFormat,
    },
    /// Find cards that are one person (the same full name, an address that spells the name,
    /// the same Gmail account; never a first name alone) and print the plan; --apply merges
    Dedup {
        /// Merge as planned: one card per person, the merge remembered by later syncs
        #[arg(long)]
        apply: bool,
    },
    /// Take an address back out of the card `dedup --apply` merged it into (the next sync
    /// gives it its own card again)
    Unmerge {
        /// The address
        email: String,
    },
}

#[derive(Debug, Args)]
pub struct HarvestArgs {
    /// The mailboxes to harvest: ids, unique id prefixes or labels
    #[arg(conflicts_with = "all")]
    pub mailboxes: Vec<String>,
    /// Harvest every stored mailbox
    #[arg(long)]
    pub all: bool,
    /// Folders to read instead of INBOX and the Sent folder (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub folders: Option<Vec<String>>,
    /// Only messages since this day (YYYY-MM-DD): a one-off scan that leaves the saved state alone
    #[arg(long, value_name = "DATE", conflicts_with_all = ["import", "full"])]
    pub since: Option<chrono::NaiveDate>,
    /// Which contacts are printed: people who wrote to the mailbox, people it was addressed to,
    /// or both (--import stores every contact, with both counts)
    #[arg(long, value_enum, default_value_t = crate::harvest::contacts::Direction::Both)]
    pub direction: crate::harvest::contacts::Direction,
    /// Print only people the user wrote to (--import stores every contact)
    #[arg(long)]
    pub personal: bool,
    /// Keep no-reply, bounce and mailer-daemon addresses (dropped by default)
    #[arg(long)]
    pub keep_noreply: bool,
    /// Output format [default: table; json with --json]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<crate::harvest::export::ExportFormat>,
    /// Upsert the contacts into this contact group in Supabase (counts only ever added once)
    #[arg(long, value_name = "GROUP")]
    pub import: Option<String>,
    /// Forget what earlier runs saw and read every message again
    #[arg(long)]
    pub full: bool,
    /// Connections one mailbox may use at once: a folder with many new messages is read over
    /// several (each logs in once)
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=15))]
    pub connections: u8,
    #[command(flatten)]
    pub imap: ImapArgs,
}

const SYNC_EXAMPLES: &str = "\
Examples:
  # every mailbox, into $XDG_DATA_HOME/mailboxes/contacts/
  mailboxes sync
  # into an address book khard already reads
  mailboxes sync --contacts-dir ~/.local/share/khard/contacts
  mailboxes sync 'Work Gmail' --json | jq '.mailboxes[] | select(.ok | not)'
A no-change sync logs in, finds nothing new and rewrites no file. Cards keep what you add to
them; a card you delete is not created again. Exit codes as for `test`.
";

const SCHEDULE_EXAMPLES: &str = "\
Examples:
  mailboxes schedule install              # every 6 hours
  mailboxes schedule install --every 1h --scheduler cron
  mailboxes schedule status --json
  mailboxes schedule remove
Runs log to $XDG_STATE_HOME/mailboxes/sync.log; a mailbox that stops working is reported there
and, on a desktop, as a notification.
";

const HARVEST_EXAMPLES: &str = "\
Examples:
  # INBOX and Sent (Gmail: All Mail), as a table
  mailboxes harvest 'Work Gmail'
  mailboxes harvest --all --personal --format vcard > contacts.vcf
  mailboxes harvest work --format csv > google-contacts.csv
  # upsert into Supabase's public.contacts
  mailboxes harvest work --import Customers
A re-run reads only new messages (state in $XDG_STATE_HOME/mailboxes/harvest/); --full reads all.

Timeouts: logging in takes at most --timeout (15 s by default), as for `test`. After that every
answer must keep coming: no silence longer than --timeout, and at least 1 KiB/s on average once
its first --timeout seconds have passed, so a server that trickles its answer is given up on
(exit 1) after about --timeout seconds. When --timeout is given, each mailbox's whole harvest
also ends after that many seconds (exit 1); without it a large mailbox may take as long as it
needs.";

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Your Supabase project URL, e.g. https://abcd.supabase.co
    #[arg(long, env = "SUPABASE_URL")]
    pub url: Option<String>,
    /// The project's anon (publishable) key
    #[arg(long, env = "SUPABASE_ANON_KEY", hide_env_values = true)]
    pub anon_key: Option<String>,
    /// Your account's email
    #[arg(long)]
    pub email: Option<String>,
    /// Read the account password from the first line of stdin
    #[arg(long)]
    pub password_stdin: bool,
}

const ADD_EXAMPLES: &str = "\
Examples:
  mailboxes add --gmail --label 'Work Gmail' --user me@gmail.com
  printf '%s\\n' \"$APP_PASSWORD\" | mailboxes add --gmail --label CI \\
      --user ci@example.com --password-stdin --test
  mailboxes add --label Home --host imap.example.com --starttls --user me \\
      --password-env IMAP_PASSWORD";

const DISCOVER_EXAMPLES: &str = "\
Sources, in order: bundled presets for the big providers (no network), then the domain's
RFC 6186 SRV records (_imaps._tcp, then _imap._tcp), then its MX hosts (e.g. MX at google.com
means Gmail's settings). DNS goes to the system's servers (each nameserver in
/etc/resolv.conf in turn; Windows: the network adapters'), or to MAILBOXES_DNS_SERVER
(IP[:PORT], comma-separated; for tests and unusual setups).

Examples:
  mailboxes discover me@gmail.com
  mailboxes discover me@example.com --json
  MAILBOXES_DNS_SERVER=127.0.0.1:5353 mailboxes discover me@example.com";

const TEST_EXAMPLES: &str = "\
Examples:
  mailboxes test 'Work Gmail'
  mailboxes test --all --json
  GMAIL_APP_PASSWORD=... mailboxes test --host imap.gmail.com \\
      --user ci@example.com --password-env GMAIL_APP_PASSWORD";

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn resolve_pins() {
        let v4 = parse_resolve("imap.gmail.com:127.0.0.1").unwrap();
        assert_eq!(v4, ("imap.gmail.com".into(), "127.0.0.1".parse().unwrap()));
        let v6 = parse_resolve("imap.example.com:[::1]").unwrap();
        assert_eq!(v6.1, "::1".parse::<IpAddr>().unwrap());
        assert!(parse_resolve("imap.gmail.com").is_err());
        assert!(parse_resolve("imap.gmail.com:not-an-ip").is_err());
        assert!(parse_resolve(":127.0.0.1").is_err());
    }
}
