//! The CLI on the local store, driven as a person or a script would: the built binary, a fresh
//! environment per test, the private Dovecot for real logins and the fake IMAP server for what
//! Dovecot will not do (never greet, no STARTTLS).
//!
//! Every command's stdout and stderr is checked for the passwords the test registered with
//! `FreshEnv::secret` (see `support::env`), so no test repeats that assertion.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::dovecot::{Dovecot, User, ALICE, BOB, GMAIL_USER, QUOTE_USER};
use crate::support::env::{FreshEnv, Run};
use crate::support::fake_imap::{Behaviour, FakeImap, Script, Tls};

/// The masked object's keys, exactly: never a password.
const MASKED_KEYS: [&str; 10] = [
    "id",
    "label",
    "host",
    "port",
    "tls",
    "user",
    "has_password",
    "status",
    "lastTestedAt",
    "lastError",
];

/// The keys every `test --json` result has (it may add more, e.g. host and port).
const RESULT_KEYS: [&str; 7] = [
    "id",
    "label",
    "ok",
    "kind",
    "message",
    "elapsed_ms",
    "round_trips",
];

/// A fresh environment that knows the test users' passwords as secrets.
fn fresh() -> FreshEnv {
    let mut env = FreshEnv::new();
    for user in [ALICE, BOB, GMAIL_USER, QUOTE_USER] {
        env.secret(user.password);
    }
    env
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not a JSON object: {value:#}"))
        .keys()
        .cloned()
        .collect()
}

/// Asserts `value` is a masked mailbox with exactly the masked keys, and returns its id.
#[track_caller]
fn assert_masked(value: &Value, expected: &Value) -> String {
    let wanted: BTreeSet<String> = MASKED_KEYS.iter().map(|k| k.to_string()).collect();
    assert_eq!(keys(value), wanted, "masked keys of {value:#}");
    let id = value["id"].as_str().expect("id is a string").to_string();
    let parsed = uuid::Uuid::parse_str(&id).unwrap_or_else(|err| panic!("id {id:?}: {err}"));
    assert_eq!(parsed.get_version_num(), 4, "id {id} is not a v4 UUID");
    assert_eq!(
        parsed.hyphenated().to_string(),
        id,
        "id {id} is not lower-case hyphenated"
    );
    let mut expected = expected.clone();
    expected["id"] = json!(id);
    assert_eq!(value, &expected);
    id
}

/// Asserts a `lastTestedAt`: ISO-8601 in UTC, within the last minute.
#[track_caller]
fn assert_recent(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a timestamp: {value}"));
    assert!(text.ends_with('Z'), "{text} is not in UTC (…Z)");
    let at = chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|err| panic!("{text} is not ISO-8601: {err}"));
    let age = chrono::Utc::now().signed_duration_since(at);
    assert!(
        age >= chrono::Duration::seconds(-5) && age <= chrono::Duration::seconds(60),
        "{text} is not recent ({age})"
    );
}

/// A stored entry with null-valued optional fields dropped, so `absent` and `null` compare
/// equal (the web app writes either).
fn without_nulls(entry: &Value) -> Value {
    let mut map = entry.as_object().expect("an entry is an object").clone();
    map.retain(|_, v| !v.is_null());
    Value::Object(map)
}

/// Asserts one `test --json` result and returns it.
#[track_caller]
fn assert_result(result: &Value, id: Option<&str>, label: &str, ok: bool, kind: &str) {
    let have = keys(result);
    for key in RESULT_KEYS {
        assert!(have.contains(key), "result lacks {key}: {result:#}");
    }
    assert_eq!(result["id"], json!(id), "id in {result:#}");
    assert_eq!(result["label"], json!(label), "label in {result:#}");
    assert_eq!(result["ok"], json!(ok), "ok in {result:#}");
    assert_eq!(result["kind"], json!(kind), "kind in {result:#}");
    assert!(result["elapsed_ms"].is_u64(), "elapsed_ms in {result:#}");
    if ok {
        assert_eq!(result["message"], Value::Null, "message in {result:#}");
        let trips = result["round_trips"]
            .as_u64()
            .expect("round_trips on success");
        assert!(trips >= 1, "round_trips {trips} in {result:#}");
    } else {
        let message = result["message"].as_str().expect("a message on failure");
        assert!(
            !message.is_empty() && !message.contains('\n'),
            "message {message:?}"
        );
    }
}

