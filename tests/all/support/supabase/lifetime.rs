//! Ties the stack's servers to the test process. Statics never drop, so servers kept in a
//! `OnceLock` would outlive `cargo test`; instead every server of one run lives under
//! `$TMPDIR/mailboxes-supabase-stack/<test pid>/`, which holds a `stop.sh` that stops them
//! (pid files, postmaster.pid) and removes the directory. A small shell watcher, in its own
//! process group so Ctrl-C does not kill it first, runs `stop.sh` as soon as the test process
//! is gone; and every run first sweeps the directories of runs whose process is dead.

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const STOP_SCRIPT: &str = r#"#!/bin/sh
# Stops the servers of one mailboxes test run and removes its directory.
# Written by tests/all/support/supabase/lifetime.rs; run by the watcher or by the next run.
dir=$(cd "$(dirname "$0")" && pwd) || exit 0
stop() { # pidfile signal name
  [ -f "$1" ] || return 0
  pid=$(head -n 1 "$1")
  [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$3" ] && kill -"$2" "$pid" 2>/dev/null
  i=0
  while [ $i -lt 50 ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$3" ]; do
    sleep 0.1; i=$((i + 1))
  done
}
for f in "$dir"/*/postgrest.pid; do stop "$f" TERM postgrest; done
for f in "$dir"/*/data/postmaster.pid; do stop "$f" QUIT postgres; done
rm -rf "$dir"
"#;

/// The directory of this run's servers; see the module docs.
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// Sweeps stale runs, creates this run's directory and starts the watcher.
    pub fn create() -> RunDir {
        let base = std::env::temp_dir().join("mailboxes-supabase-stack");
        fs::create_dir_all(&base).expect("create the stack's base directory");
        // Postgres runs as another user when the tests run as root: it must reach its dir.
        fs::set_permissions(&base, fs::Permissions::from_mode(0o755)).ok();
        sweep(&base);

        let path = base.join(std::process::id().to_string());
        if path.exists() {
            // Left by an earlier attempt of this process whose start-up panicked.
            let _ = Command::new("sh").arg(path.join("stop.sh")).status();
            let _ = fs::remove_dir_all(&path);
        }
        fs::create_dir(&path).expect("create the run directory");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod run dir");
        let stop = path.join("stop.sh");
        fs::write(&stop, STOP_SCRIPT).expect("write stop.sh");

        // Never waited for on purpose: the watcher must outlive this process (init reaps it).
        #[allow(clippy::zombie_processes)]
        Command::new("sh")
            .arg("-c")
            .arg(r#"while kill -0 "$0" 2>/dev/null; do sleep 0.5; done; exec sh "$1""#)
            .arg(std::process::id().to_string())
            .arg(&stop)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("spawn the stack watcher");
        RunDir { path }
    }

    /// A fresh directory for one server, e.g. `postgrest-2`.
    pub fn server_dir(&self, name: &str) -> PathBuf {
        let dir = self.path.join(name);
        fs::create_dir_all(&dir).expect("create a server directory");
        dir
    }
}

/// Stops the servers of runs whose test process is gone.
fn sweep(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let stop = entry.path().join("stop.sh");
        if stop.exists() {
            let _ = Command::new("sh").arg(&stop).status();
        } else {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}
