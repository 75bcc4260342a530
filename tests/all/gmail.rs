//! Gmail's login refusals, replayed by the fake IMAP server over TLS, as the built binary
//! reports and records them; and the App Password shape warning before any network call.
//!
//! The refusal lines are Google's, from shared/fixtures/gmail-imap-responses.md. Most tests
//! store the fake as 127.0.0.1 and assert what does not depend on the host name: the `kind`
//! (told apart by the reply text), the hint's URL for the Gmail-only kinds, and what is stored.
//! The last ones reach a fake `imap.gmail.com` (a certificate for that name, `--resolve
//! imap.gmail.com:127.0.0.1`) for what does: the App Password wording, "probably revoked", and
//! the shape warning before `test` logs in.

use serde_json::{json, Value};

use crate::support::env::{FreshEnv, Run};
use crate::support::fake_imap::{Answer, Behaviour, FakeImap, Script, Tls};

const APP_PASSWORDS_URL: &str = "https://myaccount.google.com/apppasswords";
const IMAP_SETTINGS_URL: &str = "https://mail.google.com/mail/u/0/#settings/fwdandpop";
const UNLOCK_URL: &str = "https://accounts.google.com/DisplayUnlockCaptcha";

/// The account password Google refuses; never to appear in any output.
const ACCOUNT_PASSWORD: &str = "hunter2-account-password";

/// A fake `imap.gmail.com`: Gimap's greeting (no capabilities in it), its capability list, and
/// `refusal` as the tagged answer to LOGIN and AUTHENTICATE.
fn fake_gmail(refusal: &str) -> FakeImap {
    let refusal = format!("{{tag}} {refusal}");
    let script = Script::greeting("* OK Gimap ready for requests from 127.0.0.1 q1mb123456abc")
        .answer(
            "CAPABILITY",
            Answer::lines([
                "* CAPABILITY IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN \
                 X-GM-EXT-1 XYZZY SASL-IR AUTH=XOAUTH2 AUTH=PLAIN AUTH=PLAIN-CLIENTTOKEN \
                 AUTH=OAUTHBEARER",
                "{tag} OK Thats all she wrote! q1mb123456abc",
            ]),
        )
        .answer("LOGIN", Answer::Lines(vec![refusal.clone()]))
        .answer("AUTHENTICATE", Answer::Lines(vec![refusal]));
    FakeImap::start_with(Behaviour::Imap(script), Tls::Implicit)
}

fn fresh() -> FreshEnv {
    let mut env = FreshEnv::new();
    env.secret(ACCOUNT_PASSWORD);
    env
}

/// Stores a TLS mailbox for `me@gmail.com` on the fake (no test yet); returns its id.
fn add_on(env: &FreshEnv, fake: &FakeImap, label: &str) -> String {
    env.add_mailbox(
        label,
        "127.0.0.1",
        fake.port(),
        true,
        "me@gmail.com",
        ACCOUNT_PASSWORD,
    )
}

/// `mailboxes test LABEL --ca-cert <the fake's> --json`, asserted to fail (exit 1) with one
/// result; returns the run and that result.
fn test_failing(env: &FreshEnv, fake: &FakeImap, label: &str) -> (Run, Value) {
    let ca = fake.ca_cert().display().to_string();
    let run = env.run(&["test", label, "--ca-cert", &ca, "--json"]);
    assert_eq!(run.code, Some(1), "unexpected exit code\n{run}\n{fake}");
    let results = run.json();
    let results = results
        .as_array()
        .unwrap_or_else(|| panic!("not an array\n{run}"));
    assert_eq!(results.len(), 1, "{run}");
    let result = results[0].clone();
    (run, result)
}

