//! Logging in for real (the private Dovecot) and against servers that misbehave (the fake):
//! the result recorded like the web app, the failure kinds, the password never sent in clear.

use super::*;

#[test]
fn wrong_password_fails_with_a_clear_message_and_is_recorded() {
    let mut env = fresh();
    let dovecot = Dovecot::shared();
    let wrong = env.secret("definitely not bob's");
    let id = add_tls(&env, "Bob", BOB, &wrong);

    let run = env.run(&["test", "bob", "--ca-cert", &dovecot.ca_cert_arg(), "--json"]);
    run.code(1).within(Duration::from_secs(10));
    let result = &run.json()[0];
    assert_result(result, Some(&id), "Bob", false, "auth");
    assert_eq!(result["message"], "login rejected: Authentication failed.");

    let stored = env.stored_entry(&id);
    assert_eq!(stored["status"], "error");
    assert_eq!(
        stored["lastError"],
        "login rejected: Authentication failed."
    );
    assert_recent(&stored["lastTestedAt"]);
    let listed = env.run(&["list", "--json"]).json();
    assert_eq!(listed[0]["status"], "error");
    assert_eq!(
        listed[0]["lastError"],
        "login rejected: Authentication failed."
    );

    // For people: one line naming the mailbox and the reason.
    let run = env.run(&["test", "bob", "--ca-cert", &dovecot.ca_cert_arg()]);
    run.code(1)
        .stdout_has("FAILED Bob (localhost:")
        .stdout_has("auth: login rejected: Authentication failed.");

    // Diagnostics at -vvv go to stderr and still never show the password.
    let run = env.run(&["-vvv", "test", "bob", "--ca-cert", &dovecot.ca_cert_arg()]);
    run.code(1);
    assert!(!run.stderr.is_empty(), "-vvv printed no diagnostics\n{run}");

    // --no-save leaves the record alone.
    let before = env.store_bytes();
    env.run(&[
        "test",
        "bob",
        "--ca-cert",
        &dovecot.ca_cert_arg(),
        "--no-save",
    ])
    .code(1);
    assert_eq!(env.store_bytes(), before, "--no-save changed the store");
}

#[test]
fn add_with_test_saves_only_what_logs_in() {
    let mut env = fresh();
    let dovecot = Dovecot::shared();
    let ca = dovecot.ca_cert_arg();
    let port = dovecot.imaps_port_arg();
    let wrong = env.secret("wrong-password-for-add");
    let add = |password: &str, label: &str| {
        env.run_stdin(
            &Cli::add(label, "localhost", "gmail-user@example.com")
                .port(&port)
                .tls()
                .args(["--password-stdin", "--test", "--ca-cert", &ca, "--json"])
                .strs(),
            &format!("{password}\n"),
        )
    };
    let run = add(&wrong, "Bad");
    run.code(1).no_stdout();
    assert!(output(&run).contains("Authentication failed"), "{run}");
    assert_eq!(env.store_bytes(), None, "a failed --test saved something");

    let run = add(GMAIL_USER.password, "Good");
    run.ok();
    let masked = run.json();
    assert_eq!(masked["status"], "ok");
    assert_recent(&masked["lastTestedAt"]);
    let stored = env.stored();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["password"], GMAIL_USER.password);
    assert_eq!(stored[0]["status"], "ok");
}

#[test]
fn untrusted_certificate_is_refused_before_the_password_is_sent() {
    let mut env = fresh();
    env.env("IMAP_PASSWORD", ALICE.password);

    // Dovecot's CA is not trusted without --ca-cert.
    let id = add_tls(&env, "Self-hosted", ALICE, ALICE.password);
    let run = env.run(&["test", "self-hosted", "--json"]);
    run.code(1);
    let result = &run.json()[0];
    assert_result(result, Some(&id), "Self-hosted", false, "tls");
    let message = result["message"].as_str().unwrap();
    assert!(message.contains("not trusted"), "{run}");
    assert!(
        message.contains("localhost"),
        "message should name the host: {run}"
    );
    assert_eq!(env.stored_entry(&id)["status"], "error");

    // The fake shows the password never left: the handshake failed first.
    let fake = FakeImap::start_with(
        Behaviour::Imap(Script::greeting(
            "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake",
        )),
        Tls::Implicit,
    );
    let run = env.run(
        &Cli::test_host("localhost", "alice")
            .port(&fake.port_arg())
            .tls()
            .args(["--password-env", "IMAP_PASSWORD"])
            .strs(),
    );
    run.code(1);
    assert!(output(&run).contains("not trusted"), "{run}\n{fake}");
    assert_eq!(
        fake.received(),
        b"",
        "application data crossed an untrusted TLS\n{fake}"
    );
    assert!(!fake.saw_password(ALICE.name, ALICE.password), "{fake}");

    // --ca-cert makes the same fake trusted: now LOGIN is sent (and refused by the fake).
    let ca = fake.ca_cert().display().to_string();
    let run = env.run(
        &Cli::test_host("localhost", "alice")
            .port(&fake.port_arg())
            .tls()
            .args([
                "--password-env",
                "IMAP_PASSWORD",
                "--ca-cert",
                &ca,
                "--json",
            ])
            .strs(),
    );
    run.code(1);
    assert_result(&run.json()[0], None, "alice@localhost", false, "auth");
}

