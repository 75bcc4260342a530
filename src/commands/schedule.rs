//! `mailboxes schedule install|status|remove` (issue 14 item 5): see `crate::schedule`.

use std::io::{self, Write};
use std::path::PathBuf;

use serde_json::{json, Value};

use super::Context;
use crate::cli::{ScheduleArgs, ScheduleCommand};
use crate::error::usage;
use crate::exit::Exit;
use crate::output::{Report, Style};
use crate::schedule::{
    self, cron, launchd, log, schtasks, systemd, Every, Installed, Job, Scheduler,
};
use crate::untrusted::printable;

pub enum Schedule {
    Installed(Installed, Option<String>),
    Status {
        installed: Option<Installed>,
        next_run: Option<String>,
        last: Option<log::Entry>,
    },
    Removed(Option<Installed>),
}

pub fn run(context: &Context, args: ScheduleArgs) -> anyhow::Result<Schedule> {
    let state_dir = &context.paths.state_dir;
    let name = schedule::job_name(&context.profile);
    match args.command {
        ScheduleCommand::Install {
            every,
            scheduler,
            no_enable,
            contacts_dir,
        } => install(context, every, scheduler, no_enable, contacts_dir),
        ScheduleCommand::Status => {
            let installed = Installed::load(state_dir, &context.profile);
            let next_run = installed.as_ref().and_then(|installed| {
                match installed.scheduler {
                    Scheduler::Systemd if installed.enabled => systemd::next_run(&name),
                    _ => None,
                }
                .or_else(|| {
                    installed.enabled.then(|| {
                        installed
                            .every
                            .next_after(chrono::Utc::now())
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    })
                })
            });
            Ok(Schedule::Status {
                installed,
                next_run,
                last: log::last(state_dir, &context.profile),
            })
        }
        ScheduleCommand::Remove => {
            let installed = Installed::load(state_dir, &context.profile);
            let scheduler = installed
                .as_ref()
                .map_or_else(Scheduler::default_here, |i| i.scheduler);
            remove(context, scheduler, installed.as_ref(), &name)?;
            Installed::forget(state_dir, &context.profile);
            Ok(Schedule::Removed(installed))
        }
    }
}

fn install(
    context: &Context,
    every: Every,
    scheduler: Option<Scheduler>,
    no_enable: bool,
    contacts_dir: Option<PathBuf>,
) -> anyhow::Result<Schedule> {
    let scheduler = scheduler.unwrap_or_else(Scheduler::default_here);
    let name = schedule::job_name(&context.profile);
    let program = std::env::current_exe()
        .and_then(|exe| exe.canonicalize())
        .map_err(|err| anyhow::anyhow!("cannot find this program's own path: {err}"))?;
    let contacts_dir = contacts_dir.map(|dir| std::path::absolute(&dir).unwrap_or(dir));
    let job = Job::new(
        program,
        &context.profile,
        context.store_choice.map(|store| store.name()),
        contacts_dir.as_deref(),
    );
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut files = Vec::new();
    let mut note = None;
    match scheduler {
        Scheduler::Systemd => {
            let dir = systemd::unit_dir(
                context
                    .paths
                    .config_dir
                    .parent()
                    .expect("the config dir is under XDG_CONFIG_HOME"),
            );
            std::fs::create_dir_all(&dir)
                .map_err(|err| anyhow::anyhow!("creating {}: {err}", dir.display()))?;
            let service = dir.join(format!("{name}.service"));
            let timer = dir.join(format!("{name}.timer"));
            std::fs::write(&service, systemd::service(&job, &name))
                .map_err(|err| anyhow::anyhow!("writing {}: {err}", service.display()))?;
            std::fs::write(&timer, systemd::timer(every, &name))
                .map_err(|err| anyhow::anyhow!("writing {}: {err}", timer.display()))?;
            files = vec![service, timer];
            if !no_enable {
                let record = Installed {
                    scheduler,
                    every,
                    job: job.clone(),
                    files: files.clone(),
                    enabled: false,
                    installed_at: crate::mailbox::tested_at(),
                };
                // Remembered before enabling: `remove` finds the files even if that fails.
                record.save(&context.paths.state_dir)?;
                systemd::systemctl(&["daemon-reload"])?;
                systemd::systemctl(&["enable", "--now", &format!("{name}.timer")])?;
            }
        }
        Scheduler::Cron => {
            if !no_enable {
                let current = cron::read()?;
                cron::write(&cron::edited(
                    &current,
                    &name,
                    Some(&cron::line(&job, every, &name)),
                ))?;
            } else {
                note = Some(cron::line(&job, every, &name));
            }
        }
        Scheduler::Launchd => {
            let home = home.ok_or_else(|| usage("HOME is not set"))?;
            let plist = launchd::plist_path(&home, &name);
            let dir = plist.parent().expect("a plist has a directory");
            std::fs::create_dir_all(dir)
                .map_err(|err| anyhow::anyhow!("creating {}: {err}", dir.display()))?;
            let log_path = log::path(&context.paths.state_dir);
            std::fs::write(&plist, launchd::plist(&job, every, &name, &log_path))
                .map_err(|err| anyhow::anyhow!("writing {}: {err}", plist.display()))?;
            files = vec![plist.clone()];
            if !no_enable {
                if !cfg!(target_os = "macos") {
                    return Err(usage(
                        "launchd is macOS's: the plist was written; pass --no-enable, or use \
                         --scheduler systemd or cron here",
                    ));
                }
                run_tool(
                    "launchctl",
                    &[
                        "bootstrap".into(),
                        format!("gui/{}", current_uid()),
                        plist.display().to_string(),
                    ],
                )?;
            }
        }
        Scheduler::Schtasks => {
            let args = schtasks::create_args(&job, every, &name);
            if !cfg!(windows) {
                return Err(usage(
                    "schtasks is Windows's task scheduler: use --scheduler systemd or cron here",
                ));
            }
            if !no_enable {
                run_tool("schtasks", &args)?;
            }
        }
    }
    let installed = Installed {
        scheduler,
        every,
        job,
        files,
        enabled: !no_enable,
        installed_at: crate::mailbox::tested_at(),
    };
    installed.save(&context.paths.state_dir)?;
    Ok(Schedule::Installed(installed, note))
}