/// One refusal, end to end: the kind, the exact message, a hint naming `url`, and the stored
/// `status: "error"` with `lastError` equal to the message.
#[track_caller]
fn assert_refusal(refusal: &str, kind: &str, message: &str, url: &str) {
    let env = fresh();
    let fake = fake_gmail(refusal);
    let id = add_on(&env, &fake, "Work Gmail");
    let (run, result) = test_failing(&env, &fake, "work gmail");
    let context = format!("{run}\n{fake}");
    assert_eq!(result["id"], json!(id), "{context}");
    assert_eq!(result["label"], "Work Gmail", "{context}");
    assert_eq!(result["ok"], json!(false), "{context}");
    assert_eq!(result["kind"], json!(kind), "{context}");
    assert_eq!(result["message"], json!(message), "{context}");
    assert_eq!(result["round_trips"], Value::Null, "{context}");
    let hint = result["hint"]
        .as_str()
        .unwrap_or_else(|| panic!("no hint\n{context}"));
    assert!(!hint.contains('\n'), "the hint is one line: {hint:?}");
    assert!(hint.contains(url), "the hint should name {url}: {hint:?}");
    // The refusal answered a real LOGIN: the password reached the fake, over TLS.
    assert!(
        fake.saw_password("me@gmail.com", ACCOUNT_PASSWORD),
        "{fake}"
    );

    let stored = env.stored_entry(&id);
    assert_eq!(stored["status"], "error", "{stored:#}");
    assert_eq!(stored["lastError"], json!(message), "{stored:#}");
    assert!(stored["lastTestedAt"].is_string(), "{stored:#}");
    // What people see: the kind and the hint on stdout, and no summary for a single mailbox.
    let human = env.run(&[
        "test",
        "work gmail",
        "--ca-cert",
        &fake.ca_cert().display().to_string(),
    ]);
    human.code(1);
    assert_eq!(
        human.stdout,
        format!(
            "FAILED Work Gmail (127.0.0.1:{}): {kind}: {message}\n  hint: {hint}\n",
            fake.port()
        ),
        "{human}"
    );
    assert!(
        !human.stderr.contains(" ok,"),
        "no summary for one mailbox\n{human}"
    );
}

#[test]
fn application_specific_password_required() {
    assert_refusal(
        "NO [ALERT] Application-specific password required: \
         https://support.google.com/accounts/answer/185833 (Failure)",
        "app_password_required",
        "login rejected: Application-specific password required: \
         https://support.google.com/accounts/answer/185833 (Failure)",
        APP_PASSWORDS_URL,
    );
}

#[test]
fn please_log_in_via_your_web_browser() {
    assert_refusal(
        "NO [ALERT] Please log in via your web browser: \
         https://support.google.com/mail/accounts/answer/78754 (Failure)",
        "web_login_required",
        "login rejected: Please log in via your web browser: \
         https://support.google.com/mail/accounts/answer/78754 (Failure)",
        UNLOCK_URL,
    );
}

#[test]
fn webalert_web_login_required() {
    assert_refusal(
        "NO [WEBALERT https://accounts.google.com/signin/continue?sarp=1&scc=1] Web login required.",
        "web_login_required",
        "login rejected: Web login required. \
         (sign in at https://accounts.google.com/signin/continue?sarp=1&scc=1)",
        UNLOCK_URL,
    );
}

#[test]
fn imap_disabled() {
    assert_refusal(
        "NO [ALERT] Your account is not enabled for IMAP use. Please visit your Gmail settings \
         page and enable your account for IMAP access. (Failure)",
        "imap_disabled",
        "login rejected: Your account is not enabled for IMAP use. Please visit your Gmail \
         settings page and enable your account for IMAP access. (Failure)",
        IMAP_SETTINGS_URL,
    );
}

#[test]
fn invalid_credentials_is_auth() {
    let env = fresh();
    let fake = fake_gmail("NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)");
    let id = add_on(&env, &fake, "Work Gmail");
    let (run, result) = test_failing(&env, &fake, "Work Gmail");
    assert_eq!(result["kind"], "auth", "{run}");
    assert_eq!(
        result["message"], "login rejected: Invalid credentials (Failure)",
        "{run}"
    );
    // Never tested before: no talk of revocation.
    assert_eq!(
        result["hint"],
        "check the user name and the password; change them with `mailboxes edit 'Work Gmail' \
         --user … --password-prompt`",
        "{run}"
    );
    let stored = env.stored_entry(&id);
    assert_eq!(stored["status"], "error");
    assert_eq!(stored["lastError"], result["message"]);

    // Tested again, now that the stored status is "error": still no revocation.
    let (run, again) = test_failing(&env, &fake, "Work Gmail");
    assert_eq!(again["hint"], result["hint"], "{run}");
}

