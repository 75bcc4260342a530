//! OAuth2 logins (issue 12, first step): `test --host … --access-token-env VAR` against the real
//! Dovecot's oauth2 passdb (tokens checked by an introspection stand-in), Gmail's and
//! Dovecot's refusal exchanges, and the advice a password login gets from a server that takes
//! OAuth2 only, or from Microsoft.

use serde_json::{json, Value};

use crate::support::dovecot::{Dovecot, ALICE};
use crate::support::env::{Cli, FreshEnv, Run};
use crate::support::fake_imap::{Answer, Behaviour, FakeImap, Script, Tls};
use crate::support::token_endpoint::{TokenEndpoint, CLIENT_ID};

/// `test --host localhost --user USER --access-token-env TOKEN` on the OAuth2 Dovecot.
fn with_token(token: &str, user: &str, extra: &[&str]) -> (FreshEnv, Run) {
    let (dovecot, _) = Dovecot::oauth2();
    let mut env = FreshEnv::new();
    env.secret(token);
    env.env("TOKEN", token);
    let cli = Cli::test_host("localhost", user)
        .port(&dovecot.imaps_port_arg())
        .tls()
        .args([
            "--access-token-env",
            "TOKEN",
            "--ca-cert",
            &dovecot.ca_cert_arg(),
        ])
        .args(extra.iter().copied());
    let run = env.run(&cli.strs());
    (env, run)
}

#[test]
fn a_valid_access_token_logs_in_with_xoauth2_in_as_few_round_trips_as_login() {
    let (_, introspection) = Dovecot::oauth2();
    introspection.issue("ya29.valid-token-for-alice", ALICE.name);
    let (_, run) = with_token("ya29.valid-token-for-alice", ALICE.name, &["--json"]);
    let result: Value = run.ok().json()[0].clone();
    assert_eq!(result["ok"], true, "{run}");
    assert_eq!(result["kind"], "ok", "{run}");
    // SASL-IR: AUTHENTICATE goes in one round trip, as LOGIN does: TCP, TLS, greeting, login.
    assert_eq!(result["round_trips"], 4, "{run}");
}

#[test]
fn a_refused_access_token_says_so_and_never_shows_the_token() {
    let (_, introspection) = Dovecot::oauth2();
    introspection.issue("ya29.someone-elses", "bob");
    for token in ["ya29.expired-or-revoked", "ya29.someone-elses"] {
        let (_, run) = with_token(token, ALICE.name, &["--json", "-vvv"]);
        run.code(1);
        let result = &run.json()[0];
        assert_eq!(result["kind"], "auth", "{run}");
        let message = result["message"].as_str().unwrap();
        // Dovecot's error challenge, decoded from its base64 JSON.
        assert!(
            message.contains("the server said: status 401, schemes bearer, scope mail"),
            "{message}\n{run}"
        );
        let hint = result["hint"].as_str().unwrap();
        assert!(hint.starts_with("the access token was refused"), "{hint}");
        // Neither the token nor the SASL string (base64) anywhere: FreshEnv checks the
        // token; the SASL string's base64 holds the token's base64 at some alignment.
        assert!(!run.stderr.contains("dXNlcj1"), "{run}");
    }
}

#[test]
fn oauthbearer_is_used_where_it_is_all_the_server_offers() {
    // `{"status":"invalid_token"}`, Dovecot's OAUTHBEARER error challenge.
    let challenge = "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=";
    let fake = FakeImap::start_with(
        Behaviour::Imap(
            Script::greeting("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=OAUTHBEARER] fake").answer(
                "AUTHENTICATE",
                Answer::lines([
                    &format!("+ {challenge}"),
                    "{tag} NO [AUTHENTICATIONFAILED] Authentication failed.",
                ]),
            ),
        ),
        Tls::Trusted,
    );
    let mut env = FreshEnv::new();
    env.secret("ya29.bearer-token");
    env.env("TOKEN", "ya29.bearer-token");
    let cli = Cli::test_host("127.0.0.1", "me@example.com")
        .port(&fake.port_arg())
        .tls()
        .args(["--access-token-env", "TOKEN", "--ca-cert"])
        .args([fake.ca_cert().to_str().unwrap(), "--json"]);
    let run = env.run(&cli.strs());
    run.code(1);
    let result = &run.json()[0];
    assert_eq!(result["kind"], "auth", "{run}");
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .contains("the server said: status invalid_token"),
        "{run}"
    );
    // What went out: RFC 7628's GS2 header, host, port and the bearer token; then `AQ==`.
    let received = fake.received_text();
    let sent = received
        .lines()
        .find_map(|line| line.strip_prefix("a1 AUTHENTICATE OAUTHBEARER "))
        .unwrap_or_else(|| panic!("no OAUTHBEARER in {received:?}"));
    use base64::Engine as _;
    let sasl = base64::engine::general_purpose::STANDARD
        .decode(sent)
        .unwrap();
    assert_eq!(
        String::from_utf8(sasl).unwrap(),
        format!(
            "n,a=me@example.com,\u{1}host=127.0.0.1\u{1}port={}\u{1}auth=Bearer ya29.bearer-token\u{1}\u{1}",
            fake.port()
        )
    );
    // The fake records what it read on its own thread: give it a moment under load.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while !fake.received_text().contains("\nAQ==\r\n") && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let received = fake.received_text();
    assert!(received.contains("\nAQ==\r\n"), "{received:?}");
}