fn remove(
    context: &Context,
    scheduler: Scheduler,
    installed: Option<&Installed>,
    name: &str,
) -> anyhow::Result<()> {
    match scheduler {
        Scheduler::Systemd => {
            if installed.is_some_and(|i| i.enabled) {
                // Best effort: the files go whatever systemd says.
                if let Err(err) =
                    systemd::systemctl(&["disable", "--now", &format!("{name}.timer")])
                {
                    context.ui.warn(&format!("{err:#}"));
                }
            }
            for file in installed.map(|i| i.files.as_slice()).unwrap_or_default() {
                let _ = std::fs::remove_file(file);
            }
            if installed.is_some_and(|i| i.enabled) {
                let _ = systemd::systemctl(&["daemon-reload"]);
            }
        }
        Scheduler::Cron => {
            let current = cron::read()?;
            let edited = cron::edited(&current, name, None);
            if edited != current {
                cron::write(&edited)?;
            }
        }
        Scheduler::Launchd => {
            if cfg!(target_os = "macos") && installed.is_some_and(|i| i.enabled) {
                let _ = run_tool(
                    "launchctl",
                    &[
                        "bootout".into(),
                        format!("gui/{}/{}", current_uid(), launchd::label(name)),
                    ],
                );
            }
            for file in installed.map(|i| i.files.as_slice()).unwrap_or_default() {
                let _ = std::fs::remove_file(file);
            }
        }
        Scheduler::Schtasks => {
            if cfg!(windows) {
                run_tool("schtasks", &schtasks::delete_args(name))?;
            }
        }
    }
    Ok(())
}

fn run_tool(program: &str, args: &[String]) -> anyhow::Result<()> {
    let output = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|err| anyhow::anyhow!("cannot run {program}: {err}"))?;
    if !output.status.success() {
        return Err(anyhow::anyhow!(
            "{program} failed: {}",
            printable(String::from_utf8_lossy(&output.stderr).trim())
        ));
    }
    Ok(())
}

fn current_uid() -> String {
    std::env::var("UID").unwrap_or_else(|_| {
        std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    })
}

impl Report for Schedule {
    fn human(&self, out: &mut dyn Write, _style: &Style) -> io::Result<()> {
        match self {
            Schedule::Installed(installed, note) => {
                writeln!(
                    out,
                    "{} `mailboxes sync` every {} with {}{}",
                    if installed.enabled {
                        "Scheduled"
                    } else {
                        "Wrote (not enabled)"
                    },
                    installed.every.shown(),
                    installed.scheduler.name(),
                    if installed.files.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ": {}",
                            installed
                                .files
                                .iter()
                                .map(|f| f.display().to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                )?;
                if let Some(line) = note {
                    writeln!(out, "The crontab line (not installed): {line}")?;
                }
                Ok(())
            }
            Schedule::Status {
                installed,
                next_run,
                last,
            } => {
                match installed {
                    Some(i) => writeln!(
                        out,
                        "scheduler: {} ({}), every {}",
                        i.scheduler.name(),
                        if i.enabled { "enabled" } else { "not enabled" },
                        i.every.shown()
                    )?,
                    None => writeln!(out, "scheduler: none (`mailboxes schedule install`)")?,
                }
                if let Some(next) = next_run {
                    writeln!(out, "next run:  {next}")?;
                }
                match last {
                    Some(last) => {
                        writeln!(
                            out,
                            "last run:  {} (exit {}): {}",
                            printable(&last.at),
                            last.exit,
                            printable(&last.summary)
                        )?;
                        if !last.newly_failing.is_empty() {
                            writeln!(
                                out,
                                "stopped working: {}",
                                printable(&last.newly_failing.join(", "))
                            )?;
                        }
                        Ok(())
                    }
                    None => writeln!(out, "last run:  none yet"),
                }
            }
            Schedule::Removed(Some(installed)) => {
                writeln!(out, "Removed the {} schedule", installed.scheduler.name())
            }
            Schedule::Removed(None) => writeln!(out, "Nothing was scheduled; nothing removed"),
        }
    }

    fn json(&self) -> Value {
        let installed_json = |i: &Installed| {
            json!({
                "scheduler": i.scheduler.name(), "every": i.every.shown(), "enabled": i.enabled,
                "files": i.files, "command": std::iter::once(i.job.program.display().to_string())
                    .chain(i.job.args.iter().cloned()).collect::<Vec<_>>(),
                "installed_at": i.installed_at,
            })
        };
        match self {
            Schedule::Installed(installed, note) => {
                let mut value = installed_json(installed);
                value["crontab_line"] = json!(note);
                value
            }
            Schedule::Status {
                installed,
                next_run,
                last,
            } => json!({
                "installed": installed.as_ref().map(installed_json),
                "next_run": next_run,
                "last_run": last,
            }),
            Schedule::Removed(installed) => json!({
                "removed": installed.as_ref().map(installed_json),
            }),
        }
    }

    fn exit(&self) -> Exit {
        Exit::Success
    }
}