#[test]
fn a_server_that_never_greets_times_out() {
    let mut env = fresh();
    env.env("IMAP_PASSWORD", ALICE.password);
    let fake = FakeImap::start(Behaviour::NeverGreet);

    // A stored STARTTLS mailbox: the wait for the greeting is bounded by --timeout.
    let id = add_starttls(&env, "Silent", fake.port(), ALICE);
    let run = env.run(&["test", "silent", "--timeout", "2", "--json"]);
    run.code(1).within(Duration::from_millis(3500));
    assert!(
        run.elapsed >= Duration::from_millis(1900),
        "gave up early\n{run}"
    );
    let result = &run.json()[0];
    assert_result(result, Some(&id), "Silent", false, "timeout");
    assert_eq!(
        result["message"],
        "timed out waiting for the server greeting after 2 s"
    );
    assert_eq!(
        env.stored_entry(&id)["lastError"],
        "timed out waiting for the server greeting after 2 s"
    );

    // Implicit TLS: the handshake never completes; same bound.
    let run = env.run(
        &Cli::test_host("127.0.0.1", "alice")
            .port(&fake.port_arg())
            .tls()
            .args(["--password-env", "IMAP_PASSWORD", "--timeout", "2"])
            .strs(),
    );
    run.code(1).within(Duration::from_millis(3500));
    assert!(output(&run).contains("timed out"), "{run}");
    assert!(output(&run).contains("after 2 s"), "{run}");
    assert!(!fake.saw_password(ALICE.name, ALICE.password), "{fake}");
}

#[test]
fn starttls_mailbox_on_a_server_without_starttls_never_sends_the_password() {
    let env = fresh();
    let fake = FakeImap::start(Behaviour::Imap(Script::without_starttls()));
    let id = add_starttls(&env, "Plain", fake.port(), ALICE);

    let run = env.run(&["test", "plain", "--json"]);
    run.code(1);
    let result = &run.json()[0];
    assert_result(result, Some(&id), "Plain", false, "tls");
    assert!(
        result["message"].as_str().unwrap().contains("STARTTLS"),
        "the message should say STARTTLS is missing\n{run}"
    );
    assert!(
        fake.connections() >= 1,
        "the fake was never reached\n{fake}"
    );
    let received = fake.received_text().to_ascii_uppercase();
    assert!(
        !received.contains("LOGIN"),
        "LOGIN was sent in clear\n{fake}"
    );
    assert!(
        !received.contains("AUTHENTICATE"),
        "AUTHENTICATE was sent in clear\n{fake}"
    );
    assert!(!fake.saw_password(ALICE.name, ALICE.password), "{fake}");
    assert_eq!(env.stored_entry(&id)["status"], "error");
}

#[test]
fn starttls_upgrade_to_a_trusted_fake_then_login() {
    let env = fresh();
    let fake = FakeImap::start(Behaviour::Imap(Script::with_starttls_accepting_any_login()));
    let id = add_starttls(&env, "Upgrade", fake.port(), ALICE);
    let ca = fake.ca_cert().display().to_string();
    let run = env.run(&["test", "upgrade", "--ca-cert", &ca, "--json"]);
    run.ok();
    assert_result(&run.json()[0], Some(&id), "Upgrade", true, "ok");
    // The password went only over TLS: the plaintext part ends at STARTTLS.
    let transcript = fake.transcript();
    let (plain, _) = transcript
        .split_once("(TLS started)")
        .unwrap_or_else(|| panic!("no STARTTLS happened\n{fake}"));
    let verbs_in_clear: Vec<String> = plain
        .lines()
        .filter_map(|line| line.strip_prefix("C: "))
        .map(|command| {
            command
                .split(' ')
                .nth(1)
                .unwrap_or_default()
                .to_ascii_uppercase()
        })
        .collect();
    assert!(
        verbs_in_clear
            .iter()
            .all(|v| v == "CAPABILITY" || v == "STARTTLS")
            && verbs_in_clear.last().map(String::as_str) == Some("STARTTLS"),
        "sent before TLS: {verbs_in_clear:?}\n{fake}"
    );
}

