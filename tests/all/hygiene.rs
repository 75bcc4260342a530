//! Secret hygiene as a contract (issue 4). For every command, at `-vvv`, on the happy path and
//! on the error paths of the reliability suite (HTTP faults, a hostile IMAP server that echoes
//! the password, malformed data, a refused login), these never appear anywhere they could
//! leak: the IMAP password, the account password, every access and refresh token the session
//! ever held, and the values of the other `settings` keys.
//!
//! Where is checked:
//! - stdout and stderr of every command (`FreshEnv` checks each run against the registered
//!   secrets, as is, JSON-escaped and IMAP-quoted);
//! - every request URL: the gateway's `requests.log` and the fault front's request lines;
//! - `/proc/<pid>/cmdline` of the running process (sampled while it runs), and the
//!   environment of child processes: `mailboxes` starts none — while it runs, no process has
//!   it as parent (checked through `/proc/*/stat`);
//! - every file the CLI leaves in HOME and the XDG dirs, except the two that hold secrets by
//!   design (the 0600 store file and the 0600 session file), whose modes are checked.
//!
//! The one deliberate exception: `test --format github` with `--password-env` prints
//! `::add-mask::<password>` (GitHub's runner swallows that line and masks the value in every
//! later log line). Exactly those lines are excluded, and only for that command.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::env::{Cli, FreshEnv, Run};
use crate::support::fake_imap::{Answer, Behaviour, FakeImap, Script, Tls};
use crate::support::reliability::figure;
use crate::support::supabase::{self, Fault, FaultFront, Migration};

/// All forms a secret could leak in (as is, JSON-escaped, IMAP-quoted, and base64 at each of
/// the three alignments it can have inside a longer base64 string: a SASL XOAUTH2 or
/// OAUTHBEARER string holds the token after `user=…\x01auth=Bearer `).
fn forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    let mut forms = vec![
        secret.to_string(),
        json[1..json.len() - 1].to_string(),
        secret.replace('\\', "\\\\").replace('"', "\\\""),
    ];
    forms.extend(base64_forms(secret));
    forms
}

/// The base64 characters that depend on `secret` alone, at each alignment.
fn base64_forms(secret: &str) -> Vec<String> {
    use base64::Engine as _;
    (0..3)
        .filter_map(|offset| {
            let mut bytes = vec![0u8; offset];
            bytes.extend_from_slice(secret.as_bytes());
            let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
            // Whole groups of three bytes only; the first group holds padding bytes then.
            let start = if offset == 0 { 0 } else { 4 };
            let end = bytes.len() / 3 * 4;
            (end >= start + 8).then(|| encoded[start..end].to_string())
        })
        .collect()
}

#[test]
fn the_scanner_finds_a_token_inside_a_sasl_string() {
    use base64::Engine as _;
    let token = "ya29.a0AfH6SMBx-token-value";
    for user in ["a", "ab", "abc"] {
        let sasl = base64::engine::general_purpose::STANDARD
            .encode(format!("user={user}\x01auth=Bearer {token}\x01\x01"));
        let secrets = BTreeSet::from([token.to_string()]);
        assert!(leaks(&sasl, &secrets).is_some(), "{user}: {sasl}");
    }
}

fn leaks(text: &str, secrets: &BTreeSet<String>) -> Option<String> {
    secrets
        .iter()
        .flat_map(|s| forms(s))
        .find(|form| text.contains(form.as_str()))
}

/// The pids whose parent is `pid` (from `/proc/*/stat`).
fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|ppid| ppid.parse::<u32>().ok());
        if ppid == Some(pid) {
            children.push(child);
        }
    }
    children
}

/// What was seen of a running process.
#[derive(Default)]
struct Observed {
    cmdlines: Vec<String>,
    children: usize,
}

