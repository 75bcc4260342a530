//! A line in the user's crontab, marked with a comment naming the profile, so `remove` takes
//! out that line and nothing else. Read with `crontab -l`, written back with `crontab -`.

use std::io::Write;
use std::process::{Command, Stdio};

use super::{Every, Job};

/// The marker ending our line (per profile).
pub fn marker(name: &str) -> String {
    format!("# {name} (managed by `mailboxes schedule`)")
}

/// One shell word, single-quoted; cron turns an unescaped `%` into a newline.
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''").replace('%', "\\%"))
}

/// The five time fields for `every`, aligned to the clock.
fn fields(every: Every) -> String {
    match every.minutes {
        m if m == 24 * 60 => "0 0 * * *".to_string(),
        60 => "0 * * * *".to_string(),
        m if m % 60 == 0 => format!("0 */{} * * *", m / 60),
        m => format!("*/{m} * * * *"),
    }
}

pub fn line(job: &Job, every: Every, name: &str) -> String {
    let mut command = vec![quote(&job.program.display().to_string())];
    command.extend(job.args.iter().map(|arg| quote(arg)));
    format!(
        "{} {} >/dev/null 2>&1 {}",
        fields(every),
        command.join(" "),
        marker(name)
    )
}

/// `crontab` with our line for `name` replaced by `line` (or removed, with `None`); every
/// other line kept as it was.
pub fn edited(crontab: &str, name: &str, line: Option<&str>) -> String {
    let marker = marker(name);
    let mut out: Vec<&str> = crontab
        .lines()
        .filter(|l| !l.trim_end().ends_with(&marker))
        .collect();
    if let Some(line) = line {
        out.push(line);
    }
    let mut text = out.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

/// The current crontab (empty when the user has none).
pub fn read() -> anyhow::Result<String> {
    let output = Command::new("crontab")
        .arg("-l")
        .stdin(Stdio::null())
        .output()
        .map_err(|err| {
            anyhow::anyhow!("cannot run crontab ({err}): install cron, or use --scheduler systemd")
        })?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let said = String::from_utf8_lossy(&output.stderr);
    if said.contains("no crontab for") {
        return Ok(String::new());
    }
    Err(anyhow::anyhow!(
        "`crontab -l` failed: {}",
        crate::untrusted::printable(said.trim())
    ))
}

pub fn write(text: &str) -> anyhow::Result<()> {
    let mut child = Command::new("crontab")
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| anyhow::anyhow!("cannot run crontab: {err}"))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(text.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        return Err(anyhow::anyhow!(
            "`crontab -` refused the new crontab: {}",
            crate::untrusted::printable(String::from_utf8_lossy(&output.stderr).trim())
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_line_is_replaced_and_removed_and_nothing_else() {
        let job = Job::new("/opt/my tools/mailboxes".into(), "default", None, None);
        let every = Every::parse("6h").unwrap();
        let ours = line(&job, every, "mailboxes-sync");
        assert!(
            ours.starts_with(
                "0 */6 * * * '/opt/my tools/mailboxes' '--profile' 'default' 'sync' '--scheduled'"
            ),
            "{ours}"
        );
        let theirs = "MAILTO=me\n# a comment\n5 4 * * * backup --all\n";
        let installed = edited(theirs, "mailboxes-sync", Some(&ours));
        assert_eq!(installed, format!("{theirs}{ours}\n"));
        let again = edited(&installed, "mailboxes-sync", Some(&ours));
        assert_eq!(again, installed, "installing twice keeps one line");
        let other_profile = edited(&installed, "mailboxes-sync-work", None);
        assert_eq!(other_profile, installed);
        assert_eq!(edited(&installed, "mailboxes-sync", None), theirs);
        assert_eq!(quote("50%"), "'50\\%'");
    }
}
