//! The CLI on the Supabase store (issue 3), driven as a person or a script would: the built
//! binary, a fresh environment per test, and the test stack (real PostgreSQL + RLS, real
//! PostgREST 12, the GoTrue stand-in, the gateway), with and without the migration.
//!
//! Each test owns its users (unique e-mails), so tests share the two stacks and run in
//! parallel. Without D-Bus (the default here: `FreshEnv` clears the environment) the session
//! goes to the 0600 file; one test runs under `dbus-run-session` with gnome-keyring.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::env::{Cli, FreshEnv, Run};
use crate::support::supabase::{self, Migration, Stack};
use crate::support::tls_front::TlsFront;

const BOTH: [Migration; 2] = [Migration::Installed, Migration::Absent];

/// A user of `stack` with a fresh e-mail, and an environment logged in as them.
struct User {
    id: Uuid,
    email: String,
    password: String,
    env: FreshEnv,
}

fn user(stack: &Stack, name: &str) -> User {
    let email = format!("{name}-{}@example.test", Uuid::new_v4().simple());
    let mut env = FreshEnv::new();
    let password = env.secret(&format!("pw-{}", Uuid::new_v4().simple()));
    let id = stack.create_user(&email, &password);
    User {
        id,
        email,
        password,
        env,
    }
}

fn login(stack: &Stack, user: &User) -> Run {
    let run = user
        .env
        .login(&stack.url(), stack.anon_key(), &user.email, &user.password);
    run.ok();
    run
}

fn logged_in(stack: &Stack, name: &str) -> User {
    let user = user(stack, name);
    login(stack, &user);
    user
}

/// `mailboxes add` of an IMAP entry on a closed loopback port; returns its id.
fn add(user: &User, label: &str) -> String {
    user.env.add_mailbox(
        label,
        "127.0.0.1",
        9,
        true,
        "someone",
        "imap-secret-password",
    )
}

fn list(user: &User) -> Vec<Value> {
    let run = user.env.run(&["list", "--json"]);
    run.ok();
    run.json()
        .as_array()
        .expect("list --json is an array")
        .clone()
}

/// A GoTrue call outside the CLI (another device of the same user); asserts 200.
fn auth_post(stack: &Stack, path: &str, body: Value) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut answer = agent
        .post(format!("{}{path}", stack.url()))
        .header("apikey", stack.anon_key())
        .send_json(body)
        .unwrap_or_else(|err| panic!("POST {path}: {err}"));
    let text = answer.body_mut().read_to_string().unwrap();
    assert_eq!(answer.status(), 200, "POST {path}: {text}");
    serde_json::from_str(&text).unwrap()
}

fn session_file(env: &FreshEnv) -> std::path::PathBuf {
    env.state_home().join("mailboxes/session.default.json")
}

/// Whether `stderr` says the session went to the file because no keyring answered.
fn says_file_fallback(stderr: &str) -> bool {
    let stderr = stderr.to_lowercase();
    stderr.contains("keyring") && stderr.contains("0600 file")
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn stored_session(env: &FreshEnv) -> Value {
    serde_json::from_slice(&fs::read(session_file(env)).expect("the session file")).unwrap()
}

#[test]
fn login_status_logout_with_the_file_fallback() {
    let stack = supabase::shared(Migration::Installed);
    let user = user(stack, "file");
    let run = login(stack, &user);
    // No D-Bus here: said once, on stderr, at login; later commands use the file quietly.
    assert!(says_file_fallback(&run.stderr), "{run}");
    assert_eq!(run.stderr.matches("0600 file").count(), 1, "{run}");
    let file = session_file(&user.env);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);
    // profiles.json remembers the project, never a token.
    let profiles = fs::read_to_string(user.env.config_home().join("mailboxes/profiles.json"))
        .expect("profiles.json");
    let tokens = stored_session(&user.env);
    for token in ["access_token", "refresh_token"] {
        let token = tokens[token].as_str().unwrap();
        assert!(!profiles.contains(token), "{profiles}");
    }
    assert!(profiles.contains(&stack.url()));

    let status = user.env.run(&["status", "--json"]);
    status.ok();
    assert!(!says_file_fallback(&status.stderr), "{status}");
    let status = status.json();
    assert_eq!(status["logged_in"], json!(true), "{status:#}");
    assert_eq!(status["session"], json!("file"), "{status:#}");
    assert_eq!(status["email"], json!(user.email), "{status:#}");
    assert_eq!(status["user_id"], json!(user.id.to_string()), "{status:#}");
    assert_eq!(status["url"], json!(stack.url()), "{status:#}");
    assert_eq!(status["store"], json!("supabase"), "{status:#}");
    assert_eq!(status["migration_installed"], json!(true), "{status:#}");
    assert!(status["expires_at"].is_string(), "{status:#}");

    user.env.run(&["logout"]).ok();
    assert!(!file.exists());
    assert_eq!(
        stack.session_count(user.id),
        0,
        "the server revoked the session"
    );
    let status = user.env.run(&["status", "--json"]);
    status.ok();
    assert_eq!(status.json()["logged_in"], json!(false));
    assert_eq!(status.json()["store"], json!("local"));
    // Logged out, `--store supabase` says how to log in (exit 3).
    let run = user.env.run(&["list", "--store", "supabase"]);
    run.code(3).stderr_has("mailboxes login");
}