/// Runs `mailboxes ARGS` (stdin written and closed), sampling `/proc/<pid>/cmdline` and its
/// children while it runs.
fn observed_run(env: &FreshEnv, args: &[&str], stdin: &str, seen: &mut Observed) -> Run {
    let mut cmd = env.std_cmd();
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn mailboxes");
    {
        use std::io::Write;
        let mut input = child.stdin.take().unwrap();
        let _ = input.write_all(stdin.as_bytes());
    }
    let pid = child.id();
    // Sample until it exits (reading the pipes afterwards: outputs here are small).
    loop {
        if let Ok(cmdline) = fs::read(format!("/proc/{pid}/cmdline")) {
            if !cmdline.is_empty() {
                seen.cmdlines
                    .push(String::from_utf8_lossy(&cmdline).replace('\0', " "));
            }
        }
        seen.children += children_of(pid).len();
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let output = child.wait_with_output().expect("collect output");
    env.finished(format!("mailboxes {}", args.join(" ")), &output, started)
}

/// Every file under `root` except `allowed` must be free of secrets; returns how many were read.
fn assert_files_clean(root: &Path, allowed: &[&Path], secrets: &BTreeSet<String>) -> usize {
    let mut checked = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if allowed.iter().any(|a| *a == path) {
                assert_eq!(FreshEnv::mode(&path) & 0o777, 0o600, "{}", path.display());
                continue;
            }
            let text = String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned();
            if let Some(form) = leaks(&text, secrets) {
                panic!("a secret ({form:?}) is in {}", path.display());
            }
            checked += 1;
        }
    }
    checked
}

/// Reads the tokens of the stored session (they rotate: call after every command).
fn remember_tokens(env: &mut FreshEnv, secrets: &mut BTreeSet<String>) {
    let path = env.state_home().join("mailboxes/session.default.json");
    if let Ok(bytes) = fs::read(path) {
        let session: Value = serde_json::from_slice(&bytes).unwrap();
        for key in ["access_token", "refresh_token"] {
            if let Some(token) = session[key].as_str() {
                if secrets.insert(token.to_string()) {
                    env.secret(token);
                }
            }
        }
    }
}

/// One environment's runs, and everything the secrets are checked against.
struct Ctx {
    env: FreshEnv,
    secrets: BTreeSet<String>,
    seen: Observed,
    runs: usize,
}

impl Ctx {
    /// Runs `mailboxes -vvv [--store STORE] ARGS`, asserts its exit code is one of `codes`,
    /// and learns the session's (rotated) tokens as new secrets.
    fn run(&mut self, store: Option<&str>, args: &[&str], stdin: &str, codes: &[i32]) -> Run {
        let mut full = vec!["-vvv"];
        if let Some(store) = store {
            full.extend(["--store", store]);
        }
        full.extend_from_slice(args);
        let done = observed_run(&self.env, &full, stdin, &mut self.seen);
        assert!(
            done.code.is_some_and(|c| codes.contains(&c)),
            "expected exit {codes:?}\n{done}"
        );
        remember_tokens(&mut self.env, &mut self.secrets);
        self.runs += 1;
        done
    }
}

