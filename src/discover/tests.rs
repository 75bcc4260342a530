//! Discovery end to end against the fake DNS server of the integration tests, on 127.0.0.1.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use super::*;

// The same fake the binary-level tests use (std only, so it compiles in both crates).
#[path = "../../tests/all/support/dns.rs"]
#[allow(dead_code)]
mod fake_dns;

use fake_dns::{cname, mx, srv, Behaviour, FakeDns, TYPE_MX, TYPE_SRV};

fn options(fake: &FakeDns) -> DiscoverOptions {
    DiscoverOptions {
        timeout: Duration::from_secs(5),
        nameservers: vec![fake.addr()],
    }
}

fn discover_with(fake: &FakeDns, email: &str) -> Result<Discovery, DiscoverError> {
    discover(email, &options(fake))
}

#[test]
fn a_preset_answers_without_asking_dns() {
    let fake = FakeDns::start(vec![srv(
        "_imaps._tcp.gmail.com",
        0,
        0,
        993,
        "evil.example",
    )]);
    let found = discover_with(&fake, "Someone@GMail.com").unwrap();
    assert_eq!(
        found,
        Discovery {
            host: "imap.gmail.com".into(),
            port: 993,
            tls: true,
            source: Source::Preset,
            provider: Some("Gmail".into()),
            notes: Some(
                presets::by_domain("gmail.com")
                    .unwrap()
                    .notes
                    .unwrap()
                    .into()
            ),
            user: "Someone@GMail.com".into(),
        }
    );
    assert_eq!(fake.asked(), vec![]);
}

#[test]
fn icloud_logs_in_with_the_local_part() {
    let fake = FakeDns::start(vec![]);
    let found = discover_with(&fake, "jane.doe@icloud.com").unwrap();
    assert_eq!(
        (found.host.as_str(), found.user.as_str()),
        ("imap.mail.me.com", "jane.doe")
    );
    assert!(found.notes.unwrap().contains("app-specific password"));
}

#[test]
fn srv_imaps_is_preferred_over_imap() {
    let fake = FakeDns::start(vec![
        srv("_imap._tcp.example.com", 0, 0, 143, "plain.example.com"),
        srv("_imaps._tcp.example.com", 10, 0, 993, "imap.example.com"),
        mx("example.com", 10, "aspmx.l.google.com"),
    ]);
    let found = discover_with(&fake, "me@Example.COM").unwrap();
    assert_eq!(
        found,
        Discovery {
            host: "imap.example.com".into(),
            port: 993,
            tls: true,
            source: Source::Srv,
            provider: None,
            notes: None,
            user: "me@Example.COM".into(),
        }
    );
    let mut asked = fake.asked();
    asked.sort();
    assert_eq!(
        asked,
        vec![
            ("_imap._tcp.example.com".to_string(), TYPE_SRV),
            ("_imaps._tcp.example.com".to_string(), TYPE_SRV),
            ("example.com".to_string(), TYPE_MX),
        ]
    );
}

#[test]
fn srv_imap_alone_means_starttls() {
    let fake = FakeDns::start(vec![srv(
        "_imap._tcp.example.org",
        0,
        0,
        143,
        "mail.example.org",
    )]);
    let found = discover_with(&fake, "me@example.org").unwrap();
    assert_eq!(
        (found.host.as_str(), found.port, found.tls),
        ("mail.example.org", 143, false)
    );
    assert_eq!(found.source, Source::Srv);
}

#[test]
fn srv_priority_then_weight_decides() {
    let fake = FakeDns::start(vec![
        srv(
            "_imaps._tcp.example.net",
            20,
            100,
            993,
            "backup.example.net",
        ),
        srv("_imaps._tcp.example.net", 10, 1, 993, "light.example.net"),
        srv("_imaps._tcp.example.net", 10, 50, 9993, "heavy.example.net"),
        srv(
            "_imaps._tcp.example.net",
            10,
            50,
            993,
            "heavy-second.example.net",
        ),
    ]);
    let found = discover_with(&fake, "me@example.net").unwrap();
    assert_eq!(
        (found.host.as_str(), found.port),
        ("heavy.example.net", 9993)
    );
}