/// `mailboxes add` of `user` on the Dovecot IMAPS port, password on stdin; returns the id.
fn add_tls(env: &FreshEnv, label: &str, user: User, password: &str) -> String {
    let port = Dovecot::shared().imaps_port;
    env.add_mailbox(label, "localhost", port, true, user.name, password)
}

/// `mailboxes add` of a STARTTLS mailbox on `port` at 127.0.0.1; returns the id.
fn add_starttls(env: &FreshEnv, label: &str, port: u16, user: User) -> String {
    env.add_mailbox(label, "127.0.0.1", port, false, user.name, user.password)
}

/// Both streams, for messages that may go to either (human results go to stdout).
fn output(run: &Run) -> String {
    format!("{}{}", run.stdout, run.stderr)
}

#[test]
fn add_list_test_edit_remove_round_trip() {
    let mut env = fresh();
    let dovecot = Dovecot::shared();
    let port = u64::from(dovecot.imaps_port);
    let ca = dovecot.ca_cert_arg();

    // add: prints the masked entry; stores the web app's shape with the password.
    let run = env.run_stdin(
        &[
            "add",
            "--label",
            "Work",
            "--host",
            "localhost",
            "--port",
            &dovecot.imaps_port_arg(),
            "--tls",
            "--user",
            "alice",
            "--password-stdin",
            "--json",
        ],
        "correct horse battery staple\n",
    );
    run.ok();
    let mut expected = json!({
        "id": "", "label": "Work", "host": "localhost", "port": port, "tls": true,
        "user": "alice", "has_password": true, "status": "pending",
        "lastTestedAt": null, "lastError": null,
    });
    let id = assert_masked(&run.json(), &expected);
    expected["id"] = json!(id);
    assert_eq!(
        env.stored().iter().map(without_nulls).collect::<Vec<_>>(),
        [json!({
            "id": id, "label": "Work", "host": "localhost", "port": port, "tls": true,
            "user": "alice", "password": "correct horse battery staple", "status": "pending",
        })]
    );

    // list --json: the same masked object, and the global flag works before the verb too.
    let run = env.run(&["list", "--json"]);
    run.ok();
    assert_eq!(run.json(), json!([expected]));
    let before = env.run(&["--json", "list"]);
    before.ok();
    assert_eq!(before.json(), json!([expected]));

    // list for people: the label, the server and the short id.
    let run = env.run(&["list"]);
    run.ok()
        .stdout_has("Work")
        .stdout_has(&format!("localhost:{port}"))
        .stdout_has(&id[..8]);

    // test by label (any case): logs in, records ok.
    let run = env.run(&["test", "work", "--ca-cert", &ca, "--json"]);
    run.ok();
    let results = run.json();
    assert_eq!(results.as_array().map(Vec::len), Some(1), "{run}");
    assert_result(&results[0], Some(&id), "Work", true, "ok");
    // Connect, log in, log out over TLS: the peers to beat take 6 (python imaplib), 7 (curl)
    // and 10 (imapflow) round trips.
    let trips = results[0]["round_trips"].as_u64().unwrap();
    assert!(trips < 6, "{trips} round trips\n{run}");
    let stored = env.stored_entry(&id);
    assert_eq!(stored["status"], "ok");
    assert_recent(&stored["lastTestedAt"]);
    assert!(
        stored["lastError"].is_null(),
        "lastError after a good test: {stored:#}"
    );
    expected["status"] = json!("ok");
    expected["lastTestedAt"] = stored["lastTestedAt"].clone();
    assert_eq!(env.run(&["list", "--json"]).json(), json!([expected]));

    // test for people.
    let run = env.run(&["test", &id, "--ca-cert", &ca]);
    run.ok().stdout_has("ok Work (localhost:");

    // edit by id prefix: a new label and the STARTTLS port; the password stays.
    let run = env.run(&[
        "edit",
        &id[..8],
        "--label",
        "Home",
        "--port",
        &dovecot.imap_port_arg(),
        "--starttls",
        "--json",
    ]);
    run.ok();
    let edited = run.json();
    assert_eq!(edited["id"], json!(id));
    assert_eq!(edited["label"], "Home");
    assert_eq!(edited["port"], json!(dovecot.imap_port));
    assert_eq!(edited["tls"], false);
    assert_eq!(edited["user"], "alice");
    assert_eq!(edited["has_password"], true);
    assert_eq!(keys(&edited).len(), MASKED_KEYS.len(), "{edited:#}");
    let stored = env.stored_entry(&id);
    assert_eq!(stored["password"], ALICE.password);
    assert_eq!(stored["label"], "Home");
    assert_eq!(stored["tls"], false);

    // test over STARTTLS.
    let run = env.run(&["test", "HOME", "--ca-cert", &ca, "--json"]);
    run.ok();
    assert_result(&run.json()[0], Some(&id), "Home", true, "ok");

    // edit the password from an env var: now wrong, so the test fails and says so.
    let wrong = env.secret("not alice's password");
    env.env("NEW_PASSWORD", &wrong);
    env.run(&["edit", "home", "--password-env", "NEW_PASSWORD"])
        .ok();
    assert_eq!(env.stored_entry(&id)["password"], json!(wrong));
    let run = env.run(&["test", "home", "--ca-cert", &ca, "--json"]);
    run.code(1);
    assert_result(&run.json()[0], Some(&id), "Home", false, "auth");

    // and back from stdin.
    env.run_stdin(
        &["edit", "home", "--password-stdin"],
        "correct horse battery staple\n",
    )
    .ok();
    env.run(&["test", "home", "--ca-cert", &ca]).ok();

    // remove with --yes: gone from list and file.
    let run = env.run(&["remove", "home", "--yes", "--json"]);
    run.ok();
    let removed = run.json();
    assert_eq!(removed.as_array().map(Vec::len), Some(1), "{run}");
    assert_eq!(removed[0]["id"], json!(id));
    assert_eq!(env.run(&["list", "--json"]).json(), json!([]));
    assert_eq!(env.stored(), Vec::<Value>::new());
    env.run(&["list"])
        .ok()
        .stdout_is("No mailboxes yet. Add one with `mailboxes add`.\n");
}

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
            &[
                "add",
                "--label",
                label,
                "--host",
                "localhost",
                "--port",
                &port,
                "--tls",
                "--user",
                "gmail-user@example.com",
                "--password-stdin",
                "--test",
                "--ca-cert",
                &ca,
                "--json",
            ],
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
    let run = env.run(&[
        "test",
        "--host",
        "localhost",
        "--port",
        &fake.port_arg(),
        "--tls",
        "--user",
        "alice",
        "--password-env",
        "IMAP_PASSWORD",
    ]);
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
    let run = env.run(&[
        "test",
        "--host",
        "localhost",
        "--port",
        &fake.port_arg(),
        "--tls",
        "--user",
        "alice",
        "--password-env",
        "IMAP_PASSWORD",
        "--ca-cert",
        &ca,
        "--json",
    ]);
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
    let run = env.run(&[
        "test",
        "--host",
        "127.0.0.1",
        "--port",
        &fake.port_arg(),
        "--tls",
        "--user",
        "alice",
        "--password-env",
        "IMAP_PASSWORD",
        "--timeout",
        "2",
    ]);
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
    let run = env.run(&[
        "test",
        "--host",
        "localhost",
        "--port",
        &dovecot.imaps_port_arg(),
        "--tls",
        "--user",
        GMAIL_USER.name,
        "--password-env",
        "GMAIL_APP_PASSWORD",
        "--ca-cert",
        &ca,
        "--json",
    ]);
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
        &[
            "test",
            "--host",
            "127.0.0.1",
            "--port",
            &dovecot.imap_port_arg(),
            "--starttls",
            "--user",
            QUOTE_USER.name,
            "--password-stdin",
            "--ca-cert",
            &ca,
        ],
        &format!("{}\n", QUOTE_USER.password),
    );
    run.ok().stdout_has("ok quote-user@127.0.0.1 (127.0.0.1:");

    // A wrong password: exit 1.
    let run = env.run_stdin(
        &[
            "test",
            "--host",
            "localhost",
            "--port",
            &dovecot.imaps_port_arg(),
            "--user",
            "alice",
            "--password-stdin",
            "--ca-cert",
            &ca,
        ],
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
    let run = env.run(&[
        "test",
        "--host",
        "localhost",
        "--user",
        "alice",
        "--password-env",
        "NOT_SET_ANYWHERE",
    ]);
    run.code(2);
    assert!(run.one_line_error().contains("NOT_SET_ANYWHERE"), "{run}");
}