#[test]
fn a_password_for_a_server_that_wants_oauth2_gets_the_right_advice() {
    let fake = FakeImap::start_with(
        Behaviour::Imap(Script::greeting(
            "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGINDISABLED AUTH=XOAUTH2 AUTH=OAUTHBEARER] fake",
        )),
        Tls::Trusted,
    );
    let mut env = FreshEnv::new();
    env.env("PW", "a-password-123");
    let cli = Cli::test_host("127.0.0.1", "me@example.com")
        .port(&fake.port_arg())
        .tls()
        .args(["--password-env", "PW", "--ca-cert"])
        .args([fake.ca_cert().to_str().unwrap(), "--json"]);
    let run = env.run(&cli.strs());
    run.code(1);
    let result = &run.json()[0];
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .starts_with("this server wants OAuth2"),
        "{run}"
    );
    assert!(
        result["hint"]
            .as_str()
            .unwrap()
            .contains("--access-token-env"),
        "{run}"
    );
    assert!(!fake.received_text().contains("a-password-123"), "{fake}");

    // A stored password entry is pointed at switching it in place.
    let env = FreshEnv::new();
    env.add_mailbox(
        "Legacy",
        "127.0.0.1",
        fake.port(),
        true,
        "me@example.com",
        "a-password-123",
    );
    let run = env.run(&[
        "test",
        "Legacy",
        "--json",
        "--ca-cert",
        fake.ca_cert().to_str().unwrap(),
    ]);
    run.code(1);
    let hint = run.json()[0]["hint"].as_str().unwrap().to_owned();
    assert!(
        hint.starts_with("switch it to OAuth2 with `mailboxes reauth 'Legacy' --oauth custom"),
        "{run}"
    );
}

/// `--refresh-token-env`: the refresh token traded at the token endpoint (a stand-in here),
/// then XOAUTH2 with the new access token against the real Dovecot.
fn with_refresh_token(endpoint: &TokenEndpoint, refresh_token: &str) -> (FreshEnv, Run) {
    let (dovecot, _) = Dovecot::oauth2();
    let mut env = FreshEnv::new();
    env.secret(refresh_token);
    env.env("REFRESH", refresh_token);
    let cli = Cli::test_host("localhost", ALICE.name)
        .port(&dovecot.imaps_port_arg())
        .tls()
        .args(["--refresh-token-env", "REFRESH", "--oauth", "custom"])
        .args([
            "--oauth-token-url",
            endpoint.url(),
            "--oauth-client-id",
            CLIENT_ID,
        ])
        .args(["--ca-cert", &dovecot.ca_cert_arg(), "--json", "-vv"]);
    let run = env.run(&cli.strs());
    (env, run)
}

fn endpoint() -> &'static TokenEndpoint {
    static ENDPOINT: std::sync::OnceLock<TokenEndpoint> = std::sync::OnceLock::new();
    ENDPOINT.get_or_init(|| TokenEndpoint::start(Dovecot::oauth2().1))
}

#[test]
fn a_refresh_token_is_traded_for_an_access_token_then_logs_in() {
    let endpoint = endpoint();
    endpoint.grant("1//refresh-good", ALICE.name);
    let (_, run) = with_refresh_token(endpoint, "1//refresh-good");
    let result = &run.ok().json()[0];
    assert_eq!(result["kind"], "ok", "{run}");
    // The access token it got is no more shown than the refresh token.
    assert!(
        !run.stdout.contains("ya29.") && !run.stderr.contains("ya29."),
        "{run}"
    );
}

