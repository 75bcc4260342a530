//! The private Dovecot every IMAP test logs in to, started once per test run.
//!
//! `Dovecot::shared()` runs `scripts/dovecot-up` (the same script the demo uses) in a fresh
//! temp dir the first time any test asks, behind a `OnceLock`. Statics never drop, so the
//! script's supervisor, not a destructor, ends Dovecot and deletes its dir once this test
//! process exits (`--owner-pid`, `--remove-dir`), also when the run is killed.
//!
//! It offers IMAPS (implicit TLS) and IMAP with STARTTLS on 127.0.0.1, a certificate for
//! `localhost` and `127.0.0.1` signed by `ca_cert`, and the passwd-file users below. Logins
//! fail at once (no 2 s auth failure delay, no auth penalty), so tests may share a user.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::introspection::Introspection;

/// A login the test Dovecot accepts.
#[derive(Debug, Clone, Copy)]
pub struct User {
    pub name: &'static str,
    pub password: &'static str,
}

/// A plain user.
pub const ALICE: User = User {
    name: "alice",
    password: "correct horse battery staple",
};

/// Another plain user.
pub const BOB: User = User {
    name: "bob",
    password: "bob-password-1",
};

/// An email-shaped login with a Gmail App Password shaped password (four groups, spaces).
pub const GMAIL_USER: User = User {
    name: "gmail-user@example.com",
    password: "abcd efgh ijkl mnop",
};

/// A password that needs IMAP quoting: a double quote, a backslash and a space.
pub const QUOTE_USER: User = User {
    name: "quote-user",
    password: "pa\"ss\\word 1",
};

pub struct Dovecot {
    pub dir: PathBuf,
    /// Implicit TLS.
    pub imaps_port: u16,
    /// Plain IMAP that offers STARTTLS.
    pub imap_port: u16,
    /// The CA that signed the server certificate (PEM), for `--ca-cert`.
    pub ca_cert: PathBuf,
    pub log: PathBuf,
}

static DOVECOT: OnceLock<Result<Dovecot, String>> = OnceLock::new();
static LIMITED: OnceLock<Result<Dovecot, String>> = OnceLock::new();
static OAUTH2: OnceLock<(Introspection, Result<Dovecot, String>)> = OnceLock::new();

/// `mail_max_userip_connections` of [`Dovecot::limited`].
pub const LIMITED_CONNECTIONS: u32 = 3;

