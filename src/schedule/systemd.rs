//! systemd user units: `mailboxes-sync.service` (oneshot, the sync) and `mailboxes-sync.timer`
//! (`OnCalendar`, `Persistent=true` so a run missed while the machine was off happens at the
//! next boot, and a randomized delay so many machines do not all start at once), in
//! `$XDG_CONFIG_HOME/systemd/user/`, enabled with `systemctl --user`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Every, Job};

/// `systemctl --user` answers (a user manager runs and we can reach it).
pub fn user_manager_runs() -> bool {
    Command::new("systemctl")
        .args(["--user", "is-system-running"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        // "degraded" exits 1 but answers: only a failure to connect is "no manager".
        .is_ok_and(|status| status.code().is_some_and(|code| code <= 1))
}

pub fn unit_dir(config_home: &Path) -> PathBuf {
    config_home.join("systemd").join("user")
}

/// One `ExecStart` word, quoted as systemd reads it (`%` and `$` doubled).
fn quote(word: &str) -> String {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('%', "%%")
        .replace('$', "$$");
    format!("\"{escaped}\"")
}

pub fn service(job: &Job, name: &str) -> String {
    let mut exec = vec![quote(&job.program.display().to_string())];
    exec.extend(job.args.iter().map(|arg| quote(arg)));
    format!(
        "# Written by `mailboxes schedule install`; `mailboxes schedule remove` deletes it.\n\
         [Unit]\n\
         Description=mailboxes sync: contacts from your mailboxes into your address book\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         ExecStart={}\n\
         Nice=10\n\
         # One run at a time is also enforced by the sync's own lock ({name}).\n",
        exec.join(" ")
    )
}

/// `OnCalendar` for `every`, aligned to the clock.
fn on_calendar(every: Every) -> String {
    match every.minutes {
        m if m == 24 * 60 => "*-*-* 00:00:00".to_string(),
        m if m % 60 == 0 => format!("*-*-* 00/{}:00:00", m / 60),
        m => format!("*-*-* *:00/{m}:00"),
    }
}

pub fn timer(every: Every, name: &str) -> String {
    // A tenth of the period, at most 15 minutes.
    let delay = (every.seconds() / 10).min(900);
    format!(
        "# Written by `mailboxes schedule install`; `mailboxes schedule remove` deletes it.\n\
         [Unit]\n\
         Description=Run mailboxes sync every {}\n\
         \n\
         [Timer]\n\
         OnCalendar={}\n\
         RandomizedDelaySec={delay}\n\
         Persistent=true\n\
         Unit={name}.service\n\
         \n\
         [Install]\n\
         WantedBy=timers.target\n",
        every.shown(),
        on_calendar(every),
    )
}

/// Runs `systemctl --user ARGS`; the error says what to do where no user manager runs.
pub fn systemctl(args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("systemctl")
        .arg("--user")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|err| anyhow::anyhow!("cannot run systemctl: {err}"))?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let said = String::from_utf8_lossy(&output.stderr);
    Err(anyhow::anyhow!(
        "`systemctl --user {}` failed ({}): no systemd user manager answers here (a container \
         or WSL?); enable one with `loginctl enable-linger $USER` and log in again, or use \
         --scheduler cron",
        args.join(" "),
        crate::untrusted::printable(said.trim())
    ))
}

/// When the timer fires next, as systemd says (`None` when it cannot be asked).
pub fn next_run(name: &str) -> Option<String> {
    let shown = systemctl(&[
        "show",
        &format!("{name}.timer"),
        "--property=NextElapseUSecRealtime",
        "--value",
    ])
    .ok()?;
    let shown = shown.trim();
    (!shown.is_empty() && shown != "n/a").then(|| shown.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_words_are_quoted_as_systemd_reads_them() {
        assert_eq!(quote(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(quote("50%$HOME"), "\"50%%$$HOME\"");
    }
}
