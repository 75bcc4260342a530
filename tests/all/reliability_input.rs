//! Untrusted input (issue 4): malformed stored data in both stores, and property tests
//! (proptest, a bounded number of cases, run in the normal suite and so in CI) over everything
//! that parses outside data: the local store file, `settings` in Supabase, `profiles.json`, and
//! mailbox selectors.
//!
//! `mailboxes` is a binary crate, so the properties drive the built binary: each generated
//! input is written where the CLI reads it and a command runs on it. Properties: no panic
//! (exit codes stay within the documented 0–5, never Rust's 101, and stderr never says
//! "panicked"); and whatever the CLI does not know — unknown entry fields, other top-level
//! keys, other `settings` keys — comes back unchanged (as JSON) after a write.
//! `PROPTEST_CASES=N` raises the number of cases for a longer run.

use std::fs;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};

use crate::support::env::{Cli, FreshEnv, Run};
use crate::support::reliability::{figure, Account};
use crate::support::supabase::{self, Migration};

const PASSWORD: &str = "input-test-Pa55word";

fn entry(id: &str, label: &str) -> Value {
    json!({"id": id, "label": label, "host": "127.0.0.1", "port": 993, "tls": true,
           "user": "someone", "password": PASSWORD})
}

/// Every command that reads the store, as a script would run it.
fn every_command() -> Vec<Vec<&'static str>> {
    vec![
        vec!["list"],
        vec!["list", "--json"],
        vec![
            "add",
            "--label",
            "New",
            "--host",
            "127.0.0.1",
            "--user",
            "u",
            "--password-stdin",
        ],
        vec!["edit", "First", "--label", "Renamed"],
        vec!["remove", "First", "--yes"],
        vec!["test", "--all", "--timeout", "1"],
        vec!["test", "First", "--timeout", "1"],
    ]
}

fn assert_no_panic(run: &Run) {
    assert!(
        matches!(run.code, Some(0..=5)),
        "exit code outside the documented 0-5 (a panic is 101)\n{run}"
    );
    assert!(!run.stderr.contains("panicked"), "{run}");
}

// ---------------------------------------------------------------------------------------------
// malformed stored data: local store

/// Named malformed local files: (case, bytes, words the message must contain).
fn malformed_local() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let first = entry("b0000000-0000-4000-8000-000000000001", "First");
    let mut missing = first.clone();
    missing.as_object_mut().unwrap().remove("host");
    let mut bad_port = first.clone();
    bad_port["port"] = json!(70000);
    let doc = |mailboxes: Value| {
        serde_json::to_vec_pretty(&json!({"mailboxes": mailboxes, "webSettings": {"a": 1}}))
            .unwrap()
    };
    let mut invalid_utf8 = doc(json!([first.clone()]));
    let at = invalid_utf8.len() / 2;
    invalid_utf8.splice(at..at, [0xff, 0xfe]);
    vec![
        (
            "not an array",
            doc(json!({"id": "x"})),
            "instead of an array",
        ),
        ("a string", doc(json!("mailboxes")), "instead of an array"),
        (
            "duplicate ids",
            doc(json!([first.clone(), first.clone()])),
            "more than once",
        ),
        (
            "missing id",
            doc(json!([{"label": "First", "host": "h"}])),
            "no string id",
        ),
        ("missing host", doc(json!([missing])), "host"),
        (
            "port out of range",
            doc(json!([bad_port])),
            "port: invalid value: integer `70000`",
        ),
        (
            "an entry that is a number",
            doc(json!([42])),
            "no string id",
        ),
        ("invalid UTF-8", invalid_utf8, "UTF-8"),
        ("not JSON", b"{\"mailboxes\": [".to_vec(), "not valid JSON"),
        ("a JSON array", b"[]".to_vec(), "not a JSON object"),
    ]
}

#[test]
fn malformed_local_files_give_a_clear_error_and_are_never_overwritten() {
    let mut figures = 0;
    for (case, bytes, mentions) in malformed_local() {
        let mut env = FreshEnv::new();
        env.secret(PASSWORD);
        env.write_store(&json!({}));
        fs::write(env.store_path(), &bytes).unwrap();
        for args in every_command() {
            let run = env.run_stdin(&args, &format!("{PASSWORD}\n"));
            run.code(1);
            let message = run.one_line_error();
            for word in [mentions, "mailboxes.json", "nothing was changed"] {
                assert!(
                    message.contains(word),
                    "{case}: the message does not say {word:?}\n{run}"
                );
            }
            assert_eq!(
                env.store_bytes().unwrap(),
                bytes,
                "{case}: the file was touched by {args:?}"
            );
            figures += 1;
        }
    }
    figure(&format!(
        "malformed local store: {} files x {} commands = {figures} runs: exit 1, a one-line \
         error naming the file and the problem, file byte-identical",
        malformed_local().len(),
        every_command().len()
    ));
}

