//! Stored OAuth2 entries (issue 12 items 3 and 5) against the real Dovecot's oauth2 passdb:
//! the stored access token is used while good, refreshed otherwise (the rotated refresh token
//! stored with the result), refreshed once when refused early, and two processes refreshing
//! one grant at once lose nothing. The token endpoint is a stand-in (no provider runs here).

use serde_json::{json, Value};

use crate::support::dovecot::{Dovecot, ALICE};
use crate::support::env::{FreshEnv, Run};
use crate::support::token_endpoint::{TokenEndpoint, CLIENT_ID};

const ID: &str = "0a7c1e52-5b1d-4d7e-9a43-6f0c2d9b8e11";

/// Each test its own token endpoint, so its request count is its own.
fn endpoint() -> TokenEndpoint {
    TokenEndpoint::start(Dovecot::oauth2().1)
}

/// An OAuth2 entry as `add --oauth custom` stores it, with the web app's own field kept.
fn entry(
    endpoint: &TokenEndpoint,
    refresh_token: &str,
    access_token: &str,
    expires_in_s: i64,
) -> Value {
    let (dovecot, _) = Dovecot::oauth2();
    let expires = chrono::Utc::now() + chrono::Duration::seconds(expires_in_s);
    json!({
        "id": ID, "label": "Work OAuth", "host": "localhost",
        "port": dovecot.imaps_port_arg().parse::<u16>().unwrap(), "tls": true,
        "user": ALICE.name, "status": "pending",
        "authType": "oauth2", "oauthProvider": "custom", "oauthClientId": CLIENT_ID,
        "oauthTokenUrl": endpoint.url(), "oauthScope": "mail",
        "refreshToken": refresh_token, "accessToken": access_token,
        "accessTokenExpiresAt": expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "webAppNote": {"kept": [1, 2.50]}
    })
}

fn env_with(entry: Value) -> FreshEnv {
    let mut env = FreshEnv::new();
    for key in ["refreshToken", "accessToken"] {
        env.secret(entry[key].as_str().unwrap());
    }
    env.write_store(&json!({"mailboxes": [entry], "webSettings": {"apiKey": "keep-me"}}));
    env
}

fn test(env: &FreshEnv) -> Run {
    let (dovecot, _) = Dovecot::oauth2();
    let run = env.run(&[
        "test",
        "Work OAuth",
        "--ca-cert",
        &dovecot.ca_cert_arg(),
        "--json",
        "-vv",
    ]);
    no_token_shown(&run);
    run
}

/// Tokens the stand-in minted during the run are not in `FreshEnv`'s list: look for their forms.
fn no_token_shown(run: &Run) {
    for form in ["ya29.", "1//"] {
        assert!(
            !run.stdout.contains(form) && !run.stderr.contains(form),
            "{run}"
        );
    }
}

#[test]
fn a_stored_access_token_that_is_still_good_is_used_without_a_refresh() {
    let endpoint = endpoint();
    let (_, introspection) = Dovecot::oauth2();
    introspection.issue("ya29.stored-good-token", ALICE.name);
    endpoint.grant("1//stored-unused", ALICE.name);
    let env = env_with(entry(
        &endpoint,
        "1//stored-unused",
        "ya29.stored-good-token",
        3000,
    ));
    let before = endpoint.requests();
    let run = test(&env);
    let result = &run.ok().json()[0];
    assert_eq!(result["kind"], "ok", "{run}");
    assert_eq!(result["round_trips"], 4, "{run}");
    assert_eq!(endpoint.requests(), before, "no refresh: {run}");
    let stored = env.stored_entry(ID);
    assert_eq!(stored["status"], "ok");
    assert_eq!(stored["accessToken"], "ya29.stored-good-token");
    assert_eq!(stored["webAppNote"], json!({"kept": [1, 2.50]}));
}

