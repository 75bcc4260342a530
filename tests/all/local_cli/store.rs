//! The local store through the CLI: add, list, test, edit, remove; unknown fields kept;
//! concurrent writers; a private file; choosing the store; selectors.

use super::*;
use std::fs;

#[test]
fn add_list_test_edit_remove_round_trip() {
    let mut env = fresh();
    let dovecot = Dovecot::shared();
    let port = u64::from(dovecot.imaps_port);
    let ca = dovecot.ca_cert_arg();

    // add: prints the masked entry; stores the web app's shape with the password.
    let run = env.run_stdin(
        &Cli::add("Work", "localhost", "alice")
            .port(&dovecot.imaps_port_arg())
            .tls()
            .args(["--password-stdin", "--json"])
            .strs(),
        "correct horse battery staple\n",
    );
    run.ok();
    let mut expected = json!({
        "id": "", "label": "Work", "host": "localhost", "port": port, "tls": true,
        "user": "alice", "has_password": true, "status": "pending",
        "lastTestedAt": null, "lastError": null,
        "authType": "password", "oauthProvider": null, "has_refresh_token": false,
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
fn twenty_concurrent_adds_are_all_kept() {
    let mut env = fresh();
    env.env("IMAP_PASSWORD", BOB.password);
    let children: Vec<_> = (0..20)
        .map(|i| {
            env.std_cmd()
                .args(
                    Cli::add(
                        &format!("Box {i:02}"),
                        "imap.example.com",
                        &format!("user{i}@example.com"),
                    )
                    .port("993")
                    .tls()
                    .args(["--password-env", "IMAP_PASSWORD", "--json"])
                    .strs(),
                )
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

/// Numbers in fields this version does not know are written back exactly as they were
/// (issue 15, group 6): a 30-digit integer, a decimal beyond f64, an exponent beyond f64
/// (written `1e+400`: the same number), a negative zero.
#[test]
fn unknown_numbers_are_kept_byte_exact() {
    let env = fresh();
    let numbers = r#""extId": 123456789012345678901234567890, "ratio": 1.000000000000000000001, "huge": 1e400, "neg": -0.0"#;
    let text = format!(
        r#"{{"mailboxes": [{{"id": "0b6d7a3e-5f1c-4e2a-9b8d-1c2d3e4f5a6b", "label": "Web", "host": "imap.example.com", "port": 993, "tls": true, "user": "me", "password": "pw-123456", {numbers}}}], "serial": 98765432109876543210987654321}}"#
    );
    fs::create_dir_all(env.store_dir()).unwrap();
    fs::write(env.store_path(), &text).unwrap();
    env.run(&["edit", "web", "--label", "Web 2"]).ok();
    let written = String::from_utf8(env.store_bytes().unwrap()).unwrap();
    for number in [
        "123456789012345678901234567890",
        "1.000000000000000000001",
        // serde_json writes an exponent with its sign: the same number.
        "1e+400",
        "-0.0",
        "98765432109876543210987654321",
    ] {
        assert!(
            written.contains(number),
            "{number} was rewritten:\n{written}"
        );
    }
    assert!(written.contains(r#""label": "Web 2""#), "{written}");
    // The entry still reads: its port is a number like the others.
    let listed = env.run(&["list", "--json"]).ok().json();
    assert_eq!(listed[0]["port"], 993);
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