/// A login the store last saw succeed now fails: the password was probably revoked.
#[test]
fn worked_before_now_refused_is_probably_revoked() {
    let env = fresh();
    let fake = fake_gmail("NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)");
    // As the web app (or an earlier `mailboxes test`) leaves a mailbox that logged in.
    env.write_store(&json!({
        "mailboxes": [{
            "id": "6f1c2a9e-8d7b-4c3a-9e1f-2b3c4d5e6f70",
            "label": "Work Gmail",
            "host": "127.0.0.1",
            "port": fake.port(),
            "tls": true,
            "user": "me@gmail.com",
            "password": ACCOUNT_PASSWORD,
            "status": "ok",
            "lastTestedAt": "2026-01-02T03:04:05.678Z",
            "lastError": null
        }]
    }));
    let (run, result) = test_failing(&env, &fake, "work gmail");
    assert_eq!(result["kind"], "auth", "{run}");
    assert_eq!(
        result["hint"],
        "this worked before: the password was probably changed or revoked; get the new one and \
         store it with `mailboxes edit 'Work Gmail' --password-prompt`",
        "{run}"
    );
    let stored = env.stored_entry("6f1c2a9e-8d7b-4c3a-9e1f-2b3c4d5e6f70");
    assert_eq!(stored["status"], "error");
    assert_eq!(
        stored["lastError"],
        "login rejected: Invalid credentials (Failure)"
    );

    // Once recorded as an error, the next failure is no longer news.
    let (run, result) = test_failing(&env, &fake, "work gmail");
    assert_eq!(
        result["hint"],
        "check the user name and the password; change them with `mailboxes edit 'Work Gmail' \
         --user … --password-prompt`",
        "{run}"
    );
}

/// The shape check runs before any login: `add` without `--test` never connects.
#[test]
fn account_password_shape_is_warned_about_before_any_login() {
    let mut env = fresh();
    env.secret("hunter2");
    let env = env;
    let add = |password: &str, label: &str| {
        env.run_stdin(
            &[
                "add",
                "--gmail",
                "--label",
                label,
                "--user",
                "a@gmail.com",
                "--password-stdin",
            ],
            &format!("{password}\n"),
        )
    };
    let run = add("hunter2", "Hunter");
    run.ok();
    assert_eq!(
        run.stderr,
        format!(
            "warning: the password for 'Hunter' does not look like a Gmail App Password (16 \
             letters, shown as four groups of four); Gmail refuses account passwords over IMAP \
             once 2-Step Verification is on: create one at {APP_PASSWORDS_URL}\n"
        ),
        "{run}"
    );

    for (password, label) in [
        ("abcd efgh ijkl mnop", "Spaced"),
        ("abcdefghijklmnop", "Compact"),
    ] {
        let run = add(password, label);
        run.ok();
        assert!(
            !run.stderr.contains("warning") && !run.stderr.contains(APP_PASSWORDS_URL),
            "an App-Password-shaped password is not warned about\n{run}"
        );
    }
    let stored: Vec<String> = env
        .stored()
        .iter()
        .map(|e| format!("{} {} {}", e["label"], e["host"], e["port"]))
        .collect();
    assert_eq!(
        stored,
        [
            r#""Hunter" "imap.gmail.com" 993"#,
            r#""Spaced" "imap.gmail.com" 993"#,
            r#""Compact" "imap.gmail.com" 993"#
        ]
    );
}

