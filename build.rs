//! Sets `MAILBOXES_VERSION` for `--version`: the package version, plus the commit it was built
//! from when this is a git checkout, e.g. `0.1.0 (1a2b3c4 2026-12-03)`. From a crate tarball
//! (no git, or this directory is not the checkout's top) it is the package version alone. Never
//! fails the build.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    // Without any rerun-if line cargo reruns this on every change in the package.
    println!("cargo:rerun-if-changed=build.rs");
    let version = env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let version = match commit(&manifest_dir) {
        Some(commit) => format!("{version} ({commit})"),
        None => version,
    };
    println!("cargo:rustc-env=MAILBOXES_VERSION={version}");
}

/// `1a2b3c4 2026-12-03` (short hash and commit date), when `dir` is the top of a git checkout.
fn commit(dir: &Path) -> Option<String> {
    // A crate unpacked inside some other repository (vendored, say) is not that repository's
    // commit: only a checkout whose top is this directory counts.
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    // Rebuild when HEAD moves: HEAD itself (a checkout), the branch it names (a commit) or,
    // while that is only in packed-refs, its directory (where the next commit writes it). Only
    // existing paths: cargo reruns every time for a path that does not exist.
    let git_path = |name: &str| git(dir, &["rev-parse", "--git-path", name]).map(|p| dir.join(p));
    let mut watched = vec![git_path("HEAD"), git_path("packed-refs")];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]).and_then(|b| git_path(&b)) {
        if branch.is_file() {
            watched.push(Some(branch));
        } else {
            watched.push(branch.parent().map(Path::to_path_buf));
        }
    }
    for path in watched.into_iter().flatten().filter(|path| path.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    git(
        dir,
        &["log", "-1", "--abbrev=7", "--date=short", "--format=%h %cd"],
    )
}

/// The trimmed output of `git ARGS` in `dir`, or `None` when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (output.status.success() && !text.is_empty()).then(|| text.to_owned())
}