impl Dovecot {
    /// The test run's Dovecot, started on first use. Panics (in every test that asks) with the
    /// script's output if it cannot start.
    pub fn shared() -> &'static Dovecot {
        match DOVECOT.get_or_init(|| Dovecot::start(&[])) {
            Ok(dovecot) => dovecot,
            Err(message) => panic!("the test Dovecot could not start:\n{message}"),
        }
    }

    /// A second Dovecot, started on first use, that allows only [`LIMITED_CONNECTIONS`]
    /// connections per user and IP (`mail_max_userip_connections`; Dovecot's default is 10),
    /// for tests of a server's connection limit. Users are made with `MailUser::create`.
    pub fn limited() -> &'static Dovecot {
        let limit = LIMITED_CONNECTIONS.to_string();
        match LIMITED.get_or_init(|| Dovecot::start(&["--max-userip-connections", &limit])) {
            Ok(dovecot) => dovecot,
            Err(message) => panic!("the limited test Dovecot could not start:\n{message}"),
        }
    }

    /// A third Dovecot, started on first use, that also takes OAuth2 access tokens (XOAUTH2,
    /// OAUTHBEARER), checked against an introspection stand-in; returns both, so a test can
    /// issue tokens.
    pub fn oauth2() -> (&'static Dovecot, &'static Introspection) {
        let (introspection, dovecot) = OAUTH2.get_or_init(|| {
            let introspection = Introspection::start();
            let dovecot = Dovecot::start(&["--oauth2-introspection", introspection.url()]);
            (introspection, dovecot)
        });
        match dovecot {
            Ok(dovecot) => (dovecot, introspection),
            Err(message) => panic!("the OAuth2 test Dovecot could not start:\n{message}"),
        }
    }

    /// The Dovecot, if a test already started it (for failure messages).
    pub fn started() -> Option<&'static Dovecot> {
        DOVECOT.get().and_then(|started| started.as_ref().ok())
    }

    fn start(extra: &[&str]) -> Result<Dovecot, String> {
        sweep_stale();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/dovecot-up");
        // Short: Dovecot's unix socket paths live inside and must fit in 108 bytes.
        let dir = tempfile::Builder::new()
            .prefix(DIR_PREFIX)
            .tempdir_in("/tmp")
            .map_err(|err| format!("creating a temp dir: {err}"))?
            .keep();
        let output = Command::new("bash")
            .arg(&script)
            .arg("--owner-pid")
            .arg(std::process::id().to_string())
            .arg("--remove-dir")
            .args(extra)
            .arg(&dir)
            .output()
            .map_err(|err| format!("running {}: {err}", script.display()))?;
        if !output.status.success() {
            return Err(format!(
                "{} {} exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                script.display(),
                dir.display(),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let env = fs::read_to_string(dir.join("env"))
            .map_err(|err| format!("reading {}/env: {err}", dir.display()))?;
        let value = |key: &str| -> Result<String, String> {
            env.lines()
                .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_string)
                .ok_or_else(|| format!("{key} missing from {}/env:\n{env}", dir.display()))
        };
        let number = |key: &str| -> Result<u32, String> {
            value(key)?
                .parse()
                .map_err(|err| format!("{key} in {}/env: {err}", dir.display()))
        };
        let port = |key: &str| -> Result<u16, String> {
            u16::try_from(number(key)?).map_err(|err| format!("{key}: {err}"))
        };
        Ok(Dovecot {
            imaps_port: port("IMAPS_PORT")?,
            imap_port: port("IMAP_PORT")?,
            ca_cert: PathBuf::from(value("CA_CERT")?),
            log: dir.join("dovecot.log"),
            dir,
        })
    }

    /// The CA certificate's path, as a command-line argument.
    pub fn ca_cert_arg(&self) -> String {
        self.ca_cert.display().to_string()
    }

    pub fn imaps_port_arg(&self) -> String {
        self.imaps_port.to_string()
    }

    pub fn imap_port_arg(&self) -> String {
        self.imap_port.to_string()
    }

    /// How many logins of `login` the log shows refused by `mail_max_userip_connections`.
    pub fn refusals(&self, login: &str) -> usize {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|line| {
                line.contains("Maximum number of connections")
                    && line.contains(&format!("<{login}>"))
            })
            .count()
    }

    /// The last `lines` lines of Dovecot's log.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

/// Where the harness's Dovecot dirs live, and their name prefix.
const DIR_PREFIX: &str = "mbx-dovecot-";

/// Whether a process exists and is not a zombie.
fn alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(") ")
                .map(|(_, rest)| !rest.starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Stops the Dovecots of earlier runs whose owner is gone but which outlived their supervisor
/// (e.g. the whole process group was SIGKILLed), and removes their dirs. Only dirs this
/// harness made (`/tmp/mbx-dovecot-*`) whose env names a dead owner are touched.
fn sweep_stale() {
    let Ok(entries) = fs::read_dir("/tmp") else {
        return;
    };
    let down = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/dovecot-down");
    for entry in entries.flatten() {
        let dir = entry.path();
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(DIR_PREFIX) {
            continue;
        }
        let Ok(env) = fs::read_to_string(dir.join("env")) else {
            continue;
        };
        let owner = env
            .lines()
            .find_map(|line| line.strip_prefix("OWNER_PID="))
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(owner) = owner {
            if !alive(owner) {
                let _ = Command::new("bash").arg(&down).arg(&dir).output();
                let _ = fs::remove_dir_all(&dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    use super::*;

    fn gone(pid: u32) -> bool {
        !alive(pid)
    }

    fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
        let started = Instant::now();
        while !done() {
            assert!(started.elapsed() < limit, "{what} within {limit:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn env_value(dir: &Path, key: &str) -> u32 {
        let env = fs::read_to_string(dir.join("env")).expect("dovecot-up wrote env");
        env.lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("{key} in {env}"))
    }

    /// The no-leak promise: Dovecot ends, and its dir goes, once the owner process exits.
    #[test]
    fn dovecot_up_ends_dovecot_when_its_owner_exits() {
        let mut owner = Command::new("sleep")
            .arg("60")
            .stdin(Stdio::null())
            .spawn()
            .expect("spawning an owner");
        let dir = tempfile::Builder::new()
            .prefix("mbx-dovecot-owner-")
            .tempdir_in("/tmp")
            .unwrap()
            .keep();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/dovecot-up");
        let started = Instant::now();
        let output = Command::new("bash")
            .arg(&script)
            .args(["--owner-pid", &owner.id().to_string(), "--remove-dir"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "dovecot-up failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "dovecot-up took {:?}",
            started.elapsed()
        );
        let pid = env_value(&dir, "PID");
        let port = env_value(&dir, "IMAPS_PORT");
        assert!(!gone(pid), "Dovecot is not running");
        std::net::TcpStream::connect(("127.0.0.1", u16::try_from(port).unwrap()))
            .expect("Dovecot accepts connections");

        owner.kill().unwrap();
        owner.wait().unwrap();
        wait_until(
            "Dovecot ends after its owner",
            Duration::from_secs(5),
            || gone(pid),
        );
        wait_until("its dir is removed", Duration::from_secs(5), || {
            !dir.exists()
        });
    }

    /// `dovecot-down DIR` stops it earlier, and is harmless the second time.
    #[test]
    fn dovecot_down_stops_it() {
        let dir = tempfile::Builder::new()
            .prefix("mbx-dovecot-down-")
            .tempdir_in("/tmp")
            .unwrap();
        let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
        let up = Command::new("bash")
            .arg(scripts.join("dovecot-up"))
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            up.status.success(),
            "{}",
            String::from_utf8_lossy(&up.stderr)
        );
        let pid = env_value(dir.path(), "PID");
        let watcher = env_value(dir.path(), "WATCHER_PID");
        for _ in 0..2 {
            let down = Command::new("bash")
                .arg(scripts.join("dovecot-down"))
                .arg(dir.path())
                .output()
                .unwrap();
            assert!(
                down.status.success(),
                "{}",
                String::from_utf8_lossy(&down.stderr)
            );
        }
        assert!(gone(pid), "Dovecot still runs after dovecot-down");
        wait_until("the supervisor exits", Duration::from_secs(5), || {
            gone(watcher)
        });
        assert!(!dir.path().join("env").exists());
    }
}
