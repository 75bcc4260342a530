//! HTTP faults between the CLI and Supabase (issue 4), injected by a [`FaultFront`] in front
//! of the test gateway: each test's account logs in through its own front, so the faults hit
//! only that test, on the shared stacks.
//!
//! Each case asserts the exact exit code, a clear message, and `settings` in Postgres
//! identical to before unless the command reported success (then: exactly the change).
//! Status faults (5xx, 429, 401) are answered by the front without forwarding, like a load
//! balancer or rate limiter would; byte faults (reset, truncated body, never-ending answer)
//! damage the real answer, so for a write the change has landed when the answer is lost.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::env::{Cli, FreshEnv, Run};
use crate::support::reliability::figure;
use crate::support::supabase::{self, Fault, FaultFront, Migration, Stack};

const IMAP_PASSWORD: &str = "http-fault-imap-Pa55word";

/// A user logged in through their own fault front.
struct Client {
    stack: &'static Stack,
    front: FaultFront,
    id: Uuid,
    env: FreshEnv,
}

impl Client {
    fn new(migration: Migration, name: &str) -> Client {
        let stack = supabase::shared(migration);
        let front = FaultFront::start(&stack.url());
        let email = format!("{name}-{}@example.test", Uuid::new_v4().simple());
        let mut env = FreshEnv::new();
        let password = env.secret(&format!("acct-{}", Uuid::new_v4().simple()));
        env.secret(IMAP_PASSWORD);
        let id = stack.create_user(&email, &password);
        env.login(&front.url(), stack.anon_key(), &email, &password)
            .ok();
        let client = Client {
            stack,
            front,
            id,
            env,
        };
        // Two entries and other settings keys, as the web app leaves them.
        client.stack.set_settings(
            id,
            &json!({
                "openaiKey": "sk-http-fault-other-setting",
                "mailboxes": [
                    {"id": "a0000000-0000-4000-8000-000000000001", "label": "First",
                     "host": "127.0.0.1", "port": 993, "tls": true, "user": "u1",
                     "password": IMAP_PASSWORD, "webOnly": 1},
                    {"id": "a0000000-0000-4000-8000-000000000002", "label": "Second",
                     "host": "127.0.0.1", "port": 993, "tls": true, "user": "u2",
                     "password": IMAP_PASSWORD}
                ]
            }),
        );
        client
    }

    fn settings(&self) -> Value {
        self.stack.settings(self.id).expect("the row")
    }

    /// Damages the first `times` answers to requests matching `method` and `path` (a prefix).
    fn fault(&self, method: &'static str, path: &'static str, fault: Fault, times: usize) {
        let count = Arc::new(AtomicUsize::new(0));
        self.front.rule(Box::new(move |m, target| {
            (m == method
                && target.starts_with(path)
                && count.fetch_add(1, Ordering::SeqCst) < times)
                .then_some(fault)
        }));
    }

    fn run(&self, args: &[&str]) -> Run {
        self.env.run_stdin(args, &format!("{IMAP_PASSWORD}\n"))
    }

    fn requests_to(&self, method: &str, path: &str) -> usize {
        let prefix = format!("{method} {path}");
        self.front
            .requests()
            .iter()
            .filter(|r| r.starts_with(&prefix))
            .count()
    }
}

const LIST: &str = "/rest/v1/user_secrets";
const ADD: &str = "/rest/v1/rpc/mailboxes_add";
const UPDATE: &str = "/rest/v1/rpc/mailboxes_update";
const REMOVE: &str = "/rest/v1/rpc/mailboxes_remove";

fn add_args() -> Cli {
    Cli::add("Added", "127.0.0.1", "added")
        .tls()
        .args(["--password-stdin", "--json"])
}

