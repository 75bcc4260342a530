//! Output that fits the terminal (issue 11): `list` and the help text at 80 columns, with and
//! without colour, from `COLUMNS` and from a real pseudo-terminal's size.

use std::process::Stdio;

use rexpect::session::spawn_command;
use serde_json::json;

use crate::support::env::FreshEnv;

/// Three entries whose natural table is far wider than 80 columns.
fn wide_store(env: &FreshEnv) -> Vec<String> {
    let entry = |n: u8, label: &str, host: &str, user: &str, error: Option<&str>| {
        json!({
            "id": format!("{n}{n}c0ffee-8d7b-4c3a-9e1f-2b3c4d5e6f70"),
            "label": label,
            "host": host,
            "port": 993,
            "tls": true,
            "user": user,
            "password": "pw-123456",
            "status": if error.is_some() { "error" } else { "ok" },
            "lastTestedAt": "2026-11-25T12:00:00.000Z",
            "lastError": error
        })
    };
    env.write_store(&json!({
        "mailboxes": [
            entry(1, "Work Gmail of the whole support team", "imap.gmail.com",
                  "support.team.shared.inbox@example.com", None),
            entry(2, "Home", "mail.some-rather-long-provider-name.example.org",
                  "me", Some("login rejected: [AUTHENTICATIONFAILED] Invalid credentials (Failure)")),
            entry(3, "日本語のラベルはとても長いです", "imap.example.jp", "taro@example.jp", None),
        ]
    }));
    (1..=3).map(|n| format!("{n}{n}c0ffee")).collect()
}

/// The terminal columns a line takes (the table's characters are all one column wide, but the
/// Japanese label's are two).
fn columns(line: &str) -> usize {
    line.chars()
        .map(|c| {
            if ('\u{3000}'..='\u{9fff}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Asserts every line fits in `width` columns and every short id is printed whole.
#[track_caller]
fn assert_fits(text: &str, width: usize, ids: &[String], context: &dyn std::fmt::Display) {
    for line in text.lines() {
        assert!(
            columns(line) <= width,
            "a line of {} columns at {width}:\n{line}\n{context}",
            columns(line)
        );
    }
    for id in ids {
        assert!(
            text.contains(id.as_str()),
            "id {id} not whole at {width}\n{context}"
        );
    }
}

#[test]
fn list_fits_the_width_that_columns_gives() {
    let mut env = FreshEnv::new();
    let ids = wide_store(&env);
    // A pipe without COLUMNS gets the whole table.
    let whole = env.run(&["list"]).ok().stdout.clone();
    assert!(whole.lines().any(|line| columns(line) > 120), "{whole}");
    assert!(
        whole.contains("Work Gmail of the whole support team"),
        "{whole}"
    );

    for width in [200, 120, 100, 80, 60, 40] {
        env.env("COLUMNS", width.to_string());
        let run = env.run(&["list"]);
        run.ok();
        assert_fits(&run.stdout, width, &ids, &run);
        if width <= 100 {
            // Cut texts show it, and no word is split across lines.
            assert!(run.stdout.contains('…'), "{run}");
            assert!(!run.stdout.contains("│ ail"), "{run}");
        }
    }
}

#[test]
fn list_fits_a_real_terminal_with_colour() {
    let env = FreshEnv::new();
    let ids = wide_store(&env);
    // A pseudo-terminal set to 80 columns by stty; no COLUMNS, no NO_COLOR: colour is on.
    let binary = env.std_cmd();
    let mut shell = std::process::Command::new("sh");
    shell.env_clear();
    for (key, value) in binary.get_envs() {
        if let Some(value) = value {
            shell.env(key, value);
        }
    }
    shell
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .current_dir(env.root())
        .stdin(Stdio::inherit())
        .args(["-c", r#"stty cols 80 rows 24 && exec "$0" list"#])
        .arg(binary.get_program());
    let mut session = spawn_command(shell, Some(20_000)).expect("list starts on a pty");
    // rexpect hands bytes over one char each: back to bytes, then UTF-8.
    let bytes: Vec<u8> = session
        .exp_eof()
        .expect("list ends")
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    let printed = String::from_utf8_lossy(&bytes).into_owned();
    assert!(
        printed.contains("\x1b[32m"),
        "no colour on a terminal:\n{printed}"
    );
    let plain = strip_ansi(&printed).replace('\r', "");
    assert_fits(&plain, 80, &ids, &plain);
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Every example in every `--help` fits 80 columns, and a command too long for one line is
/// continued with `\`, so a copied example runs as printed.
#[test]
fn help_examples_do_not_wrap_mid_command_at_80_columns() {
    let mut env = FreshEnv::new();
    env.env("COLUMNS", "80");
    let verbs = [
        "",
        "list",
        "add",
        "edit",
        "remove",
        "test",
        "harvest",
        "login",
        "logout",
        "status",
        "discover",
        "completions",
    ];
    let mut examples = 0;
    for verb in verbs {
        let args: Vec<&str> = [verb, "--help"]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let run = env.run(&args);
        run.ok();
        for line in run.stdout.lines() {
            assert!(columns(line) <= 80, "{verb} --help: {line:?}\n{run}");
        }
        let Some((_, block)) = run.stdout.split_once("\nExamples:\n") else {
            continue;
        };
        let mut continued = false;
        for line in block.lines().take_while(|line| line.starts_with("  ")) {
            examples += 1;
            let starts_a_command = line.starts_with("  mailboxes ")
                || line.starts_with("  printf ")
                || line.starts_with("  # ")
                || line.trim_start().split_once('=').is_some_and(|(name, _)| {
                    name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                });
            if continued {
                assert!(
                    line.starts_with("      "),
                    "{verb}: continuation {line:?}\n{run}"
                );
            } else {
                assert!(
                    starts_a_command,
                    "{verb}: an example wrapped mid-command: {line:?}\n{run}"
                );
            }
            continued = line.ends_with('\\');
        }
    }
    assert!(examples >= 12, "only {examples} example lines found");
}