/// A 10 MB entry is data, not an error: it is read, and kept byte-for-byte by every write.
#[test]
fn a_10_mb_entry_in_the_local_store_is_kept_intact() {
    let mut env = FreshEnv::new();
    env.secret(PASSWORD);
    let mut big = entry("b0000000-0000-4000-8000-000000000001", "First");
    big["notes"] = json!("x".repeat(10 * 1024 * 1024));
    let other = entry("b0000000-0000-4000-8000-000000000002", "Other");
    env.write_store(&json!({"mailboxes": [big.clone(), other]}));
    let run = env.run(&["list", "--json"]);
    run.ok();
    assert_eq!(run.json().as_array().unwrap().len(), 2);
    assert!(run.stdout.len() < 10_000, "the big field is not printed");
    env.run_stdin(
        &Cli::add("New", "127.0.0.1", "u")
            .args(["--password-stdin"])
            .strs(),
        &format!("{PASSWORD}\n"),
    )
    .ok();
    env.run(&["remove", "Other", "--yes"]).ok();
    let stored = env.stored();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0], big, "the 10 MB entry is unchanged");
}

// ---------------------------------------------------------------------------------------------
// malformed stored data: Supabase

#[test]
fn malformed_settings_in_supabase_give_a_clear_error_and_are_never_overwritten() {
    let first = entry("b0000000-0000-4000-8000-000000000001", "First");
    let mut missing = first.clone();
    missing.as_object_mut().unwrap().remove("user");
    let mut wrong_type = first.clone();
    wrong_type["tls"] = json!("yes");
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "tls not a boolean",
            json!([wrong_type]),
            "tls: invalid type",
        ),
        ("not an array", json!({"id": "x"}), "instead of an array"),
        ("a number", json!(7), "instead of an array"),
        (
            "duplicate ids",
            json!([first.clone(), first.clone()]),
            "more than once",
        ),
        ("missing id", json!([{"label": "First"}]), "no string id"),
        ("missing user", json!([missing]), "user"),
    ];
    let mut runs = 0;
    for migration in [Migration::Installed, Migration::Absent] {
        let stack = supabase::shared(migration);
        let mut account = Account::login(stack, "malformed-settings");
        account.env.secret(PASSWORD);
        for (case, mailboxes, mentions) in &cases {
            let settings =
                json!({"openaiKey": "sk-keep-this-other-setting", "mailboxes": mailboxes});
            stack.set_settings(account.id, &settings);
            for args in every_command() {
                let run = account.env.run_stdin(&args, &format!("{PASSWORD}\n"));
                run.code(1);
                let message = run.one_line_error();
                for word in [*mentions, "Supabase", "nothing was changed"] {
                    assert!(
                        message.contains(word),
                        "{migration:?} {case}: the message does not say {word:?}\n{run}"
                    );
                }
                assert_eq!(
                    stack.settings(account.id).unwrap(),
                    settings,
                    "{migration:?} {case}: settings changed by {args:?}"
                );
                runs += 1;
            }
        }
    }
    figure(&format!(
        "malformed settings in Supabase: {} cases x {} commands x 2 (with/without the \
         migration) = {runs} runs: exit 1, clear one-line error, settings unchanged",
        cases.len(),
        every_command().len()
    ));
}

#[test]
fn a_10_mb_entry_in_supabase_is_kept_intact() {
    for migration in [Migration::Installed, Migration::Absent] {
        let stack = supabase::shared(migration);
        let mut account = Account::login(stack, "big-entry");
        account.env.secret(PASSWORD);
        let mut big = entry("b0000000-0000-4000-8000-000000000001", "First");
        big["notes"] = json!("x".repeat(10 * 1024 * 1024));
        stack.set_settings(
            account.id,
            &json!({"openaiKey": "sk-keep", "mailboxes": [big.clone()]}),
        );
        account.env.run(&["list", "--json"]).ok();
        account
            .env
            .run_stdin(
                &Cli::add("New", "127.0.0.1", "u")
                    .args(["--password-stdin"])
                    .strs(),
                &format!("{PASSWORD}\n"),
            )
            .ok();
        let settings = stack.settings(account.id).unwrap();
        assert_eq!(settings["mailboxes"][0], big, "{migration:?}");
        assert_eq!(settings["openaiKey"], json!("sk-keep"));
    }
}

