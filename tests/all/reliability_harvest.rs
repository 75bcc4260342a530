//! Hostile input to `mailboxes harvest` (issue 15): header bytes that look like a byte-order
//! mark, a FETCH response trickled one byte at a time, responses nested deep enough to
//! overflow a recursive parser. Each case runs the built binary against the private Dovecot
//! (crafted messages) or the scriptable fake (crafted responses) and asserts the exit code,
//! the message and what the output holds.

use serde_json::Value;

use crate::support::dovecot::Dovecot;
use crate::support::env::FreshEnv;
use crate::support::mailgen::{message, MailUser};
use crate::support::reliability::figure;

/// email → the contact's JSON.
fn by_email(contacts: &Value) -> std::collections::BTreeMap<String, Value> {
    contacts
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|c| (c["email"].as_str().unwrap().to_owned(), c.clone()))
        .collect()
}

/// `From: \xff\xfeRen\xe9 <bom@example.com>` in Windows-1252 is a name starting with "ÿþ",
/// not a UTF-16 byte-order mark: the address is kept and nothing is counted as malformed.
#[test]
fn a_header_starting_with_ff_fe_keeps_its_address() {
    let dovecot = Dovecot::shared();
    let user = MailUser::create(dovecot, "harvest-bom");
    user.deliver(
        "INBOX",
        [
            b"From: \xff\xfeRen\xe9 <bom@example.com>\r\nTo: me@example.test\r\nSubject: x\r\n\r\nbody\r\n"
                .to_vec(),
            b"From: \xfe\xffAnn <bom-be@example.com>\r\nTo: me@example.test\r\nSubject: x\r\n\r\nbody\r\n"
                .to_vec(),
            message(&["From: plain@example.com", "To: me@example.test"]),
        ],
    );
    let env = FreshEnv::new();
    env.add_mailbox(
        "Bom",
        "localhost",
        dovecot.imaps_port,
        true,
        &user.login,
        &user.password,
    );
    let ca = dovecot.ca_cert_arg();
    let run = env.run(&["harvest", "Bom", "--json", "--ca-cert", &ca]);
    run.ok().stderr_has("from 3 messages read");
    assert!(!run.stderr.contains("malformed"), "{run}");
    let contacts = by_email(&run.json());
    assert_eq!(
        contacts["bom@example.com"]["name"], "\u{ff}\u{fe}Ren\u{e9}",
        "{run}"
    );
    assert_eq!(contacts["bom-be@example.com"]["name"], "\u{fe}\u{ff}Ann");
    assert!(contacts.contains_key("plain@example.com"));
    figure(&format!(
        "harvest ff-fe header: exit 0 in {} ms, {} contacts, 0 malformed",
        run.elapsed.as_millis(),
        contacts.len()
    ));
}

mod fake {
    use std::time::Duration;

    use serde_json::json;

    use crate::support::env::{FreshEnv, Run};
    use crate::support::fake_imap::{Answer, Behaviour, FakeImap, Script, Tls};
    use crate::support::reliability::figure;

