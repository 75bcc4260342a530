//! `FreshEnv`: one private environment per test, and `Run`: one finished command to assert on.
//!
//! Each `FreshEnv` owns a temp dir holding HOME, XDG_CONFIG_HOME and XDG_STATE_HOME; every
//! command it builds starts from `env_clear()` with only PATH, those, `NO_COLOR=1` and the
//! variables the test names, and with a piped (never a terminal) stdin. Secrets a test
//! registers with [`FreshEnv::secret`] are checked against every command's stdout and stderr,
//! so "the password never appears in any output" holds in every test without being repeated.
//! A failed assertion prints the command, its exit code, stdout, stderr and the Dovecot log tail.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// A command that runs longer than this is killed and fails its test.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// clap's hint line after a usage error; not part of the one-line message.
const CLAP_HINT: &str = "For more information, try '--help'.";

pub struct FreshEnv {
    dir: TempDir,
    vars: Vec<(OsString, OsString)>,
    secrets: Vec<String>,
}

impl FreshEnv {
    pub fn new() -> FreshEnv {
        let dir = tempfile::Builder::new()
            .prefix("mailboxes-test-")
            .tempdir()
            .expect("creating a temp dir for the test");
        for sub in ["home", "config", "state"] {
            fs::create_dir(dir.path().join(sub)).expect("creating the test's XDG dirs");
        }
        FreshEnv {
            dir,
            vars: Vec::new(),
            secrets: Vec::new(),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    pub fn config_home(&self) -> PathBuf {
        self.root().join("config")
    }

    pub fn state_home(&self) -> PathBuf {
        self.root().join("state")
    }

    /// `$XDG_CONFIG_HOME/mailboxes`, the dir the local store lives in.
    pub fn store_dir(&self) -> PathBuf {
        self.config_home().join("mailboxes")
    }

    /// The local store of the default profile.
    pub fn store_path(&self) -> PathBuf {
        self.store_dir().join("mailboxes.json")
    }

    /// Passes `key=value` to every command this environment builds from now on.
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Self {
        self.vars
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Registers a secret that no command's stdout or stderr may contain, in any of the forms
    /// it could leak in (as is, JSON-escaped, IMAP-quoted). Returns it, for convenience.
    pub fn secret(&mut self, secret: &str) -> String {
        assert!(
            secret.chars().count() >= 6,
            "a secret must be long enough not to occur by chance: {secret:?}"
        );
        let json = serde_json::to_string(secret).expect("a string serializes");
        let json = json[1..json.len() - 1].to_string();
        let quoted = secret.replace('\\', "\\\\").replace('"', "\\\"");
        // And inside base64 (a SASL string), at each alignment: the characters that depend on
        // the secret alone.
        let base64 = (0..3).filter_map(|offset| {
            use base64::Engine as _;
            let mut bytes = vec![0u8; offset];
            bytes.extend_from_slice(secret.as_bytes());
            let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let (start, end) = (if offset == 0 { 0 } else { 4 }, bytes.len() / 3 * 4);
            (end >= start + 8).then(|| encoded[start..end].to_string())
        });
        for form in [secret.to_string(), json, quoted].into_iter().chain(base64) {
            if !self.secrets.contains(&form) {
                self.secrets.push(form);
            }
        }
        secret.to_string()
    }

    /// A `std::process::Command` for the `mailboxes` binary in this environment.
    pub fn std_cmd(&self) -> StdCommand {
        let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_mailboxes"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.config_home())
            .env("XDG_STATE_HOME", self.state_home())
            .env("NO_COLOR", "1")
            .current_dir(self.root())
            .stdin(Stdio::piped());
        for (key, value) in &self.vars {
            cmd.env(key, value);
        }
        cmd
    }

    /// An `assert_cmd::Command` for the `mailboxes` binary in this environment.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.std_cmd());
        cmd.timeout(COMMAND_TIMEOUT);
        cmd
    }

    /// Runs `mailboxes ARGS` with an empty stdin.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_stdin(args, "")
    }

    /// Runs `mailboxes ARGS` with `stdin` as its standard input (a pipe, not a terminal).
    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut cmd = self.cmd();
        cmd.args(args);
        // Always write stdin, even empty: assert_cmd then closes it, so a command that reads
        // stdin sees EOF instead of waiting for the timeout.
        cmd.write_stdin(stdin.as_bytes().to_vec());
        let started = Instant::now();
        let output = cmd.output().expect("starting the mailboxes binary");
        self.finished(describe(args, stdin), &output, started)
    }

    /// A finished command as a `Run`, checked for the registered secrets.
    pub fn finished(
        &self,
        command: String,
        output: &std::process::Output,
        started: Instant,
    ) -> Run {
        let run = Run {
            command,
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            elapsed: started.elapsed(),
        };
        self.check_no_secret(&run);
        run
    }