#[test]
fn ad_hoc_probe_needs_no_store() {
    let mut env = fresh();
    let dovecot = Dovecot::shared();
    let ca = dovecot.ca_cert_arg();
    env.env("GMAIL_APP_PASSWORD", GMAIL_USER.password);

    // Implicit TLS, password with spaces from an env var.
    let run = env.run(
        &Cli::test_host("localhost", GMAIL_USER.name)
            .port(&dovecot.imaps_port_arg())
            .tls()
            .args([
                "--password-env",
                "GMAIL_APP_PASSWORD",
                "--ca-cert",
                &ca,
                "--json",
            ])
            .strs(),
    );
    run.ok();
    let results = run.json();
    assert_eq!(results.as_array().map(Vec::len), Some(1), "{run}");
    assert_result(
        &results[0],
        None,
        "gmail-user@example.com@localhost",
        true,
        "ok",
    );

    // STARTTLS, a password with a quote and a backslash from stdin.
    let run = env.run_stdin(
        &Cli::test_host("127.0.0.1", QUOTE_USER.name)
            .port(&dovecot.imap_port_arg())
            .starttls()
            .args(["--password-stdin", "--ca-cert", &ca])
            .strs(),
        &format!("{}\n", QUOTE_USER.password),
    );
    run.ok().stdout_has("ok quote-user@127.0.0.1 (127.0.0.1:");

    // A wrong password: exit 1.
    let run = env.run_stdin(
        &Cli::test_host("localhost", "alice")
            .port(&dovecot.imaps_port_arg())
            .args(["--password-stdin", "--ca-cert", &ca])
            .strs(),
        &format!("{}\n", BOB.password),
    );
    run.code(1)
        .stdout_has("auth: login rejected: Authentication failed.");

    // None of this touched a store.
    assert_eq!(env.store_bytes(), None);
    assert!(
        !env.store_dir().exists(),
        "the ad-hoc probe created the store dir"
    );

    // An unset variable is a usage error that names it.
    let run = env.run(
        &Cli::test_host("localhost", "alice")
            .args(["--password-env", "NOT_SET_ANYWHERE"])
            .strs(),
    );
    run.code(2);
    assert!(run.one_line_error().contains("NOT_SET_ANYWHERE"), "{run}");
}

#[test]
fn test_all_reports_each_mailbox_and_fails_if_any_failed() {
    let mut env = fresh();
    let dovecot = Dovecot::shared();
    let ca = dovecot.ca_cert_arg();
    let wrong = env.secret("not bob's password at all");
    let good = add_tls(&env, "Good", ALICE, ALICE.password);
    let bad = add_tls(&env, "Bad", BOB, &wrong);
    let run = env.run(&["test", "--all", "--jobs", "2", "--ca-cert", &ca, "--json"]);
    run.code(1);
    let results = run.json();
    let results = results
        .as_array()
        .unwrap_or_else(|| panic!("not an array\n{run}"));
    assert_eq!(results.len(), 2, "{run}");
    let by_id = |id: &str| {
        results
            .iter()
            .find(|r| r["id"] == json!(id))
            .unwrap_or_else(|| panic!("no result for {id}\n{run}"))
    };
    assert_result(by_id(&good), Some(&good), "Good", true, "ok");
    assert_result(by_id(&bad), Some(&bad), "Bad", false, "auth");
    assert_eq!(env.stored_entry(&good)["status"], "ok");
    assert_eq!(env.stored_entry(&bad)["status"], "error");
    // Only the good one: exit 0.
    env.run(&["test", "good", "--ca-cert", &ca]).ok();
}

/// The `dns` and `connect` kinds from the built binary, each with its hint, exit 1.
#[test]
fn unresolvable_hosts_and_closed_ports_have_their_own_kinds() {
    let mut env = fresh();
    env.env("PW", ALICE.password);
    let run = env.run(
        &Cli::test_host(
            // Refused by the C library without asking any DNS server (tests stay on loopback).
            "no-such-host!.example",
            "u",
        )
        .tls()
        .args(["--password-env", "PW", "--timeout", "5", "--json"])
        .strs(),
    );
    run.code(1);
    let result = &run.json()[0];
    assert_eq!(result["kind"], json!("dns"), "{run}");
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot resolve host 'no-such-host!.example'"),
        "{run}"
    );
    assert!(
        result["hint"].as_str().unwrap().contains("host name"),
        "{run}"
    );

    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let run = env.run(
        &Cli::test_host("127.0.0.1", "u")
            .port(&port)
            .tls()
            .args(["--password-env", "PW", "--json"])
            .strs(),
    );
    run.code(1);
    let result = &run.json()[0];
    assert_eq!(result["kind"], json!("connect"), "{run}");
    assert_eq!(
        result["message"],
        json!(format!(
            "could not connect to 127.0.0.1:{port}: connection refused"
        )),
        "{run}"
    );
}