/// Several Gmail refusals at once: each mailbox gets its own kind, and the summary on stderr
/// counts them (ok first, then in the order they first appear).
#[test]
fn the_summary_counts_gmail_kinds() {
    let env = fresh();
    let fakes = [
        fake_gmail("NO [ALERT] Application-specific password required: x (Failure)"),
        fake_gmail("NO [WEBALERT https://accounts.google.com/x] Web login required."),
        fake_gmail("NO [ALERT] Application-specific password required: y (Failure)"),
        fake_gmail("NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)"),
    ];
    let mut args = vec![
        "test".to_string(),
        "--all".to_string(),
        "--json".to_string(),
    ];
    for (n, fake) in fakes.iter().enumerate() {
        add_on(&env, fake, &format!("Gmail {n}"));
        args.push("--ca-cert".into());
        args.push(fake.ca_cert().display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = env.run(&args);
    run.code(1);
    assert_eq!(
        run.stderr, "0 ok, 2 app_password_required, 1 web_login_required, 1 auth\n",
        "{run}"
    );
    let kinds: Vec<Value> = run
        .json()
        .as_array()
        .unwrap_or_else(|| panic!("not an array\n{run}"))
        .iter()
        .map(|r| r["kind"].clone())
        .collect();
    assert_eq!(
        kinds,
        [
            "app_password_required",
            "web_login_required",
            "app_password_required",
            "auth"
        ]
    );
}

/// A fake `imap.gmail.com` (certificate for that name) refusing with `refusal`.
fn fake_gmail_host(refusal: &str) -> FakeImap {
    let refusal = format!("{{tag}} {refusal}");
    let script = Script::greeting("* OK Gimap ready for requests from 127.0.0.1 q1mb123456abc")
        .answer(
            "CAPABILITY",
            Answer::lines([
                "* CAPABILITY IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN \
                 X-GM-EXT-1 XYZZY SASL-IR AUTH=XOAUTH2 AUTH=PLAIN",
                "{tag} OK Thats all she wrote! q1mb123456abc",
            ]),
        )
        .answer("LOGIN", Answer::Lines(vec![refusal]));
    FakeImap::start_with(Behaviour::Imap(script), Tls::Gmail)
}

/// Stores `imap.gmail.com` on the fake's port with `password` and the given last status.
fn add_gmail_host(env: &FreshEnv, fake: &FakeImap, password: &str, status: &str) -> String {
    let id = env.add_mailbox(
        "Work Gmail",
        "imap.gmail.com",
        fake.port(),
        true,
        "me@gmail.com",
        password,
    );
    let mut document = json!({"mailboxes": env.stored()});
    document["mailboxes"][0]["status"] = json!(status);
    document["mailboxes"][0]["lastTestedAt"] = json!("2026-11-01T00:00:00.000Z");
    env.write_store(&document);
    id
}

fn test_gmail_host(env: &FreshEnv, fake: &FakeImap) -> Run {
    let ca = fake.ca_cert().display().to_string();
    env.run(&[
        "test",
        "work gmail",
        "--resolve",
        "imap.gmail.com:127.0.0.1",
        "--ca-cert",
        &ca,
        "--json",
    ])
}

#[test]
fn a_gmail_login_that_used_to_work_is_probably_revoked() {
    let env = fresh();
    let fake = fake_gmail_host("NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)");
    let id = add_gmail_host(&env, &fake, "abcd efgh ijkl mnop", "ok");
    let run = test_gmail_host(&env, &fake);
    run.code(1);
    let result = &run.json()[0];
    assert_eq!(result["kind"], json!("auth"), "{run}\n{fake}");
    assert_eq!(
        result["message"],
        json!("Invalid credentials (for Gmail use an App Password: myaccount.google.com/apppasswords)"),
        "{run}"
    );
    assert_eq!(
        result["hint"],
        json!(format!(
            "this worked before, so the App Password was probably revoked (Google revokes App \
             Passwords when the account password changes): create a new one at \
             {APP_PASSWORDS_URL} and store it with `mailboxes edit 'Work Gmail' --password-prompt`"
        )),
        "{run}"
    );
    assert_eq!(env.stored_entry(&id)["status"], json!("error"));
    // The certificate was checked for imap.gmail.com, not for the pinned address.
    assert!(
        fake.saw_password("me@gmail.com", "abcd efgh ijkl mnop"),
        "{fake}"
    );

    // Now that it is recorded as failing, the next failure is no longer "revoked".
    let again = test_gmail_host(&env, &fake);
    again.code(1);
    let hint = again.json()[0]["hint"].as_str().unwrap().to_string();
    assert!(
        hint.starts_with("Gmail needs an App Password (16 letters), not the account password"),
        "{again}"
    );
}

#[test]
fn testing_a_gmail_account_password_warns_before_logging_in() {
    let env = fresh();
    let fake = fake_gmail_host(
        "NO [ALERT] Application-specific password required: \
         https://support.google.com/accounts/answer/185833 (Failure)",
    );
    add_gmail_host(&env, &fake, ACCOUNT_PASSWORD, "pending");
    let run = test_gmail_host(&env, &fake);
    run.code(1);
    assert!(
        run.stderr.contains(&format!(
            "warning: the password for 'Work Gmail' does not look like a Gmail App Password (16 \
             letters, shown as four groups of four); Gmail refuses account passwords over IMAP \
             once 2-Step Verification is on: create one at {APP_PASSWORDS_URL}"
        )),
        "{run}"
    );
    assert_eq!(
        run.json()[0]["kind"],
        json!("app_password_required"),
        "{run}"
    );
}

#[test]
fn a_pinned_gmail_name_still_needs_a_certificate_for_that_name() {
    let env = fresh();
    // The fake presents a certificate for localhost only: pinning the name changes where we
    // connect, never which name the certificate must carry.
    let script = Script::greeting("* OK Gimap ready");
    let fake = FakeImap::start_with(Behaviour::Imap(script), Tls::Trusted);
    add_gmail_host(&env, &fake, "abcd efgh ijkl mnop", "pending");
    let run = test_gmail_host(&env, &fake);
    run.code(1);
    assert_eq!(run.json()[0]["kind"], json!("tls"), "{run}");
    assert!(
        run.json()[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("certificate is for another host name than imap.gmail.com"),
        "{run}"
    );
    assert!(
        !fake.saw_password("me@gmail.com", "abcd efgh ijkl mnop"),
        "{fake}"
    );
}