    /// A fake that logs in, lists INBOX with one message, and answers UID FETCH with `fetch`.
    fn server(fetch: Answer) -> FakeImap {
        FakeImap::start_with(
            Behaviour::Imap(
                Script::greeting("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake")
                    .answer("LOGIN", Answer::lines(["{tag} OK logged in"]))
                    .answer(
                        "LIST",
                        Answer::lines([r#"* LIST (\HasNoChildren) "." INBOX"#, "{tag} OK done"]),
                    )
                    .answer(
                        "STATUS",
                        Answer::lines([
                            "* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 1)",
                            "{tag} OK done",
                        ]),
                    )
                    .answer(
                        "EXAMINE",
                        Answer::lines(["* OK [UIDVALIDITY 1] ok", "{tag} OK [READ-ONLY] done"]),
                    )
                    .answer("UID", fetch),
            ),
            Tls::Implicit,
        )
    }

    fn harvest(fake: &FakeImap, extra: &[&str]) -> Run {
        let env = FreshEnv::new();
        env.write_store(&json!({"mailboxes": [{
            "id": "0c0ffee0-0000-4000-8000-000000000001", "label": "Fake",
            "host": "127.0.0.1", "port": fake.port(), "tls": true,
            "user": "me@example.test", "password": "pw", "status": "ok",
        }]}));
        let ca = fake.ca_cert().display().to_string();
        let mut args = vec!["harvest", "Fake", "--ca-cert", &ca];
        args.extend_from_slice(extra);
        env.run(&args)
    }

    /// One FETCH response and its completion, trickled one byte a second.
    fn trickled() -> Answer {
        Answer::Trickle {
            bytes: "* 1 FETCH (UID 1 BODY[HEADER.FIELDS (FROM)] {23}\r\nFrom: a@example.com\r\n\r\n)\r\n{tag} OK done\r\n"
                .to_string(),
            every: Duration::from_secs(1),
        }
    }

    /// `--timeout 2` bounds the whole harvest: a FETCH answer trickled one byte a second ends
    /// it after about 2 s (it used to run forever), exit 1, naming --timeout.
    #[test]
    fn a_trickled_fetch_ends_the_harvest_within_the_timeout() {
        let fake = server(trickled());
        let run = harvest(&fake, &["--timeout", "2"]);
        run.code(1)
            .within(Duration::from_millis(3500))
            .stderr_has("--timeout ran out before the server finished answering")
            .stderr_has("harvest --help");
        figure(&format!(
            "harvest trickled FETCH (1 byte/s), --timeout 2: exit 1 in {} ms: {}",
            run.elapsed.as_millis(),
            run.stderr.trim()
        ));
    }

    /// Without --timeout (15 s by default) a large mailbox may take as long as it needs, but
    /// an answer must keep coming at 1 KiB/s once its first 15 s are over: the trickle ends
    /// after about 15 s, exit 1, saying how slow it was.
    #[test]
    fn a_trickled_fetch_is_too_slow_for_the_minimum_rate() {
        let fake = server(trickled());
        let run = harvest(&fake, &[]);
        run.code(1)
            .within(Duration::from_secs(18))
            .stderr_has("slower than 1024 bytes/s after the first 15 s");
        assert!(run.elapsed >= Duration::from_secs(14), "{run}");
        figure(&format!(
            "harvest trickled FETCH (1 byte/s), default timeout: exit 1 in {} ms: {}",
            run.elapsed.as_millis(),
            run.stderr.trim()
        ));
    }

    /// 140,000 nested `(` in one 140 KB line (under the 1 MiB line cap) used to overflow the
    /// parser's stack (exit 134); now a protocol error, exit 1.
    #[test]
    fn deeply_nested_fetch_is_a_protocol_error_not_a_crash() {
        let line = format!("* 1 FETCH (UID 1 X {}", "(".repeat(140_000));
        let fake = server(Answer::Lines(vec![line, "{tag} OK done".to_string()]));
        let run = harvest(&fake, &["--timeout", "5"]);
        run.code(1)
            .stderr_has("a FETCH response nested more than 100 levels deep");
        assert!(!run.stderr.contains("overflow"), "{run}");
        figure(&format!(
            "harvest 140,000 nested '(': exit 1 in {} ms: {}",
            run.elapsed.as_millis(),
            run.stderr.trim()
        ));
    }
}

/// The limited Dovecot (`mail_max_userip_connections = 3`): 8 mailboxes of one account
/// harvested together all succeed — at most 4 per account at once, and those the limit
/// refuses are tried again after the others — where they used to fail as a wrong password.
#[test]
fn harvest_retries_logins_refused_by_a_connection_limit() {
    let dovecot = Dovecot::limited();
    let user = MailUser::create(dovecot, "harvest-limit");
    user.deliver(
        "INBOX",
        [message(&[
            "From: Pat <pat@example.com>",
            "To: me@example.test",
        ])],
    );
    let env = FreshEnv::new();
    for n in 1..=8 {
        env.add_mailbox(
            &format!("box {n}"),
            "localhost",
            dovecot.imaps_port,
            true,
            &user.login,
            &user.password,
        );
    }
    let ca = dovecot.ca_cert_arg();
    // Dovecot indexes a new Maildir on its first session; concurrent first sessions may see
    // it still empty. Index it first, then read every mailbox from UID 1.
    env.run(&["harvest", "box 1", "--ca-cert", &ca]).ok();
    let run = env.run(&["harvest", "--all", "--full", "--json", "--ca-cert", &ca]);
    run.ok();
    let contacts = by_email(&run.json());
    assert_eq!(
        contacts["pat@example.com"]["mailboxes"]
            .as_array()
            .map(Vec::len),
        Some(8),
        "{run}"
    );
    figure(&format!(
        "harvest 8 mailboxes of one account, Dovecot mail_max_userip_connections=3: exit 0 in \
         {} ms ({} logins refused by the limit, each retried)",
        run.elapsed.as_millis(),
        dovecot.refusals(&user.login)
    ));
}