/// A project URL whose TLS fails (an untrusted certificate, a plain-text port): the request was
/// never sent, and the error says why in the probe's words, with exit 5.
#[test]
fn an_https_url_whose_tls_fails_says_why() {
    let dovecot = crate::support::dovecot::Dovecot::shared();
    let env = FreshEnv::new();
    for (port, why) in [
        (
            dovecot.imaps_port,
            "certificate not trusted for 127.0.0.1 (its issuer is not a trusted CA)",
        ),
        (
            dovecot.imap_port,
            "the server does not answer with TLS (a plain-text or STARTTLS port?)",
        ),
    ] {
        let url = format!("https://127.0.0.1:{port}");
        let run = env.login(&url, "anon", "a@example.test", "pw");
        run.code(5);
        run.stderr_has(&format!("cannot connect to {url}: "));
        run.stderr_has(why);
    }
}

/// HTTPS trusts the system's roots (SSL_CERT_FILE here), like the probe and curl: a project
/// behind a private CA works once that CA is in the system's bundle, and is refused (nothing
/// sent, exit 5) while it is not.
#[test]
fn https_to_the_project_trusts_the_systems_roots() {
    let stack = supabase::shared(Migration::Installed);
    let dovecot = crate::support::dovecot::Dovecot::shared();
    let front = TlsFront::start(
        &stack.url(),
        &dovecot.dir.join("server.pem"),
        &dovecot.dir.join("server.key"),
    );
    let mut user = user(stack, "https");
    user.env.env("SSL_CERT_FILE", &dovecot.ca_cert);
    let login = |user: &User| {
        user.env
            .login(&front.url(), stack.anon_key(), &user.email, &user.password)
    };
    login(&user).ok();
    add(&user, "Over HTTPS");
    assert_eq!(list(&user)[0]["label"], json!("Over HTTPS"));

    // A bundle without that CA (only some other certificate): not trusted.
    let other = user.env.root().join("other-bundle.pem");
    let unrelated = rcgen::generate_simple_self_signed(vec!["unrelated.test".to_string()])
        .unwrap()
        .cert
        .pem();
    fs::write(&other, unrelated).unwrap();
    user.env.env("SSL_CERT_FILE", &other);
    let run = login(&user);
    run.code(5);
    run.stderr_has("certificate not trusted for localhost (its issuer is not a trusted CA)");
}

#[test]
fn status_reports_a_missing_migration() {
    let stack = supabase::shared(Migration::Absent);
    let user = logged_in(stack, "nomigration");
    let status = user.env.run(&["status", "--json"]);
    status.ok();
    assert_eq!(
        status.json()["migration_installed"],
        json!(false),
        "{status}"
    );
}

#[test]
fn wrong_password_is_refused_with_exit_3() {
    let stack = supabase::shared(Migration::Installed);
    let user = user(stack, "wrongpw");
    let run = user.env.login(
        &stack.url(),
        stack.anon_key(),
        &user.email,
        "not-the-password",
    );
    run.code(3).stderr_has("Invalid login credentials");
    assert!(!session_file(&user.env).exists());
}

