//! `mailboxes discover` and `add --email` from the built binary, with DNS answered by the
//! scripted fake on 127.0.0.1 (`support::dns`) through `MAILBOXES_DNS_SERVER`.
//!
//! The discovery logic itself is unit-tested in `src/discover/` (with the same fake); these
//! tests pin what users and scripts see: the JSON, the exit codes, the one-line errors.

use std::time::Duration;

use serde_json::json;

use crate::support::dns::{cname, mx, srv, Behaviour, FakeDns};
use crate::support::env::FreshEnv;

const WHAT_TO_DO: &str = "pass --host and --port (with --tls or --starttls)";

fn env_with(dns: &FakeDns) -> FreshEnv {
    let mut env = FreshEnv::new();
    env.env("MAILBOXES_DNS_SERVER", dns.addr().to_string());
    env
}

#[test]
fn a_preset_answers_without_any_dns_query() {
    let dns = FakeDns::start(vec![]);
    let env = env_with(&dns);
    let run = env.run(&["discover", "someone@gmail.com", "--json"]);
    run.ok();
    assert_eq!(
        run.json(),
        json!({
            "host": "imap.gmail.com",
            "port": 993,
            "tls": true,
            "source": "preset",
            "provider": "Gmail",
            "notes": "Gmail needs an App Password (turn on 2-Step Verification first): \
                      https://myaccount.google.com/apppasswords",
            "user": "someone@gmail.com",
        })
    );
    assert_eq!(dns.asked(), vec![], "a preset must not touch DNS");
}

#[test]
fn srv_imaps_is_preferred_over_imap() {
    let dns = FakeDns::start(vec![
        srv("_imap._tcp.example.com", 0, 0, 143, "mail.example.com"),
        srv("_imaps._tcp.example.com", 0, 0, 993, "imap.example.com"),
    ]);
    let run = env_with(&dns).run(&["discover", "me@example.com", "--json"]);
    run.ok();
    assert_eq!(
        run.json(),
        json!({
            "host": "imap.example.com",
            "port": 993,
            "tls": true,
            "source": "srv",
            "provider": null,
            "notes": null,
            "user": "me@example.com",
        })
    );
}

#[test]
fn srv_imap_alone_is_starttls() {
    let dns = FakeDns::start(vec![srv(
        "_imap._tcp.example.org",
        0,
        0,
        143,
        "mail.example.org",
    )]);
    let run = env_with(&dns).run(&["discover", "me@example.org", "--json"]);
    let found = run.ok().json();
    assert_eq!(
        (
            &found["host"],
            &found["port"],
            &found["tls"],
            &found["source"]
        ),
        (
            &json!("mail.example.org"),
            &json!(143),
            &json!(false),
            &json!("srv")
        )
    );
}

#[test]
fn srv_dot_target_means_unavailable_and_mx_decides() {
    let dns = FakeDns::start(vec![
        srv("_imaps._tcp.corp.example", 0, 0, 0, "."),
        srv("_imap._tcp.corp.example", 0, 0, 0, "."),
        mx("corp.example", 10, "aspmx.l.google.com"),
    ]);
    let run = env_with(&dns).run(&["discover", "me@corp.example", "--json"]);
    let found = run.ok().json();
    assert_eq!(found["source"], "mx");
    assert_eq!(found["host"], "imap.gmail.com");
    assert_eq!(found["provider"], "Google Workspace");
}

#[test]
fn mx_at_google_gives_gmail_settings() {
    let dns = FakeDns::start(vec![
        mx("startup.example", 5, "alt1.aspmx.l.google.com"),
        mx("startup.example", 1, "aspmx.l.google.com"),
    ]);
    let run = env_with(&dns).run(&["discover", "founder@startup.example", "--json"]);
    let found = run.ok().json();
    assert_eq!(
        (
            &found["host"],
            &found["port"],
            &found["tls"],
            &found["source"],
            &found["user"]
        ),
        (
            &json!("imap.gmail.com"),
            &json!(993),
            &json!(true),
            &json!("mx"),
            &json!("founder@startup.example")
        )
    );
    assert!(found["notes"]
        .as_str()
        .unwrap()
        .contains("https://myaccount.google.com/apppasswords"));
}

#[test]
fn nothing_found_is_one_line_that_says_what_to_do() {
    let dns = FakeDns::start(vec![mx("self.example", 10, "mail.self.example")]);
    let run = env_with(&dns).run(&["discover", "me@self.example", "--json"]);
    run.code(1).no_stdout();
    assert_eq!(
        run.one_line_error(),
        format!(
            "mailboxes: no IMAP settings found for self.example: no preset, no IMAP SRV \
             records, its mail servers (mail.self.example) are not a provider we know; \
             {WHAT_TO_DO}"
        )
    );
}

