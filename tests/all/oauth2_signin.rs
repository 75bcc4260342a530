//! Signing in with OAuth2 (issue 12 items 1, 2 and 5): `add --oauth`, `reauth` and `remove`'s
//! revocation, from the binary. The provider is the stand-in (`support::token_endpoint`: PKCE,
//! single-use codes, `state`, rotation, device codes, revocation); the browser is a shell script
//! in `$BROWSER` that follows the redirect with curl (and first sends what browsers send: a
//! favicon request, and here a forged answer with another `state`); the IMAP server is the real
//! Dovecot with its oauth2 passdb.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::dovecot::{Dovecot, ALICE};
use crate::support::env::{FreshEnv, Run};
use crate::support::token_endpoint::{TokenEndpoint, CLIENT_ID};

pub fn provider() -> TokenEndpoint {
    let endpoint = TokenEndpoint::start(Dovecot::oauth2().1);
    endpoint.sign_in_as(ALICE.name);
    endpoint
}

/// A `$BROWSER` that asks the consent page, then knocks on the loopback listener with a
/// favicon request and a forged answer before following the real redirect; the page it got
/// lands in `page`.
pub fn browser(env: &FreshEnv) -> (PathBuf, PathBuf) {
    let script = env.root().join("browser.sh");
    let page = env.root().join("page.html");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\
             to=$(curl -sS -o /dev/null -w '%{{redirect_url}}' \"$1\") || exit 1\n\
             base=${{to%%\\?*}}\n\
             curl -sS -o /dev/null \"${{base}}favicon.ico\"\n\
             curl -sS -o /dev/null \"${{base}}?code=forged&state=not-yours\"\n\
             curl -sS -o '{}.part' \"$to\" && mv '{0}.part' '{0}'\n",
            page.display()
        ),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&script, permissions).unwrap();
    (script, page)
}

