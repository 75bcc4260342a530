//! Hostile input to `mailboxes harvest` (issue 15): header bytes that look like a byte-order
//! mark. Each case runs the built binary against the private Dovecot
//! (crafted messages) or the scriptable fake (crafted responses) and asserts the exit code,
//! the message and what the output holds.

use serde_json::Value;

use crate::reliability_common::figure;
use crate::support::dovecot::Dovecot;
use crate::support::env::FreshEnv;
use crate::support::mailgen::{message, MailUser};

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