#[test]
fn srv_dot_target_means_not_offered_and_mx_decides() {
    let fake = FakeDns::start(vec![
        srv("_imaps._tcp.corp.example", 0, 0, 0, "."),
        srv("_imap._tcp.corp.example", 0, 0, 0, "."),
        mx("corp.example", 20, "mx.other.example"),
        mx("corp.example", 1, "smtp.google.com"),
    ]);
    let found = discover_with(&fake, "me@corp.example").unwrap();
    assert_eq!(
        (found.host.as_str(), found.port, found.tls, found.source),
        ("imap.gmail.com", 993, true, Source::Mx)
    );
    assert_eq!(found.provider.as_deref(), Some("Google Workspace"));
    assert!(found
        .notes
        .unwrap()
        .contains("https://myaccount.google.com/apppasswords"));
}

#[test]
fn srv_dot_target_for_imaps_falls_back_to_imap() {
    let fake = FakeDns::start(vec![
        srv("_imaps._tcp.corp.example", 0, 0, 0, "."),
        srv("_imap._tcp.corp.example", 0, 0, 143, "imap.corp.example"),
    ]);
    let found = discover_with(&fake, "me@corp.example").unwrap();
    assert_eq!(
        (found.host.as_str(), found.tls),
        ("imap.corp.example", false)
    );
}

#[test]
fn mx_at_google_means_gmail_settings() {
    let fake = FakeDns::start(vec![
        mx("startup.example", 5, "alt1.aspmx.l.google.com"),
        mx("startup.example", 1, "aspmx.l.google.com"),
    ]);
    let found = discover_with(&fake, "founder@startup.example").unwrap();
    assert_eq!(found.source, Source::Mx);
    assert_eq!(found.host, "imap.gmail.com");
    assert_eq!(found.user, "founder@startup.example");
}

#[test]
fn mx_is_read_in_preference_order() {
    let fake = FakeDns::start(vec![
        mx("shop.example", 20, "in1-smtp.messagingengine.com"),
        mx(
            "shop.example",
            10,
            "shop-example.mail.protection.outlook.com",
        ),
    ]);
    let found = discover_with(&fake, "me@shop.example").unwrap();
    assert_eq!(found.provider.as_deref(), Some("Microsoft 365"));
}

#[test]
fn mx_behind_a_cname_is_followed() {
    let fake = FakeDns::start(vec![
        cname("alias.example", "real.example"),
        mx("real.example", 10, "mx01.mail.icloud.com"),
    ]);
    let found = discover_with(&fake, "me@alias.example").unwrap();
    assert_eq!(found.host, "imap.mail.me.com");
    assert_eq!(found.source, Source::Mx);
}

#[test]
fn srv_outside_the_domain_gets_a_note() {
    let fake = FakeDns::start(vec![srv(
        "_imaps._tcp.small.example",
        0,
        0,
        993,
        "imap.hoster.example",
    )]);
    let found = discover_with(&fake, "me@small.example").unwrap();
    assert_eq!(found.host, "imap.hoster.example");
    assert!(found.notes.unwrap().contains("outside small.example"));
}

#[test]
fn nothing_found_says_what_to_do() {
    let fake = FakeDns::start(vec![]);
    let err = discover_with(&fake, "me@nowhere.example").unwrap_err();
    assert_eq!(
        err,
        DiscoverError::NotFound(
            "no IMAP settings found for nowhere.example: no preset, no IMAP SRV records, no MX \
             records; pass --host and --port (with --tls or --starttls)"
                .into()
        )
    );
}

#[test]
fn unknown_mail_servers_are_named() {
    let fake = FakeDns::start(vec![
        srv("_imaps._tcp.self.example", 0, 0, 0, "."),
        mx("self.example", 10, "mail.self.example"),
    ]);
    let err = discover_with(&fake, "me@self.example")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "no IMAP settings found for self.example: no preset, SRV records say IMAP is not \
         offered (_imaps._tcp), its mail servers (mail.self.example) are not a provider we \
         know; pass --host and --port (with --tls or --starttls)"
    );
}

#[test]
fn a_silent_server_fails_within_the_timeout() {
    let fake = FakeDns::silent();
    let options = DiscoverOptions {
        timeout: Duration::from_millis(1500),
        nameservers: vec![fake.addr()],
    };
    let started = Instant::now();
    let err = discover("me@quiet.example", &options).unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(2500), "took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(1400), "took {elapsed:?}");
    assert_eq!(
        err,
        DiscoverError::Dns(format!(
            "could not look up quiet.example: DNS server {} did not answer within 1.5s; pass \
             --host and --port (with --tls or --starttls)",
            fake.addr()
        ))
    );
    // UDP was re-sent while waiting: 700 ms, then doubled.
    let retries = fake.asked().iter().filter(|(_, t)| *t == TYPE_MX).count();
    assert_eq!(retries, 2, "{:?}", fake.asked());
}

