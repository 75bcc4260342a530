//! Logins that failed for reasons other than the password (issue 15): a LITERAL- server and a
//! password longer than 4,096 bytes, and servers that limit how many connections one account
//! may hold (the real Dovecot's `mail_max_userip_connections`, Gmail's wording on the fake).
//! Each runs the built binary and asserts the exit code, the kind, the hint, and what the
//! server received or how many connections it saw at once.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::dovecot::{Dovecot, LIMITED_CONNECTIONS};
use crate::support::env::FreshEnv;
use crate::support::fake_imap::{Answer, Behaviour, FakeImap, Script, Tls};
use crate::support::mailgen::MailUser;
use crate::support::reliability::figure;

/// A stored entry (the web app's shape) for `user` on `host:port`, implicit TLS.
fn entry(n: usize, host: &str, port: u16, user: &str, password: &str, status: &str) -> Value {
    json!({
        "id": format!("0c0ffee0-0000-4000-8000-{n:012}"),
        "label": format!("box {n}"),
        "host": host, "port": port, "tls": true,
        "user": user, "password": password, "status": status,
    })
}

/// RFC 7888: under LITERAL- a non-synchronizing literal may hold at most 4,096 bytes. A
/// 6,000-byte (8-bit, so sent as a literal) password must wait for the continuation; a short
/// one still goes at once.
#[test]
fn literal_minus_over_4096_bytes_waits_for_the_continuation() {
    let fake = FakeImap::start_with(
        Behaviour::Imap(
            Script::greeting(
                "* OK [CAPABILITY IMAP4rev1 LITERAL- AUTH=PLAIN] fake LITERAL- server",
            )
            .literal_minus()
            .answer("LOGIN", Answer::lines(["{tag} OK logged in"])),
        ),
        Tls::Trusted,
    );
    let mut env = FreshEnv::new();
    let long = env.secret(&"é".repeat(3000));
    let short = env.secret("pässwörd");
    assert_eq!(long.len(), 6000);
    env.write_store(&json!({"mailboxes": [
        entry(1, "127.0.0.1", fake.port(), "long@example.com", &long, "pending"),
        entry(2, "127.0.0.1", fake.port(), "short@example.com", &short, "pending"),
    ]}));
    let ca = fake.ca_cert().display().to_string();
    let run = env.run(&[
        "test",
        "--all",
        "--json",
        "--ca-cert",
        &ca,
        "--timeout",
        "5",
    ]);
    run.ok();
    let outcomes = run.json();
    assert_eq!(outcomes[0]["ok"], json!(true), "{run}\n{fake}");
    assert_eq!(outcomes[1]["ok"], json!(true), "{run}\n{fake}");
    let received = fake.received_text();
    assert!(
        received.contains("\"long@example.com\" {6000}\r\n"),
        "the long password is a synchronizing literal\n{fake}"
    );
    assert!(!received.contains("{6000+}"), "{fake}");
    assert!(
        received.contains("\"short@example.com\" {10+}\r\n"),
        "a short one is still sent at once\n{fake}"
    );
    // One round trip more for the long one (the continuation), none for the short one.
    let trips = |o: &Value| o["round_trips"].as_u64().unwrap();
    assert_eq!(trips(&outcomes[0]), trips(&outcomes[1]) + 1, "{run}");
    figure(&format!(
        "login LITERAL- 6000-byte password: exit 0 in {} ms, sent as {{6000}} after the \
         continuation ({} round trips; 4096 bytes or fewer go as {{n+}}: {})",
        run.elapsed.as_millis(),
        trips(&outcomes[0]),
        trips(&outcomes[1])
    ));
}