#[test]
fn a_silent_dns_server_fails_within_the_timeout() {
    let dns = FakeDns::silent();
    let run = env_with(&dns).run(&["discover", "me@quiet.example", "--timeout", "1"]);
    run.code(5).no_stdout().within(Duration::from_secs(4));
    assert_eq!(
        run.one_line_error(),
        format!(
            "mailboxes: could not look up quiet.example: DNS server {} did not answer within \
             1s; {WHAT_TO_DO}",
            dns.addr()
        )
    );
    assert!(!dns.asked().is_empty(), "the fake was asked");
}

#[test]
fn addresses_that_cannot_be_discovered_are_usage_errors() {
    let dns = FakeDns::start(vec![]);
    let env = env_with(&dns);
    let run = env.run(&["discover", "me@bücher.de"]);
    run.code(2).no_stdout();
    assert!(run
        .one_line_error()
        .contains("internationalized domain names are not supported"));
    env.run(&["discover", "not-an-address"]).code(2).no_stdout();
    assert_eq!(dns.asked(), vec![]);
}

#[test]
fn a_bad_dns_server_setting_is_a_usage_error() {
    let mut env = FreshEnv::new();
    env.env("MAILBOXES_DNS_SERVER", "dns.example");
    let run = env.run(&["discover", "me@example.com"]);
    run.code(2).no_stdout();
    assert!(run
        .one_line_error()
        .contains("MAILBOXES_DNS_SERVER=dns.example"));
}

#[test]
fn add_with_email_fills_the_server_from_discovery() {
    let dns = FakeDns::start(vec![mx("startup.example", 1, "aspmx.l.google.com")]);
    let mut env = env_with(&dns);
    let password = env.secret("abcd efgh ijkl mnop");
    let run = env.run_stdin(
        &[
            "add",
            "--email",
            "founder@startup.example",
            "--label",
            "Startup",
            "--password-stdin",
            "--json",
        ],
        &format!("{password}\n"),
    );
    let added = run.ok().json();
    run.stderr_has("https://myaccount.google.com/apppasswords");
    let id = added["id"].as_str().expect("the new mailbox's id");
    let stored = env.stored_entry(id);
    assert_eq!(
        (
            &stored["host"],
            &stored["port"],
            &stored["tls"],
            &stored["user"]
        ),
        (
            &json!("imap.gmail.com"),
            &json!(993),
            &json!(true),
            &json!("founder@startup.example")
        )
    );
}

#[test]
fn add_with_email_and_host_asks_no_dns() {
    let dns = FakeDns::start(vec![]);
    let mut env = env_with(&dns);
    let password = env.secret("correct horse battery");
    let run = env.run_stdin(
        &[
            "add",
            "--email",
            "me@corp.example",
            "--host",
            "imap.corp.example",
            "--starttls",
            "--label",
            "Corp",
            "--password-stdin",
            "--json",
        ],
        &format!("{password}\n"),
    );
    let id = run.ok().json()["id"].as_str().unwrap().to_string();
    let stored = env.stored_entry(&id);
    assert_eq!(
        (
            &stored["host"],
            &stored["port"],
            &stored["tls"],
            &stored["user"]
        ),
        (
            &json!("imap.corp.example"),
            &json!(143),
            &json!(false),
            &json!("me@corp.example")
        )
    );
    assert_eq!(dns.asked(), vec![]);
}

#[test]
fn add_with_email_saves_nothing_when_nothing_is_found() {
    let dns = FakeDns::start(vec![]);
    let mut env = env_with(&dns);
    let password = env.secret("correct horse battery");
    let run = env.run_stdin(
        &[
            "add",
            "--email",
            "me@nowhere.example",
            "--label",
            "Nowhere",
            "--password-stdin",
        ],
        &format!("{password}\n"),
    );
    run.code(1).no_stdout();
    assert!(run
        .one_line_error()
        .contains("no IMAP settings found for nowhere.example"));
    assert_eq!(env.store_bytes(), None, "nothing was saved");
}

/// An SRV name that is an alias (CNAME) of another's is followed to its record.
#[test]
fn srv_records_behind_a_cname_are_followed() {
    let dns = FakeDns::start(vec![
        cname("_imaps._tcp.alias.example", "_imaps._tcp.provider.example"),
        srv(
            "_imaps._tcp.provider.example",
            0,
            0,
            993,
            "imap.provider.example",
        ),
    ]);
    let found = env_with(&dns)
        .run(&["discover", "me@alias.example", "--json"])
        .ok()
        .json();
    assert_eq!(
        (&found["host"], &found["port"], &found["source"]),
        (&json!("imap.provider.example"), &json!(993), &json!("srv"))
    );
}

/// A resolver that answers SERVFAIL to everything: discovery fails as a DNS problem (exit 5,
/// the network is unavailable), in one line that names the server asked.
#[test]
fn a_failing_resolver_is_a_dns_error_not_a_missing_server() {
    let dns = FakeDns::with(Vec::new(), Behaviour::ServFail);
    let run = env_with(&dns).run(&["discover", "me@example.org", "--json"]);
    run.code(5).no_stdout();
    let error = run.one_line_error();
    assert!(error.contains(&dns.addr().to_string()), "{run}");
}
