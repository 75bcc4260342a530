//! No escape codes with `NO_COLOR` or `--no-color`.

use super::*;

#[test]
fn no_color_output_has_no_escape_codes() {
    let (mut env, _id, _) = env_with_one_mailbox();
    let fake = FakeImap::start(Behaviour::CloseAtOnce);
    env.run(
        &Cli::add("Closed", "127.0.0.1", "x")
            .port(&fake.port_arg())
            .tls()
            .args(["--password-env", "IMAP_PASSWORD"])
            .strs(),
    )
    .ok();
    let check = |run: &Run| {
        assert!(
            !run.stdout.contains('\x1b'),
            "escape codes on stdout\n{run}"
        );
        assert!(
            !run.stderr.contains('\x1b'),
            "escape codes on stderr\n{run}"
        );
    };
    // NO_COLOR=1 is set by FreshEnv for every command.
    check(env.run(&["list"]).ok());
    check(env.run(&["test", "closed", "--timeout", "5"]).code(1));
    // "Work" is at imap.example.com: pinned to loopback, so no DNS query leaves the machine.
    check(
        env.run(&[
            "test",
            "--all",
            "--timeout",
            "5",
            "--resolve",
            "imap.example.com:127.0.0.1",
        ])
        .code(1),
    );
    // --no-color alone works too.
    env.env("NO_COLOR", "");
    check(env.run(&["list", "--no-color"]).ok());
    check(
        env.run(&["--no-color", "test", "closed", "--timeout", "5"])
            .code(1),
    );
}