/// Gmail's refusal when an account holds 15 connections: its own kind with a hint, never
/// `auth`, and never "probably revoked" for a mailbox whose last test passed; in every format.
#[test]
fn gmail_too_many_simultaneous_connections_is_a_limit_not_a_wrong_password() {
    let fake = FakeImap::start_with(
        Behaviour::Imap(
            Script::greeting("* OK Gimap ready for requests from 127.0.0.1 fake").answer(
                "LOGIN",
                Answer::lines(["{tag} NO [ALERT] Too many simultaneous connections. (Failure)"]),
            ),
        ),
        Tls::Gmail,
    );
    let env = FreshEnv::new();
    env.write_store(&json!({"mailboxes": [entry(
        1,
        "imap.gmail.com",
        fake.port(),
        "someone@gmail.com",
        "abcd efgh ijkl mnop",
        "ok",
    )]}));
    let ca = fake.ca_cert().display().to_string();
    let resolve = "imap.gmail.com:127.0.0.1";
    let base = [
        "test",
        "box 1",
        "--no-save",
        "--ca-cert",
        &ca,
        "--resolve",
        resolve,
    ];
    let args = |extra: &[&'static str]| {
        let mut all: Vec<&str> = base.to_vec();
        all.extend_from_slice(extra);
        all
    };
    let run = env.run(&args(&["--json"]));
    run.code(1).within(Duration::from_secs(5));
    let outcome = &run.json()[0];
    assert_eq!(outcome["kind"], json!("limit"), "{run}\n{fake}");
    assert_eq!(
        outcome["message"],
        json!("server refused the login for now: Too many simultaneous connections.")
    );
    let hint = outcome["hint"].as_str().unwrap();
    assert!(hint.starts_with("the password was not checked"), "{hint}");
    assert!(
        !hint.contains("revoked") && !hint.contains("App Password"),
        "{hint}"
    );
    // Refused again on the retry after the others: 2 logins, not more.
    assert_eq!(fake.connections(), 2, "{fake}");

    for (format, needle) in [
        ("human", "limit"),
        ("github", "limit"),
        ("junit", "limit"),
        ("tap", "limit"),
    ] {
        let run = env.run(&args(&["--format", format]));
        run.code(1).stdout_has(needle);
        assert!(!run.stdout.contains("revoked"), "{run}");
        assert!(
            !run.stdout.contains("check the user name and the password"),
            "{run}"
        );
    }
}

/// The real Dovecot with `mail_max_userip_connections = 3`: 30 mailboxes of one account
/// tested at once all pass — at most 4 connections per account at a time, and the few that
/// the limit still refuses are tried again after the others — and an account whose every
/// login is refused is reported as `limit`, not `auth`.
#[test]
fn thirty_mailboxes_of_one_account_against_dovecots_connection_limit() {
    let dovecot = Dovecot::limited();
    let user = MailUser::create(dovecot, "limit");
    let mut env = FreshEnv::new();
    let password = env.secret(&user.password);
    let entries: Vec<Value> = (1..=30)
        .map(|n| {
            entry(
                n,
                "localhost",
                dovecot.imaps_port,
                &user.login,
                &password,
                "ok",
            )
        })
        .collect();
    env.write_store(&json!({ "mailboxes": entries }));
    let ca = dovecot.ca_cert_arg();
    let run = env.run(&["test", "--all", "--jobs", "64", "--json", "--ca-cert", &ca]);
    run.ok().stderr_has("30 ok");
    let outcomes = run.json();
    assert!(
        outcomes
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["ok"] == json!(true)),
        "{run}"
    );
    let refused = dovecot.refusals(&user.login);
    figure(&format!(
        "login 30 mailboxes of one account, Dovecot mail_max_userip_connections={}: exit 0 in \
         {} ms, 30 ok ({} refused by the limit on the first try, all retried)",
        LIMITED_CONNECTIONS,
        run.elapsed.as_millis(),
        refused
    ));

    // With the account's connections all taken (another client holds them), the refusal is
    // reported as what it is.
    let holders: Vec<_> = (0..LIMITED_CONNECTIONS)
        .map(|_| hold_connection(dovecot, &user.login, &user.password))
        .collect();
    let run = env.run(&["test", "box 1", "--json", "--ca-cert", &ca]);
    run.code(1);
    let outcome = &run.json()[0];
    assert_eq!(outcome["kind"], json!("limit"), "{run}");
    assert!(
        outcome["message"]
            .as_str()
            .unwrap()
            .contains("Maximum number of connections from user+IP exceeded"),
        "{run}"
    );
    assert!(
        !outcome["hint"].as_str().unwrap().contains("revoked"),
        "{run}"
    );
    drop(holders);
}

