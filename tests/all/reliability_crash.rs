//! Crashes and concurrency (issue 4): `kill -9` at random points, 50 concurrent writers per
//! store, and two processes refreshing one Supabase session at once, 100 times.
//!
//! Random choices come from a seed the test prints (`MAILBOXES_TEST_SEED=… cargo test …`
//! replays a run). Figures (how many kills landed before, during or after the write) are
//! printed as `FIGURE …` lines and, with `MAILBOXES_FIGURES=FILE`, appended to FILE.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::env::{Cli, FreshEnv};
use crate::support::fake_imap::{Answer, Behaviour, FakeImap, Script, Tls};
use crate::support::reliability::{figure, finish, spawn, Account, Rng};
use crate::support::supabase::{self, Migration, Stack};

const PASSWORD: &str = "crash-test-Pa55word";

fn seed_entry(i: usize, password: &str) -> Value {
    json!({
        "id": format!("5eed0000-0000-4000-8000-{i:012}"),
        "label": format!("seed-{i}"),
        "host": "127.0.0.1", "port": 993, "tls": true,
        "user": format!("user{i}@example.com"), "password": password,
        "status": "pending",
        "webOnly": {"n": i}
    })
}

// ---------------------------------------------------------------------------------------------
// kill -9

/// What one killed command was meant to do.
enum Op {
    Add { label: String },
    Edit { from: String, to: String },
    Remove { label: String },
}

