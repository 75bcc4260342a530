//! `-V` and `--version`: the package version first (what scripts and `cargo binstall` parse),
//! the commit when built from a checkout, and for `--version` the backends compiled in.

use crate::support::env::FreshEnv;

#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios"))))]
const KEYRING: &str = "keyring: Secret Service over D-Bus (zbus)\n";
#[cfg(target_os = "macos")]
const KEYRING: &str = "keyring: macOS Keychain\n";
#[cfg(windows)]
const KEYRING: &str = "keyring: Windows Credential Manager\n";

#[test]
fn short_version_is_one_line_with_the_package_version() {
    let run = FreshEnv::new().run(&["-V"]);
    run.ok();
    let line = run.stdout.strip_suffix('\n').unwrap_or(&run.stdout);
    let rest = line
        .strip_prefix(concat!("mailboxes ", env!("CARGO_PKG_VERSION")))
        .unwrap_or_else(|| panic!("-V does not start with the package version\n{run}"));
    // ` (1a2b3c4 2026-12-03)` from a git checkout, nothing from a crate tarball.
    assert!(
        rest.is_empty() || (rest.starts_with(" (") && rest.ends_with(')')),
        "unexpected -V\n{run}"
    );
    assert!(!line.contains('\n'), "-V is one line\n{run}");
}

#[test]
fn long_version_names_the_backends() {
    let short = FreshEnv::new().run(&["-V"]).stdout.clone();
    let run = FreshEnv::new().run(&["--version"]);
    run.ok()
        .stdout_has(KEYRING)
        .stdout_has("\ntls: rustls (ring); roots: ");
    assert!(
        run.stdout.starts_with(&short),
        "--version starts with -V's line\n{run}"
    );
}