#[test]
fn a_revoked_refresh_token_is_its_own_kind_with_its_own_hint() {
    let (_, run) = with_refresh_token(endpoint(), "1//refresh-revoked");
    run.code(1);
    let result = &run.json()[0];
    assert_eq!(result["kind"], "oauth_revoked", "{run}");
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .ends_with("(invalid_grant: Token has been expired or revoked.)"),
        "{run}"
    );
    assert!(
        result["hint"]
            .as_str()
            .unwrap()
            .starts_with("sign in again"),
        "{run}"
    );
}

#[test]
fn a_token_endpoint_that_fails_for_now_is_asked_again() {
    let endpoint = endpoint();
    endpoint.grant("1//refresh-after-503", ALICE.name);
    // Other tests share the endpoint: count this test's requests through its own grant.
    let before = endpoint.requests();
    endpoint.fail_next(1);
    let (_, run) = with_refresh_token(endpoint, "1//refresh-after-503");
    assert_eq!(run.ok().json()[0]["kind"], "ok", "{run}");
    assert!(endpoint.requests() >= before + 2, "not retried\n{run}");
}

#[test]
fn a_refresh_token_needs_a_provider_and_a_client() {
    let mut env = FreshEnv::new();
    env.env("REFRESH", "1//whatever");
    let cli = Cli::test_host("imap.example.com", "me").args(["--refresh-token-env", "REFRESH"]);
    let run = env.run(&cli.strs());
    run.code(2).no_stdout();
    assert!(
        run.one_line_error()
            .contains("--oauth google|microsoft|custom"),
        "{run}"
    );
    // Gmail is Google's: it needs the Desktop app client's id and secret.
    let cli = Cli::test_host("imap.gmail.com", "me").args(["--refresh-token-env", "REFRESH"]);
    let run = env.run(&cli.strs());
    run.code(2).no_stdout();
    assert!(
        run.one_line_error().contains("GOOGLE_CLIENT_SECRET"),
        "{run}"
    );
}

/// The refresh runs while the connection is made, not before it: the token endpoint holds its
/// answer until the IMAP server has seen the connection (a sequential client would wait out
/// the hold and fail its 2 s timeout).
#[test]
fn the_refresh_overlaps_the_connection() {
    let fake = std::sync::Arc::new(FakeImap::start_with(
        Behaviour::Imap(
            Script::greeting("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] fake")
                .answer("AUTHENTICATE", Answer::lines(["{tag} OK logged in"])),
        ),
        Tls::Trusted,
    ));
    let endpoint = TokenEndpoint::start(Dovecot::oauth2().1);
    endpoint.grant("1//refresh-overlap", "me@example.com");
    let seen = std::sync::Arc::clone(&fake);
    endpoint.hold_next_until(move || seen.connections() > 0);
    let mut env = FreshEnv::new();
    env.secret("1//refresh-overlap");
    env.env("REFRESH", "1//refresh-overlap");
    let cli = Cli::test_host("127.0.0.1", "me@example.com")
        .port(&fake.port_arg())
        .tls()
        .args(["--refresh-token-env", "REFRESH", "--oauth", "custom"])
        .args([
            "--oauth-token-url",
            endpoint.url(),
            "--oauth-client-id",
            CLIENT_ID,
        ])
        .args([
            "--ca-cert",
            fake.ca_cert().to_str().unwrap(),
            "--json",
            "--timeout",
            "2",
        ]);
    let run = env.run(&cli.strs());
    assert_eq!(run.ok().json()[0]["kind"], "ok", "{run}");
    assert!(run.elapsed < std::time::Duration::from_secs(2), "{run}");
}

