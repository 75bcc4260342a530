//! Hostile IMAP servers (issue 4): every misbehaviour the fake in `support/fake_imap.rs` can
//! play, each against the built binary with `--timeout 2`.
//!
//! Each case asserts: exit 1 within `--timeout` + 1 s; a message that names the cause and its
//! failure kind; the stored entry unchanged except the recorded result (`status`,
//! `lastTestedAt`, `lastError`), unknown fields kept; the password never on stdout or stderr
//! at `-vvv`; and, wherever the client must not log in, the password never among the bytes the
//! server received (after TLS, the decrypted bytes). `test --all` runs every case at once
//! next to a good server and keeps testing the others.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::env::{FreshEnv, Run};
use crate::support::fake_imap::{Answer, Behaviour, FakeImap, Script, Tls};
use crate::support::reliability::figure;

const TIMEOUT_SECS: u64 = 2;
const USER: &str = "victim@example.com";

/// One hostile server and what the client must make of it.
struct Case {
    name: &'static str,
    behaviour: Behaviour,
    tls: Tls,
    /// The mailbox's `tls` field: implicit TLS (true) or STARTTLS (false).
    implicit_tls: bool,
    kind: &'static str,
    /// Words the message must contain (case-insensitive), naming the cause.
    mentions: &'static [&'static str],
    /// Whether the client may have sent the password (only after a good TLS handshake and no
    /// LOGINDISABLED, to a server that then misbehaves).
    may_send_password: bool,
}

fn ok_greeting(extra: &str) -> String {
    format!("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN{extra}] fake hostile server ready")
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "never-greets",
            behaviour: Behaviour::NeverGreet,
            tls: Tls::None,
            implicit_tls: false,
            kind: "timeout",
            mentions: &["timed out", "greeting"],
            may_send_password: false,
        },
        Case {
            name: "greets-after-30s",
            behaviour: Behaviour::GreetAfter {
                delay: Duration::from_secs(30),
                script: Script::without_starttls(),
            },
            tls: Tls::None,
            implicit_tls: false,
            kind: "timeout",
            mentions: &["timed out", "greeting"],
            may_send_password: false,
        },
        Case {
            name: "slowloris-trickle",
            behaviour: Behaviour::Trickle {
                bytes: b"* OK [CAPABILITY IMAP4rev1 STARTTLS] a very slow greeting\r\n".to_vec(),
                every: Duration::from_millis(500),
            },
            tls: Tls::None,
            implicit_tls: false,
            kind: "timeout",
            mentions: &["timed out", "greeting"],
            may_send_password: false,
        },
        Case {
            name: "bye-greeting",
            behaviour: Behaviour::Raw(b"* BYE Too many connections from your IP\r\n".to_vec()),
            tls: Tls::None,
            implicit_tls: false,
            // A connection limit, not a protocol error (issue 15): tried once more, then shown.
            kind: "limit",
            mentions: &["Too many connections"],
            may_send_password: false,
        },
        Case {
            name: "garbage-greeting",
            behaviour: Behaviour::Raw(b"SSH-2.0-OpenSSH_9.6\x1b[2J\r\n".to_vec()),
            tls: Tls::None,
            implicit_tls: false,
            kind: "protocol",
            mentions: &["greeting", "SSH-2.0"],
            may_send_password: false,
        },
        Case {
            name: "one-gigabyte-literal",
            behaviour: Behaviour::Raw(b"* OK {1073741824}\r\n".to_vec()),
            tls: Tls::None,
            implicit_tls: false,
            kind: "protocol",
            mentions: &["1073741824", "literal"],
            may_send_password: false,
        },
        Case {
            name: "one-gigabyte-literal-after-login",
            behaviour: Behaviour::Imap(
                Script::greeting(&ok_greeting(""))
                    .answer("LOGIN", Answer::lines(["* CAPABILITY {1073741824}"])),
            ),
            tls: Tls::Trusted,
            implicit_tls: true,
            kind: "protocol",
            mentions: &["1073741824", "literal"],
            may_send_password: true,
        },
        Case {
            name: "disconnects-mid-response",
            behaviour: Behaviour::Imap(Script::greeting(&ok_greeting("")).answer(
                "LOGIN",
                Answer::CutOff("* CAPABILITY IMAP4rev1 AUTH=PL".into()),
            )),
            tls: Tls::Trusted,
            implicit_tls: true,
            kind: "protocol",
            mentions: &["closed"],
            may_send_password: true,
        },
        Case {
            name: "logindisabled",
            behaviour: Behaviour::Imap(
                Script::greeting(&ok_greeting(" LOGINDISABLED"))
                    .answer("LOGIN", Answer::lines(["{tag} OK logged in anyway"])),
            ),
            tls: Tls::Trusted,
            implicit_tls: true,
            kind: "auth",
            mentions: &["LOGINDISABLED"],
            may_send_password: false,
        },
        Case {
            name: "no-starttls-offered",
            behaviour: Behaviour::Imap(Script::without_starttls()),
            tls: Tls::None,
            implicit_tls: false,
            kind: "tls",
            mentions: &["STARTTLS", "in clear"],
            may_send_password: false,
        },
        Case {
            name: "certificate-for-another-host",
            behaviour: Behaviour::Imap(Script::greeting(&ok_greeting(""))),
            tls: Tls::OtherName,
            implicit_tls: true,
            kind: "tls",
            mentions: &["another host name", "127.0.0.1"],
            may_send_password: false,
        },
        Case {
            name: "expired-certificate",
            behaviour: Behaviour::Imap(Script::greeting(&ok_greeting(""))),
            tls: Tls::Expired,
            implicit_tls: true,
            kind: "tls",
            mentions: &["expired"],
            may_send_password: false,
        },
        Case {
            name: "tls-1.0-only",
            behaviour: Behaviour::Imap(Script::greeting(&ok_greeting(""))),
            tls: Tls::Tls10,
            implicit_tls: true,
            kind: "tls",
            mentions: &["TLS 1.2"],
            may_send_password: false,
        },
    ]
}