    /// `mailboxes login --url URL --anon-key KEY --email EMAIL --password-stdin` with
    /// `password` on stdin; the caller asserts the outcome.
    pub fn login(&self, url: &str, anon_key: &str, email: &str, password: &str) -> Run {
        self.run_stdin(
            &[
                "login",
                "--url",
                url,
                "--anon-key",
                anon_key,
                "--email",
                email,
                "--password-stdin",
            ],
            &format!("{password}\n"),
        )
    }

    /// `mailboxes add --label LABEL --host HOST --port PORT --tls|--starttls --user USER
    /// --password-stdin --json` with `password` on stdin, asserted to succeed; returns the id
    /// it prints.
    #[track_caller]
    pub fn add_mailbox(
        &self,
        label: &str,
        host: &str,
        port: u16,
        tls: bool,
        user: &str,
        password: &str,
    ) -> String {
        let port = port.to_string();
        let mut cli = Cli::add(label, host, user).port(&port);
        cli = if tls { cli.tls() } else { cli.starttls() };
        let run = self.run_stdin(
            &cli.args(["--password-stdin", "--json"]).strs(),
            &format!("{password}\n"),
        );
        run.ok();
        run.json()["id"]
            .as_str()
            .unwrap_or_else(|| panic!("add prints the id\n{run}"))
            .to_string()
    }

    /// Fails the test if `run`'s output contains a registered secret.
    pub fn check_no_secret(&self, run: &Run) {
        for secret in &self.secrets {
            for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                assert!(
                    !text.contains(secret.as_str()),
                    "a password leaked into {stream}\n{run}"
                );
            }
        }
    }

    /// The local store file's bytes, or `None` when it does not exist.
    pub fn store_bytes(&self) -> Option<Vec<u8>> {
        match fs::read(self.store_path()) {
            Ok(bytes) => Some(bytes),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => panic!("reading {}: {err}", self.store_path().display()),
        }
    }

    /// The local store's entries, as stored (with passwords).
    pub fn stored(&self) -> Vec<Value> {
        let bytes = self
            .store_bytes()
            .unwrap_or_else(|| panic!("{} does not exist", self.store_path().display()));
        let document: Value = serde_json::from_slice(&bytes).unwrap_or_else(|err| {
            panic!(
                "{} is not JSON ({err}):\n{}",
                self.store_path().display(),
                String::from_utf8_lossy(&bytes)
            )
        });
        document["mailboxes"]
            .as_array()
            .unwrap_or_else(|| panic!("no \"mailboxes\" array in {document:#}"))
            .clone()
    }

    /// The one stored entry with this id.
    pub fn stored_entry(&self, id: &str) -> Value {
        let entries = self.stored();
        let found: Vec<&Value> = entries.iter().filter(|e| e["id"] == id).collect();
        assert_eq!(
            found.len(),
            1,
            "expected one entry with id {id} in {entries:#?}"
        );
        found[0].clone()
    }

    /// Writes the local store file as the web app or an older CLI might have left it: 0600 in
    /// a 0700 dir.
    pub fn write_store(&self, document: &Value) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(self.store_dir())
            .expect("creating the store dir");
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(self.store_path())
            .expect("creating the store file");
        let text = serde_json::to_string_pretty(document).expect("a document serializes");
        file.write_all(text.as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .expect("writing the store file");
    }

    /// The permission bits of a path, e.g. `0o600`.
    pub fn mode(path: &Path) -> u32 {
        fs::metadata(path)
            .unwrap_or_else(|err| panic!("stat {}: {err}", path.display()))
            .permissions()
            .mode()
            & 0o7777
    }
}

impl Default for FreshEnv {
    fn default() -> Self {
        FreshEnv::new()
    }
}

/// `mailboxes a 'b c'`, plus the stdin when there was one (passwords shown as `<stdin>`).
fn describe(args: &[&str], stdin: &str) -> String {
    let mut text = String::from("mailboxes");
    for arg in args {
        text.push(' ');
        if !arg.is_empty()
            && arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:/@=,".contains(c))
        {
            text.push_str(arg);
        } else {
            text.push('\'');
            text.push_str(&arg.replace('\'', r"'\''"));
            text.push('\'');
        }
    }
    if !stdin.is_empty() {
        text.push_str(&format!(" <<< ({} bytes on stdin)", stdin.len()));
    }
    text
}