#[test]
fn servfail_is_a_dns_error() {
    let fake = FakeDns::with(vec![], Behaviour::ServFail);
    let err = discover_with(&fake, "me@broken.example").unwrap_err();
    assert!(
        matches!(&err, DiscoverError::Dns(m) if m.contains("SERVFAIL")),
        "{err}"
    );
}

#[test]
fn a_truncated_udp_answer_is_asked_again_over_tcp() {
    let fake = FakeDns::with(
        vec![srv(
            "_imaps._tcp.big.example",
            0,
            0,
            993,
            "imap.big.example",
        )],
        Behaviour::TruncateUdp,
    );
    let found = discover_with(&fake, "me@big.example").unwrap();
    assert_eq!(found.host, "imap.big.example");
}

#[test]
fn answers_with_another_id_are_ignored() {
    let fake = FakeDns::with(
        vec![mx("spoofed.example", 10, "aspmx.l.google.com")],
        Behaviour::WrongId,
    );
    let options = DiscoverOptions {
        timeout: Duration::from_millis(300),
        nameservers: vec![fake.addr()],
    };
    let err = discover("me@spoofed.example", &options).unwrap_err();
    assert!(
        matches!(&err, DiscoverError::Dns(m) if m.contains("did not answer")),
        "{err}"
    );
}

#[test]
fn a_garbled_answer_is_an_error_not_a_panic() {
    let fake = FakeDns::with(
        vec![
            srv(
                "_imaps._tcp.garbled.example",
                0,
                0,
                993,
                "imap.garbled.example",
            ),
            srv(
                "_imap._tcp.garbled.example",
                0,
                0,
                143,
                "imap.garbled.example",
            ),
            mx("garbled.example", 10, "aspmx.l.google.com"),
        ],
        Behaviour::Garbled,
    );
    let options = DiscoverOptions {
        timeout: Duration::from_millis(300),
        nameservers: vec![fake.addr()],
    };
    let err = discover("me@garbled.example", &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "could not look up garbled.example: DNS server {} sent an unreadable answer \
             (message ends early); pass --host and --port (with --tls or --starttls)",
            fake.addr()
        )
    );
}

#[test]
fn nobody_listening_fails_fast() {
    let port = {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap()
    };
    let options = DiscoverOptions {
        timeout: Duration::from_secs(5),
        nameservers: vec![port],
    };
    let started = Instant::now();
    let err = discover("me@closed.example", &options).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(&err, DiscoverError::Dns(m) if m.contains("connection refused")),
        "{err}"
    );
}

#[test]
fn addresses_are_checked_before_any_lookup() {
    let fake = FakeDns::start(vec![]);
    for (email, says) in [
        ("no-at-sign", "no @"),
        ("@example.com", "nothing before the @"),
        ("me@", "nothing after the @"),
        ("me@localhost", "not a domain name"),
        ("me@exa mple.com", "not a domain name"),
        ("me@-bad.com", "not a domain name"),
        ("me@a..com", "not a domain name"),
        (
            "me@bücher.de",
            "internationalized domain names are not supported",
        ),
    ] {
        let err = discover_with(&fake, email).unwrap_err();
        assert!(
            matches!(&err, DiscoverError::Input(m) if m.contains(says)),
            "{email}: {err}"
        );
    }
    assert_eq!(fake.asked(), vec![]);
}

#[test]
fn the_domain_is_after_the_last_at() {
    let address = Address::parse(" \"a@b\"@Example.COM. ").unwrap();
    assert_eq!(address.domain, "example.com");
    assert_eq!(address.local, "\"a@b\"");
    assert_eq!(address.email, "\"a@b\"@Example.COM.");
}

#[test]
fn resolv_conf_gives_every_usable_nameserver_in_order() {
    let conf = "# generated\nsearch example.com\nnameserver fe80::1%eth0\n\
                nameserver 10.0.0.53\nnameserver 0.0.0.0\nnameserver 8.8.8.8\n\
                nameserver 10.0.0.53\nnameserver ::1\n";
    assert_eq!(
        nameservers(conf),
        ["10.0.0.53:53", "8.8.8.8:53", "[::1]:53"]
            .map(|server| server.parse::<SocketAddr>().unwrap())
    );
    assert_eq!(nameservers("options edns0\n"), vec![]);
    let missing = resolv_conf_nameservers(Path::new("/nonexistent/resolv.conf")).unwrap_err();
    assert!(missing.to_string().contains(DNS_SERVER_ENV), "{missing}");
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("resolv.conf");
    std::fs::write(&empty, "search example.com\n").unwrap();
    let none = resolv_conf_nameservers(&empty).unwrap_err();
    assert!(
        none.to_string().contains("has no nameserver line"),
        "{none}"
    );
}