#[test]
fn session_in_the_keyring_when_a_secret_service_answers() {
    let stack = supabase::shared(Migration::Installed);
    let user = user(stack, "keyring");
    // The binary runs inside a private D-Bus session with an unlocked gnome-keyring, reached
    // over zbus (no libdbus). `add` and `status` are new processes: the session they use is
    // the one `login` left in the Secret Service.
    let script = r#"echo keyring-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 90
"$MB" login --url "$URL" --anon-key "$KEY" --email "$EMAIL" --password-stdin <<EOF >/dev/null || exit 91
$PW
EOF
"$MB" add --label K --host 127.0.0.1 --port 9 --user u --password-stdin <<EOF >/dev/null || exit 92
imap-secret-password
EOF
"$MB" status --json || exit 93
# The keyring out of reach later (no D-Bus session): say so, and how to get on.
DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent "$MB" list >/dev/null 2>unreachable.err
echo $? >unreachable.code
"$MB" logout >/dev/null || exit 94
"$MB" status --json
"#;
    let template = user.env.std_cmd();
    let mut cmd = Command::new("dbus-run-session");
    cmd.env_clear();
    for (key, value) in template.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    let output = cmd
        .args(["--", "sh", "-c", script])
        .env("MB", env!("CARGO_BIN_EXE_mailboxes"))
        .env("URL", stack.url())
        .env("KEY", stack.anon_key())
        .env("EMAIL", &user.email)
        .env("PW", &user.password)
        .current_dir(user.env.root())
        .stdin(Stdio::null())
        .output()
        .expect("dbus-run-session (Debian packages dbus, gnome-keyring)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{:?}\n{stdout}\n{stderr}",
        output.status
    );
    assert!(!says_file_fallback(&stderr), "{stderr}");
    assert!(!stdout.contains(&user.password) && !stderr.contains(&user.password));
    let mut statuses = serde_json::Deserializer::from_str(&stdout).into_iter::<Value>();
    let before = statuses.next().unwrap().unwrap();
    assert_eq!(before["session"], json!("keyring"), "{before:#}");
    assert_eq!(before["logged_in"], json!(true), "{before:#}");
    let after = statuses.next().unwrap().unwrap();
    assert_eq!(after["logged_in"], json!(false), "{after:#}");
    // Nothing was written to the file fallback.
    assert!(!session_file(&user.env).exists());
    let unreachable = std::fs::read_to_string(user.env.root().join("unreachable.err")).unwrap();
    let code = std::fs::read_to_string(user.env.root().join("unreachable.code")).unwrap();
    assert_eq!(code.trim(), "3", "{unreachable}");
    assert!(
        unreachable.contains("cannot read the session from the keyring: ")
            && unreachable.contains("unlock the keyring")
            && unreachable.contains("run `mailboxes login` to keep a new session in a 0600 file"),
        "{unreachable}"
    );
    assert_eq!(
        stack.settings(user.id).unwrap()["mailboxes"][0]["label"],
        json!("K")
    );
}

#[test]
fn two_users_cannot_see_or_change_each_others_mailboxes() {
    for migration in BOTH {
        let stack = supabase::shared(migration);
        let alice = logged_in(stack, "alice");
        let bob = logged_in(stack, "bob");
        let id = add(&alice, "Alice's");
        let before = stack.settings(alice.id).unwrap();

        assert_eq!(list(&bob), Vec::<Value>::new());
        bob.env
            .run(&["edit", &id, "--label", "Bob was here"])
            .code(4);
        bob.env.run(&["remove", &id, "--yes"]).code(4);
        bob.env.run(&["test", &id]).code(4);
        let bobs = add(&bob, "Bob's");
        assert_ne!(bobs, id);

        assert_eq!(stack.settings(alice.id).unwrap(), before, "{migration:?}");
        let alices = list(&alice);
        assert_eq!(alices.len(), 1);
        assert_eq!(alices[0]["label"], json!("Alice's"));
    }
}

#[test]
fn other_settings_and_unknown_fields_survive_every_command() {
    for migration in BOTH {
        let stack = supabase::shared(migration);
        let user = logged_in(stack, "keeper");
        let kept = json!({"id": "kept-0001", "label": "Kept", "host": "imap.example.com",
            "port": 993, "tls": true, "user": "k", "password": "kept-secret",
            "futureField": {"nested": [1, "two", null]}, "status": "ok"});
        let edited = json!({"id": "edit-0002", "label": "Edit me", "host": "127.0.0.1",
            "port": 9, "tls": true, "user": "e", "password": "edit-secret",
            "webAppOnly": true});
        let settings = json!({
            "openaiApiKey": "sk-keep-me",
            "theme": {"dark": true, "accents": ["a", "b"]},
            "mailboxes": [kept, edited],
        });
        stack.set_settings(user.id, &settings);

        let added = add(&user, "Added");
        user.env
            .run(&["edit", "edit-0002", "--label", "Edited"])
            .ok();
        // A failed connection test is recorded too (exit 1: the probe failed).
        user.env.run(&["test", "edit-0002"]).code(1);
        user.env.run(&["remove", &added, "--yes"]).ok();

        let after = stack.settings(user.id).unwrap();
        for key in ["openaiApiKey", "theme"] {
            assert_eq!(after[key], settings[key], "{migration:?} {key}");
        }
        let entries = after["mailboxes"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "{after:#}");
        assert_eq!(entries[0], kept, "{migration:?}");
        let mut expected = edited.clone();
        expected["label"] = json!("Edited");
        for key in ["status", "lastTestedAt", "lastError"] {
            expected[key] = entries[1][key].clone();
        }
        assert_eq!(entries[1], expected, "{migration:?}");
        assert_eq!(entries[1]["status"], json!("error"));
        assert!(after["mailboxesRevision"].is_string());
    }
}

