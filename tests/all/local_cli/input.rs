//! What the CLI takes from a user or a script: bad values refused in one line with the store
//! unchanged, passwords from stdin, `--gmail` presets.

use super::*;

#[test]
fn bad_input_is_refused_with_one_line_and_the_store_unchanged() {
    let (env, _id, before) = env_with_one_mailbox();
    let add = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut args = vec!["add", "--password-env", "IMAP_PASSWORD", "--tls"];
        let mut given = |flag: &'static str, value: &'static str| {
            if !extra.contains(&flag) {
                args.push(flag);
                args.push(value);
            }
        };
        given("--label", "New");
        given("--host", "imap.example.com");
        given("--port", "993");
        given("--user", "bob");
        args.extend_from_slice(extra);
        args
    };
    assert_refused(&env, &add(&["--port", "0"]), 2, "--port", &before);
    assert_refused(&env, &add(&["--port", "70000"]), 2, "--port", &before);
    assert_refused(&env, &add(&["--host", ""]), 2, "host", &before);
    assert_refused(
        &env,
        &add(&["--host", "imap.example.com/inbox"]),
        2,
        "host",
        &before,
    );
    assert_refused(&env, &add(&["--label", ""]), 2, "label", &before);
    assert_refused(&env, &add(&["--label", "   "]), 2, "label", &before);
    assert_refused(&env, &add(&["--user", ""]), 2, "user", &before);
    // Missing fields without a terminal: no prompt, a usage error naming the flag.
    assert_refused(
        &env,
        &[
            "add",
            "--label",
            "New",
            "--tls",
            "--user",
            "bob",
            "--password-env",
            "IMAP_PASSWORD",
        ],
        2,
        "--host",
        &before,
    );
    assert_refused(
        &env,
        &Cli::add("New", "imap.example.com", "bob").strs(),
        2,
        "password",
        &before,
    );
    // Edits are checked the same way.
    assert_refused(&env, &["edit", "work", "--port", "0"], 2, "--port", &before);
    assert_refused(
        &env,
        &["edit", "work", "--port", "70000"],
        2,
        "--port",
        &before,
    );
    assert_refused(&env, &["edit", "work", "--host", ""], 2, "host", &before);
    assert_refused(&env, &["edit", "work", "--label", ""], 2, "label", &before);
    // No such mailbox: exit 4, for every verb that names one.
    assert_refused(&env, &["edit", "nope", "--label", "X"], 4, "nope", &before);
    assert_refused(&env, &["remove", "nope", "--yes"], 4, "nope", &before);
    assert_refused(&env, &["test", "nope"], 4, "nope", &before);
    // Removing several where one is unknown removes none.
    assert_refused(
        &env,
        &["remove", "work", "nope", "--yes"],
        4,
        "nope",
        &before,
    );
    // A 3-character prefix is not a selector.
    let id_prefix = env.stored()[0]["id"].as_str().unwrap()[..3].to_string();
    let run = env.run(&["remove", &id_prefix, "--yes"]);
    run.code(4);
    assert_eq!(env.store_bytes().as_deref(), Some(&before[..]));
}

#[test]
fn password_stdin_strips_exactly_one_trailing_newline() {
    let env = fresh();
    let cases: [(&str, &str); 4] = [
        ("abcd efgh ijkl mnop\n", "abcd efgh ijkl mnop"),
        ("no newline at all", "no newline at all"),
        ("  spaces kept  \n", "  spaces kept  "),
        ("windows line\r\n", "windows line"),
    ];
    for (i, (stdin, stored)) in cases.iter().enumerate() {
        let label = format!("Case {i}");
        let run = env.run_stdin(
            &Cli::add(&label, "imap.example.com", "me")
                .tls()
                .args(["--password-stdin", "--json"])
                .strs(),
            stdin,
        );
        run.ok();
        let id = run.json()["id"].as_str().unwrap().to_string();
        assert_eq!(
            env.stored_entry(&id)["password"],
            *stored,
            "stdin {stdin:?}"
        );
    }
    // The default port follows the security flag.
    assert!(env.stored().iter().all(|e| e["port"] == 993));

    // The stored Gmail-style password logs in as is.
    let env = fresh();
    let dovecot = Dovecot::shared();
    let id = add_tls(&env, "Gmail-ish", GMAIL_USER, GMAIL_USER.password);
    assert_eq!(env.stored_entry(&id)["password"], GMAIL_USER.password);
    env.run(&["test", "gmail-ish", "--ca-cert", &dovecot.ca_cert_arg()])
        .ok();

    // An empty password is refused, not stored.
    let run = env.run_stdin(
        &Cli::add("Empty", "imap.example.com", "me")
            .tls()
            .args(["--password-stdin"])
            .strs(),
        "\n",
    );
    run.code(2);
    assert_eq!(env.stored().len(), 1);
}

#[test]
fn gmail_fills_in_the_server() {
    let mut env = fresh();
    env.env("APP_PASSWORD", GMAIL_USER.password);
    let run = env.run(&[
        "add",
        "--gmail",
        "--label",
        "Personal",
        "--user",
        "me@gmail.com",
        "--password-env",
        "APP_PASSWORD",
        "--json",
    ]);
    run.ok();
    assert_masked(
        &run.json(),
        &json!({
            "id": "", "label": "Personal", "host": "imap.gmail.com", "port": 993, "tls": true,
            "user": "me@gmail.com", "has_password": true, "status": "pending",
            "lastTestedAt": null, "lastError": null,
            "authType": "password", "oauthProvider": null, "has_refresh_token": false,
        }),
    );
    // --gmail and another server are contradictory.
    let run = env.run(&[
        "add",
        "--gmail",
        "--host",
        "imap.example.com",
        "--label",
        "X",
        "--user",
        "me",
        "--password-env",
        "APP_PASSWORD",
    ]);
    run.code(2);
    assert_eq!(env.stored().len(), 1);
}