/// The system's resolver asks the next server when one fails; so does discovery, within the
/// one overall timeout.
#[test]
fn a_failing_dns_server_is_passed_over_for_the_next() {
    let zone = || vec![mx("fallback.example", 10, "aspmx.l.google.com")];
    let closed = {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap()
    };
    for behaviour in [Behaviour::Silent, Behaviour::ServFail, Behaviour::Garbled] {
        let first = FakeDns::with(zone(), behaviour);
        let second = FakeDns::start(zone());
        let options = DiscoverOptions {
            timeout: Duration::from_secs(2),
            nameservers: vec![closed, first.addr(), second.addr()],
        };
        let started = Instant::now();
        let found = discover("me@fallback.example", &options)
            .unwrap_or_else(|err| panic!("{behaviour:?}: {err}"));
        assert_eq!(found.source, Source::Mx, "{behaviour:?}");
        assert_eq!(found.host, "imap.gmail.com", "{behaviour:?}");
        assert!(started.elapsed() < Duration::from_secs(2), "{behaviour:?}");
        assert!(!first.asked().is_empty(), "{behaviour:?}");
    }

    // Every server fails: the last one's error, within the timeout.
    let silent = FakeDns::silent();
    let options = DiscoverOptions {
        timeout: Duration::from_millis(600),
        nameservers: vec![silent.addr(), closed],
    };
    let started = Instant::now();
    let err = discover("me@fallback.example", &options).unwrap_err();
    // 600 ms of timeout, and room for a loaded 2-core machine (it once took over 1.5 s there).
    let took = started.elapsed();
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert!(
        matches!(&err, DiscoverError::Dns(m) if m.contains("connection refused")),
        "{err}"
    );
}

#[test]
fn the_dns_server_setting_takes_ip_and_port() {
    assert_eq!(
        parse_server("127.0.0.1:5353"),
        Some("127.0.0.1:5353".parse().unwrap())
    );
    assert_eq!(
        parse_server("127.0.0.1"),
        Some("127.0.0.1:53".parse().unwrap())
    );
    assert_eq!(
        parse_server("[::1]:5353"),
        Some("[::1]:5353".parse().unwrap())
    );
    assert_eq!(parse_server("::1"), Some("[::1]:53".parse().unwrap()));
    assert_eq!(parse_server("dns.example:53"), None);
    let timeout = Duration::from_secs(3);
    let set = DiscoverOptions::with_dns_server(timeout, Some(" 127.0.0.1:5353 ")).unwrap();
    assert_eq!(set.nameservers, vec!["127.0.0.1:5353".parse().unwrap()]);
    assert_eq!(set.timeout, timeout);
    let two = DiscoverOptions::with_dns_server(timeout, Some("127.0.0.1:5353, ::1")).unwrap();
    assert_eq!(
        two.nameservers,
        vec![
            "127.0.0.1:5353".parse().unwrap(),
            "[::1]:53".parse().unwrap()
        ]
    );
    assert_eq!(
        DiscoverOptions::with_dns_server(timeout, Some(""))
            .unwrap()
            .nameservers,
        vec![]
    );
    assert_eq!(
        DiscoverOptions::with_dns_server(timeout, None)
            .unwrap()
            .nameservers,
        vec![]
    );
    let err = DiscoverOptions::with_dns_server(timeout, Some("dns.example")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "MAILBOXES_DNS_SERVER=dns.example: not an IP address with an optional port, e.g. \
         127.0.0.1:5353"
    );
}

#[test]
fn json_says_which_source_answered() {
    let fake = FakeDns::start(vec![]);
    let found = discover_with(&fake, "me@fastmail.com").unwrap();
    let json = serde_json::to_value(&found).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "host": "imap.fastmail.com",
            "port": 993,
            "tls": true,
            "source": "preset",
            "provider": "Fastmail",
            "notes": found.notes,
            "user": "me@fastmail.com",
        })
    );
}