fn custom_flags(endpoint: &TokenEndpoint) -> Vec<String> {
    let dovecot = Dovecot::oauth2().0;
    [
        "--oauth",
        "custom",
        "--host",
        "localhost",
        "--port",
        &dovecot.imaps_port_arg(),
        "--tls",
        "--user",
        ALICE.name,
        "--oauth-auth-url",
        &endpoint.auth_url(),
        "--oauth-token-url",
        endpoint.url(),
        "--oauth-scope",
        "mail",
        "--oauth-client-id",
        CLIENT_ID,
        "--ca-cert",
        &dovecot.ca_cert_arg(),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn run(env: &FreshEnv, args: &[String]) -> Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = env.run(&args);
    for form in ["ya29.", "1//", "code-", "code_verifier"] {
        assert!(
            !run.stdout.contains(form) && !run.stderr.contains(form),
            "{form} shown\n{run}"
        );
    }
    run
}

/// The error: the sign-in's progress notes come before it.
fn last_line(run: &Run) -> &str {
    run.stderr.lines().last().unwrap_or_default()
}

fn only_entry(env: &FreshEnv) -> Value {
    let stored = env.stored();
    assert_eq!(stored.len(), 1, "{stored:#?}");
    stored[0].clone()
}

#[test]
fn add_oauth_signs_in_through_the_browser_with_pkce_and_stores_the_grant() {
    let endpoint = provider();
    let mut env = FreshEnv::new();
    let (script, page) = browser(&env);
    env.env("BROWSER", &script);
    let mut args: Vec<String> = ["add", "--label", "Work OAuth", "--test", "--json"]
        .map(str::to_owned)
        .to_vec();
    args.extend(custom_flags(&endpoint));
    let run = run(&env, &args);
    run.ok();
    // The address shown has the public parameters only.
    assert!(run.stderr.contains("code_challenge_method=S256"), "{run}");
    assert!(
        run.stderr
            .contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{run}"
    );
    let shown = run.json();
    assert_eq!(shown["authType"], "oauth2", "{run}");
    assert_eq!(shown["has_refresh_token"], true);
    assert_eq!(shown["has_password"], false);

    let entry = only_entry(&env);
    assert_eq!(entry["authType"], "oauth2");
    assert_eq!(entry["oauthProvider"], "custom");
    assert_eq!(entry["oauthClientId"], CLIENT_ID);
    assert_eq!(entry["oauthScope"], "mail");
    assert_eq!(entry["oauthTokenUrl"], endpoint.url());
    assert_eq!(entry["oauthAuthUrl"], endpoint.auth_url());
    assert_eq!(entry["status"], "ok");
    assert!(entry.get("password").is_none(), "{entry:#}");
    let refresh = entry["refreshToken"].as_str().unwrap();
    assert!(endpoint.is_live(refresh), "{entry:#}");
    assert!(entry["accessToken"].as_str().unwrap().starts_with("ya29."));
    assert!(entry["accessTokenExpiresAt"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    // The code was traded with the verifier (the stand-in checked it against the challenge).
    let traded = endpoint.seen("/token");
    assert_eq!(traded.len(), 1);
    assert_eq!(traded[0]["grant_type"], "authorization_code");
    assert_eq!(traded[0]["code_verifier"].len(), 43);

    // The browser got the friendly page (after the favicon and forged requests were turned away).
    let until = Instant::now() + Duration::from_secs(5);
    while !page.exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    let page = std::fs::read_to_string(&page).unwrap();
    assert!(page.contains("You can close this tab"), "{page}");

    // The stored grant logs in.
    let dovecot = Dovecot::oauth2().0;
    let test = env.run(&["test", "Work OAuth", "--ca-cert", &dovecot.ca_cert_arg()]);
    test.ok();
}

#[test]
fn a_refused_consent_stores_nothing_and_says_so() {
    let endpoint = provider();
    endpoint.deny_next();
    let mut env = FreshEnv::new();
    let (script, _) = browser(&env);
    env.env("BROWSER", &script);
    let mut args: Vec<String> = ["add", "--label", "Work OAuth"].map(str::to_owned).to_vec();
    args.extend(custom_flags(&endpoint));
    let run = run(&env, &args);
    run.code(1);
    assert!(
        last_line(&run).contains("the sign-in was refused (access_denied)"),
        "{run}"
    );
    assert!(env.store_bytes().is_none() || env.stored().is_empty());
}

#[test]
fn no_answer_in_time_is_a_clear_error_and_nothing_is_stored() {
    let endpoint = provider();
    let mut env = FreshEnv::new();
    env.env("BROWSER", "/bin/true");
    let mut args: Vec<String> = ["add", "--label", "Work OAuth", "--timeout", "1"]
        .map(str::to_owned)
        .to_vec();
    args.extend(custom_flags(&endpoint));
    let run = run(&env, &args);
    run.code(2);
    assert!(
        last_line(&run).contains("no sign-in came back within 1 s"),
        "{run}"
    );
    assert!(env.store_bytes().is_none());
}

#[test]
fn no_browser_takes_the_redirected_address_pasted_on_stdin() {
    let endpoint = provider();
    let env = FreshEnv::new();
    let mut args: Vec<String> = ["add", "--label", "Over SSH", "--no-browser"]
        .map(str::to_owned)
        .to_vec();
    args.extend(custom_flags(&endpoint));
    let mut child = env
        .std_cmd()
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut lines = stderr.lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the sign-in address on stderr")
            .unwrap();
        if let Some(url) = line.trim().strip_prefix("http://127.0.0.1") {
            break format!("http://127.0.0.1{url}");
        }
    };
    assert!(url.contains("/authorize?"), "{url}");
    // The person opens it elsewhere; their browser ends at the loopback address, which does
    // not load there. They copy it from the address bar.
    let redirected = std::process::Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{redirect_url}", &url])
        .output()
        .unwrap();
    let redirected = String::from_utf8(redirected.stdout).unwrap();
    assert!(redirected.contains("code="), "{redirected}");
    writeln!(stdin, "not an address").unwrap();
    writeln!(stdin, "{redirected}").unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    let rest = rest.join("\n");
    assert!(status.success(), "{rest}");
    assert!(
        rest.contains("that is not the address with ?code="),
        "{rest}"
    );
    assert!(!rest.contains("1//") && !rest.contains("ya29."), "{rest}");
    let entry = only_entry(&env);
    assert_eq!(entry["label"], "Over SSH");
    assert!(endpoint.is_live(entry["refreshToken"].as_str().unwrap()));
}

#[test]
fn microsofts_device_code_flow_polls_until_the_code_is_entered() {
    let endpoint = provider();
    let env = FreshEnv::new();
    let dovecot = Dovecot::oauth2().0;
    let run = run(
        &env,
        &[
            "add",
            "--oauth",
            "microsoft",
            "--device",
            "--label",
            "Outlook",
            "--host",
            "localhost",
            "--port",
            &dovecot.imaps_port_arg(),
            "--user",
            ALICE.name,
            "--oauth-token-url",
            endpoint.url(),
            "--oauth-client-id",
            CLIENT_ID,
            "--test",
            "--ca-cert",
            &dovecot.ca_cert_arg(),
        ]
        .map(str::to_owned),
    );
    run.ok();
    assert!(run.stderr.contains("enter the code ABCD-EFGH"), "{run}");
    let entry = only_entry(&env);
    assert_eq!(entry["oauthProvider"], "microsoft");
    assert_eq!(entry["oauthTenant"], "common");
    assert_eq!(
        entry["oauthScope"],
        "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
    );
    assert_eq!(entry["status"], "ok");
    // Pending twice, then the tokens; never faster than the interval asked.
    let polls = endpoint.seen("/token");
    assert_eq!(polls.len(), 3, "{polls:?}");
}

#[test]
fn usage_errors_say_what_to_do_and_store_nothing() {
    let env = FreshEnv::new();
    let cases: [(&[&str], &str); 4] = [
        (
            &["add", "--oauth", "google", "--user", "me@gmail.com"],
            "no OAuth2 client id: set GOOGLE_CLIENT_ID",
        ),
        (
            &["add", "--oauth", "custom", "--host", "h", "--user", "u", "--label", "L"],
            "--oauth custom needs --oauth-auth-url URL and --oauth-token-url URL and --oauth-scope SCOPE",
        ),
        (
            &["add", "--label", "L", "--host", "h", "--user", "u", "--no-browser"],
            "go with --oauth",
        ),
        (
            &["add", "--oauth", "google", "--password-stdin", "--user", "u", "--label", "L"],
            "stores no password",
        ),
    ];
    for (args, says) in cases {
        let run = env.run(args);
        run.code(2);
        assert!(run.one_line_error().contains(says), "{run}");
    }
    let mut env = FreshEnv::new();
    env.env("GOOGLE_CLIENT_ID", "id.apps.googleusercontent.com");
    env.env("GOOGLE_CLIENT_SECRET", "not-really-secret");
    let run = env.run(&[
        "add",
        "--oauth",
        "google",
        "--device",
        "--user",
        "me@gmail.com",
        "--label",
        "G",
    ]);
    run.code(2);
    assert!(
        run.one_line_error()
            .contains("device sign-in does not allow Gmail"),
        "{run}"
    );
    assert!(env.store_bytes().is_none());
}

/// The stored entry for `reauth` and `remove`: a Google grant at the stand-in's endpoints.
fn google_entry(endpoint: &TokenEndpoint, refresh_token: &str) -> Value {
    let dovecot = Dovecot::oauth2().0;
    json!({
        "id": "5b0f3c1e-2a9d-4c8e-b7f6-1d2e3f4a5b6c", "label": "Work Gmail", "host": "localhost",
        "port": dovecot.imaps_port_arg().parse::<u16>().unwrap(), "tls": true,
        "user": ALICE.name, "status": "error", "lastError": "revoked",
        "authType": "oauth2", "oauthProvider": "google", "oauthClientId": CLIENT_ID,
        "oauthScope": "https://mail.google.com/", "oauthTokenUrl": endpoint.url(),
        "oauthAuthUrl": endpoint.auth_url(),
        "refreshToken": refresh_token, "accessToken": "ya29.old",
        "accessTokenExpiresAt": "2026-01-01T00:00:00.000Z",
        "webAppNote": {"kept": true}
    })
}

#[test]
fn reauth_signs_in_again_and_keeps_the_id_label_and_every_other_field() {
    let endpoint = provider();
    let mut env = FreshEnv::new();
    let (script, _) = browser(&env);
    env.env("BROWSER", &script);
    env.env("GOOGLE_CLIENT_SECRET", "desktop-secret-not-secret");
    env.write_store(&json!({"mailboxes": [google_entry(&endpoint, "1//revoked-long-ago")]}));
    let dovecot = Dovecot::oauth2().0;
    let run = run(
        &env,
        &[
            "reauth",
            "work gmail",
            "--test",
            "--ca-cert",
            &dovecot.ca_cert_arg(),
        ]
        .map(str::to_owned),
    );
    run.ok();
    let entry = only_entry(&env);
    assert_eq!(entry["id"], "5b0f3c1e-2a9d-4c8e-b7f6-1d2e3f4a5b6c");
    assert_eq!(entry["label"], "Work Gmail");
    assert_eq!(entry["webAppNote"], json!({"kept": true}));
    assert_eq!(entry["status"], "ok");
    assert_eq!(entry["lastError"], Value::Null);
    assert!(endpoint.is_live(entry["refreshToken"].as_str().unwrap()));
    // Google's client secret went to the token endpoint (Google wants it), never elsewhere.
    assert_eq!(
        endpoint.seen("/token")[0]["client_secret"],
        "desktop-secret-not-secret"
    );
    assert!(!run.stderr.contains("desktop-secret-not-secret"), "{run}");
    // The entry keeps the client's secret: a scheduled sync (no sign-in environment) refreshes.
    assert_eq!(entry["oauthClientSecret"], "desktop-secret-not-secret");
    let mut expired: Value = serde_json::from_slice(&env.store_bytes().unwrap()).unwrap();
    expired["mailboxes"][0]["accessTokenExpiresAt"] = json!("2000-01-01T00:00:00.000Z");
    let unattended = FreshEnv::new();
    unattended.write_store(&expired);
    let run = unattended.run(&["test", "Work Gmail", "--ca-cert", &dovecot.ca_cert_arg()]);
    run.ok();
    assert_eq!(
        endpoint.seen("/token").last().unwrap()["client_secret"],
        "desktop-secret-not-secret"
    );
    assert!(!unattended
        .run(&["list", "--json"])
        .stdout
        .contains("desktop-secret"));
}

#[test]
fn remove_revokes_a_google_grant_unless_told_to_keep_it() {
    let endpoint = provider();
    endpoint.grant("1//to-be-revoked", ALICE.name);
    let env = FreshEnv::new();
    env.write_store(&json!({"mailboxes": [google_entry(&endpoint, "1//to-be-revoked")]}));
    let run = env.run(&["remove", "Work Gmail", "--yes"]);
    run.ok();
    assert!(
        run.stderr
            .contains("Revoked the OAuth2 grant of 'Work Gmail'"),
        "{run}"
    );
    assert_eq!(endpoint.revoked(), ["1//to-be-revoked"]);
    assert!(env.stored().is_empty());

    endpoint.grant("1//to-be-kept", ALICE.name);
    env.write_store(&json!({"mailboxes": [google_entry(&endpoint, "1//to-be-kept")]}));
    env.run(&["remove", "Work Gmail", "--yes", "--keep-grant"])
        .ok();
    assert!(endpoint.is_live("1//to-be-kept"));
}
