//! `list --stale` and `test --fail-if-stale`: judging recorded results without logging in.

use super::*;

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