#[test]
fn twenty_concurrent_adds_are_all_kept() {
    let mut env = fresh();
    env.env("IMAP_PASSWORD", BOB.password);
    let children: Vec<_> = (0..20)
        .map(|i| {
            env.std_cmd()
                .args([
                    "add",
                    "--label",
                    &format!("Box {i:02}"),
                    "--host",
                    "imap.example.com",
                    "--port",
                    "993",
                    "--tls",
                    "--user",
                    &format!("user{i}@example.com"),
                    "--password-env",
                    "IMAP_PASSWORD",
                    "--json",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawning mailboxes add")
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let output = child.wait_with_output().expect("waiting for mailboxes add");
        let run = Run {
            command: format!("mailboxes add --label 'Box {i:02}' … (one of 20 at once)"),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            elapsed: Duration::ZERO,
        };
        env.check_no_secret(&run);
        run.ok();
    }
    let stored = env.stored();
    let labels: BTreeSet<String> = stored
        .iter()
        .map(|e| e["label"].as_str().unwrap().to_string())
        .collect();
    let wanted: BTreeSet<String> = (0..20).map(|i| format!("Box {i:02}")).collect();
    assert_eq!(
        labels,
        wanted,
        "lost updates: {} entries stored",
        stored.len()
    );
    assert_eq!(stored.len(), 20);
    let ids: BTreeSet<&str> = stored.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 20, "ids are not unique");
    assert!(stored.iter().all(|e| e["password"] == BOB.password));
    assert_eq!(
        env.run(&["list", "--json"]).json().as_array().map(Vec::len),
        Some(20)
    );
}

/// A store with one mailbox, whose exact bytes the bad commands below must leave alone.
fn env_with_one_mailbox() -> (FreshEnv, String, Vec<u8>) {
    let mut env = fresh();
    env.env("IMAP_PASSWORD", ALICE.password);
    let run = env.run(&[
        "add",
        "--label",
        "Work",
        "--host",
        "imap.example.com",
        "--port",
        "993",
        "--tls",
        "--user",
        "alice",
        "--password-env",
        "IMAP_PASSWORD",
        "--json",
    ]);
    run.ok();
    let id = run.json()["id"].as_str().unwrap().to_string();
    let bytes = env.store_bytes().expect("the store exists after add");
    (env, id, bytes)
}

#[track_caller]
fn assert_refused(env: &FreshEnv, args: &[&str], code: i32, mentions: &str, before: &[u8]) {
    let run = env.run(args);
    run.code(code).no_stdout();
    let message = run.one_line_error();
    assert!(
        message.contains(mentions),
        "the error should mention {mentions:?}: {message:?}\n{run}"
    );
    assert_eq!(
        env.store_bytes().as_deref(),
        Some(before),
        "the store changed after a refused command\n{run}"
    );
}

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
        &[
            "add",
            "--label",
            "New",
            "--host",
            "imap.example.com",
            "--user",
            "bob",
        ],
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
fn an_ambiguous_id_prefix_is_refused_and_names_the_candidates() {
    let env = fresh();
    let entry = |id: &str, label: &str| {
        json!({
            "id": id, "label": label, "host": "imap.example.com", "port": 993, "tls": true,
            "user": "me@example.com", "password": "abcd efgh ijkl mnop", "status": "pending"
        })
    };
    env.write_store(&json!({"mailboxes": [
        entry("8d0e4c2a-1111-4000-8000-000000000001", "Work"),
        entry("8d0e9999-2222-4000-8000-000000000002", "Home"),
    ]}));
    let before = env.store_bytes().unwrap();

    assert_refused(&env, &["remove", "8d0e", "--yes"], 4, "8d0e", &before);
    let run = env.run(&["edit", "8D0E", "--label", "X"]);
    run.code(4);
    let message = run.one_line_error();
    assert!(
        message.contains("8d0e4c2a") && message.contains("8d0e9999"),
        "{run}"
    );
    assert_eq!(env.store_bytes().unwrap(), before);

    // One more character is unique; a label wins over prefixes.
    let run = env.run(&["edit", "8d0e9", "--label", "Home 2", "--json"]);
    run.ok();
    assert_eq!(run.json()["id"], "8d0e9999-2222-4000-8000-000000000002");
    let run = env.run(&["remove", "WORK", "--yes", "--json"]);
    run.ok();
    assert_eq!(run.json()[0]["id"], "8d0e4c2a-1111-4000-8000-000000000001");
    // Unknown fields the web app wrote survive the CLI's writes.
    let stored = env.stored();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["label"], "Home 2");
    assert_eq!(stored[0]["password"], "abcd efgh ijkl mnop");
}

#[test]
fn unknown_fields_in_the_store_are_kept() {
    let env = fresh();
    env.write_store(&json!({"mailboxes": [{
        "id": "0b6d7a3e-5f1c-4e2a-9b8d-1c2d3e4f5a6b", "label": "Web", "host": "imap.example.com",
        "port": 993, "tls": true, "user": "me", "password": "from the web app",
        "createdAt": "2026-01-02T03:04:05.000Z", "folders": ["INBOX", "Sent"]
    }], "version": 1}));
    env.run(&["edit", "web", "--label", "Web 2"]).ok();
    let document: Value = serde_json::from_slice(&env.store_bytes().unwrap()).unwrap();
    assert_eq!(
        document["version"], 1,
        "a top-level field was dropped: {document:#}"
    );
    let entry = &document["mailboxes"][0];
    assert_eq!(entry["label"], "Web 2");
    assert_eq!(entry["createdAt"], "2026-01-02T03:04:05.000Z");
    assert_eq!(entry["folders"], json!(["INBOX", "Sent"]));
    assert_eq!(entry["password"], "from the web app");
}

#[test]
fn remove_without_a_terminal_needs_yes() {
    let (env, id, before) = env_with_one_mailbox();
    let run = env.run(&["remove", "work"]);
    run.code(2).no_stdout();
    assert!(run.one_line_error().contains("--yes"), "{run}");
    assert_eq!(
        env.store_bytes().unwrap(),
        before,
        "remove without --yes changed the store"
    );
    assert_eq!(env.stored()[0]["id"], json!(id));
}

#[test]
fn the_local_store_is_private() {
    let (env, _id, _) = env_with_one_mailbox();
    assert_eq!(FreshEnv::mode(&env.store_dir()), 0o700, "store dir mode");
    assert_eq!(FreshEnv::mode(&env.store_path()), 0o600, "store file mode");
    // Still so after an edit (a rewrite through a temp file) and under a umask-free parent.
    env.run(&["edit", "work", "--label", "Work 2"]).ok();
    assert_eq!(
        FreshEnv::mode(&env.store_path()),
        0o600,
        "store file mode after edit"
    );
    // No temp or lock leftovers that hold the password.
    for entry in std::fs::read_dir(env.store_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path != env.store_path() {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                !text.contains(ALICE.password),
                "{} holds the password",
                path.display()
            );
        }
    }
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
            &[
                "add",
                "--label",
                &label,
                "--host",
                "imap.example.com",
                "--tls",
                "--user",
                "me",
                "--password-stdin",
                "--json",
            ],
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
        &[
            "add",
            "--label",
            "Empty",
            "--host",
            "imap.example.com",
            "--tls",
            "--user",
            "me",
            "--password-stdin",
        ],
        "\n",
    );
    run.code(2);
    assert_eq!(env.stored().len(), 1);
}