fn labels(settings: &Value) -> Vec<String> {
    settings["mailboxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["label"].as_str().unwrap().to_string())
        .collect()
}

/// `settings` with the one change a successful command made, and nothing else.
fn assert_only_change(before: &Value, after: &Value, expected_labels: &[&str], context: &str) {
    assert_eq!(labels(after), expected_labels, "{context}");
    assert_eq!(after["openaiKey"], before["openaiKey"], "{context}");
    let before_first = &before["mailboxes"][0];
    if let Some(first) = after["mailboxes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == before_first["id"])
    {
        assert_eq!(first["webOnly"], before_first["webOnly"], "{context}");
        assert_eq!(first["password"], json!(IMAP_PASSWORD), "{context}");
    }
}

// ---------------------------------------------------------------------------------------------
// 5xx once, then OK

#[test]
fn a_5xx_once_on_a_read_is_retried_and_succeeds() {
    for status in [500, 502, 503] {
        let client = Client::new(Migration::Installed, "read5xx");
        let before = client.settings();
        client.fault(
            "GET",
            LIST,
            Fault::Answer {
                status,
                retry_after: None,
            },
            1,
        );
        let run = client.run(&["list", "--json"]);
        run.ok();
        assert_eq!(run.json().as_array().unwrap().len(), 2, "{run}");
        assert_eq!(
            client.requests_to("GET", LIST),
            2,
            "HTTP {status}: one retry"
        );
        assert_eq!(client.settings(), before, "a read changes nothing");
    }
    figure("http 500/502/503 once on a read: retried once, exit 0, settings unchanged");
}

#[test]
fn a_5xx_once_on_an_edit_is_retried_because_the_update_is_idempotent() {
    let client = Client::new(Migration::Installed, "edit5xx");
    let before = client.settings();
    client.fault(
        "POST",
        UPDATE,
        Fault::Answer {
            status: 502,
            retry_after: None,
        },
        1,
    );
    let run = client.run(&["edit", "First", "--label", "Renamed", "--json"]);
    run.ok();
    assert_eq!(client.requests_to("POST", UPDATE), 2);
    assert_only_change(&before, &client.settings(), &["Renamed", "Second"], "edit");
}

#[test]
fn a_5xx_once_on_an_add_or_remove_is_not_retried_and_nothing_changes() {
    for status in [500, 502, 503] {
        let client = Client::new(Migration::Installed, "write5xx");
        let before = client.settings();
        client.fault(
            "POST",
            ADD,
            Fault::Answer {
                status,
                retry_after: None,
            },
            1,
        );
        let run = client.run(&add_args().strs());
        run.code(5);
        let message = run.one_line_error();
        assert!(message.contains(&format!("HTTP {status}")), "{run}");
        assert_eq!(client.requests_to("POST", ADD), 1, "not retried");
        assert_eq!(client.settings(), before);

        client.fault(
            "POST",
            REMOVE,
            Fault::Answer {
                status,
                retry_after: None,
            },
            1,
        );
        let run = client.run(&["remove", "Second", "--yes"]);
        run.code(5);
        assert!(
            run.one_line_error().contains(&format!("HTTP {status}")),
            "{run}"
        );
        assert_eq!(client.requests_to("POST", REMOVE), 1, "not retried");
        assert_eq!(client.settings(), before);
    }
    figure(
        "http 500/502/503 once on add/remove (not idempotent): not retried, exit 5 naming the \
         status, settings unchanged; on edit (idempotent): retried, exit 0",
    );
}

// ---------------------------------------------------------------------------------------------
// 429

#[test]
fn a_429_with_retry_after_is_waited_out_for_reads_and_writes() {
    let client = Client::new(Migration::Installed, "ratelimited");
    let before = client.settings();
    let limited = Fault::Answer {
        status: 429,
        retry_after: Some(1),
    };
    client.fault("GET", LIST, limited, 1);
    let started = Instant::now();
    let run = client.run(&["list", "--json"]);
    run.ok();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured\n{run}"
    );
    assert_eq!(client.settings(), before);

    // A 429 is refused before any work: retrying a write is safe.
    client.fault("POST", ADD, limited, 1);
    let run = client.run(&add_args().strs());
    run.ok();
    assert_eq!(client.requests_to("POST", ADD), 2);
    assert_only_change(
        &before,
        &client.settings(),
        &["First", "Second", "Added"],
        "add",
    );
    figure("http 429 Retry-After: 1 once: waited ≥ 1 s and retried (reads and writes), exit 0");
}

#[test]
fn endless_429_gives_up_with_exit_5() {
    let client = Client::new(Migration::Installed, "ratelimited-forever");
    let before = client.settings();
    client.fault(
        "GET",
        LIST,
        Fault::Answer {
            status: 429,
            retry_after: Some(1),
        },
        usize::MAX,
    );
    let run = client.run(&["list"]);
    run.code(5).within(Duration::from_secs(15));
    assert!(run.one_line_error().contains("429"), "{run}");
    assert_eq!(client.settings(), before);
}

// ---------------------------------------------------------------------------------------------
// connection reset in the middle of the body

#[test]
fn a_reset_mid_body_on_a_read_is_retried() {
    let client = Client::new(Migration::Installed, "resetread");
    let before = client.settings();
    client.fault("GET", LIST, Fault::ResetMidBody, 1);
    let run = client.run(&["list", "--json"]);
    run.ok();
    assert_eq!(run.json().as_array().unwrap().len(), 2);
    assert_eq!(client.settings(), before);
}

/// The add reached the database; only its answer broke. The CLI must not report a failure
/// for a change that landed, nor apply it twice.
#[test]
fn a_reset_mid_body_after_an_add_landed_is_not_reported_as_a_failure() {
    for migration in [Migration::Installed, Migration::Absent] {
        let client = Client::new(migration, "resetadd");
        let before = client.settings();
        let path = match migration {
            Migration::Installed => ADD,
            Migration::Absent => LIST,
        };
        let method = match migration {
            Migration::Installed => "POST",
            Migration::Absent => "PATCH",
        };
        client.fault(method, path, Fault::ResetMidBody, 1);
        let run = client.run(&add_args().strs());
        assert_eq!(client.front.applied().len(), 1, "the fault was injected");
        let after = client.settings();
        match run.code {
            Some(0) => assert_only_change(
                &before,
                &after,
                &["First", "Second", "Added"],
                &format!("{migration:?}\n{run}"),
            ),
            _ => panic!(
                "{migration:?}: the add landed but the command failed (exit {:?}); \
                 settings now hold {:?}\n{run}",
                run.code,
                labels(&after)
            ),
        }
    }
}

#[test]
fn a_reset_mid_body_after_a_remove_landed_is_not_reported_as_a_failure() {
    let client = Client::new(Migration::Installed, "resetremove");
    let before = client.settings();
    client.fault("POST", REMOVE, Fault::ResetMidBody, 1);
    let run = client.run(&["remove", "Second", "--yes"]);
    assert_eq!(client.front.applied().len(), 1, "the fault was injected");
    let after = client.settings();
    assert_eq!(
        run.code,
        Some(0),
        "the remove landed but the command failed; settings now hold {:?}\n{run}",
        labels(&after)
    );
    assert_only_change(&before, &after, &["First"], "remove");
}

#[test]
fn a_reset_mid_body_on_an_edit_is_retried() {
    let client = Client::new(Migration::Installed, "resetedit");
    let before = client.settings();
    client.fault("POST", UPDATE, Fault::ResetMidBody, 1);
    let run = client.run(&["edit", "Second", "--label", "Renamed"]);
    run.ok();
    assert_only_change(&before, &client.settings(), &["First", "Renamed"], "edit");
}

// ---------------------------------------------------------------------------------------------
// truncated JSON body

#[test]
fn a_truncated_json_body_on_a_read_is_retried() {
    let client = Client::new(Migration::Installed, "truncread");
    let before = client.settings();
    client.fault("GET", LIST, Fault::TruncatedBody, 1);
    let run = client.run(&["list", "--json"]);
    run.ok();
    assert_eq!(run.json().as_array().unwrap().len(), 2, "{run}");
    assert_eq!(client.settings(), before);
}

#[test]
fn a_truncated_json_body_on_every_read_is_exit_5() {
    let client = Client::new(Migration::Installed, "truncreads");
    let before = client.settings();
    client.fault("GET", LIST, Fault::TruncatedBody, usize::MAX);
    let run = client.run(&["list"]);
    run.code(5);
    assert!(run.one_line_error().contains("invalid JSON"), "{run}");
    assert_eq!(client.settings(), before);
}

/// A 2xx answer to the remove whose JSON is cut short: the change landed.
#[test]
fn a_truncated_json_answer_to_a_write_that_landed_is_not_a_failure() {
    let client = Client::new(Migration::Installed, "truncwrite");
    let before = client.settings();
    client.fault("POST", REMOVE, Fault::TruncatedBody, 1);
    let run = client.run(&["remove", "First", "--yes"]);
    assert_eq!(client.front.applied().len(), 1, "the fault was injected");
    let after = client.settings();
    assert_eq!(
        run.code,
        Some(0),
        "the remove landed but the command failed; settings now hold {:?}\n{run}",
        labels(&after)
    );
    assert_only_change(&before, &after, &["Second"], "remove");
}

// ---------------------------------------------------------------------------------------------
// an answer that never ends

#[test]
fn an_answer_that_never_ends_times_out_and_a_read_is_retried() {
    let client = Client::new(Migration::Installed, "neverends");
    let before = client.settings();
    client.fault("GET", LIST, Fault::NeverEnds, 1);
    let run = client.run(&["list", "--json"]);
    run.ok().within(Duration::from_secs(30));
    assert_eq!(client.requests_to("GET", LIST), 2);
    assert_eq!(client.settings(), before);
    figure(&format!(
        "http answer that never ends once on a read: timed out and retried, exit 0 after {} ms",
        run.elapsed.as_millis()
    ));
}

/// The add landed; its answer never ends. After the request timeout the CLI reads the list
/// back instead of guessing.
#[test]
fn an_answer_that_never_ends_after_an_add_landed_is_not_a_failure() {
    let client = Client::new(Migration::Installed, "neverendsadd");
    let before = client.settings();
    client.fault("POST", ADD, Fault::NeverEnds, 1);
    let run = client.run(&add_args().strs());
    assert_eq!(client.front.applied().len(), 1, "the fault was injected");
    run.ok().within(Duration::from_secs(30));
    assert_eq!(client.requests_to("POST", ADD), 1, "not sent twice");
    assert_only_change(
        &before,
        &client.settings(),
        &["First", "Second", "Added"],
        "add",
    );
    figure(&format!(
        "http answer that never ends after an add landed: timed out, read back, exit 0 after {} ms",
        run.elapsed.as_millis()
    ));
}

// ---------------------------------------------------------------------------------------------
// 401 on a valid-looking token

#[test]
fn a_401_once_refreshes_the_session_and_succeeds() {
    let client = Client::new(Migration::Installed, "unauth-once");
    let before = client.settings();
    let session_before = session(&client.env);
    client.fault(
        "GET",
        LIST,
        Fault::Answer {
            status: 401,
            retry_after: None,
        },
        1,
    );
    client.run(&["list", "--json"]).ok();
    assert_eq!(
        client.requests_to("POST", "/auth/v1/token?grant_type=refresh_token"),
        1
    );
    assert_ne!(
        session(&client.env)["refresh_token"],
        session_before["refresh_token"]
    );
    assert_eq!(client.settings(), before);
}

#[test]
fn a_401_that_persists_refreshes_once_then_says_run_login() {
    let client = Client::new(Migration::Installed, "unauth");
    let before = client.settings();
    client.fault(
        "GET",
        LIST,
        Fault::Answer {
            status: 401,
            retry_after: None,
        },
        usize::MAX,
    );
    let run = client.run(&["list"]);
    run.code(3);
    assert!(
        run.one_line_error().contains("run `mailboxes login`"),
        "{run}"
    );
    assert_eq!(
        client.requests_to("POST", "/auth/v1/token?grant_type=refresh_token"),
        1,
        "refreshed exactly once"
    );
    assert_eq!(
        client.requests_to("GET", LIST),
        2,
        "retried once after the refresh"
    );
    // A write is refused the same way and changes nothing.
    client.fault(
        "POST",
        ADD,
        Fault::Answer {
            status: 401,
            retry_after: None,
        },
        usize::MAX,
    );
    client.run(&add_args().strs()).code(3);
    assert_eq!(client.settings(), before);
    figure("http 401 on a valid-looking token: refreshed once, retried once, exit 3 \"session expired, run `mailboxes login`\"");
}

fn session(env: &FreshEnv) -> Value {
    let path = env.state_home().join("mailboxes/session.default.json");
    serde_json::from_slice(&std::fs::read(path).expect("the session file")).unwrap()
}

/// The refresh reached the auth server (which rotated the token) but its answer was cut: the
/// rotated token never reached the client. The command fails as unavailable (exit 5), and the
/// next run, presenting the spent token (the parent of the active one), is given the active
/// session again: a lost refresh answer does not log the user out.
#[test]
fn a_lost_refresh_answer_does_not_log_the_user_out() {
    let client = Client::new(Migration::Installed, "lostrefresh");
    let before = client.settings();
    let session_before = session(&client.env);
    client.fault(
        "GET",
        LIST,
        Fault::Answer {
            status: 401,
            retry_after: None,
        },
        1,
    );
    client.fault(
        "POST",
        "/auth/v1/token?grant_type=refresh_token",
        Fault::ResetMidBody,
        1,
    );
    let run = client.run(&["list"]);
    run.code(5);
    assert!(run.one_line_error().contains("refresh"), "{run}");
    assert_eq!(
        session(&client.env)["refresh_token"],
        session_before["refresh_token"],
        "nothing was stored from a cut answer"
    );
    // The next run refreshes with the spent token and carries on.
    client.fault(
        "GET",
        LIST,
        Fault::Answer {
            status: 401,
            retry_after: None,
        },
        1,
    );
    let run = client.run(&["list", "--json"]);
    run.ok();
    assert_eq!(run.json().as_array().unwrap().len(), 2);
    assert_eq!(client.stack.session_count(client.id), 1);
    assert_eq!(client.settings(), before);
    figure("http refresh answer lost (reset after the server rotated): exit 5, then the next run recovers the session (no logout)");
}