// ---------------------------------------------------------------------------------------------
// property tests

fn cases(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        // No regression files in the source tree; a failure prints its minimal input.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Any JSON value, a few levels deep, with awkward strings.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

/// A field name the CLI does not know.
fn unknown_key() -> impl Strategy<Value = String> {
    "x[a-zA-Z]{1,8}"
}

/// A valid entry with extra unknown fields.
fn valid_entry(index: usize) -> impl Strategy<Value = Value> {
    (
        prop::collection::btree_map(unknown_key(), any_json(), 0..4),
        "[ -~]{1,30}",
        1u16..,
        any::<bool>(),
    )
        .prop_map(move |(extra, user, port, tls)| {
            let mut entry = json!({
                "id": format!("c0000000-0000-4000-8000-{index:012}"),
                "label": format!("Entry {index}"),
                "host": "127.0.0.1", "port": port, "tls": tls,
                "user": user, "password": PASSWORD,
            });
            for (key, value) in extra {
                entry[key] = value;
            }
            entry
        })
}

/// A whole store document: 1-4 valid entries with unknown fields, plus unknown top-level keys.
fn valid_document() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(0..1usize, 1..5).prop_flat_map(|slots| {
            slots
                .iter()
                .enumerate()
                .map(|(i, _)| valid_entry(i))
                .collect::<Vec<_>>()
        }),
        prop::collection::btree_map(unknown_key(), any_json(), 0..4),
    )
        .prop_map(|(entries, top)| {
            let mut document = json!({"mailboxes": entries});
            for (key, value) in top {
                document[key] = value;
            }
            document
        })
}

/// Property: a valid document with unknown fields round-trips through `edit`: only the label
/// of the edited entry changes (as JSON), and `list --json` never panics.
#[test]
fn proptest_local_store_unknown_fields_round_trip() {
    let mut runner = TestRunner::new(cases(48));
    runner
        .run(&valid_document(), |document| {
            let mut env = FreshEnv::new();
            env.secret(PASSWORD);
            env.write_store(&document);
            let list = env.run(&["list", "--json"]);
            assert_no_panic(&list);
            prop_assert_eq!(list.code, Some(0), "{}", list);
            let run = env.run(&["edit", "Entry 0", "--label", "Edited"]);
            prop_assert_eq!(run.code, Some(0), "{}", run);
            let after: Value = serde_json::from_slice(&env.store_bytes().unwrap()).unwrap();
            let mut expected = document.clone();
            expected["mailboxes"][0]["label"] = json!("Edited");
            prop_assert_eq!(after, expected);
            Ok(())
        })
        .unwrap();
}

/// Property: any JSON (or any bytes) in the store file never makes the CLI panic, and a file
/// the CLI refuses is never rewritten.
#[test]
fn proptest_local_store_any_content_never_panics() {
    let content = prop_oneof![
        any_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        any_json().prop_map(|v| serde_json::to_vec(&json!({ "mailboxes": v })).unwrap()),
        prop::collection::vec(any_json(), 0..4)
            .prop_map(|v| serde_json::to_vec(&json!({ "mailboxes": v })).unwrap()),
        prop::collection::vec(any::<u8>(), 0..64),
    ];
    let mut runner = TestRunner::new(cases(64));
    runner
        .run(&content, |bytes| {
            let env = FreshEnv::new();
            env.write_store(&json!({}));
            fs::write(env.store_path(), &bytes).unwrap();
            let list = env.run(&["list", "--json"]);
            assert_no_panic(&list);
            let add = env.run_stdin(
                &Cli::add("Fuzz", "127.0.0.1", "u")
                    .args(["--password-stdin"])
                    .strs(),
                "fuzz-password-1\n",
            );
            assert_no_panic(&add);
            if list.code != Some(0) {
                prop_assert_eq!(add.code, Some(1), "{}", add);
                prop_assert_eq!(env.store_bytes().unwrap(), bytes);
            }
            Ok(())
        })
        .unwrap();
}