fn labels(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["label"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The state after `op` landed, or `None` when `after` is not it.
fn is_new_state(op: &Op, before: &[Value], after: &[Value]) -> bool {
    match op {
        Op::Add { label } => {
            after.len() == before.len() + 1
                && after[..before.len()] == *before
                && after[before.len()]["label"] == json!(label)
                && after[before.len()]["password"] == json!(PASSWORD)
                && after[before.len()]["port"] == json!(993)
        }
        Op::Edit { from, to } => {
            let expected: Vec<Value> = before
                .iter()
                .map(|e| {
                    let mut e = e.clone();
                    if e["label"] == json!(from) {
                        e["label"] = json!(to);
                    }
                    e
                })
                .collect();
            after == expected.as_slice()
        }
        Op::Remove { label } => {
            let expected: Vec<Value> = before
                .iter()
                .filter(|e| e["label"] != json!(label))
                .cloned()
                .collect();
            after == expected.as_slice()
        }
    }
}

/// Reads the store file; it must exist, parse, be 0600 and hold a `mailboxes` array.
fn read_store(env: &FreshEnv, context: &str) -> (Value, Vec<Value>) {
    let path = env.store_path();
    let bytes = fs::read(&path).unwrap_or_else(|err| panic!("{context}: store gone: {err}"));
    let document: Value = serde_json::from_slice(&bytes).unwrap_or_else(|err| {
        panic!(
            "{context}: the store is torn ({err}):\n{}",
            String::from_utf8_lossy(&bytes)
        )
    });
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{context}");
    let entries = document["mailboxes"]
        .as_array()
        .unwrap_or_else(|| panic!("{context}: no mailboxes array"))
        .clone();
    (document, entries)
}

/// `kill -9` of add/edit/remove at a random point, 200 times: the file always parses and holds
/// either the old or the new state, and the other keys of the document are kept.
#[test]
fn kill_9_during_writes_never_tears_or_loses_the_store() {
    const ROUNDS: usize = 200;
    let mut rng = Rng::new("kill -9 loop");
    let mut env = FreshEnv::new();
    env.secret(PASSWORD);
    env.write_store(&json!({
        "mailboxes": (0..3).map(|i| seed_entry(i, PASSWORD)).collect::<Vec<_>>(),
        "webSettings": {"keep": "me"}
    }));
    // How long an uninterrupted add takes, to spread the kills over the whole run.
    let started = Instant::now();
    let probe = env.run_stdin(
        &Cli::add("timing", "127.0.0.1", "u")
            .tls()
            .args(["--password-stdin"])
            .strs(),
        &format!("{PASSWORD}\n"),
    );
    probe.ok();
    let full_run = started.elapsed();
    env.run(&["remove", "timing", "--yes"]).ok();
    // The kill lands uniformly within a window that adapts to the machine's load: it shrinks
    // while commands finish before the kill and grows while they are killed early, so kills
    // keep landing inside the command (parse, lock, read, write, fsync, rename).
    let mut window_us = (full_run.as_micros() as u64).max(2_000);
    let first_window_us = window_us;

    let (mut old_count, mut new_count, mut finished_count) = (0, 0, 0);
    let mut next_label = 0;
    for round in 0..ROUNDS {
        let (document, before) = read_store(&env, &format!("before round {round}"));
        let names = labels(&before);
        let pick = |rng: &mut Rng| names[rng.below(names.len() as u64) as usize].clone();
        next_label += 1;
        let fresh = format!("k{next_label}");
        let op = match (before.len(), rng.below(3)) {
            (0..=2, _) | (_, 0) => Op::Add { label: fresh },
            (_, 1) => Op::Edit {
                from: pick(&mut rng),
                to: fresh,
            },
            _ => Op::Remove {
                label: pick(&mut rng),
            },
        };
        let args: Vec<String> = match &op {
            Op::Add { label } => [
                "add",
                label,
                "--host",
                "127.0.0.1",
                "--tls",
                "--user",
                "u",
                "--password-stdin",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
            Op::Edit { from, to } => {
                vec!["edit".into(), from.clone(), "--label".into(), to.clone()]
            }
            Op::Remove { label } => vec!["remove".into(), label.clone(), "--yes".into()],
        };
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        if let Op::Add { .. } = op {
            args.insert(1, "--label");
        }
        let mut child = spawn(&env, &args, &format!("{PASSWORD}\n"));
        std::thread::sleep(Duration::from_micros(rng.below(window_us)));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().expect("reaping the killed child");
        let completed = status.code() == Some(0);
        window_us = if completed {
            (window_us * 9 / 10).max(1_000)
        } else {
            window_us * 21 / 20
        };
        let context = format!("round {round}: {args:?} (exit {status:?})");
        let (document_after, after) = read_store(&env, &context);
        assert_eq!(
            document_after["webSettings"], document["webSettings"],
            "{context}"
        );
        if is_new_state(&op, &before, &after) {
            new_count += 1;
            if completed {
                finished_count += 1;
            }
        } else {
            assert!(!completed, "{context}: exit 0 but the change is missing");
            assert_eq!(
                after, before,
                "{context}: neither the old nor the new state"
            );
            old_count += 1;
        }
    }
    // Otherwise every kill came after the command had finished and nothing was tested.
    assert!(
        old_count > 0,
        "no kill interrupted a write: {new_count} new, {finished_count} finished"
    );
    let leftovers: Vec<String> = fs::read_dir(env.store_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    figure(&format!(
        "kill-9: {ROUNDS} rounds (kill within {}..{} ms, adapting; one add takes {} ms): \
         {old_count} old state, {new_count} new state ({finished_count} of them had exited 0), \
         0 torn; {} temp files left",
        first_window_us / 1000,
        window_us / 1000,
        full_run.as_millis(),
        leftovers.len()
    ));
    // Temp files of killed writers are swept by the next writer (under the lock): at most
    // the last round's can be left.
    assert!(leftovers.len() <= 1, "stale temp files: {leftovers:?}");
    // Afterwards the store works as usual.
    env.run(&["list", "--json"]).ok();
}

// ---------------------------------------------------------------------------------------------
// 50 concurrent writers

const WRITERS: usize = 50;

/// A fake IMAP server over TLS that accepts any login (for the `test` writers).
fn good_server() -> FakeImap {
    FakeImap::start_with(
        Behaviour::Imap(
            Script::greeting("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] good fake ready")
                .answer("LOGIN", Answer::lines(["{tag} OK welcome"])),
        ),
        Tls::Trusted,
    )
}

/// Writer `i`'s command: 0 add `new-i`, 1 edit `seed-i` (label and port), 2 remove `seed-i`,
/// 3 test `seed-i`. Each writer owns its entry, so the serial result does not depend on order.
fn writer_args(i: usize, ca: &str) -> Vec<String> {
    let strings = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match i % 4 {
        0 => strings(
            &Cli::add(
                &format!("new-{i}"),
                "127.0.0.1",
                &format!("new{i}@example.com"),
            )
            .port("993")
            .tls()
            .args(["--password-stdin", "--json"])
            .strs(),
        ),
        1 => strings(&[
            "edit",
            &format!("seed-{i}"),
            "--label",
            &format!("edited-{i}"),
            "--port",
            &(1000 + i).to_string(),
            "--json",
        ]),
        2 => strings(&["remove", &format!("seed-{i}"), "--yes"]),
        _ => strings(&[
            "test",
            &format!("seed-{i}"),
            "--timeout",
            "20",
            "--ca-cert",
            ca,
            "--json",
        ]),
    }
}

/// The serial result of the writers that reported success, applied to `seeds`.
fn expected_state(seeds: &[Value], succeeded: &[usize]) -> BTreeMap<String, Value> {
    let mut state: BTreeMap<String, Value> = seeds
        .iter()
        .map(|e| (e["label"].as_str().unwrap().to_string(), e.clone()))
        .collect();
    for &i in succeeded {
        let seed = format!("seed-{i}");
        match i % 4 {
            0 => {
                state.insert(
                    format!("new-{i}"),
                    json!({"host": "127.0.0.1", "port": 993, "tls": true,
                           "user": format!("new{i}@example.com"), "password": PASSWORD,
                           "status": "pending"}),
                );
            }
            1 => {
                let mut entry = state.remove(&seed).expect("edited seed exists");
                entry["label"] = json!(format!("edited-{i}"));
                entry["port"] = json!(1000 + i);
                entry["status"] = json!("pending");
                state.insert(format!("edited-{i}"), entry);
            }
            2 => {
                state.remove(&seed);
            }
            _ => {
                let entry = state.get_mut(&seed).expect("tested seed exists");
                entry["status"] = json!("ok");
                entry["lastError"] = Value::Null;
            }
        }
    }
    state
}

/// Compares the stored entries with the expected serial result (ids of added entries and
/// test times are not predictable: only their presence is checked).
fn assert_state(stored: &[Value], expected: &BTreeMap<String, Value>, context: &str) {
    let mut actual: BTreeMap<String, Value> = BTreeMap::new();
    for entry in stored {
        let label = entry["label"].as_str().unwrap().to_string();
        assert!(
            actual.insert(label.clone(), entry.clone()).is_none(),
            "{context}: label {label} stored twice"
        );
    }
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{context}: the labels differ from the serial result"
    );
    for (label, want) in expected {
        let got = &actual[label];
        for (key, value) in want.as_object().unwrap() {
            assert_eq!(&got[key], value, "{context}: {label}.{key} in {got:#}");
        }
        if label.starts_with("new-") {
            assert!(uuid::Uuid::parse_str(got["id"].as_str().unwrap()).is_ok());
        }
        if got["status"] == json!("ok") {
            assert!(got["lastTestedAt"].is_string(), "{context}: {got:#}");
        }
    }
}

/// Starts all writers at once and returns who reported success.
fn run_writers(env: &FreshEnv, ca: &str) -> (Vec<usize>, Duration, Vec<String>) {
    let started = Instant::now();
    let children: Vec<_> = (0..WRITERS)
        .map(|i| {
            let args = writer_args(i, ca);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            (i, spawn(env, &args, &format!("{PASSWORD}\n")))
        })
        .collect();
    let mut succeeded = Vec::new();
    let mut failures = Vec::new();
    for (i, child) in children {
        let run = finish(env, &format!("writer {i}: {:?}", writer_args(i, ca)), child);
        match run.code {
            Some(0) => succeeded.push(i),
            _ => failures.push(format!("{run}")),
        }
    }
    (succeeded, started.elapsed(), failures)
}

#[test]
fn fifty_concurrent_writers_on_the_local_store() {
    let server = good_server();
    let ca = server.ca_cert();
    let mut env = FreshEnv::new();
    env.secret(PASSWORD);
    let seeds: Vec<Value> = (0..WRITERS)
        .filter(|i| i % 4 != 0)
        .map(|i| {
            let mut e = seed_entry(i, PASSWORD);
            e["port"] = json!(server.port());
            e
        })
        .collect();
    env.write_store(&json!({"mailboxes": seeds.clone(), "webSettings": {"keep": true}}));
    let (succeeded, took, failures) = run_writers(&env, ca.to_str().unwrap());
    assert_eq!(
        succeeded.len(),
        WRITERS,
        "every local writer succeeds (the lock waits):\n{}",
        failures.join("\n")
    );
    let (document, stored) = read_store(&env, "after the writers");
    assert_eq!(document["webSettings"], json!({"keep": true}));
    assert_state(&stored, &expected_state(&seeds, &succeeded), "local");
    figure(&format!(
        "concurrency local: {WRITERS} writers (add/edit/remove/test) in {} ms: {} succeeded, \
         end state = serial result",
        took.as_millis(),
        succeeded.len()
    ));
}

fn fifty_concurrent_writers_on_supabase(migration: Migration) {
    let stack = supabase::shared(migration);
    let server = good_server();
    let ca = server.ca_cert();
    let mut account = Account::login(stack, "fifty");
    account.env.secret(PASSWORD);
    let seeds: Vec<Value> = (0..WRITERS)
        .filter(|i| i % 4 != 0)
        .map(|i| {
            let mut e = seed_entry(i, PASSWORD);
            e["port"] = json!(server.port());
            e
        })
        .collect();
    let other = json!({"openaiKey": "sk-other-settings-value-1234", "theme": "dark"});
    let mut settings = other.clone();
    settings["mailboxes"] = json!(seeds.clone());
    stack.set_settings(account.id, &settings);

    let (succeeded, took, failures) = run_writers(&account.env, ca.to_str().unwrap());
    for failure in &failures {
        // Giving up under contention is allowed (and reported); anything else is a bug.
        assert!(
            failure.contains("exit code: 5") && failure.contains("gave up"),
            "a writer failed for another reason:\n{failure}\n{}",
            stack.logs()
        );
    }
    assert!(
        !succeeded.is_empty(),
        "every writer gave up:\n{}",
        failures.join("\n")
    );
    let settings = stack.settings(account.id).expect("the row");
    for (key, value) in other.as_object().unwrap() {
        assert_eq!(&settings[key], value, "other settings keys are kept");
    }
    let stored = settings["mailboxes"].as_array().unwrap().clone();
    assert_state(
        &stored,
        &expected_state(&seeds, &succeeded),
        &format!("supabase {migration:?}"),
    );
    figure(&format!(
        "concurrency supabase ({migration:?}): {WRITERS} writers in {} ms: {} succeeded, {} gave \
         up under contention (exit 5), end state = serial result of the successful ones",
        took.as_millis(),
        succeeded.len(),
        failures.len()
    ));
}

#[test]
fn fifty_concurrent_writers_on_supabase_with_the_migration() {
    fifty_concurrent_writers_on_supabase(Migration::Installed);
}

#[test]
fn fifty_concurrent_writers_on_supabase_without_the_migration() {
    fifty_concurrent_writers_on_supabase(Migration::Absent);
}

// ---------------------------------------------------------------------------------------------
// refresh race

/// Two processes refreshing at once, 100 times: both always succeed and the user stays logged
/// in. Every token is "about to expire" (1 s lifetime, 60 s margin), so every command
/// refreshes; the refresh tokens are aged past GoTrue's reuse interval before each round, so a
/// process that used a spent token would revoke the session.
#[test]
fn two_processes_refreshing_at_once_100_times_never_log_out() {
    const ROUNDS: usize = 100;
    let stack = Stack::start(Migration::Installed);
    let email = format!("race-{}@example.test", uuid::Uuid::new_v4().simple());
    let mut env = FreshEnv::new();
    let password = env.secret("race-account-password");
    let id = stack.create_user(&email, &password);
    stack.set_access_token_ttl(id, Duration::from_secs(1));
    let account = Account {
        id,
        email,
        password,
        env,
    };
    account.run_login(&stack).ok();
    let started = Instant::now();
    let mut refreshes = 0;
    for round in 0..ROUNDS {
        stack.age_refresh_tokens(id, supabase::REUSE_INTERVAL + Duration::from_secs(5));
        let before = account.session()["refresh_token"].clone();
        let children: Vec<_> = (0..2)
            .map(|_| spawn(&account.env, &["list", "--json"], ""))
            .collect();
        for child in children {
            let run = finish(&account.env, "list --json", child);
            assert_eq!(
                run.code,
                Some(0),
                "round {round}: a racer failed\n{run}\n{}",
                stack.logs()
            );
        }
        if account.session()["refresh_token"] != before {
            refreshes += 1;
        }
    }
    // 1 s tokens with a 60 s margin: every round must have refreshed, or nothing raced.
    assert_eq!(refreshes, ROUNDS, "rounds that rotated the refresh token");
    assert_eq!(stack.session_count(id), 1, "still exactly one session");
    account.env.run(&["status", "--json"]).ok();
    figure(&format!(
        "refresh race: {ROUNDS} rounds of 2 concurrent refreshing processes in {} ms: 0 logouts, \
         {refreshes} rounds rotated the stored refresh token",
        started.elapsed().as_millis()
    ));
}
