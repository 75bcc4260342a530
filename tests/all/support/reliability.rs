//! Harness for the reliability suite (issue 4): a Supabase account logged in through the
//! CLI, a seeded random source whose seed every failure prints, and a figure recorder.

use std::process::{Child, Stdio};

use serde_json::Value;
use uuid::Uuid;

use crate::support::env::{FreshEnv, Run};
use crate::support::supabase::Stack;

/// A user of a stack with their own e-mail, and an environment logged in as them.
pub struct Account {
    pub id: Uuid,
    pub email: String,
    pub password: String,
    pub env: FreshEnv,
}

impl Account {
    /// Creates the user (a fresh e-mail from `name`) and logs in with `--password-stdin`.
    pub fn login(stack: &Stack, name: &str) -> Account {
        let email = format!("{name}-{}@example.test", Uuid::new_v4().simple());
        let mut env = FreshEnv::new();
        let password = env.secret(&format!("acct-pw-{}", Uuid::new_v4().simple()));
        let id = stack.create_user(&email, &password);
        let account = Account {
            id,
            email,
            password,
            env,
        };
        account.run_login(stack).ok();
        account
    }

    pub fn run_login(&self, stack: &Stack) -> Run {
        self.env
            .login(&stack.url(), stack.anon_key(), &self.email, &self.password)
    }

    /// The stored session file (no D-Bus in `FreshEnv`, so the 0600 file fallback).
    pub fn session_file(&self) -> std::path::PathBuf {
        self.env.state_home().join("mailboxes/session.default.json")
    }

    pub fn session(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.session_file()).expect("the session file"))
            .expect("the session file is JSON")
    }
}

/// Spawns `mailboxes ARGS` in `env` with `stdin` written and closed; output piped.
pub fn spawn(env: &FreshEnv, args: &[&str], stdin: &str) -> Child {
    let mut cmd = env.std_cmd();
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawning mailboxes");
    {
        use std::io::Write;
        let mut input = child.stdin.take().expect("a stdin pipe");
        // A child killed early closes its end: a broken pipe here is expected.
        let _ = input.write_all(stdin.as_bytes());
    }
    child
}

/// Waits for a spawned command and returns it as a `Run` (checked for registered secrets).
pub fn finish(env: &FreshEnv, command: &str, child: Child) -> Run {
    let started = std::time::Instant::now();
    let output = child.wait_with_output().expect("waiting for mailboxes");
    env.finished(command.to_string(), &output, started)
}

/// A small xorshift generator: reproducible from the seed it prints, no extra dependency.
pub struct Rng(u64);

impl Rng {
    /// Seeded from `MAILBOXES_TEST_SEED` when set, else from the clock; prints the seed.
    pub fn new(what: &str) -> Rng {
        let seed = std::env::var("MAILBOXES_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            })
            | 1;
        eprintln!("{what}: MAILBOXES_TEST_SEED={seed}");
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Appends one figure line to `$MAILBOXES_FIGURES` (when set), for docs/RELIABILITY.md, and
/// prints it (shown with `--nocapture`).
pub fn figure(line: &str) {
    eprintln!("FIGURE {line}");
    if let Some(path) = std::env::var_os("MAILBOXES_FIGURES") {
        use std::io::Write;
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "{line}");
        }
    }
}