/// Property: any selector (id, prefix, label, or junk) is a match, "no such mailbox" or
/// "ambiguous" (exit 0 or 4), never a panic, and `test --no-save` never writes.
#[test]
fn proptest_selectors_never_panic() {
    let mut env = FreshEnv::new();
    env.secret(PASSWORD);
    env.write_store(&json!({"mailboxes": [
        entry("c0ffee00-0000-4000-8000-000000000001", "Work"),
        entry("c0ffee00-0000-4000-8000-000000000002", "work mail"),
        entry("c0ffee11-0000-4000-8000-000000000003", "Ünïcödé"),
    ]}));
    let before = env.store_bytes().unwrap();
    let selector = prop_oneof![
        "\\PC{0,16}",
        "[0-9a-f-]{0,12}",
        Just("c0ffee".to_string()),
        Just("c0ffee00".to_string()),
        Just("WORK".to_string()),
        Just("ünïcödé".to_string()),
    ];
    let mut runner = TestRunner::new(cases(48));
    runner
        .run(&selector, |selector| {
            // clap would read a leading '-' as a flag: pass it after `--`.
            let run = env.run(&["test", "--no-save", "--timeout", "1", "--", &selector]);
            assert_no_panic(&run);
            prop_assert!(
                matches!(run.code, Some(1 | 2 | 4)),
                "a probe failure, a usage error or no such mailbox: {}",
                run
            );
            prop_assert_eq!(env.store_bytes().unwrap(), before.clone());
            Ok(())
        })
        .unwrap();
}

/// Property: any `profiles.json` (config file) never makes the CLI panic.
#[test]
fn proptest_profiles_json_never_panics() {
    let content = prop_oneof![
        any_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        any_json().prop_map(|v| serde_json::to_vec(&json!({ "profiles": v })).unwrap()),
        any_json()
            .prop_map(|v| serde_json::to_vec(&json!({ "profiles": {"default": v} })).unwrap()),
        prop::collection::vec(any::<u8>(), 0..64),
    ];
    let mut runner = TestRunner::new(cases(48));
    runner
        .run(&content, |bytes| {
            let env = FreshEnv::new();
            fs::create_dir_all(env.store_dir()).unwrap();
            fs::write(env.store_dir().join("profiles.json"), &bytes).unwrap();
            for args in [&["status", "--json"][..], &["list"][..]] {
                let run = env.run(args);
                assert_no_panic(&run);
            }
            prop_assert_eq!(
                fs::read(env.store_dir().join("profiles.json")).unwrap(),
                bytes
            );
            Ok(())
        })
        .unwrap();
}

/// Property: in Supabase, other `settings` keys and unknown entry fields round-trip unchanged
/// through an edit (with and without the migration), and any `mailboxes` value never panics.
#[test]
fn proptest_supabase_settings_round_trip() {
    let runs = std::cell::Cell::new(0);
    for migration in [Migration::Installed, Migration::Absent] {
        let stack = supabase::shared(migration);
        let mut account = Account::login(stack, "proptest");
        account.env.secret(PASSWORD);
        let strategy = (
            valid_document(),
            prop::collection::btree_map(unknown_key(), any_json(), 0..4),
            any_json(),
        );
        let mut runner = TestRunner::new(cases(16));
        runner
            .run(&strategy, |(document, other, junk)| {
                let mut settings = json!({"mailboxes": document["mailboxes"].clone()});
                for (key, value) in &other {
                    settings[key] = value.clone();
                }
                stack.set_settings(account.id, &settings);
                // Compare with what Postgres stored, not with what was sent: jsonb normalizes
                // number text (3.756e18 comes back as 3756047624619224000), same value.
                let settings = stack.settings(account.id).unwrap();
                let run = account.env.run(&["edit", "Entry 0", "--label", "Edited"]);
                prop_assert_eq!(run.code, Some(0), "{}", run);
                let after = stack.settings(account.id).unwrap();
                let mut expected = settings.clone();
                expected["mailboxes"][0]["label"] = json!("Edited");
                // The fallback's revision marker is the one key the CLI adds.
                let mut after_without = after.clone();
                after_without
                    .as_object_mut()
                    .unwrap()
                    .remove("mailboxesRevision");
                prop_assert_eq!(after_without, expected);

                stack.set_settings(account.id, &json!({"mailboxes": junk, "keep": 1}));
                let list = account.env.run(&["list", "--json"]);
                assert_no_panic(&list);
                runs.set(runs.get() + 1);
                Ok(())
            })
            .unwrap();
    }
    figure(&format!(
        "proptest: Supabase settings round trip, {runs} generated documents (with and without \
         the migration): other keys and unknown fields unchanged, no panic",
        runs = runs.get()
    ));
}