/// Values that could never work are not stored (issue 15, group 5): a port inside the host is
/// refused and pointed at `--port`; an IPv6 address in brackets is stored without them; a
/// password with a line break or NUL (which LOGIN can never carry) is refused — at `add`,
/// `edit` and the ad-hoc `test`, each with exit 2 and the store unchanged.
#[test]
fn values_that_can_never_work_are_refused_or_normalized() {
    let (mut env, id, before) = env_with_one_mailbox();
    for host in ["127.0.0.1:993", "imap.example.com:993", "[::1]:993"] {
        let add = Cli::add("New", host, "bob").args(["--password-env", "IMAP_PASSWORD"]);
        assert_refused(&env, &add.strs(), 2, "--port 993", &before);
    }
    let edit = ["edit", id.as_str(), "--host", "imap.example.com:143"];
    assert_refused(&env, &edit, 2, "--port 143", &before);
    let test = Cli::test_host("127.0.0.1:993", "bob").args(["--password-env", "IMAP_PASSWORD"]);
    assert_refused(&env, &test.strs(), 2, "--port 993", &before);

    // A password no server can be sent, from the environment or stdin.
    env.env("BROKEN_PASSWORD", "first\nsecond");
    let add = Cli::add("New", "imap.example.com", "bob");
    let from_env = add.clone().args(["--password-env", "BROKEN_PASSWORD"]);
    assert_refused(&env, &from_env.strs(), 2, "line break or NUL", &before);
    let edit = ["edit", id.as_str(), "--password-env", "BROKEN_PASSWORD"];
    assert_refused(&env, &edit, 2, "line break or NUL", &before);
    for stdin in ["pass\rword\n", "pass\0word\n"] {
        let run = env.run_stdin(&add.clone().args(["--password-stdin"]).strs(), stdin);
        run.code(2).no_stdout();
        assert!(run.one_line_error().contains("line break or NUL"), "{run}");
        assert_eq!(
            env.store_bytes().as_deref(),
            Some(before.as_slice()),
            "{run}"
        );
    }

    // An IPv6 address in brackets is stored without them.
    let run = env.run(
        &Cli::add("Loopback", "[::1]", "bob")
            .port("993")
            .args(["--password-env", "IMAP_PASSWORD", "--json"])
            .strs(),
    );
    assert_eq!(run.ok().json()["host"], "::1", "{run}");
}

/// Entries the web app stored with the values `add` now refuses or normalizes (issue 15,
/// group 5): `[::1]` in brackets is tested as `::1` — over TLS, the certificate checked for the
/// IPv6 address; a host with the port in it fails without a DNS query, in words that say how
/// to fix it, not "cannot resolve host". `::1` (as `add` stores it now) is shown `[::1]:port`.
#[test]
fn stored_hosts_with_brackets_or_a_port_are_tested_sensibly() {
    let script = Script::greeting("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake IMAP on ::1")
        .answer("LOGIN", Answer::lines(["{tag} OK logged in"]));
    let Some(fake) = FakeImap::start_v6(Behaviour::Imap(script), Tls::Trusted) else {
        eprintln!("skipped: this machine has no IPv6 loopback");
        return;
    };
    let env = fresh();
    let entry = |id: &str, label: &str, host: String, port: u16| {
        json!({"id": id, "label": label, "host": host, "port": port, "tls": true,
               "user": "me", "password": "pw-123456"})
    };
    env.write_store(&json!({"mailboxes": [
        entry("0b6d7a3e-5f1c-4e2a-9b8d-1c2d3e4f5a61", "Brackets", "[::1]".into(), fake.port()),
        entry("0b6d7a3e-5f1c-4e2a-9b8d-1c2d3e4f5a62", "Port",
              format!("127.0.0.1:{}", fake.port()), 993),
        entry("0b6d7a3e-5f1c-4e2a-9b8d-1c2d3e4f5a63", "Bare", "::1".into(), fake.port()),
    ]}));
    let ca = fake.ca_cert();
    let ca = ca.to_str().unwrap();
    let run = env.run(&[
        "test",
        "Brackets",
        "Port",
        "--json",
        "--no-save",
        "--ca-cert",
        ca,
    ]);
    run.code(1);
    let results = run.json();
    assert_eq!(results[0]["kind"], "ok", "{run}");
    assert!(fake.saw_password("me", "pw-123456"), "{fake}");
    assert_eq!(results[1]["kind"], "dns", "{run}");
    let message = results[1]["message"].as_str().unwrap();
    assert!(message.contains("has the port in it"), "{run}");
    assert!(!message.contains("cannot resolve"), "{run}");
    let fix = format!(
        "`mailboxes edit 'Port' --host 127.0.0.1 --port {}`",
        fake.port()
    );
    assert!(results[1]["hint"].as_str().unwrap().contains(&fix), "{run}");
    assert_eq!(fake.connections(), 1, "{fake}");

    // People see the address as they would write it, never `::1:port`.
    let place = format!("[::1]:{}", fake.port());
    let run = env.run(&["test", "Bare", "--no-save", "--ca-cert", ca]);
    assert!(
        run.ok().stdout.contains(&format!("ok Bare ({place})")),
        "{run}"
    );
    let run = env.run(&["list"]);
    assert!(run.ok().stdout.contains(&place), "{run}");
}
