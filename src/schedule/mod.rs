//! Running `mailboxes sync` unattended (issue 14 item 5): systemd user units on Linux (cron
//! where no user manager runs), a LaunchAgent on macOS, a scheduled task on Windows. Each runs
//! `<this binary> --profile P [--store S] sync --scheduled [--contacts-dir DIR]`, which never
//! prompts and logs a line per run to `$XDG_STATE_HOME/mailboxes/sync.log` (`log`).
//!
//! Intervals are ones every scheduler can express the same way, aligned to the clock:
//! minutes dividing an hour (15m, 30m), hours dividing a day (1h … 12h), or 1d.

pub mod cron;
pub mod launchd;
pub mod log;
pub mod schtasks;
pub mod systemd;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::UsageError;

/// Which scheduler runs the sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheduler {
    /// systemd user units (Linux)
    Systemd,
    /// a marked line in the user's crontab
    Cron,
    /// a LaunchAgent (macOS)
    Launchd,
    /// a scheduled task (Windows)
    Schtasks,
}

impl Scheduler {
    pub fn name(self) -> &'static str {
        match self {
            Scheduler::Systemd => "systemd",
            Scheduler::Cron => "cron",
            Scheduler::Launchd => "launchd",
            Scheduler::Schtasks => "schtasks",
        }
    }

    /// This platform's: launchd on macOS, schtasks on Windows; on Linux systemd where a user
    /// manager runs, else cron.
    pub fn default_here() -> Scheduler {
        if cfg!(target_os = "macos") {
            Scheduler::Launchd
        } else if cfg!(windows) {
            Scheduler::Schtasks
        } else if systemd::user_manager_runs() {
            Scheduler::Systemd
        } else {
            Scheduler::Cron
        }
    }
}

/// How often: a number of minutes that divides an hour, of hours that divides a day, or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Every {
    pub minutes: u32,
}

impl Every {
    pub fn parse(text: &str) -> Result<Every, UsageError> {
        let text = text.trim();
        let (number, unit) = text.split_at(
            text.find(|c: char| !c.is_ascii_digit())
                .unwrap_or(text.len()),
        );
        let n: u32 = number.parse().unwrap_or(0);
        let minutes = match unit {
            "m" | "min" if n > 0 && 60 % n == 0 => n,
            "h" if n > 0 && 24 % n == 0 => n * 60,
            "d" if n == 1 => 24 * 60,
            _ => {
                return Err(UsageError(format!(
                    "--every '{text}' is not an interval the schedulers share: use minutes that \
                     divide an hour (5m, 10m, 15m, 30m), hours that divide a day (1h, 2h, 3h, \
                     4h, 6h, 8h, 12h) or 1d"
                )))
            }
        };
        Ok(Every { minutes })
    }

    pub fn seconds(self) -> u64 {
        u64::from(self.minutes) * 60
    }

    /// As people write it: `30m`, `6h`, `1d`.
    pub fn shown(self) -> String {
        match self.minutes {
            m if m == 24 * 60 => "1d".to_string(),
            m if m % 60 == 0 => format!("{}h", m / 60),
            m => format!("{m}m"),
        }
    }

    /// The next time at or after `now` that the schedule fires (clock-aligned, UTC).
    pub fn next_after(self, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        let period = i64::from(self.minutes) * 60;
        let since_midnight = now.timestamp().rem_euclid(86_400);
        let midnight = now.timestamp() - since_midnight;
        let next = midnight + (since_midnight / period + 1) * period;
        chrono::DateTime::from_timestamp(next, 0).unwrap_or(now)
    }
}

/// What the scheduled job runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// This binary, absolute.
    pub program: PathBuf,
    pub args: Vec<String>,
    pub profile: String,
}

impl Job {
    pub fn new(
        program: PathBuf,
        profile: &str,
        store: Option<&str>,
        contacts_dir: Option<&Path>,
    ) -> Job {
        let mut args = vec!["--profile".to_string(), profile.to_string()];
        if let Some(store) = store {
            args.extend(["--store".to_string(), store.to_string()]);
        }
        args.extend(["sync".to_string(), "--scheduled".to_string()]);
        if let Some(dir) = contacts_dir {
            args.extend(["--contacts-dir".to_string(), dir.display().to_string()]);
        }
        Job {
            program,
            args,
            profile: profile.to_string(),
        }
    }
}

/// What `schedule install` set up, remembered for `status` and `remove`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Installed {
    pub scheduler: Scheduler,
    pub every: Every,
    pub job: Job,
    /// The files written (units, plist).
    pub files: Vec<PathBuf>,
    pub enabled: bool,
    pub installed_at: String,
}

impl Installed {
    pub fn path(state_dir: &Path, profile: &str) -> PathBuf {
        state_dir.join(format!("schedule.{profile}.json"))
    }

    pub fn load(state_dir: &Path, profile: &str) -> Option<Installed> {
        let bytes = std::fs::read(Self::path(state_dir, profile)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn save(&self, state_dir: &Path) -> anyhow::Result<()> {
        crate::config::ensure_private_dir(state_dir)
            .map_err(|err| anyhow::anyhow!("creating {}: {err}", state_dir.display()))?;
        let path = Self::path(state_dir, &self.job.profile);
        crate::config::write_private(&path, ".schedule-", &serde_json::to_vec_pretty(self)?)
            .map_err(|err| anyhow::anyhow!("{} {}: {}", err.step, path.display(), err.source))
    }

    pub fn forget(state_dir: &Path, profile: &str) {
        let _ = std::fs::remove_file(Self::path(state_dir, profile));
    }
}

/// The name of the units, plist, task and crontab marker, per profile.
pub fn job_name(profile: &str) -> String {
    if profile == crate::config::DEFAULT_PROFILE {
        "mailboxes-sync".to_string()
    } else {
        format!("mailboxes-sync-{profile}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_every_scheduler_can_express() {
        assert_eq!(Every::parse("6h").unwrap().minutes, 360);
        assert_eq!(Every::parse("30m").unwrap().minutes, 30);
        assert_eq!(Every::parse("1d").unwrap().shown(), "1d");
        for bad in ["7h", "45m", "0h", "2d", "", "h", "90m"] {
            assert!(Every::parse(bad).is_err(), "{bad}");
        }
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-05T10:14:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            Every::parse("6h").unwrap().next_after(at).to_rfc3339(),
            "2026-12-05T12:00:00+00:00"
        );
        assert_eq!(
            Every::parse("15m").unwrap().next_after(at).to_rfc3339(),
            "2026-12-05T10:15:00+00:00"
        );
    }
}