#[test]
fn no_secret_leaks_from_any_command_at_any_verbosity() {
    let stack = supabase::shared(Migration::Installed);
    let front = FaultFront::start(&stack.url());
    let imap_password = "hygiene-IMAP \"pw\" 9f3k";
    let other_setting = format!("sk-hygiene-other-setting-{}", Uuid::new_v4().simple());
    let account_password = format!("hygiene-account-{}", Uuid::new_v4().simple());
    let email = format!("hygiene-{}@example.test", Uuid::new_v4().simple());
    let user = stack.create_user(&email, &account_password);
    stack.set_settings(user, &json!({"openaiKey": other_setting, "mailboxes": []}));

    let mut env = FreshEnv::new();
    let mut secrets = BTreeSet::new();
    for secret in [
        imap_password,
        other_setting.as_str(),
        account_password.as_str(),
    ] {
        env.secret(secret);
        secrets.insert(secret.to_string());
    }
    env.env("IMAP_PW", imap_password);

    // IMAP servers: one that logs in, one that echoes the password in its refusal, one that
    // never greets (to sample a process that runs for a while).
    let good = FakeImap::start_with(
        Behaviour::Imap(
            Script::greeting("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready")
                .answer("LOGIN", Answer::lines(["{tag} OK welcome"])),
        ),
        Tls::Trusted,
    );
    let echo = FakeImap::start_with(
        Behaviour::Imap(
            Script::greeting("* OK [CAPABILITY IMAP4rev1] ready").answer(
                "LOGIN",
                Answer::lines([
                    "* OK [ALERT] you sent hygiene-IMAP \"pw\" 9f3k, which is wrong",
                    "{tag} NO [AUTHENTICATIONFAILED] hygiene-IMAP \"pw\" 9f3k is not the password",
                ]),
            ),
        ),
        Tls::Trusted,
    );
    let silent = FakeImap::start(Behaviour::NeverGreet);
    let ca = good.ca_cert();
    let ca = ca.to_str().unwrap();
    let (good_port, echo_port, silent_port) = (
        good.port().to_string(),
        echo.port().to_string(),
        silent.port().to_string(),
    );
    let pw = format!("{imap_password}\n");

    let mut ctx = Ctx {
        env,
        secrets,
        seen: Observed::default(),
        runs: 0,
    };

    // Both stores, every command, happy and error paths.
    let login = [
        "login",
        "--url",
        &front.url(),
        "--anon-key",
        stack.anon_key(),
        "--email",
        &email,
        "--password-stdin",
    ];
    ctx.run(None, &login, "wrong-password-123456\n", &[3]);
    ctx.run(None, &login, &format!("{account_password}\n"), &[0]);
    for store in ["supabase", "local"] {
        let s = Some(store);
        ctx.run(s, &["status", "--json"], "", &[0]);
        ctx.run(s, &["list"], "", &[0]);
        for (label, port) in [
            ("Good", &good_port),
            ("Echo", &echo_port),
            ("Silent", &silent_port),
        ] {
            let tls = if label == "Silent" {
                "--starttls"
            } else {
                "--tls"
            };
            ctx.run(
                s,
                &[
                    "add",
                    "--label",
                    label,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    port,
                    tls,
                    "--user",
                    "me@example.com",
                    "--password-stdin",
                    "--json",
                ],
                &pw,
                &[0],
            );
        }
        ctx.run(
            s,
            &Cli::add("Tested", "127.0.0.1", "me")
                .port(&good_port)
                .tls()
                .args(["--password-env", "IMAP_PW", "--test", "--ca-cert", ca])
                .strs(),
            "",
            &[0],
        );
        ctx.run(
            s,
            &Cli::add("Refused", "127.0.0.1", "me")
                .port(&echo_port)
                .tls()
                .args(["--password-stdin", "--test", "--ca-cert", ca])
                .strs(),
            &pw,
            &[1],
        );
        ctx.run(s, &["list", "--json"], "", &[0]);
        ctx.run(
            s,
            &["edit", "Good", "--password-stdin", "--label", "Good2"],
            &pw,
            &[0],
        );
        ctx.run(s, &["edit", "Nope", "--label", "X"], "", &[4]);
        ctx.run(s, &["test", "Good2", "--ca-cert", ca], "", &[0]);
        ctx.run(s, &["test", "Echo", "--ca-cert", ca, "--json"], "", &[1]);
        for format in ["json", "github", "junit", "tap", "human"] {
            ctx.run(
                s,
                &[
                    "test",
                    "--all",
                    "--timeout",
                    "1",
                    "--ca-cert",
                    ca,
                    "--format",
                    format,
                ],
                "",
                &[1],
            );
        }
        ctx.run(s, &["remove", "Echo", "Silent", "--yes"], "", &[0]);
        ctx.run(s, &["remove", "Nope", "--yes"], "", &[4]);
    }
    // Supabase error paths through the fault front: a 500 on every read, a reset after a
    // write landed, malformed settings, a 401 that persists.
    front.rule(Box::new(|method, target| {
        (method == "GET" && target.starts_with("/rest/v1/user_secrets")).then_some(Fault::Answer {
            status: 500,
            retry_after: None,
        })
    }));
    ctx.run(None, &["list"], "", &[5]);
    front.clear_rules();
    front.rule(Box::new(|method, target| {
        (method == "POST" && target.starts_with("/rest/v1/rpc/mailboxes_add"))
            .then_some(Fault::ResetMidBody)
    }));
    ctx.run(
        None,
        &Cli::add("Reset", "127.0.0.1", "me")
            .tls()
            .args(["--password-stdin"])
            .strs(),
        &pw,
        &[0, 5],
    );
    front.clear_rules();
    stack.set_settings(
        user,
        &json!({"openaiKey": other_setting, "mailboxes": {"bad": imap_password}}),
    );
    ctx.run(None, &["list", "--json"], "", &[1]);
    ctx.run(
        None,
        &Cli::add("X", "h", "u").args(["--password-stdin"]).strs(),
        &pw,
        &[1],
    );
    stack.set_settings(user, &json!({"openaiKey": other_setting, "mailboxes": []}));
    front.rule(Box::new(|method, target| {
        (method == "GET" && target.starts_with("/rest/v1/")).then_some(Fault::Answer {
            status: 401,
            retry_after: None,
        })
    }));
    ctx.run(None, &["list"], "", &[3]);
    front.clear_rules();
    ctx.run(None, &["status"], "", &[0]);
    ctx.run(None, &["logout"], "", &[0]);
    ctx.run(None, &["status", "--json"], "", &[0]);
    ctx.run(None, &["completions", "bash"], "", &[0]);
    let Ctx {
        env,
        secrets,
        mut seen,
        mut runs,
    } = ctx;

    // The ad-hoc probe with --password-env and every format; --format github masks the
    // password with `::add-mask::`, the one line allowed to hold it.
    let mut adhoc = FreshEnv::new();
    adhoc.env("IMAP_PW", imap_password);
    for format in ["human", "json", "github", "junit", "tap"] {
        for port in [&good_port, &echo_port] {
            let done = observed_run(
                &adhoc,
                &[
                    "-vvv",
                    "test",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    port,
                    "--tls",
                    "--user",
                    "me",
                    "--password-env",
                    "IMAP_PW",
                    "--ca-cert",
                    ca,
                    "--format",
                    format,
                ],
                "",
                &mut seen,
            );
            runs += 1;
            let masks: Vec<&str> = done
                .stdout
                .lines()
                .filter(|l| l.starts_with("::add-mask::"))
                .collect();
            if format == "github" {
                // The password, then its spelling without spaces (Gmail accepts both).
                let compact: String = imap_password.split_whitespace().collect();
                assert_eq!(
                    masks,
                    vec![
                        format!("::add-mask::{imap_password}"),
                        format!("::add-mask::{compact}")
                    ],
                    "github masks the password first\n{done}"
                );
            } else {
                assert!(masks.is_empty(), "{done}");
            }
            let rest: String = done
                .stdout
                .lines()
                .filter(|l| !l.starts_with("::add-mask::"))
                .collect::<Vec<_>>()
                .join("\n");
            for (stream, text) in [("stdout", &rest), ("stderr", &done.stderr)] {
                if let Some(form) = leaks(text, &secrets) {
                    panic!("{form:?} leaked into {stream}\n{done}");
                }
            }
        }
    }

    // Request URLs: the gateway's log (shared with other tests: our secrets are unique) and
    // the front's lines.
    let log = fs::read_to_string(stack.request_log()).unwrap();
    assert!(
        log.contains("/rest/v1/"),
        "the log is the one requests go to"
    );
    if let Some(form) = leaks(&log, &secrets) {
        panic!(
            "{form:?} is in a request URL ({})",
            stack.request_log().display()
        );
    }
    for line in front.requests() {
        assert!(leaks(&line, &secrets).is_none(), "a secret in {line}");
    }
    // Command lines, child processes.
    assert!(!seen.cmdlines.is_empty(), "some command lines were sampled");
    for cmdline in &seen.cmdlines {
        assert!(leaks(cmdline, &secrets).is_none(), "a secret in {cmdline}");
    }
    assert_eq!(seen.children, 0, "mailboxes starts no child process");
    // Files: only the 0600 store and session files may hold secrets.
    let store = env.store_path();
    let session = env.state_home().join("mailboxes/session.default.json");
    let files = assert_files_clean(env.root(), &[&store, &session], &secrets);
    figure(&format!(
        "hygiene: {runs} command runs at -vvv (both stores, every command, happy and error \
         paths), {} secrets (incl. every token the session held), {} /proc cmdline samples, 0 \
         child processes, {files} other files and the request log checked: 0 leaks \
         (github's ::add-mask:: line excepted)",
        secrets.len(),
        seen.cmdlines.len()
    ));
}