#[test]
fn an_expiring_access_token_is_refreshed_and_the_rotated_grant_stored_with_the_result() {
    let endpoint = endpoint();
    endpoint.grant("1//stored-expiring", ALICE.name);
    // 30 s left: inside the minute's margin.
    let env = env_with(entry(
        &endpoint,
        "1//stored-expiring",
        "ya29.stored-expiring",
        30,
    ));
    let run = test(&env);
    assert_eq!(run.ok().json()[0]["kind"], "ok", "{run}");
    let stored = env.stored_entry(ID);
    assert_eq!(stored["status"], "ok");
    let rotated = stored["refreshToken"].as_str().unwrap().to_owned();
    assert!(rotated.starts_with("1//rotated-"), "{stored:#}");
    assert!(stored["accessToken"]
        .as_str()
        .unwrap()
        .starts_with("ya29.access-"));
    let expires =
        chrono::DateTime::parse_from_rfc3339(stored["accessTokenExpiresAt"].as_str().unwrap())
            .unwrap();
    assert!(
        expires > chrono::Utc::now() + chrono::Duration::seconds(3000),
        "{stored:#}"
    );
    assert_eq!(stored["webAppNote"], json!({"kept": [1, 2.50]}));
    assert_eq!(env.stored().len(), 1);
    // The next test uses the stored token: no second refresh.
    let before = endpoint.requests();
    test(&env).ok();
    assert_eq!(endpoint.requests(), before);
    assert_eq!(env.stored_entry(ID)["refreshToken"], rotated.as_str());
}

#[test]
fn a_stored_token_refused_before_it_expires_is_refreshed_once_and_tried_again() {
    let endpoint = endpoint();
    endpoint.grant("1//stored-early", ALICE.name);
    // Never issued: Dovecot's introspection calls it inactive (revoked early, say).
    let env = env_with(entry(
        &endpoint,
        "1//stored-early",
        "ya29.refused-early",
        3000,
    ));
    let run = test(&env);
    assert_eq!(run.ok().json()[0]["kind"], "ok", "{run}");
    let stored = env.stored_entry(ID);
    assert_ne!(stored["accessToken"], "ya29.refused-early");
    assert!(stored["refreshToken"]
        .as_str()
        .unwrap()
        .starts_with("1//rotated-"));
}

#[test]
fn a_revoked_grant_is_oauth_revoked_with_the_reauth_hint_and_nothing_else_changes() {
    let endpoint = endpoint();
    let env = env_with(entry(
        &endpoint,
        "1//stored-revoked",
        "ya29.stored-stale",
        -100,
    ));
    let run = test(&env);
    run.code(1);
    let result = &run.json()[0];
    assert_eq!(result["kind"], "oauth_revoked", "{run}");
    assert!(
        result["hint"]
            .as_str()
            .unwrap()
            .starts_with("sign in again with `mailboxes reauth 'Work OAuth'`"),
        "{run}"
    );
    let stored = env.stored_entry(ID);
    assert_eq!(stored["status"], "error");
    assert_eq!(stored["refreshToken"], "1//stored-revoked");
    assert_eq!(stored["accessToken"], "ya29.stored-stale");
}

