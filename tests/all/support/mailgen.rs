//! Mail for the harvest tests and benchmark: users of their own on the shared test Dovecot,
//! and messages written straight into their Maildir (tmp/ then rename into cur/, as a
//! delivery agent does), which is ~100× faster than IMAP APPEND: 25,000 messages take well
//! under a second. Dovecot indexes them on the first STATUS/SELECT.
//!
//! Users are appended to the Dovecot's passwd-file (re-read on change), so each test owns its
//! mailbox and tests run in parallel. As root, Dovecot reads and writes mail as the owner of
//! `DIR/mail` (nobody), so everything created here is chowned to it.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use super::dovecot::Dovecot;

/// A login on the test Dovecot with a Maildir of its own.
pub struct MailUser {
    pub login: String,
    pub password: String,
    pub home: PathBuf,
    owner: (u32, u32),
}

static USERS: Mutex<()> = Mutex::new(());
static SEQUENCE: AtomicU32 = AtomicU32::new(0);

impl MailUser {
    /// A new user `<prefix>-<n>@example.test` with an empty mailbox.
    pub fn create(dovecot: &Dovecot, prefix: &str) -> MailUser {
        let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let login = format!("{prefix}-{}-{n}@example.test", std::process::id());
        let password = format!("pw-{prefix}-{n}");
        let mail = dovecot.dir.join("mail");
        let meta = fs::metadata(&mail).expect("Dovecot's mail dir");
        let owner = (meta.uid(), meta.gid());
        {
            let _guard = USERS.lock().unwrap_or_else(|e| e.into_inner());
            let users = dovecot.dir.join("users");
            let mut text = fs::read_to_string(&users).expect("passwd-file");
            text.push_str(&format!("{login}:{{PLAIN}}{password}\n"));
            let tmp = dovecot.dir.join("users.tmp");
            fs::write(&tmp, text).expect("write passwd-file");
            fs::rename(&tmp, &users).expect("replace passwd-file");
        }
        let user = MailUser {
            home: mail.join(&login),
            login,
            password,
            owner,
        };
        user.mkdir(&user.home);
        user.wait_until_known(dovecot);
        user
    }

    /// Dovecot re-reads its passwd-file at most once a second: log in over plain IMAP until
    /// the new user is accepted.
    fn wait_until_known(&self, dovecot: &Dovecot) {
        use std::io::{BufRead, BufReader, Write};
        let started = std::time::Instant::now();
        loop {
            let accepted = (|| -> std::io::Result<bool> {
                let stream = std::net::TcpStream::connect(("127.0.0.1", dovecot.imap_port))?;
                stream.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
                let mut reader = BufReader::new(stream.try_clone()?);
                let mut line = String::new();
                reader.read_line(&mut line)?;
                (&stream).write_all(
                    format!(
                        "a LOGIN \"{}\" \"{}\"\r\nb LOGOUT\r\n",
                        self.login, self.password
                    )
                    .as_bytes(),
                )?;
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 {
                        return Ok(false);
                    }
                    if let Some(rest) = line.strip_prefix("a ") {
                        return Ok(rest.starts_with("OK"));
                    }
                }
            })();
            if matches!(accepted, Ok(true)) {
                return;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "Dovecot never accepted the new user {}: {accepted:?}",
                self.login
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    fn mkdir(&self, dir: &Path) {
        fs::create_dir_all(dir).expect("create a mail dir");
        std::os::unix::fs::chown(dir, Some(self.owner.0), Some(self.owner.1)).ok();
    }

    /// The Maildir++ directory of `folder` (`INBOX` is the Maildir itself).
    pub fn folder_dir(&self, folder: &str) -> PathBuf {
        let root = self.home.join("Maildir");
        if folder.eq_ignore_ascii_case("INBOX") {
            root
        } else {
            root.join(format!(".{folder}"))
        }
    }

    /// Writes `messages` into `folder`, creating it if needed.
    pub fn deliver<I, M>(&self, folder: &str, messages: I)
    where
        I: IntoIterator<Item = M>,
        M: AsRef<[u8]>,
    {
        let dir = self.folder_dir(folder);
        for sub in [
            dir.clone(),
            dir.join("tmp"),
            dir.join("new"),
            dir.join("cur"),
        ] {
            self.mkdir(&sub);
        }
        if !folder.eq_ignore_ascii_case("INBOX") {
            let marker = dir.join("maildirfolder");
            if !marker.exists() {
                fs::write(&marker, b"").unwrap();
                std::os::unix::fs::chown(&marker, Some(self.owner.0), Some(self.owner.1)).ok();
            }
        }
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        for (i, message) in messages.into_iter().enumerate() {
            let message = message.as_ref();
            let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
            let name = format!("{stamp}.M{i}N{n}.mailgen,S={}", message.len());
            let tmp = dir.join("tmp").join(&name);
            fs::write(&tmp, message).expect("write a message");
            std::os::unix::fs::chown(&tmp, Some(self.owner.0), Some(self.owner.1)).ok();
            fs::rename(&tmp, dir.join("cur").join(format!("{name}:2,S")))
                .expect("deliver a message");
        }
    }

    /// Sets a folder's UIDVALIDITY with `doveadm mailbox update`.
    pub fn set_uidvalidity(&self, dovecot: &Dovecot, folder: &str, uidvalidity: u32) {
        let output = Command::new("doveadm")
            .arg("-c")
            .arg(dovecot.dir.join("dovecot.conf"))
            .args(["mailbox", "update", "-u", &self.login, "--uid-validity"])
            .arg(uidvalidity.to_string())
            .arg(folder)
            .output()
            .expect("run doveadm");
        assert!(
            output.status.success(),
            "doveadm mailbox update failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// One message with the given header lines (each without CRLF) and a short body.
pub fn message(headers: &[&str]) -> Vec<u8> {
    let mut text = String::new();
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    text.push_str("Subject: test\r\nMessage-ID: <");
    text.push_str(&SEQUENCE.fetch_add(1, Ordering::Relaxed).to_string());
    text.push_str("@mailgen>\r\n\r\nHello.\r\n");
    text.into_bytes()
}