/// A slow probe (a server that never greets) runs long enough to look at the live process:
/// its command line holds no secret and it has no children, whose environment could.
#[test]
fn a_running_probe_has_no_secret_in_its_command_line_and_no_children() {
    let silent = FakeImap::start(Behaviour::NeverGreet);
    let mut env = FreshEnv::new();
    let password = env.secret("live-process-Pa55word");
    env.env("IMAP_PW", &password);
    let mut seen = Observed::default();
    let run = observed_run(
        &env,
        &[
            "-vvv",
            "test",
            "--host",
            "127.0.0.1",
            "--port",
            &silent.port_arg(),
            "--starttls",
            "--user",
            "me",
            "--password-env",
            "IMAP_PW",
            "--timeout",
            "1",
        ],
        "",
        &mut seen,
    );
    run.code(1);
    assert!(seen.cmdlines.len() > 10, "sampled through the whole second");
    for cmdline in &seen.cmdlines {
        assert!(!cmdline.contains(&password), "{cmdline}");
        assert!(cmdline.contains("--password-env IMAP_PW"), "{cmdline}");
    }
    assert_eq!(seen.children, 0);
}

/// OAuth2 (issue 12 item 8): every command that touches a grant, at `-vvv`, on the happy and
/// error paths. Neither token (the stand-in mints new ones on every refresh: they are learned
/// from the store after each run), nor the client secret, nor their base64 in a SASL string
/// reaches stdout, stderr, a command line, or any file but the 0600 store; `--format github`
/// masks the tokens it read from the environment, and those lines alone hold them.
#[test]
fn oauth2_tokens_and_the_client_secret_never_leak() {
    use crate::support::dovecot::{Dovecot, ALICE};
    use crate::support::token_endpoint::CLIENT_ID;
    let endpoint = crate::oauth2_signin::provider();
    let (dovecot, introspection) = Dovecot::oauth2();
    let (ca, port) = (dovecot.ca_cert_arg(), dovecot.imaps_port_arg());
    let client_secret = "hygiene-client-secret-7Qw";
    let mut env = FreshEnv::new();
    let (script, _) = crate::oauth2_signin::browser(&env);
    env.env("BROWSER", &script);
    env.env("CLIENT_SECRET", client_secret);
    env.secret(client_secret);
    let mut secrets = BTreeSet::from([client_secret.to_string()]);
    let mut seen = Observed::default();
    let auth_url = endpoint.auth_url();
    let provider_flags = [
        "--oauth-auth-url",
        &auth_url,
        "--oauth-token-url",
        endpoint.url(),
        "--oauth-scope",
        "mail",
        "--oauth-client-id",
        CLIENT_ID,
        "--oauth-client-secret-env",
        "CLIENT_SECRET",
    ];
    let learn = |env: &mut FreshEnv, secrets: &mut BTreeSet<String>| {
        for entry in env.stored() {
            for key in ["refreshToken", "accessToken"] {
                if let Some(token) = entry[key].as_str() {
                    if secrets.insert(token.to_string()) {
                        env.secret(token);
                    }
                }
            }
        }
    };
    let mut runs = 0;
    // Tokens minted during a run are learned after it: every output is scanned again at the end.
    let mut outputs: Vec<String> = Vec::new();
    let mut run = |env: &mut FreshEnv, args: &[&str], codes: &[i32], seen: &mut Observed| {
        let mut full = vec!["-vvv"];
        full.extend_from_slice(args);
        let done = observed_run(env, &full, "", seen);
        assert!(
            done.code.is_some_and(|c| codes.contains(&c)),
            "expected exit {codes:?}\n{done}"
        );
        runs += 1;
        outputs.push(format!("{done}"));
    };
    let mut add = vec![
        "add",
        "--label",
        "Grant",
        "--oauth",
        "custom",
        "--host",
        "localhost",
    ];
    add.extend([
        "--port",
        &port,
        "--user",
        ALICE.name,
        "--test",
        "--ca-cert",
        &ca,
    ]);
    add.extend(provider_flags);
    run(&mut env, &add, &[0], &mut seen);
    learn(&mut env, &mut secrets);
    for args in [
        vec!["list", "--json"],
        vec!["list"],
        vec!["test", "Grant", "--ca-cert", &ca, "--json"],
        vec!["harvest", "Grant", "--ca-cert", &ca],
    ] {
        run(&mut env, &args, &[0], &mut seen);
    }
    // Expired: refreshed while connecting, the rotated token stored.
    let mut document: Value = serde_json::from_slice(&env.store_bytes().unwrap()).unwrap();
    document["mailboxes"][0]["accessTokenExpiresAt"] = json!("2000-01-01T00:00:00.000Z");
    env.write_store(&document);
    run(
        &mut env,
        &["test", "--all", "--ca-cert", &ca, "--format", "tap"],
        &[0],
        &mut seen,
    );
    learn(&mut env, &mut secrets);
    // Refused early: one refresh and a retry.
    let mut document: Value = serde_json::from_slice(&env.store_bytes().unwrap()).unwrap();
    document["mailboxes"][0]["accessToken"] = json!("ya29.hygiene-refused-token");
    env.secret("ya29.hygiene-refused-token");
    secrets.insert("ya29.hygiene-refused-token".into());
    env.write_store(&document);
    run(
        &mut env,
        &["test", "Grant", "--ca-cert", &ca, "--format", "junit"],
        &[0],
        &mut seen,
    );
    learn(&mut env, &mut secrets);
    let mut reauth = vec!["reauth", "Grant", "--test", "--ca-cert", &ca];
    reauth.extend(provider_flags);
    run(&mut env, &reauth, &[0], &mut seen);
    learn(&mut env, &mut secrets);
    // Revoked grant: oauth_revoked, the refresh token named nowhere.
    let mut document: Value = serde_json::from_slice(&env.store_bytes().unwrap()).unwrap();
    document["mailboxes"][0]["accessTokenExpiresAt"] = json!("2000-01-01T00:00:00.000Z");
    document["mailboxes"][0]["refreshToken"] = json!("1//hygiene-revoked-grant");
    env.secret("1//hygiene-revoked-grant");
    secrets.insert("1//hygiene-revoked-grant".into());
    env.write_store(&document);
    run(
        &mut env,
        &["test", "Grant", "--ca-cert", &ca, "--json"],
        &[1],
        &mut seen,
    );
    run(&mut env, &["remove", "Grant", "--yes"], &[0], &mut seen);

    // CI without a store: tokens from the environment, every format; github masks them.
    // (Its own environment: the secrets are checked here, github's mask lines excepted.)
    introspection.issue("ya29.hygiene-env-access", ALICE.name);
    endpoint.grant("1//hygiene-env-refresh", ALICE.name);
    let mut adhoc = FreshEnv::new();
    for (var, token) in [
        ("ACCESS", "ya29.hygiene-env-access"),
        ("REFRESH", "1//hygiene-env-refresh"),
    ] {
        adhoc.env(var, token);
        secrets.insert(token.to_string());
    }
    for (flag, var) in [
        ("--access-token-env", "ACCESS"),
        ("--refresh-token-env", "REFRESH"),
    ] {
        for format in ["human", "json", "github", "junit", "tap"] {
            let mut args = vec![
                "-vvv",
                "test",
                "--host",
                "localhost",
                "--port",
                &port,
                "--tls",
            ];
            args.extend(["--user", ALICE.name, flag, var, "--ca-cert", &ca]);
            args.extend(["--format", format]);
            if var == "REFRESH" {
                args.extend(["--oauth", "custom", "--oauth-token-url", endpoint.url()]);
                args.extend(["--oauth-client-id", CLIENT_ID]);
                // Spent by the first run: the rest get oauth_revoked, also a path to check.
            }
            let done = observed_run(&adhoc, &args, "", &mut seen);
            runs += 1;
            let rest: String = done
                .stdout
                .lines()
                .filter(|l| !l.starts_with("::add-mask::"))
                .collect::<Vec<_>>()
                .join("\n");
            for (stream, text) in [("stdout", &rest), ("stderr", &done.stderr)] {
                if let Some(form) = leaks(text, &secrets) {
                    panic!("{form:?} leaked into {stream}\n{done}");
                }
            }
            if format == "github" {
                assert!(
                    done.stdout.lines().any(|l| l.starts_with("::add-mask::")),
                    "{done}"
                );
            }
        }
    }
    for output in &outputs {
        if let Some(form) = leaks(output, &secrets) {
            panic!("{form:?} leaked\n{output}");
        }
    }
    for cmdline in &seen.cmdlines {
        assert!(leaks(cmdline, &secrets).is_none(), "a secret in {cmdline}");
    }
    let store = env.store_path();
    let files = assert_files_clean(env.root(), &[&store], &secrets);
    figure(&format!(
        "hygiene (OAuth2): {runs} runs at -vvv, {} secrets (every token minted, the client \
         secret), base64 forms included, {} cmdline samples, {files} files: 0 leaks",
        secrets.len(),
        seen.cmdlines.len()
    ));
}