fn case(name: &str) -> Case {
    cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

/// A stored entry for a server on `port`, with a field only the web app knows.
fn entry(id: &str, label: &str, port: u16, tls: bool, password: &str) -> Value {
    json!({
        "id": id, "label": label, "host": "127.0.0.1", "port": port, "tls": tls,
        "user": USER, "password": password, "status": "pending",
        "webOnly": {"createdBy": "web", "n": [1, 2, 3]}
    })
}

/// What `mailboxes test` may change in an entry: the recorded result.
fn without_result(entry: &Value) -> Value {
    let mut entry = entry.clone();
    for key in ["status", "lastTestedAt", "lastError"] {
        entry.as_object_mut().unwrap().remove(key);
    }
    entry
}

fn assert_failure(run: &Run, outcome: &Value, case: &Case, fake: &FakeImap) {
    let context = format!("case {}\n{run}\n{fake}", case.name);
    assert_eq!(outcome["ok"], json!(false), "{context}");
    assert_eq!(outcome["kind"], json!(case.kind), "{context}");
    let message = outcome["message"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    for word in case.mentions {
        assert!(
            message.contains(&word.to_lowercase()),
            "the message does not name the cause ({word:?})\n{context}"
        );
    }
}

/// Runs one case against its own fake and checks everything the module doc promises.
fn hostile(name: &str) {
    let case = case(name);
    let fake = FakeImap::start_with(case.behaviour.clone(), case.tls);
    let mut env = FreshEnv::new();
    let password = env.secret("hostile-Pa55 word \"quoted\"");
    let id = "0c0ffee0-0000-4000-8000-000000000001";
    let label = format!("hostile {}", case.name);
    let before = entry(id, &label, fake.port(), case.implicit_tls, &password);
    env.write_store(&json!({"mailboxes": [before.clone()], "webSettings": {"theme": "dark"}}));

    let ca = fake.ca_cert();
    let run = env.run(&[
        "-vvv",
        "test",
        &label,
        "--timeout",
        &TIMEOUT_SECS.to_string(),
        "--ca-cert",
        ca.to_str().unwrap(),
        "--json",
    ]);
    run.code(1).within(Duration::from_secs(TIMEOUT_SECS + 1));
    let outcomes = run.json();
    assert_eq!(outcomes.as_array().map(Vec::len), Some(1), "{run}");
    assert_failure(&run, &outcomes[0], &case, &fake);

    // The stored entry: only the result changed, and it says what the output said.
    let after = env.stored_entry(id);
    assert_eq!(without_result(&after), without_result(&before), "{run}");
    assert_eq!(after["status"], json!("error"), "{run}");
    assert_eq!(after["lastError"], outcomes[0]["message"], "{run}");
    let document: Value = serde_json::from_slice(&env.store_bytes().unwrap()).unwrap();
    assert_eq!(document["webSettings"], json!({"theme": "dark"}));

    if !case.may_send_password {
        assert!(
            !fake.saw_password(USER, &password),
            "the password reached the server\n{run}\n{fake}"
        );
    }
    // Whatever the server echoed, the recorded error never holds the password.
    assert!(!after["lastError"].to_string().contains("Pa55 word"));
    figure(&format!(
        "imap {}: exit 1 in {} ms, kind {}: {}",
        case.name,
        run.elapsed.as_millis(),
        case.kind,
        outcomes[0]["message"].as_str().unwrap_or_default()
    ));
}

#[test]
fn hostile_server_that_never_greets() {
    hostile("never-greets");
}

#[test]
fn hostile_server_that_greets_after_30_seconds() {
    hostile("greets-after-30s");
}

#[test]
fn hostile_server_that_trickles_its_greeting() {
    hostile("slowloris-trickle");
}

#[test]
fn hostile_server_that_greets_with_bye() {
    hostile("bye-greeting");
}

#[test]
fn hostile_server_that_sends_garbage() {
    hostile("garbage-greeting");
}

#[test]
fn hostile_server_that_announces_a_1_gb_literal() {
    hostile("one-gigabyte-literal");
}

#[test]
fn hostile_server_that_announces_a_1_gb_literal_after_login() {
    hostile("one-gigabyte-literal-after-login");
}

#[test]
fn hostile_server_that_disconnects_mid_response() {
    hostile("disconnects-mid-response");
}

#[test]
fn hostile_server_that_advertises_logindisabled() {
    hostile("logindisabled");
}

#[test]
fn hostile_server_without_starttls_never_gets_the_password() {
    hostile("no-starttls-offered");
}

#[test]
fn hostile_server_with_a_certificate_for_another_host() {
    hostile("certificate-for-another-host");
}

#[test]
fn hostile_server_with_an_expired_certificate() {
    hostile("expired-certificate");
}

#[test]
fn hostile_server_that_speaks_only_tls_1_0() {
    hostile("tls-1.0-only");
}

/// Every hostile server in one store, next to a good one: `test --all` tests them all at once,
/// records each result, and still ends within the timeout + 1 s with exit 1.
#[test]
fn test_all_keeps_testing_the_others_and_ends_in_time() {
    let cases = cases();
    let fakes: Vec<FakeImap> = cases
        .iter()
        .map(|c| FakeImap::start_with(c.behaviour.clone(), c.tls))
        .collect();
    let good = FakeImap::start_with(
        Behaviour::Imap(
            Script::greeting(&ok_greeting("")).answer("LOGIN", Answer::lines(["{tag} OK welcome"])),
        ),
        Tls::Trusted,
    );
    let mut env = FreshEnv::new();
    let password = env.secret("all-hostile-Pa55word");
    let mut entries: Vec<Value> = cases
        .iter()
        .zip(&fakes)
        .enumerate()
        .map(|(i, (c, fake))| {
            entry(
                &format!("0c0ffee0-0000-4000-8000-{:012}", i + 1),
                c.name,
                fake.port(),
                c.implicit_tls,
                &password,
            )
        })
        .collect();
    // Each its own account (they are different servers): `test --all` runs at most 4 logins
    // of one account (host and user) at a time.
    for (i, entry) in entries.iter_mut().enumerate() {
        entry["user"] = json!(format!("{i}-{USER}"));
    }
    let good_id = "0c0ffee0-0000-4000-8000-999999999999";
    entries.push(entry(good_id, "good", good.port(), true, &password));
    env.write_store(&json!({ "mailboxes": entries.clone() }));

    let ca = fakes[0].ca_cert();
    let run = env.run(&[
        "test",
        "--all",
        "--timeout",
        &TIMEOUT_SECS.to_string(),
        "--ca-cert",
        ca.to_str().unwrap(),
        "--json",
        "-vvv",
    ]);
    run.code(1).within(Duration::from_secs(TIMEOUT_SECS + 1));
    let outcomes = run.json();
    let outcomes = outcomes.as_array().expect("an array of outcomes");
    assert_eq!(outcomes.len(), cases.len() + 1, "{run}");
    for ((c, fake), outcome) in cases.iter().zip(&fakes).zip(outcomes) {
        assert_eq!(outcome["label"], json!(c.name), "{run}");
        assert_failure(&run, outcome, c, fake);
        if !c.may_send_password {
            assert!(!fake.saw_password(USER, &password), "{}\n{fake}", c.name);
        }
    }
    let last = &outcomes[cases.len()];
    assert_eq!(last["label"], json!("good"), "{run}");
    assert_eq!(
        last["ok"],
        json!(true),
        "the good server was tested too\n{run}"
    );
    // Every result was recorded; nothing else changed.
    let stored = env.stored();
    assert_eq!(stored.len(), entries.len());
    for (before, after) in entries.iter().zip(&stored) {
        assert_eq!(without_result(after), without_result(before));
        let expected = if after["id"] == good_id {
            "ok"
        } else {
            "error"
        };
        assert_eq!(after["status"], json!(expected), "{after:#}");
    }
    assert!(
        run.stderr.contains("1 ok"),
        "the summary counts kinds\n{run}"
    );
    figure(&format!(
        "imap test --all: {} hostile servers + 1 good one tested at once: exit 1 in {} ms, \
         the good one ok; summary: {}",
        cases.len(),
        run.elapsed.as_millis(),
        run.stderr.lines().last().unwrap_or_default()
    ));
}