#[test]
fn no_color_output_has_no_escape_codes() {
    let (mut env, _id, _) = env_with_one_mailbox();
    let fake = FakeImap::start(Behaviour::CloseAtOnce);
    env.run(&[
        "add",
        "--label",
        "Closed",
        "--host",
        "127.0.0.1",
        "--port",
        &fake.port_arg(),
        "--tls",
        "--user",
        "x",
        "--password-env",
        "IMAP_PASSWORD",
    ])
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

#[test]
fn the_store_can_be_chosen_explicitly() {
    let mut env = fresh();
    env.env("IMAP_PASSWORD", ALICE.password);
    env.run(&[
        "--store",
        "local",
        "add",
        "--label",
        "Explicit",
        "--host",
        "imap.example.com",
        "--tls",
        "--user",
        "alice",
        "--password-env",
        "IMAP_PASSWORD",
    ])
    .ok();
    env.env("MAILBOXES_STORE", "local");
    let run = env.run(&["list", "--json"]);
    run.ok();
    assert_eq!(run.json()[0]["label"], "Explicit");
    let run = env.run(&["list", "--store", "nowhere"]);
    run.code(2);
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

/// The system's roots can come from a certificate directory (`SSL_CERT_DIR`, as OpenSSL reads
/// it). Here the "system" is a directory holding only the test CA under its hash name, and the
/// bundle file (`SSL_CERT_FILE`) is missing: the login must verify through that directory.
#[test]
fn system_roots_come_from_ssl_cert_dir() {
    let dovecot = Dovecot::shared();
    let mut env = fresh();
    let certs = env.root().join("system-certs");
    std::fs::create_dir_all(&certs).unwrap();
    let pem = std::fs::read(&dovecot.ca_cert).unwrap();
    let hash = openssl::x509::X509::from_pem(&pem)
        .unwrap()
        .subject_name_hash();
    std::fs::write(certs.join(format!("{hash:08x}.0")), &pem).unwrap();
    let missing = env.root().join("no-bundle.pem");
    env.env("SSL_CERT_DIR", &certs)
        .env("SSL_CERT_FILE", &missing);
    env.env("PW", ALICE.password);
    let port = dovecot.imaps_port.to_string();
    let args = [
        "test",
        "--host",
        "localhost",
        "--port",
        &port,
        "--user",
        ALICE.name,
        "--password-env",
        "PW",
        "--json",
    ];
    let run = env.run(&args);
    run.ok();
    assert_eq!(run.json()[0]["ok"], json!(true), "{run}");

    // The same directory without the CA: not trusted, so the directory really is what counts.
    std::fs::remove_file(certs.join(format!("{hash:08x}.0"))).unwrap();
    std::fs::write(certs.join("00000000.0"), b"not a certificate").unwrap();
    let run = env.run(&args);
    run.code(1);
    assert_eq!(run.json()[0]["kind"], json!("tls"), "{run}");
}

/// A system with no trusted roots at all (a container without ca-certificates): the probe falls
/// back to Mozilla's roots compiled into the binary, which do not hold the test CA, so the
/// certificate is "not trusted" (not "no roots, install ca-certificates"), and `--ca-cert`
/// still works on top.
#[test]
fn no_system_roots_falls_back_to_the_compiled_in_ones() {
    let dovecot = Dovecot::shared();
    let mut env = fresh();
    let missing = env.root().join("nothing-here");
    env.env("SSL_CERT_DIR", &missing)
        .env("SSL_CERT_FILE", &missing);
    env.env("PW", ALICE.password);
    let port = dovecot.imaps_port.to_string();
    let args = [
        "test",
        "--host",
        "localhost",
        "--port",
        &port,
        "--user",
        ALICE.name,
        "--password-env",
        "PW",
        "--json",
        "-vv",
    ];
    let run = env.run(&args);
    run.code(1);
    let result = &run.json()[0];
    assert_eq!(result["kind"], json!("tls"), "{run}");
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .contains("its issuer is not a trusted CA"),
        "{run}"
    );
    // "probe: 150 trusted roots from Compiled" (-vv): Mozilla's list was what the probe used.
    let compiled: usize = run
        .stderr
        .lines()
        .find_map(|line| {
            line.split("probe: ")
                .nth(1)?
                .strip_suffix(" trusted roots from Compiled")
        })
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no compiled-in roots used: {run}"));
    assert!(compiled > 100, "{run}");

    let ca = dovecot.ca_cert.display().to_string();
    let mut with_ca = args.to_vec();
    with_ca.extend(["--ca-cert", &ca]);
    env.run(&with_ca).ok();
}

/// `list --stale`: only mailboxes never tested, or tested longer ago than the limit (by this tool
/// or by the web app); an unreadable timestamp counts as never tested.
#[test]
fn list_stale_shows_what_has_not_been_tested_recently() {
    let env = fresh();
    let now = chrono::Utc::now();
    let at = |hours: i64| {
        (now - chrono::Duration::hours(hours)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let entry = |id: &str, label: &str, tested: Value| {
        json!({"id": id, "label": label, "host": "h", "port": 993, "tls": true, "user": "u",
               "password": "p", "status": "ok", "lastTestedAt": tested})
    };
    env.write_store(&json!({"mailboxes": [
        entry("a0000000-0000-4000-8000-000000000001", "Fresh", json!(at(1))),
        entry("a0000000-0000-4000-8000-000000000002", "Old", json!(at(50))),
        entry("a0000000-0000-4000-8000-000000000003", "Never", Value::Null),
        entry("a0000000-0000-4000-8000-000000000004", "Garbled", json!("yesterday-ish")),
    ]}));
    let before = env.store_bytes();

    let run = env.run(&["list", "--stale", "1d", "--json"]);
    run.ok();
    let labels: Vec<Value> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["label"].clone())
        .collect();
    assert_eq!(
        labels,
        [json!("Old"), json!("Never"), json!("Garbled")],
        "{run}"
    );

    let run = env.run(&["list", "--stale", "3d", "--json"]);
    run.ok();
    assert_eq!(run.json().as_array().unwrap().len(), 2, "{run}");

    let run = env.run(&["list", "--stale", "soon"]);
    run.code(2);
    assert!(run.stderr.contains("'soon' is not a duration"), "{run}");
    assert_eq!(env.store_bytes(), before, "list never writes");
}

/// The `dns` and `connect` kinds from the built binary, each with its hint, exit 1.
#[test]
fn unresolvable_hosts_and_closed_ports_have_their_own_kinds() {
    let mut env = fresh();
    env.env("PW", ALICE.password);
    let run = env.run(&[
        "test",
        "--host",
        // Refused by the C library without asking any DNS server (tests stay on loopback).
        "no-such-host!.example",
        "--tls",
        "--user",
        "u",
        "--password-env",
        "PW",
        "--timeout",
        "5",
        "--json",
    ]);
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
    let run = env.run(&[
        "test",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--tls",
        "--user",
        "u",
        "--password-env",
        "PW",
        "--json",
    ]);
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

/// `test --fail-if-stale`: a mailbox tested ok but longer ago than the limit fails as `stale`,
/// one tested ok within it passes, and nothing logs in.
#[test]
fn fail_if_stale_flags_an_old_passing_test() {
    let env = fresh();
    let ago = |hours: i64| {
        (chrono::Utc::now() - chrono::Duration::hours(hours))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    // Port 9 on loopback: a login attempt would fail with `connect`, not pass or go stale.
    let entry = |id: &str, label: &str, tested: String| {
        json!({"id": id, "label": label, "host": "127.0.0.1", "port": 9, "tls": true,
               "user": "u", "password": "p", "status": "ok", "lastTestedAt": tested})
    };
    env.write_store(&json!({"mailboxes": [
        entry("b0000000-0000-4000-8000-000000000001", "Recent", ago(2)),
        entry("b0000000-0000-4000-8000-000000000002", "Old", ago(30)),
    ]}));
    let before = env.store_bytes();
    let run = env.run(&["test", "--all", "--fail-if-stale", "1d", "--json"]);
    run.code(1);
    let results = run.json();
    assert_eq!(results[0]["ok"], json!(true), "{run}");
    assert_eq!(results[1]["ok"], json!(false), "{run}");
    assert_eq!(results[1]["kind"], json!("stale"), "{run}");
    assert!(
        results[1]["message"]
            .as_str()
            .unwrap()
            .starts_with("last tested yesterday"),
        "{run}"
    );
    assert_eq!(run.stderr, "1 ok, 1 stale\n", "{run}");
    assert_eq!(env.store_bytes(), before, "nothing is recorded");
}