/// An entry whose `authType` this version does not know (the web app's OAuth2 entries carry
/// tokens, no password) is reported as `unsupported`: never logged in to with an empty
/// password, its record never rewritten; the other entries are tested as usual.
#[test]
fn entries_of_an_unknown_auth_type_are_never_logged_in_to_nor_rewritten() {
    let dovecot = Dovecot::shared();
    let env = FreshEnv::new();
    let good = env.add_mailbox(
        "Good",
        "localhost",
        dovecot.imaps_port,
        true,
        ALICE.name,
        ALICE.password,
    );
    let mut document: Value = serde_json::from_slice(&env.store_bytes().unwrap()).unwrap();
    let oauth = serde_json::json!({
        "id": "0a0a0a0a-0000-4000-8000-000000000001", "label": "Web OAuth",
        "host": "localhost", "port": dovecot.imaps_port, "tls": true, "user": ALICE.name,
        "authType": "passkey", "oauthProvider": "google", "refreshToken": "1//from-the-web-app",
        "status": "ok", "lastTestedAt": "2026-12-01T00:00:00.000Z"
    });
    document["mailboxes"]
        .as_array_mut()
        .unwrap()
        .push(oauth.clone());
    env.write_store(&document);
    let run = env.run(&[
        "test",
        "--all",
        "--json",
        "--ca-cert",
        &dovecot.ca_cert_arg(),
    ]);
    run.code(1);
    let results = run.json();
    let by_label = |label: &str| {
        results
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == label)
            .cloned()
            .unwrap_or_else(|| panic!("no {label}\n{run}"))
    };
    assert_eq!(by_label("Good")["kind"], "ok", "{run}");
    let skipped = by_label("Web OAuth");
    assert_eq!(skipped["kind"], "unsupported", "{run}");
    assert!(
        skipped["message"].as_str().unwrap().contains("\"passkey\""),
        "{run}"
    );
    let stored = env.stored();
    let entry = stored.iter().find(|e| e["label"] == "Web OAuth").unwrap();
    assert_eq!(entry, &oauth, "the OAuth2 entry was rewritten");
    assert!(stored.iter().any(|e| e["id"] == good.as_str()));
    // The masked view says what it is, and that it holds a refresh token (never the token).
    let listed = env.run(&["list", "--json"]).ok().json();
    let masked = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["label"] == "Web OAuth")
        .unwrap();
    assert_eq!(
        (
            &masked["authType"],
            &masked["oauthProvider"],
            &masked["has_refresh_token"]
        ),
        (&json!("passkey"), &json!("google"), &json!(true))
    );
    assert!(!listed.to_string().contains("1//from-the-web-app"));
    // harvest leaves it alone too, and says so.
    let run = env.run(&["harvest", "web oauth", "--ca-cert", &dovecot.ca_cert_arg()]);
    run.code(1);
    assert!(run.stderr.contains("cannot log in with authType"), "{run}");
}

/// Gmail's exact refusal of a bad token (shared/fixtures/oauth2-imap.md): a `+` challenge with
/// base64 JSON, an empty line from the client, then `NO [AUTHENTICATIONFAILED]`. Reported as
/// a refused token, without Gmail's App Password advice (it was no password).
#[test]
fn gmails_refusal_of_a_token_is_answered_and_explained() {
    let challenge = "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==";
    let fake = FakeImap::start_with(
        Behaviour::Imap(
            Script::greeting(
                "* OK [CAPABILITY IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 XYZZY SASL-IR AUTH=XOAUTH2 AUTH=PLAIN AUTH=PLAIN-CLIENTTOKEN AUTH=OAUTHBEARER] Gimap ready for requests from 127.0.0.1 fake",
            )
            .answer(
                "AUTHENTICATE",
                Answer::lines([
                    &format!("+ {challenge}"),
                    "{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
                ]),
            ),
        ),
        Tls::Trusted,
    );
    let mut env = FreshEnv::new();
    env.secret("ya29.gmail-bad");
    env.env("TOKEN", "ya29.gmail-bad");
    let cli = Cli::test_host("127.0.0.1", "me@gmail.com")
        .port(&fake.port_arg())
        .tls()
        .args(["--access-token-env", "TOKEN", "--ca-cert"])
        .args([fake.ca_cert().to_str().unwrap(), "--json"]);
    let run = env.run(&cli.strs());
    run.code(1);
    let result = &run.json()[0];
    assert_eq!(result["kind"], "auth", "{run}");
    let message = result["message"].as_str().unwrap();
    assert!(
        message.contains(
            "the server said: status 400, schemes Bearer, scope https://mail.google.com/"
        ),
        "{message}"
    );
    assert!(!message.contains("App Password"), "{message}");
    assert!(result["hint"]
        .as_str()
        .unwrap()
        .starts_with("the access token was refused"));
    // XOAUTH2 (listed first by Gmail) and the empty line that answers the challenge (the fake
    // records what it read on its own thread: give it a moment under load).
    let until = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while !fake.received_text().contains("\r\n\r\n") && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let received = fake.received_text();
    assert!(
        received.contains("a1 AUTHENTICATE XOAUTH2 "),
        "{received:?}"
    );
    assert!(
        received.contains("\r\n\r\n"),
        "no empty answer to the challenge: {received:?}"
    );
}
