//! A private PostgreSQL cluster for one test run: `initdb` in the run directory (as the
//! `postgres` user when the tests run as root, since initdb refuses root), TCP on a free
//! loopback port only (no Unix socket), durability off for speed, trust authentication
//! (loopback, throw-away data). Each stack gets its own database, loaded with
//! `supabase/test/schema.sql` and, when asked, the shipped migration.

use std::fs;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::lifetime::RunDir;
use super::Migration;

pub const SCHEMA: &str = include_str!("../../../../supabase/test/schema.sql");
pub const MIGRATION: &str =
    include_str!("../../../../supabase/migrations/20261125000000_mailboxes.sql");

/// The running cluster; stopped by the run directory's watcher.
pub struct Cluster {
    port: u16,
    dir: PathBuf,
    next_database: AtomicUsize,
    /// Roles are cluster-wide: their idempotent creation must not run twice at once.
    schema_lock: Mutex<()>,
}

impl Cluster {
    pub fn start(run: &RunDir) -> Cluster {
        let dir = run.server_dir("postgres");
        let bin = bin_dir();
        let as_postgres = running_as_root();
        if as_postgres {
            let uid = id("-u");
            let gid = id("-g");
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("chown the postgres dir");
        }
        let data = dir.join("data");
        run_tool(
            as_postgres,
            &bin.join("initdb"),
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "--auth=trust".as_ref(),
                "--no-sync".as_ref(),
                "--encoding=UTF8".as_ref(),
                "--locale=C".as_ref(),
            ],
        );
        let port = super::free_port();
        let conf = format!(
            "\n# mailboxes test stack\nlisten_addresses = '127.0.0.1'\nport = {port}\n\
             unix_socket_directories = ''\nfsync = off\nsynchronous_commit = off\n\
             full_page_writes = off\nmax_connections = 200\nlog_min_messages = warning\n"
        );
        let conf_path = data.join("postgresql.conf");
        let mut text = fs::read_to_string(&conf_path).expect("read postgresql.conf");
        text.push_str(&conf);
        fs::write(&conf_path, text).expect("write postgresql.conf");
        let log = dir.join("postgres.log");
        run_tool(
            as_postgres,
            &bin.join("pg_ctl"),
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "start".as_ref(),
            ],
        );
        Cluster {
            port,
            dir,
            next_database: AtomicUsize::new(1),
            schema_lock: Mutex::new(()),
        }
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// A connection URL for `role` (trust auth: no password) to `database`.
    pub fn url(&self, role: &str, database: &str) -> String {
        format!("postgresql://{role}@127.0.0.1:{}/{database}", self.port)
    }

    /// A superuser connection (bypasses RLS) to `database`.
    pub fn connect(&self, database: &str) -> postgres::Client {
        postgres::Client::connect(&self.url("postgres", database), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to {database} as postgres: {e}"))
    }

    /// Creates a new database with the Supabase-shaped schema and, if asked, the migration.
    pub fn create_database(&self, migration: Migration) -> String {
        let n = self.next_database.fetch_add(1, Ordering::SeqCst);
        let name = format!("stack_{n}");
        let mut admin = self.connect("postgres");
        admin
            .batch_execute(&format!("create database {name}"))
            .expect("create database");
        let mut db = self.connect(&name);
        {
            let _roles = self.schema_lock.lock().unwrap_or_else(|e| e.into_inner());
            db.batch_execute(&format!("begin;\n{SCHEMA}\ncommit;"))
                .expect("load supabase/test/schema.sql");
        }
        if migration == Migration::Installed {
            db.batch_execute(MIGRATION)
                .expect("load the mailboxes migration");
        }
        name
    }
}

fn running_as_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

fn id(flag: &str) -> u32 {
    let out = Command::new("id")
        .args([flag, "postgres"])
        .output()
        .expect("run id");
    assert!(
        out.status.success(),
        "no `postgres` user: run scripts/install-supabase-test-deps"
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("numeric id")
}

fn run_tool(as_postgres: bool, tool: &Path, args: &[&std::ffi::OsStr]) {
    let mut cmd = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(tool);
        c
    } else {
        Command::new(tool)
    };
    let out = cmd
        .args(args)
        .current_dir("/")
        .output()
        .expect("run a postgres tool");
    assert!(
        out.status.success(),
        "{} failed: {}\n{}",
        tool.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// PostgreSQL's programs: `MAILBOXES_PG_BINDIR`, else Debian's newest
/// `/usr/lib/postgresql/<version>/bin`, else whatever `PATH` has.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MAILBOXES_PG_BINDIR") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => bin,
        None => {
            let out = Command::new("sh")
                .args(["-c", "command -v initdb"])
                .output()
                .expect("run sh");
            let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            assert!(
                !path.is_empty(),
                "PostgreSQL not found: run scripts/install-supabase-test-deps"
            );
            Path::new(&path)
                .parent()
                .expect("initdb has a dir")
                .to_path_buf()
        }
    }
}
