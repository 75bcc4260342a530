//! `mailboxes schedule` (issue 14 item 5): the systemd units checked by the real
//! `systemd-analyze verify` (no warnings), the crontab round trip with the real `crontab` under
//! a throwaway user, a clear message where no user manager runs, and the scheduled sync's log
//! that `schedule status` reads.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::dovecot::{Dovecot, ALICE};
use crate::support::env::FreshEnv;

/// No user manager can be reached: a private runtime dir and a bus address that goes nowhere.
fn without_user_manager(env: &mut FreshEnv) {
    let runtime = env.root().join("runtime");
    fs::create_dir_all(&runtime).unwrap();
    env.env("XDG_RUNTIME_DIR", &runtime);
    env.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
}

#[test]
fn systemd_units_pass_systemd_analyze_verify_and_remove_takes_them_out() {
    let mut env = FreshEnv::new();
    without_user_manager(&mut env);
    let run = env.run(&[
        "schedule",
        "install",
        "--scheduler",
        "systemd",
        "--no-enable",
        "--every",
        "6h",
        "--json",
    ]);
    let installed = run.ok().json();
    assert_eq!(installed["scheduler"], "systemd");
    assert_eq!(installed["enabled"], false);
    let units = env.config_home().join("systemd/user");
    let service = units.join("mailboxes-sync.service");
    let timer = units.join("mailboxes-sync.timer");
    let service_text = fs::read_to_string(&service).unwrap();
    let timer_text = fs::read_to_string(&timer).unwrap();
    let binary = fs::canonicalize(env!("CARGO_BIN_EXE_mailboxes")).unwrap();
    assert!(
        service_text.contains(&format!(
            "ExecStart=\"{}\" \"--profile\" \"default\" \"sync\" \"--scheduled\"",
            binary.display()
        )),
        "{service_text}"
    );
    assert!(
        timer_text.contains("OnCalendar=*-*-* 00/6:00:00"),
        "{timer_text}"
    );
    assert!(timer_text.contains("Persistent=true"), "{timer_text}");
    assert!(
        timer_text.contains("RandomizedDelaySec=900"),
        "{timer_text}"
    );

    // The real systemd-analyze, as a user manager would load them: no warning at all.
    let runtime = env.root().join("analyze-runtime");
    fs::create_dir_all(&runtime).unwrap();
    let verify = Command::new("systemd-analyze")
        .args(["--user", "verify"])
        .arg(&service)
        .arg(&timer)
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .expect("systemd-analyze runs (scripts/install-test-deps installs systemd)");
    assert!(
        verify.status.success() && verify.stderr.is_empty() && verify.stdout.is_empty(),
        "systemd-analyze verify: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );

    let status = env.run(&["schedule", "status", "--json"]).ok().json();
    assert_eq!(status["installed"]["every"], "6h");
    assert_eq!(status["last_run"], Value::Null);
    env.run(&["schedule", "remove"]).ok();
    assert!(!service.exists() && !timer.exists());
    assert_eq!(
        env.run(&["schedule", "status", "--json"]).ok().json()["installed"],
        Value::Null
    );
}

#[test]
fn without_a_user_manager_install_says_how_to_get_one_or_use_cron() {
    let mut env = FreshEnv::new();
    without_user_manager(&mut env);
    let run = env.run(&["schedule", "install", "--scheduler", "systemd"]);
    run.code(1);
    let error = run.one_line_error();
    assert!(
        error.contains("no systemd user manager answers here")
            && error.contains("loginctl enable-linger")
            && error.contains("--scheduler cron"),
        "{run}"
    );
    // The units were written and are remembered: remove takes them out.
    assert!(env
        .config_home()
        .join("systemd/user/mailboxes-sync.timer")
        .exists());
    env.run(&["schedule", "remove"]);
    assert!(!env
        .config_home()
        .join("systemd/user/mailboxes-sync.timer")
        .exists());
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}

/// A user that exists for one test, with its own home, deleted (with its crontab) at the end.
struct ThrowawayUser {
    name: String,
    home: std::path::PathBuf,
}

impl ThrowawayUser {
    fn create(root: &Path) -> ThrowawayUser {
        let name = format!("mbx{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let home = root.join(&name);
        let status = Command::new("useradd")
            .args(["--no-create-home", "--shell", "/bin/sh", "--home-dir"])
            .arg(&home)
            .arg(&name)
            .status()
            .unwrap();
        assert!(status.success(), "useradd {name}");
        fs::create_dir_all(&home).unwrap();
        Command::new("chown")
            .arg(&name)
            .arg(&home)
            .status()
            .unwrap();
        ThrowawayUser { name, home }
    }

    fn crontab(&self) -> String {
        let out = Command::new("crontab")
            .args(["-u", &self.name, "-l"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `mailboxes ARGS` as this user.
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("runuser")
            .args(["-u", &self.name, "--", "env", "-i", "PATH=/usr/bin:/bin"])
            .arg(format!("HOME={}", self.home.display()))
            .arg(env!("CARGO_BIN_EXE_mailboxes"))
            .args(args)
            .output()
            .unwrap()
    }
}

impl Drop for ThrowawayUser {
    fn drop(&mut self) {
        let _ = Command::new("crontab")
            .args(["-u", &self.name, "-r"])
            .output();
        let _ = Command::new("userdel").arg(&self.name).output();
    }
}

#[test]
fn the_crontab_round_trip_with_the_real_crontab_keeps_every_other_line() {
    if !is_root() {
        eprintln!("skipped: creating a throwaway user needs root (CI runs as root)");
        return;
    }
    let env = FreshEnv::new();
    let root = env.root().to_path_buf();
    let mut permissions = fs::metadata(&root).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    fs::set_permissions(&root, permissions).unwrap();
    let user = ThrowawayUser::create(&root);
    let theirs = "MAILTO=someone@example.com\n# nightly backup\n5 4 * * * /usr/bin/backup --all\n";
    let mut load = Command::new("crontab")
        .args(["-u", &user.name, "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    load.stdin
        .take()
        .unwrap()
        .write_all(theirs.as_bytes())
        .unwrap();
    assert!(load.wait().unwrap().success());

    let done = user.run(&[
        "schedule",
        "install",
        "--scheduler",
        "cron",
        "--every",
        "1h",
    ]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let installed = user.crontab();
    assert!(installed.starts_with(theirs), "{installed}");
    let ours: Vec<&str> = installed
        .lines()
        .filter(|l| l.contains("mailboxes-sync"))
        .collect();
    assert_eq!(ours.len(), 1, "{installed}");
    assert!(ours[0].starts_with("0 * * * * '"), "{installed}");
    assert!(ours[0].contains("'sync' '--scheduled'"), "{installed}");
    // Twice is still one line.
    assert!(user
        .run(&[
            "schedule",
            "install",
            "--scheduler",
            "cron",
            "--every",
            "1h"
        ])
        .status
        .success());
    assert_eq!(user.crontab(), installed);

    let status = user.run(&["schedule", "status", "--json"]);
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["installed"]["scheduler"], "cron");
    assert!(
        status["next_run"].as_str().unwrap().ends_with(":00:00Z"),
        "{status}"
    );

    let removed = user.run(&["schedule", "remove"]);
    assert!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
    assert_eq!(
        user.crontab(),
        theirs,
        "remove takes out our line and nothing else"
    );
}

#[test]
fn a_scheduled_sync_logs_each_run_and_reports_a_mailbox_that_stopped_working() {
    let dovecot = Dovecot::shared();
    let env = FreshEnv::new();
    env.add_mailbox(
        "Home",
        "localhost",
        dovecot.imaps_port,
        true,
        ALICE.name,
        ALICE.password,
    );
    let book = env.root().join("book");
    let book = book.to_str().unwrap();
    let ca = dovecot.ca_cert_arg();
    let sync = |env: &FreshEnv| {
        env.run(&[
            "sync",
            "--scheduled",
            "--contacts-dir",
            book,
            "--ca-cert",
            &ca,
        ])
    };
    sync(&env).ok();
    let status = env.run(&["schedule", "status", "--json"]).ok().json();
    assert_eq!(status["last_run"]["exit"], 0, "{status}");
    assert!(status["last_run"]["summary"]
        .as_str()
        .unwrap()
        .starts_with("1 ok, 0 failed"));

    // The password is changed elsewhere: the next run fails, and says the mailbox stopped.
    env.run_stdin(
        &["edit", "Home", "--password-stdin"],
        "not the password any more\n",
    )
    .ok();
    let mut document: Value = serde_json::from_slice(&env.store_bytes().unwrap()).unwrap();
    document["mailboxes"][0]["status"] = "ok".into();
    env.write_store(&document);
    // A desktop: notify-send is a stand-in here (no notification server runs) that records
    // what it was asked to show.
    let bin = env.root().join("bin");
    fs::create_dir_all(&bin).unwrap();
    let shown = env.root().join("notified.txt");
    let script = bin.join("notify-send");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\n",
            shown.display()
        ),
    )
    .unwrap();
    let mut permissions = fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    fs::set_permissions(&script, permissions).unwrap();
    let mut desktop = env.std_cmd();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    desktop.env("PATH", path).env("DISPLAY", ":0").args([
        "sync",
        "--scheduled",
        "--contacts-dir",
        book,
        "--ca-cert",
        &ca,
    ]);
    let done = desktop.output().unwrap();
    assert_eq!(
        done.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let notified = fs::read_to_string(&shown).expect("a notification was shown");
    assert!(
        notified.contains("mailboxes: Home stopped working"),
        "{notified}"
    );
    let status = env.run(&["schedule", "status"]);
    status.ok().stdout_has("(exit 1): 0 ok, 1 failed");
    status.stdout_has("stopped working: Home");
    let log = fs::read_to_string(env.state_home().join("mailboxes/sync.log")).unwrap();
    assert_eq!(log.lines().count(), 2, "{log}");
}
