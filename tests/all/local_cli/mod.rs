//! The CLI on the local store, driven as a person or a script would: the built binary, a fresh
//! environment per test, the private Dovecot for real logins and the fake IMAP server for what
//! Dovecot will not do (never greet, no STARTTLS).
//!
//! One file per concern: color, input, login, roots, staleness, store.
//!
//! Every command's stdout and stderr is checked for the passwords the test registered with
//! `FreshEnv::secret` (see `support::env`), so no test repeats that assertion.

mod color;
mod input;
mod login;
mod roots;
mod staleness;
mod store;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::dovecot::{Dovecot, User, ALICE, BOB, GMAIL_USER, QUOTE_USER};
use crate::support::env::{Cli, FreshEnv, Run};
use crate::support::fake_imap::{Answer, Behaviour, FakeImap, Script, Tls};

/// The masked object's keys, exactly: never a password.
const MASKED_KEYS: [&str; 13] = [
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
    "authType",
    "oauthProvider",
    "has_refresh_token",
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

/// A store with one mailbox, whose exact bytes the bad commands below must leave alone.
fn env_with_one_mailbox() -> (FreshEnv, String, Vec<u8>) {
    let mut env = fresh();
    env.env("IMAP_PASSWORD", ALICE.password);
    let run = env.run(
        &Cli::add("Work", "imap.example.com", "alice")
            .port("993")
            .tls()
            .args(["--password-env", "IMAP_PASSWORD", "--json"])
            .strs(),
    );
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
