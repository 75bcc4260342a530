//! The interactive `add` on a real terminal (a pseudo-terminal driven by rexpect): discovery,
//! the questions, the login test against Dovecot, and what gets saved.

use std::process::Stdio;

use rexpect::session::{spawn_command, PtySession};
use serde_json::json;

use crate::support::dovecot::{Dovecot, ALICE};
use crate::support::env::FreshEnv;

const TIMEOUT_MS: u64 = 20_000;

fn wizard(env: &FreshEnv, dovecot: &Dovecot) -> PtySession {
    let mut cmd = env.std_cmd();
    // Nothing listens on port 9: discovery fails at once and the wizard asks for the server.
    cmd.env("MAILBOXES_DNS_SERVER", "127.0.0.1:9")
        .env("TERM", "xterm")
        .stdin(Stdio::inherit())
        .args(["add", "--timeout", "5", "--ca-cert"])
        .arg(&dovecot.ca_cert);
    spawn_command(cmd, Some(TIMEOUT_MS)).expect("the wizard starts on a pty")
}

fn answer_server_questions(session: &mut PtySession, dovecot: &Dovecot) {
    session.exp_string("Email address").unwrap();
    session.send_line("alice@example.test").unwrap();
    session
        .exp_string("Could not find the server automatically")
        .unwrap();
    session.exp_string("IMAP server").unwrap();
    session.send_line("localhost").unwrap();
    session.exp_string("Security").unwrap();
    session.send_line("").unwrap(); // TLS, the default
    session.exp_string("Port").unwrap();
    session.send_line(&dovecot.imaps_port.to_string()).unwrap();
    session.exp_string("User").unwrap();
    session.send_line(ALICE.name).unwrap();
    session.exp_string("Label").unwrap();
    session.send_line("Home").unwrap();
}

#[test]
fn the_wizard_asks_tests_and_saves() {
    let dovecot = Dovecot::shared();
    let env = FreshEnv::new();
    let mut session = wizard(&env, dovecot);
    answer_server_questions(&mut session, dovecot);
    session.exp_string("Password").unwrap();
    session.send_line(ALICE.password).unwrap();
    session.exp_string("Login OK").unwrap();
    let (printed, _) = session.exp_regex("Added mailbox 'Home' \\(").unwrap();
    session.exp_eof().unwrap();
    assert!(!printed.contains(ALICE.password));

    let stored = env.stored();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let entry = &stored[0];
    assert_eq!(entry["label"], json!("Home"));
    assert_eq!(entry["host"], json!("localhost"));
    assert_eq!(entry["port"], json!(dovecot.imaps_port));
    assert_eq!(entry["tls"], json!(true));
    assert_eq!(entry["user"], json!(ALICE.name));
    assert_eq!(entry["password"], json!(ALICE.password));
    assert_eq!(entry["status"], json!("ok"));
    assert!(entry["lastTestedAt"].is_string());
}

#[test]
fn a_failed_login_is_not_saved_unless_the_person_says_so() {
    let dovecot = Dovecot::shared();
    let env = FreshEnv::new();
    let mut session = wizard(&env, dovecot);
    answer_server_questions(&mut session, dovecot);
    session.exp_string("Password").unwrap();
    session.send_line("not the password").unwrap();
    session.exp_string("Login failed").unwrap();
    session.exp_string("Save it anyway?").unwrap();
    session.send_line("n").unwrap();
    session.exp_string("not saved").unwrap();
    session.exp_eof().unwrap();
    assert!(env.store_bytes().is_none(), "nothing may be written");
}