#[test]
fn twenty_concurrent_adds_all_land() {
    for migration in BOTH {
        let stack = supabase::shared(migration);
        let user = logged_in(stack, "crowd");
        let children: Vec<_> = (0..20)
            .map(|n| {
                let mut cmd = user.env.std_cmd();
                cmd.args(
                    Cli::add(&format!("Crowd {n}"), "127.0.0.1", "u")
                        .port("9")
                        .args(["--password-env", "IMAP_PW"])
                        .strs(),
                )
                .env("IMAP_PW", "crowd-secret")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
                cmd.spawn().expect("spawn add")
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "{migration:?}: {}\n{}",
                String::from_utf8_lossy(&output.stderr),
                stack.logs()
            );
        }
        let labels: std::collections::BTreeSet<String> = list(&user)
            .iter()
            .map(|entry| entry["label"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(labels.len(), 20, "{migration:?}: {labels:?}");
    }
}

#[test]
fn a_rejected_access_token_is_refreshed_and_the_rotated_token_stored() {
    let stack = supabase::shared(Migration::Installed);
    let user = logged_in(stack, "expired");
    add(&user, "Before");
    // Replace the stored access token by one that expired a minute ago (PostgREST refuses it),
    // while the stored expiry still says it is fresh: the 401 path.
    let mut session = stored_session(&user.env);
    let old_refresh = session["refresh_token"].clone();
    session["access_token"] = json!(stack.sign_jwt(&json!({
        "sub": user.id.to_string(), "role": "authenticated", "aud": "authenticated",
        "exp": chrono::Utc::now().timestamp() - 60, "iat": chrono::Utc::now().timestamp() - 3660,
    })));
    fs::write(session_file(&user.env), session.to_string()).unwrap();

    assert_eq!(list(&user).len(), 1);
    let refreshed = stored_session(&user.env);
    assert_ne!(
        refreshed["refresh_token"], old_refresh,
        "the rotated token was stored"
    );
    assert_ne!(refreshed["access_token"], session["access_token"]);
    // And it goes on working.
    add(&user, "After");
    assert_eq!(list(&user).len(), 2);
}

#[test]
fn an_access_token_expiring_mid_session_is_refreshed_before_use() {
    let stack = supabase::shared(Migration::Installed);
    let user = user(stack, "shortlived");
    stack.set_access_token_ttl(user.id, Duration::from_secs(2));
    login(stack, &user);
    let first = stored_session(&user.env);
    std::thread::sleep(Duration::from_secs(3));
    add(&user, "Later");
    let second = stored_session(&user.env);
    assert_ne!(first["refresh_token"], second["refresh_token"]);
    assert_eq!(list(&user).len(), 1);
}

#[test]
fn two_processes_refreshing_at_once_both_succeed() {
    let stack = supabase::shared(Migration::Installed);
    let user = user(stack, "racers");
    // Every token is "about to expire", so every command refreshes.
    stack.set_access_token_ttl(user.id, Duration::from_secs(1));
    login(stack, &user);
    // Outside GoTrue's reuse interval, a second use of a spent refresh token revokes the
    // session: only the lock and the re-read keep both processes logged in.
    stack.age_refresh_tokens(user.id, supabase::REUSE_INTERVAL + Duration::from_secs(5));
    let before = stored_session(&user.env)["refresh_token"].clone();
    let children: Vec<_> = (0..2)
        .map(|_| {
            let mut cmd = user.env.std_cmd();
            cmd.args(["list", "--json"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            cmd.spawn().expect("spawn list")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&output.stderr),
            stack.logs()
        );
    }
    // PostgREST accepts a token up to 30 s past its expiry: without this, nothing need refresh.
    assert_ne!(
        stored_session(&user.env)["refresh_token"],
        before,
        "no process refreshed"
    );
    stack.age_refresh_tokens(user.id, supabase::REUSE_INTERVAL + Duration::from_secs(5));
    user.env.run(&["list"]).ok();
    assert_eq!(stack.session_count(user.id), 1);
}

#[test]
fn a_revoked_session_says_run_login_with_exit_3() {
    let stack = supabase::shared(Migration::Installed);
    let user = user(stack, "revoked");
    stack.set_access_token_ttl(user.id, Duration::from_secs(1));
    login(stack, &user);
    // Rotate the stored refresh token twice elsewhere, long ago: presenting it now is a reuse
    // outside the interval, and the server revokes the session (GoTrue's reuse detection).
    let mut refresh_token = stored_session(&user.env)["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..2 {
        let answer = auth_post(
            stack,
            "/auth/v1/token?grant_type=refresh_token",
            json!({ "refresh_token": refresh_token }),
        );
        refresh_token = answer["refresh_token"].as_str().unwrap().to_string();
    }
    stack.age_refresh_tokens(user.id, supabase::REUSE_INTERVAL + Duration::from_secs(5));
    let run = user.env.run(&["list"]);
    run.code(3);
    assert!(
        run.one_line_error()
            .contains("session expired, run `mailboxes login`"),
        "{run}"
    );
}

#[test]
fn logout_works_offline() {
    // A private stack, so stopping it affects no other test.
    let stack = Stack::start(Migration::Installed);
    let user = logged_in(&stack, "offline");
    let url = stack.url();
    drop(stack);
    let run = user.env.run(&["logout"]);
    run.ok().stderr_has("did not revoke");
    assert!(!session_file(&user.env).exists());
    let status = user.env.run(&["status", "--json"]);
    assert_eq!(status.json()["logged_in"], json!(false));
    // The project is remembered for the next login.
    assert_eq!(status.json()["url"], json!(url));
}

#[test]
fn a_malformed_list_is_reported_and_never_overwritten() {
    for migration in BOTH {
        let stack = supabase::shared(migration);
        let user = logged_in(stack, "malformed");
        for mailboxes in [
            json!({"not": "an array"}),
            json!([{"label": "no id", "host": "h", "port": 1, "user": "u"}]),
        ] {
            let settings = json!({"apiKey": "keep", "mailboxes": mailboxes});
            stack.set_settings(user.id, &settings);
            let run = user.env.run(&["list"]);
            run.code(1);
            assert!(run.one_line_error().contains("mailboxes"), "{run}");
            user.env
                .run_stdin(
                    &Cli::add("X", "h", "u").args(["--password-stdin"]).strs(),
                    "imap-secret-password\n",
                )
                .code(1);
            assert_eq!(stack.settings(user.id).unwrap(), settings, "{migration:?}");
        }
    }
}

#[test]
fn a_token_from_the_environment_is_used_for_one_run_and_stored_nowhere() {
    let stack = supabase::shared(Migration::Installed);
    let user = user(stack, "envtoken");
    let session = auth_post(
        stack,
        "/auth/v1/token?grant_type=password",
        json!({ "email": user.email, "password": user.password }),
    );
    let token = session["access_token"].as_str().unwrap().to_string();
    let mut env = FreshEnv::new();
    env.secret(&token);
    env.env("MAILBOXES_ACCESS_TOKEN", &token)
        .env("SUPABASE_URL", stack.url())
        .env("SUPABASE_ANON_KEY", stack.anon_key());
    let run = env.run_stdin(
        &Cli::add("Env", "h", "u").args(["--password-stdin"]).strs(),
        "imap-secret-password\n",
    );
    run.ok();
    assert_eq!(
        stack.settings(user.id).unwrap()["mailboxes"][0]["label"],
        json!("Env")
    );
    let status = env.run(&["status", "--json"]);
    status.ok();
    assert_eq!(status.json()["session"], json!("env"), "{status}");
    assert_eq!(
        status.json()["user_id"],
        json!(user.id.to_string()),
        "{status}"
    );
    assert!(!session_file(&env).exists());
    assert!(!env.config_home().join("mailboxes/profiles.json").exists());
}

#[test]
fn no_password_or_token_ever_appears_in_a_request_url() {
    for migration in BOTH {
        let stack = supabase::shared(migration);
        let user = logged_in(stack, "urls");
        let id = add(&user, "Urls");
        user.env.run(&["edit", &id, "--label", "Urls 2"]).ok();
        user.env.run(&["list"]).ok();
        let session = stored_session(&user.env);
        user.env.run(&["logout"]).ok();
        let secrets = [
            user.password.as_str(),
            "imap-secret-password",
            session["access_token"].as_str().unwrap(),
            session["refresh_token"].as_str().unwrap(),
            stack.anon_key(),
        ];
        let lines = stack.request_lines();
        assert!(lines.iter().any(|line| line.contains("/rest/v1/")));
        for line in &lines {
            for secret in secrets {
                assert!(!line.contains(secret), "a secret in a URL: {line}");
            }
            // Every JWT starts with eyJ (base64 of `{"`).
            assert!(!line.contains("eyJ"), "a token in a URL: {line}");
            assert!(!line.to_lowercase().contains("password="), "{line}");
        }
    }
}

/// The request lines a command adds to the gateway log of a private stack.
fn requests_of(stack: &Stack, run: impl FnOnce()) -> Vec<String> {
    let before = stack.request_lines().len();
    run();
    stack.request_lines()[before..].to_vec()
}

/// The lines of `lines` that are not the list read (`select=mailboxes:...`), which commands
/// make to resolve names before writing.
fn beyond_the_list_read(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|line| !line.contains("select=mailboxes:settings-%3Emailboxes"))
        .cloned()
        .collect()
}

#[test]
fn each_command_makes_the_fewest_requests() {
    for migration in BOTH {
        let stack = Stack::start(migration);
        let user = user(&stack, "counted");
        let lines = requests_of(&stack, || {
            login(&stack, &user);
        });
        assert_eq!(lines.len(), 1, "login: {lines:#?}");
        let lines = requests_of(&stack, || {
            list(&user);
        });
        assert_eq!(lines.len(), 1, "list: {lines:#?}");
        let mut id = String::new();
        let lines = beyond_the_list_read(&requests_of(&stack, || id = add(&user, "First")));
        match migration {
            // One atomic call.
            Migration::Installed => assert_eq!(lines.len(), 1, "add: {lines:#?}"),
            // The RPC's 404, the read of the (missing) row, the insert.
            Migration::Absent => assert_eq!(lines.len(), 3, "add: {lines:#?}"),
        }
        let lines = beyond_the_list_read(&requests_of(&stack, || {
            add(&user, "Second");
        }));
        match migration {
            Migration::Installed => assert_eq!(lines.len(), 1, "add: {lines:#?}"),
            // The missing functions are remembered: read + guarded PATCH.
            Migration::Absent => assert_eq!(lines.len(), 2, "add: {lines:#?}"),
        }
        let lines = beyond_the_list_read(&requests_of(&stack, || {
            user.env.run(&["edit", &id, "--label", "Renamed"]).ok();
        }));
        let expected = if migration == Migration::Installed {
            1
        } else {
            2
        };
        assert_eq!(lines.len(), expected, "edit: {lines:#?}");
    }
}

#[test]
fn server_errors_exit_5_and_only_reads_are_retried() {
    let stack = Stack::start(Migration::Installed);
    let user = logged_in(&stack, "flaky");
    stack.intercept(Box::new(|request| {
        request
            .path()
            .starts_with("/rest/v1/")
            .then(|| supabase::Reply::json(503, &json!({"message": "upstream down"})))
    }));
    let lines = requests_of(&stack, || {
        let run = user.env.run(&["list"]);
        run.code(5);
        assert!(run.one_line_error().contains("503"), "{run}");
    });
    assert_eq!(lines.len(), 3, "a read is tried 3 times: {lines:#?}");
    stack.clear_interceptors();
    stack.intercept(Box::new(|request| {
        (request.method != "GET")
            .then(|| supabase::Reply::json(503, &json!({"message": "upstream down"})))
    }));
    let lines = beyond_the_list_read(&requests_of(&stack, || {
        user.env
            .run_stdin(
                &Cli::add("X", "h", "u").args(["--password-stdin"]).strs(),
                "imap-secret-password\n",
            )
            .code(5);
    }));
    assert_eq!(
        lines.len(),
        1,
        "an add may have landed: not retried: {lines:#?}"
    );
    stack.clear_interceptors();
    assert_eq!(list(&user), Vec::<Value>::new());
}

#[test]
fn permission_denied_by_rls_is_reported() {
    let stack = Stack::start(Migration::Absent);
    let user = logged_in(&stack, "rls");
    // What PostgREST answers when a policy refuses a write.
    stack.intercept(Box::new(|request| {
        (request.method != "GET" && request.path().starts_with("/rest/v1/user_secrets")).then(
            || {
                supabase::Reply::json(
                    403,
                    &json!({"code": "42501", "message":
                    "new row violates row-level security policy for table \"user_secrets\""}),
                )
            },
        )
    }));
    let run = user.env.run_stdin(
        &Cli::add("X", "h", "u").args(["--password-stdin"]).strs(),
        "imap-secret-password\n",
    );
    run.code(1);
    assert!(run.one_line_error().contains("permission denied"), "{run}");
}

/// Other keys of `settings` (the user's API settings) and unknown fields of an entry keep
/// their numbers exactly through an edit, with the migration's functions and on the
/// read-modify-write fallback without them (issue 15, group 6).
#[test]
fn unknown_numbers_survive_an_edit_exactly() {
    for migration in BOTH {
        let stack = supabase::shared(migration);
        let user = logged_in(stack, "bignumbers");
        let settings: Value = serde_json::from_str(
            r#"{"apiKeys": {"serial": 123456789012345678901234567890, "ratio": 1.000000000000000000001},
                "mailboxes": [{"id": "0b6d7a3e-5f1c-4e2a-9b8d-1c2d3e4f5a6b", "label": "Web",
                  "host": "imap.example.com", "port": 993, "tls": true, "user": "me",
                  "password": "pw-123456", "extId": 98765432109876543210987654321}]}"#,
        )
        .unwrap();
        stack.set_settings(user.id, &settings);
        user.env.run(&["edit", "web", "--label", "Web 2"]).ok();
        let after = stack.settings(user.id).expect("the row");
        let text = after.to_string();
        assert_eq!(
            after["mailboxes"][0]["label"], "Web 2",
            "{migration:?}: {text}"
        );
        for number in [
            "123456789012345678901234567890",
            "1.000000000000000000001",
            "98765432109876543210987654321",
        ] {
            assert!(
                text.contains(number),
                "{migration:?}: {number} was rewritten: {text}"
            );
        }
    }
}

/// OAuth2 entries on the real PostgREST stack (issue 12): one signed in with `add --oauth`
/// round-trips with the web app's other keys and fields kept, and four processes refreshing its
/// rotating grant at once all log in, with one refresh and the live refresh token stored.
#[test]
fn oauth2_entries_round_trip_and_concurrent_refreshes_lose_nothing() {
    use crate::support::dovecot::Dovecot;
    for migration in BOTH {
        let stack = supabase::shared(migration);
        let mut user = logged_in(stack, "oauth");
        let endpoint = crate::oauth2_signin::provider();
        let (script, _) = crate::oauth2_signin::browser(&user.env);
        user.env.env("BROWSER", &script);
        let dovecot = Dovecot::oauth2().0;
        let ca = dovecot.ca_cert_arg();
        let port = dovecot.imaps_port_arg();
        let auth_url = endpoint.auth_url();
        let run = user.env.run(&[
            "add",
            "--label",
            "Work OAuth",
            "--oauth",
            "custom",
            "--host",
            "localhost",
            "--port",
            &port,
            "--user",
            "alice",
            "--oauth-auth-url",
            &auth_url,
            "--oauth-token-url",
            endpoint.url(),
            "--oauth-scope",
            "mail",
            "--oauth-client-id",
            crate::support::token_endpoint::CLIENT_ID,
            "--test",
            "--ca-cert",
            &ca,
        ]);
        run.ok();
        // The web app adds its own keys beside ours; expire the access token as time would.
        let mut settings = stack.settings(user.id).unwrap();
        settings["openaiApiKey"] = json!("sk-keep-me");
        let entry = &mut settings["mailboxes"][0];
        assert_eq!(entry["authType"], "oauth2", "{migration:?} {entry:#}");
        assert!(entry.get("password").is_none(), "{entry:#}");
        entry["webAppNote"] = json!({"kept": [1, 2.50]});
        entry["accessTokenExpiresAt"] = json!("2000-01-01T00:00:00.000Z");
        stack.set_settings(user.id, &settings);

        let before = endpoint.requests();
        let children: Vec<_> = (0..4)
            .map(|_| {
                user.env
                    .std_cmd()
                    .args(["test", "Work OAuth", "--ca-cert", &ca])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "{migration:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        assert_eq!(
            endpoint.requests() - before,
            1,
            "{migration:?}: one refresh"
        );
        let after = stack.settings(user.id).unwrap();
        assert_eq!(after["openaiApiKey"], "sk-keep-me");
        let entry = &after["mailboxes"][0];
        assert_eq!(
            entry["webAppNote"],
            json!({"kept": [1, 2.50]}),
            "{migration:?}"
        );
        assert_eq!(entry["status"], "ok");
        assert!(
            endpoint.is_live(entry["refreshToken"].as_str().unwrap()),
            "{migration:?}: the stored refresh token is the live one"
        );
    }
}

/// `sync` signed in: logins recorded in the user's row, contacts imported into
/// `public.contacts` (the web app's view of them), and `contacts list|groups|dedup` read them
/// there.
#[test]
fn sync_on_supabase_imports_contacts_that_contacts_list_reads() {
    use crate::support::dovecot::Dovecot;
    use crate::support::mailgen::{message, MailUser};
    // The shared stack with the contacts migration too.
    let stack = crate::harvest::import::stack();
    let user = logged_in(stack, "syncer");
    let mail = MailUser::create(Dovecot::shared(), "sync-supabase");
    let to_me = format!("To: Me <{}>", mail.login);
    mail.deliver(
        "INBOX",
        [
            message(&["From: Ann Lee <ann.lee@example.com>", &to_me]),
            message(&["From: Ann Lee <ann.lee@example.com>", &to_me]),
            message(&["From: Bob Roe <bob@example.org>", &to_me]),
        ],
    );
    let dovecot = Dovecot::shared();
    user.env.add_mailbox(
        "Work",
        "localhost",
        dovecot.imaps_port,
        true,
        &mail.login,
        &mail.password,
    );
    let run = user
        .env
        .run(&["sync", "--json", "--ca-cert", &dovecot.ca_cert_arg()]);
    let summary = run.ok().json();
    assert_eq!(summary["mailboxes"][0]["ok"], true, "{run}");
    assert_eq!(summary["address_book"], "Supabase public.contacts");
    assert_eq!(list(&user)[0]["status"], "ok");

    let listed = user.env.run(&["contacts", "list", "--json"]);
    let listed = listed.ok().json();
    assert_eq!(
        listed[0]["emails"],
        json!(["ann.lee@example.com"]),
        "{listed:#}"
    );
    assert_eq!(listed[0]["name"], "Ann Lee");
    assert_eq!(listed[0]["from_count"], 2);
    let groups = user.env.run(&["contacts", "groups", "--json"]);
    assert_eq!(groups.ok().json()[0]["contacts"], 2);
    // Ann and Bob are two people: nothing to merge.
    user.env
        .run(&["contacts", "dedup"])
        .ok()
        .stdout_has("No duplicates found.");
}

/// De-duplication on Supabase (issue 14 item 4): the same evidence as the local book, applied by
/// the dedup migration's functions (owner-only, one transaction each); a later full sync keeps
/// the merge, unmerge takes it back, every address keeps its own row (the web app's view), and
/// the migration is re-run safe.
#[test]
fn dedup_on_supabase_merges_keeps_the_merge_across_syncs_and_unmerges() {
    use crate::support::dovecot::Dovecot;
    use crate::support::mailgen::{message, MailUser};
    let stack = crate::harvest::import::stack();
    let user = logged_in(stack, "deduper");
    let mail = MailUser::create(Dovecot::shared(), "dedup-supabase");
    let to_me = format!("To: Me <{}>", mail.login);
    mail.deliver(
        "INBOX",
        [
            message(&["From: Ann Lee <ann@work.example>", &to_me]),
            message(&["From: Ann Lee <ann@work.example>", &to_me]),
            message(&["From: ann.lee@home.example", &to_me]),
            message(&["From: Carol <carol@a.example>", &to_me]),
            message(&["From: Carol <carol@b.example>", &to_me]),
        ],
    );
    let dovecot = Dovecot::shared();
    user.env.add_mailbox(
        "Work",
        "localhost",
        dovecot.imaps_port,
        true,
        &mail.login,
        &mail.password,
    );
    let ca = dovecot.ca_cert_arg();
    let people = |user: &User| -> Vec<Value> {
        let run = user.env.run(&["contacts", "list", "--json"]);
        run.ok().json().as_array().unwrap().clone()
    };
    user.env.run(&["sync", "--ca-cert", &ca]).ok();
    assert_eq!(people(&user).len(), 4);

    let plan = user.env.run(&["contacts", "dedup", "--json"]);
    let plan = plan.ok().json();
    assert_eq!(plan["proposals"].as_array().unwrap().len(), 1, "{plan:#}");
    assert_eq!(
        plan["proposals"][0]["emails"],
        json!(["ann@work.example", "ann.lee@home.example"])
    );
    assert_eq!(
        plan["proposals"][0]["evidence"],
        json!(["'ann.lee@home.example' spells the name 'Ann Lee'"])
    );
    user.env.run(&["contacts", "dedup", "--apply"]).ok();
    let after = people(&user);
    assert_eq!(after.len(), 3, "{after:#?}");
    assert_eq!(
        after[0]["emails"],
        json!(["ann@work.example", "ann.lee@home.example"])
    );
    assert_eq!(after[0]["from_count"], 3);

    // A later full sync keeps the merge; the counts grow.
    mail.deliver("INBOX", [message(&["From: ann.lee@home.example", &to_me])]);
    user.env.run(&["sync", "--full", "--ca-cert", &ca]).ok();
    let after = people(&user);
    assert_eq!(after.len(), 3);
    assert_eq!(after[0]["from_count"], 4, "{after:#?}");
    // The web app's view: one row per address, as before.
    let rows: i64 = stack
        .db()
        .query_one(
            "select count(*) from public.contacts where user_id = $1",
            &[&user.id],
        )
        .unwrap()
        .get(0);
    assert_eq!(rows, 4);

    user.env
        .run(&["contacts", "unmerge", "ann.lee@home.example"])
        .ok();
    assert_eq!(people(&user).len(), 4);
    user.env
        .run(&["contacts", "unmerge", "ann.lee@home.example"])
        .code(2);
    // Re-run safe.
    stack
        .db()
        .batch_execute(crate::harvest::import::DEDUP_MIGRATION)
        .expect("the dedup migration applies twice");
}