#[test]
fn two_processes_refreshing_one_rotating_grant_at_once_both_log_in_and_lose_nothing() {
    let endpoint = endpoint();
    endpoint.grant("1//stored-contended", ALICE.name);
    let env = env_with(entry(
        &endpoint,
        "1//stored-contended",
        "ya29.stored-contended",
        -5,
    ));
    let (dovecot, _) = Dovecot::oauth2();
    let before = endpoint.requests();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            env.std_cmd()
                .args([
                    "test",
                    "Work OAuth",
                    "--ca-cert",
                    &dovecot.ca_cert_arg(),
                    "--json",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("starting mailboxes")
        })
        .collect();
    for child in handles {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{}\n{stdout}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // One refresh for all of them: the others found its token under the lock.
    assert_eq!(endpoint.requests() - before, 1);
    // The stored refresh token is the live one: it refreshes.
    let stored = env.stored_entry(ID);
    let live = stored["refreshToken"].as_str().unwrap().to_owned();
    let mut expired = stored.clone();
    expired["accessTokenExpiresAt"] = json!("2000-01-01T00:00:00.000Z");
    let env2 = env_with(expired);
    assert_eq!(test(&env2).ok().json()[0]["kind"], "ok");
    assert_ne!(env2.stored_entry(ID)["refreshToken"], live.as_str());
}

#[test]
fn harvest_refreshes_an_expired_token_stores_it_and_reads_the_mailbox() {
    let endpoint = endpoint();
    endpoint.grant("1//stored-harvest", ALICE.name);
    let env = env_with(entry(
        &endpoint,
        "1//stored-harvest",
        "ya29.stored-harvest",
        -5,
    ));
    let (dovecot, _) = Dovecot::oauth2();
    let run = env.run(&[
        "harvest",
        "Work OAuth",
        "--ca-cert",
        &dovecot.ca_cert_arg(),
        "--json",
    ]);
    no_token_shown(&run);
    run.ok();
    let stored = env.stored_entry(ID);
    assert!(
        stored["refreshToken"]
            .as_str()
            .unwrap()
            .starts_with("1//rotated-"),
        "{run}"
    );
    assert!(stored["accessToken"]
        .as_str()
        .unwrap()
        .starts_with("ya29.access-"));
}

#[test]
fn the_masked_list_of_an_oauth2_entry_shows_no_token() {
    let endpoint = endpoint();
    let env = env_with(entry(
        &endpoint,
        "1//stored-listed",
        "ya29.stored-listed",
        3000,
    ));
    let run = env.run(&["list", "--json"]);
    let item = &run.ok().json()[0];
    assert_eq!(item["authType"], "oauth2");
    assert_eq!(item["has_refresh_token"], true);
    assert_eq!(item["has_password"], false);
    assert!(item.get("refreshToken").is_none() && item.get("accessToken").is_none());
}

#[test]
fn edit_refuses_a_password_for_an_oauth2_entry_and_changes_nothing() {
    let endpoint = endpoint();
    let env = env_with(entry(
        &endpoint,
        "1//stored-edited",
        "ya29.stored-edited",
        3000,
    ));
    let before = env.store_bytes();
    let run = env.run_stdin(
        &["edit", "Work OAuth", "--password-stdin"],
        "a-new-password\n",
    );
    run.code(2);
    assert!(
        run.one_line_error()
            .contains("signs in with OAuth2 and has no password: sign in again with `mailboxes reauth 'Work OAuth'`"),
        "{run}"
    );
    assert_eq!(env.store_bytes(), before);
    // Other fields still edit.
    env.run(&["edit", "Work OAuth", "--label", "Renamed"]).ok();
    let stored = env.stored_entry(ID);
    assert_eq!(stored["label"], "Renamed");
    assert_eq!(stored["refreshToken"], "1//stored-edited");
}

#[test]
fn no_save_still_keeps_a_rotated_refresh_token() {
    let endpoint = endpoint();
    endpoint.grant("1//stored-nosave", ALICE.name);
    let env = env_with(entry(
        &endpoint,
        "1//stored-nosave",
        "ya29.stored-nosave",
        -5,
    ));
    let (dovecot, _) = Dovecot::oauth2();
    let run = env.run(&[
        "test",
        "Work OAuth",
        "--no-save",
        "--ca-cert",
        &dovecot.ca_cert_arg(),
    ]);
    no_token_shown(&run);
    run.ok();
    let stored = env.stored_entry(ID);
    // The result is not recorded, the grant is.
    assert_eq!(stored["status"], "pending");
    let rotated = stored["refreshToken"].as_str().unwrap();
    assert!(endpoint.is_live(rotated), "{stored:#}");
    assert!(!endpoint.is_live("1//stored-nosave"));
}

#[test]
fn a_refresh_made_while_the_connection_fails_keeps_its_rotated_token() {
    let endpoint = endpoint();
    endpoint.grant("1//stored-offline", ALICE.name);
    let mut entry = entry(&endpoint, "1//stored-offline", "ya29.stored-offline", -5);
    // Nothing listens there: the IMAP connection fails, the HTTPS refresh succeeds.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    entry["port"] = closed.local_addr().unwrap().port().into();
    drop(closed);
    let env = env_with(entry);
    let run = test(&env);
    run.code(1);
    assert_eq!(run.json()[0]["kind"], "connect", "{run}");
    let stored = env.stored_entry(ID);
    let kept = stored["refreshToken"].as_str().unwrap();
    assert!(
        endpoint.is_live(kept),
        "the rotated token was dropped: {stored:#}"
    );
    assert!(!endpoint.is_live("1//stored-offline"));
}

#[test]
fn sync_refreshes_a_token_refused_before_it_expired_and_tries_again() {
    let endpoint = endpoint();
    endpoint.grant("1//stored-sync-early", ALICE.name);
    let env = env_with(entry(
        &endpoint,
        "1//stored-sync-early",
        "ya29.sync-refused-early",
        3000,
    ));
    let (dovecot, _) = Dovecot::oauth2();
    let book = env.root().join("book");
    let run = env.run(&[
        "sync",
        "--json",
        "--contacts-dir",
        book.to_str().unwrap(),
        "--ca-cert",
        &dovecot.ca_cert_arg(),
    ]);
    no_token_shown(&run);
    let summary = run.ok().json();
    assert_eq!(summary["mailboxes"][0]["ok"], true, "{summary:#}");
    let stored = env.stored_entry(ID);
    assert_eq!(stored["status"], "ok");
    assert!(endpoint.is_live(stored["refreshToken"].as_str().unwrap()));
    assert_ne!(stored["accessToken"], "ya29.sync-refused-early");
}

#[test]
fn harvest_refreshes_a_token_refused_before_it_expired_and_reads_again() {
    let endpoint = endpoint();
    endpoint.grant("1//stored-harvest-early", ALICE.name);
    let env = env_with(entry(
        &endpoint,
        "1//stored-harvest-early",
        "ya29.harvest-refused-early",
        3000,
    ));
    let (dovecot, _) = Dovecot::oauth2();
    let run = env.run(&[
        "harvest",
        "Work OAuth",
        "--ca-cert",
        &dovecot.ca_cert_arg(),
        "--json",
    ]);
    no_token_shown(&run);
    run.ok();
    let stored = env.stored_entry(ID);
    assert!(
        endpoint.is_live(stored["refreshToken"].as_str().unwrap()),
        "{stored:#}"
    );
    assert_ne!(stored["accessToken"], "ya29.harvest-refused-early");
}

#[test]
fn a_grant_whose_client_is_not_set_up_here_is_oauth_client_and_nothing_is_sent_or_recorded() {
    let endpoint = endpoint();
    let mut entry = entry(&endpoint, "1//stored-noclient", "ya29.stored-noclient", -5);
    // The web app's entry for Google, without the client id; none in the environment either.
    entry["oauthProvider"] = "google".into();
    entry.as_object_mut().unwrap().remove("oauthClientId");
    let env = env_with(entry);
    let before = env.stored_entry(ID);
    let run = test(&env);
    run.code(1);
    let result = &run.json()[0];
    assert_eq!(result["kind"], "oauth_client", "{run}");
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .contains("GOOGLE_CLIENT_ID"),
        "{run}"
    );
    assert!(result["hint"]
        .as_str()
        .unwrap()
        .contains("mailboxes reauth 'Work OAuth'"));
    assert_eq!(endpoint.requests(), 0, "nothing was sent");
    assert_eq!(env.stored_entry(ID), before, "nothing was recorded");
}