/// A server answer that can never work (issue 15, group 5) is shown why and asked again, not
/// stored and not a dead end: a port inside the host, then a port that is no port.
#[test]
fn the_wizard_asks_again_for_a_host_with_a_port_in_it() {
    let dovecot = Dovecot::shared();
    let env = FreshEnv::new();
    let mut session = wizard(&env, dovecot);
    session.exp_string("Email address").unwrap();
    session.send_line("alice@example.test").unwrap();
    session.exp_string("IMAP server").unwrap();
    session
        .send_line(&format!("localhost:{}", dovecot.imaps_port))
        .unwrap();
    session
        .exp_string(&format!("--host localhost --port {}", dovecot.imaps_port))
        .unwrap();
    session.send_line("localhost").unwrap();
    session.exp_string("Security").unwrap();
    session.send_line("").unwrap();
    session.exp_string("Port").unwrap();
    session.send_line("99999").unwrap();
    session.exp_string("is not a port").unwrap();
    session.send_line(&dovecot.imaps_port.to_string()).unwrap();
    session.exp_string("User").unwrap();
    session.send_line(ALICE.name).unwrap();
    session.exp_string("Label").unwrap();
    session.send_line("Home").unwrap();
    session.exp_string("Password").unwrap();
    session.send_line(ALICE.password).unwrap();
    session.exp_string("Login OK").unwrap();
    session.exp_eof().unwrap();
    let stored = env.stored();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["host"], json!("localhost"));
    assert_eq!(stored[0]["port"], json!(dovecot.imaps_port));
}

/// A Gmail address: the wizard offers Google sign-in first, runs it in the browser, and saves
/// the grant (the login test cannot reach imap.gmail.com here: the person keeps it anyway).
#[test]
fn the_wizard_offers_google_sign_in_first_for_a_gmail_address() {
    let endpoint = crate::oauth2_signin::provider();
    let mut env = FreshEnv::new();
    let (script, _) = crate::oauth2_signin::browser(&env);
    env.env("BROWSER", &script);
    env.env("GOOGLE_CLIENT_SECRET", "desktop-secret-not-secret");
    let mut cmd = env.std_cmd();
    cmd.env("TERM", "xterm")
        .stdin(Stdio::inherit())
        .args([
            "add",
            "--timeout",
            "5",
            "--resolve",
            "imap.gmail.com:127.0.0.1",
        ])
        .args(["--oauth-auth-url", &endpoint.auth_url()])
        .args(["--oauth-token-url", endpoint.url()])
        .args([
            "--oauth-client-id",
            crate::support::token_endpoint::CLIENT_ID,
        ]);
    let mut session = spawn_command(cmd, Some(TIMEOUT_MS)).expect("the wizard starts on a pty");
    session.exp_string("Email address").unwrap();
    session.send_line("someone@gmail.com").unwrap();
    session.exp_string("Use these settings?").unwrap();
    yes(&mut session);
    session.exp_string("User").unwrap();
    session.send_line("").unwrap();
    session.exp_string("Label").unwrap();
    session.send_line("Personal").unwrap();
    session.exp_string("Sign in with").unwrap();
    session.send_line("").unwrap(); // Google in the browser, the default
    session.exp_string("Login failed").unwrap();
    session.exp_string("Save it anyway?").unwrap();
    yes(&mut session);
    let rest = session.exp_eof().unwrap();
    assert!(rest.contains("Added mailbox 'Personal'"), "{rest}");

    let stored = env.stored();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let entry = &stored[0];
    assert_eq!(entry["label"], json!("Personal"));
    assert_eq!(entry["host"], json!("imap.gmail.com"));
    assert_eq!(entry["user"], json!("someone@gmail.com"));
    assert_eq!(entry["authType"], json!("oauth2"));
    assert_eq!(entry["oauthProvider"], json!("google"));
    assert!(entry.get("password").is_none(), "{entry:#}");
    assert!(endpoint.is_live(entry["refreshToken"].as_str().unwrap()));
}

/// Answers a yes/no question, which reads one key (no Enter) once the terminal is in raw mode:
/// a key sent before that would wait in the line buffer.
fn yes(session: &mut PtySession) {
    std::thread::sleep(std::time::Duration::from_millis(300));
    session.send("y").unwrap();
    session.flush().unwrap();
}