/// A logged-in IMAP connection (plain IMAP, no TLS needed on loopback) held until dropped.
fn hold_connection(dovecot: &Dovecot, login: &str, password: &str) -> std::net::TcpStream {
    use std::io::{BufRead, BufReader, Write};
    let stream = std::net::TcpStream::connect(("127.0.0.1", dovecot.imap_port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    (&stream)
        .write_all(format!("h1 LOGIN \"{login}\" \"{password}\"\r\n").as_bytes())
        .unwrap();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line.starts_with("h1 ") {
            assert!(line.starts_with("h1 OK"), "holding a connection: {line}");
            // Dovecot counts the connection once the imap process has it.
            std::thread::sleep(Duration::from_millis(100));
            return stream;
        }
    }
}

/// The fake with Gmail's limit (15 connections per account): `test --all` of 40 mailboxes of
/// one account opens at most 4 of its connections at once (the fake may still count a few
/// closing ones), and all pass.
#[test]
fn test_all_keeps_each_account_under_gmails_connection_limit() {
    let fake = FakeImap::start_with(
        Behaviour::Imap(
            Script::greeting("* OK Gimap ready for requests from 127.0.0.1 fake")
                .connection_limit(
                    15,
                    "{tag} NO [ALERT] Too many simultaneous connections. (Failure)",
                )
                .answer("LOGIN", Answer::lines(["{tag} OK welcome"])),
        ),
        Tls::Gmail,
    );
    let env = FreshEnv::new();
    let entries: Vec<Value> = (1..=40)
        .map(|n| {
            entry(
                n,
                "imap.gmail.com",
                fake.port(),
                "someone@gmail.com",
                "abcd efgh ijkl mnop",
                "ok",
            )
        })
        .collect();
    env.write_store(&json!({ "mailboxes": entries }));
    let ca = fake.ca_cert().display().to_string();
    let run = env.run(&[
        "test",
        "--all",
        "--jobs",
        "64",
        "--json",
        "--ca-cert",
        &ca,
        "--resolve",
        "imap.gmail.com:127.0.0.1",
    ]);
    run.ok().stderr_has("40 ok");
    // 4 at once per account; the server may still count a few that the client has closed
    // (it notices a close only when it next reads), but never near the 40 it would see without
    // the bound.
    assert!(
        fake.most_open() <= 8,
        "{} connections at once (4 allowed, plus closing ones)\n{run}",
        fake.most_open()
    );
    figure(&format!(
        "login 40 mailboxes of one Gmail account (fake, limit 15): exit 0 in {} ms, at most {} \
         connections at once",
        run.elapsed.as_millis(),
        fake.most_open()
    ));
}

/// A server that echoes the password back (issue 15, group 1) in any form it received it or
/// might fold it into — after 185 characters of an `[ALERT]` (where the message is cut at
/// 200), IMAP-quoted with its escapes, whitespace-collapsed — never gets it onto stdout,
/// stderr (even at `-vvv`, which logs every server line) or into the stored `lastError`.
#[test]
fn an_echoed_password_is_masked_in_every_form_everywhere() {
    let padding = "x".repeat(185);
    let cases: [(&str, &str, Vec<String>); 3] = [
        (
            "Zq7-alert-echo-9Kw",
            "after a long alert",
            vec![
                format!("* OK [ALERT] {padding} Zq7-alert-echo-9Kw"),
                "{tag} NO [AUTHENTICATIONFAILED] Invalid credentials".to_string(),
            ],
        ),
        (
            r#"Qp"quo\ted-7Xv"#,
            "as the quoted string it received",
            vec![r#"{tag} NO you sent "Qp\"quo\\ted-7Xv", which is wrong"#.to_string()],
        ),
        (
            "Wm3  spaced\tout-Pz",
            "whitespace-collapsed",
            vec!["{tag} NO [ALERT] password Wm3 spaced out-Pz rejected".to_string()],
        ),
    ];
    for (password, how, lines) in cases {
        let fake = FakeImap::start_with(
            Behaviour::Imap(
                Script::greeting("* OK [CAPABILITY IMAP4rev1] echoing fake")
                    .answer("LOGIN", Answer::Lines(lines)),
            ),
            Tls::Trusted,
        );
        let mut env = FreshEnv::new();
        env.secret(password);
        env.write_store(&json!({"mailboxes": [
            entry(1, "127.0.0.1", fake.port(), "me@example.com", password, "pending"),
        ]}));
        let ca = fake.ca_cert().display().to_string();
        let run = env.run(&["-vvv", "test", "--all", "--json", "--ca-cert", &ca]);
        run.code(1);
        let last_error = env.stored()[0]["lastError"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(last_error.contains("***"), "{how}: {last_error}\n{run}");
        // Every form it could come back in, and the start of it (what a cut left behind).
        let quoted = password.replace('\\', "\\\\").replace('"', "\\\"");
        let collapsed = password.split_whitespace().collect::<Vec<_>>().join(" ");
        let start: String = password.chars().take(5).collect();
        for form in [password, &quoted, &collapsed, &start] {
            assert!(
                !run.stdout.contains(form),
                "{how}: {form:?} on stdout\n{run}"
            );
            assert!(
                !run.stderr.contains(form),
                "{how}: {form:?} on stderr\n{run}"
            );
            assert!(
                !last_error.contains(form),
                "{how}: {form:?} in lastError: {last_error}"
            );
        }
    }
}