/// One finished command.
#[derive(Debug, Clone)]
pub struct Run {
    pub command: String,
    /// `None` when killed by a signal (e.g. the timeout).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Asserts the exit code.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Run {
        assert_eq!(self.code, Some(expected), "unexpected exit code\n{self}");
        self
    }

    /// Asserts success (exit 0).
    #[track_caller]
    pub fn ok(&self) -> &Run {
        self.code(0)
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err})\n{self}"))
    }

    /// Asserts stdout is exactly `expected`.
    #[track_caller]
    pub fn stdout_is(&self, expected: &str) -> &Run {
        assert_eq!(self.stdout, expected, "unexpected stdout\n{self}");
        self
    }

    /// Asserts stdout is empty.
    #[track_caller]
    pub fn no_stdout(&self) -> &Run {
        self.stdout_is("")
    }

    /// Asserts stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr does not contain {needle:?}\n{self}"
        );
        self
    }

    /// Asserts stdout contains `needle`.
    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "stdout does not contain {needle:?}\n{self}"
        );
        self
    }

    /// The error message: stderr's one line (clap's "try --help" hint aside), asserted to be
    /// exactly one line.
    #[track_caller]
    pub fn one_line_error(&self) -> String {
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .map(str::trim_end)
            .filter(|line| !line.is_empty() && *line != CLAP_HINT)
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "expected a one-line error on stderr\n{self}"
        );
        lines[0].to_string()
    }

    /// Asserts the command took less than `limit`.
    #[track_caller]
    pub fn within(&self, limit: Duration) -> &Run {
        assert!(
            self.elapsed < limit,
            "took {:?}, expected under {limit:?}\n{self}",
            self.elapsed
        );
        self
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "--- command ---\n$ {}", self.command)?;
        match self.code {
            Some(code) => writeln!(f, "--- exit code: {code} (after {:?}) ---", self.elapsed)?,
            None => writeln!(f, "--- killed by a signal (after {:?}) ---", self.elapsed)?,
        }
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        writeln!(f, "--- stderr ---\n{}", self.stderr)?;
        if let Some(dovecot) = super::dovecot::Dovecot::started() {
            writeln!(f, "--- last lines of {} ---", dovecot.log.display())?;
            writeln!(f, "{}", dovecot.log_tail(15))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(stdout: &str, stderr: &str) -> Run {
        Run {
            command: "mailboxes x".into(),
            code: Some(0),
            stdout: stdout.into(),
            stderr: stderr.into(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    #[should_panic(expected = "a password leaked into stderr")]
    fn a_leaked_password_fails_the_test() {
        let mut env = FreshEnv::new();
        env.secret("abcd efgh ijkl mnop");
        env.check_no_secret(&run_with("ok", "mailboxes: bad abcd efgh ijkl mnop"));
    }

    #[test]
    #[should_panic(expected = "a password leaked into stdout")]
    fn a_json_escaped_password_is_caught_too() {
        let mut env = FreshEnv::new();
        env.secret("pa\"ss\\word 1");
        env.check_no_secret(&run_with(r#"{"password": "pa\"ss\\word 1"}"#, ""));
    }

    #[test]
    fn clean_output_passes() {
        let mut env = FreshEnv::new();
        env.secret("abcd efgh ijkl mnop");
        env.check_no_secret(&run_with(r#"{"has_password": true}"#, ""));
        assert_eq!(
            run_with(
                "",
                "error: invalid value\n\nFor more information, try '--help'.\n"
            )
            .one_line_error(),
            "error: invalid value"
        );
    }
}

/// A `mailboxes` command line built from its usual parts, so the many scripted `add` and
/// ad-hoc `test --host` calls read as what they add or test.
#[derive(Debug, Clone)]
pub struct Cli(Vec<String>);

impl Cli {
    /// `add --label LABEL --host HOST --user USER`; the caller adds the port, the security,
    /// how the password comes (`--password-stdin`, `--password-env VAR`) and the rest.
    pub fn add(label: &str, host: &str, user: &str) -> Cli {
        Cli(Vec::new()).args(["add", "--label", label, "--host", host, "--user", user])
    }

    /// `test --host HOST --user USER`, an ad-hoc probe.
    pub fn test_host(host: &str, user: &str) -> Cli {
        Cli(Vec::new()).args(["test", "--host", host, "--user", user])
    }

    pub fn port(self, port: &str) -> Cli {
        self.args(["--port", port])
    }

    pub fn tls(self) -> Cli {
        self.args(["--tls"])
    }

    pub fn starttls(self) -> Cli {
        self.args(["--starttls"])
    }

    pub fn args<'a>(mut self, more: impl IntoIterator<Item = &'a str>) -> Cli {
        self.0.extend(more.into_iter().map(str::to_owned));
        self
    }

    /// The arguments, for `FreshEnv::run` and friends.
    pub fn strs(&self) -> Vec<&str> {
        self.0.iter().map(String::as_str).collect()
    }
}
