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

/// Stored text holding terminal escapes (the web app or a hand edit can write them) reaches
/// the terminal filtered, in every column and message (issue 15, group 2); `--json` keeps the
/// exact value.
#[test]
fn stored_escapes_never_reach_the_terminal() {
    let env = fresh();
    let hostile = |what: &str| format!("{what}\u{1b}]0;pwned\u{7}\u{1b}[31m\u{9b}2J\u{202e}");
    let entry = |n: u8| {
        json!({
            "id": format!("{n}bad0000-0000-4000-8000-000000000001"),
            "label": hostile("Twin"), "host": hostile("imap.example.com"), "port": 993,
            "tls": true, "user": hostile("me"), "password": "pw-123456",
            "status": hostile("ok"), "lastTestedAt": hostile("2026-11-25"),
            "lastError": hostile("boom"),
        })
    };
    env.write_store(&json!({"mailboxes": [entry(1), entry(2)]}));
    let escapes = ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'];
    let clean = |text: &str| !text.chars().any(|c| escapes.contains(&c));
    let list = env.run(&["list"]);
    list.ok();
    assert!(clean(&list.stdout), "{list}");
    assert!(list.stdout.contains("Twin?]0;pwned"), "{list}");
    // The ambiguous selector names both candidates, filtered.
    let run = env.run(&["edit", &hostile("Twin"), "--port", "994"]);
    run.code(4);
    assert!(clean(&run.stderr) && run.stderr.contains("Twin?"), "{run}");
    // Scripts get the exact value.
    let json = env.run(&["list", "--json"]).ok().json();
    assert_eq!(json[0]["label"], hostile("Twin"));
    assert_eq!(json[0]["status"], hostile("ok"));
}
