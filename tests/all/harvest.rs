//! `mailboxes harvest` against the private Dovecot with generated mail (issue 7): encoded-word
//! names, quoted names with commas, group syntax, undisclosed-recipients, duplicates that
//! differ in case and Gmail dots, malformed headers, a Sent folder found by SPECIAL-USE only,
//! incremental re-runs, a UIDVALIDITY change, the export formats, and import into the Supabase
//! test stack twice without double counting.

use serde_json::{json, Value};

use crate::support::dovecot::Dovecot;
use crate::support::env::{Cli, FreshEnv, Run};
use crate::support::mailgen::{message, MailUser};

/// A fresh environment with `user` stored as mailbox `label`.
fn env_with(user: &MailUser, label: &str) -> FreshEnv {
    let env = FreshEnv::new();
    let port = Dovecot::shared().imaps_port;
    env.add_mailbox(label, "localhost", port, true, &user.login, &user.password);
    env
}

fn harvest(env: &FreshEnv, args: &[&str]) -> Run {
    let ca = Dovecot::shared().ca_cert_arg();
    let mut all = vec!["harvest"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--ca-cert", &ca]);
    env.run(&all)
}

/// The round trips a harvest's summary line reports ("…, 7 round trips").
fn round_trips(run: &Run) -> u32 {
    run.stderr
        .lines()
        .find_map(|line| {
            let before = &line[..line.find(" round trips")?];
            before.rsplit(' ').next()?.parse().ok()
        })
        .unwrap_or_else(|| panic!("no round trips in the summary\n{run}"))
}

/// email → the contact's JSON, for assertions that do not depend on order.
fn by_email(contacts: &Value) -> std::collections::BTreeMap<String, Value> {
    contacts
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|c| (c["email"].as_str().unwrap().to_owned(), c.clone()))
        .collect()
}

fn counts(contact: &Value) -> (u64, u64) {
    (
        contact["from_count"].as_u64().unwrap(),
        contact["to_count"].as_u64().unwrap(),
    )
}

/// The mail every test below starts from. `me` is the login (an address).
fn deliver_fixture(user: &MailUser) {
    let me = user.login.as_str();
    let to_me = format!("To: Me <{me}>");
    user.deliver(
        "INBOX",
        [
            // An encoded-word name.
            message(&[
                "From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jurgen@example.de>",
                &to_me,
                "Date: Mon, 5 Jan 2026 10:00:00 +0100",
            ]),
            // A quoted name with a comma, a Cc with another.
            message(&[
                "From: \"Doe, Jane\" <Jane.Doe@Example.COM>",
                &to_me,
                "Cc: \"Roe, Richard\" <rich@example.org>",
                "Date: Tue, 6 Jan 2026 10:00:00 +0000",
            ]),
            // The same person, another case, no name.
            message(&[
                "From: jane.doe@example.com",
                &to_me,
                "Date: Wed, 7 Jan 2026 10:00:00 +0000",
            ]),
            // Gmail dots, +tag and googlemail.com are one person.
            message(&[
                "From: John.Smith@gmail.com",
                &to_me,
                "Date: Thu, 8 Jan 2026 10:00:00 +0000",
            ]),
            message(&[
                "From: \"John Smith\" <johnsmith+news@googlemail.com>",
                &to_me,
                "Date: Fri, 9 Jan 2026 10:00:00 +0000",
            ]),
            // Group syntax: the group's name is no address, its members are.
            message(&[
                "From: boss@example.com",
                "To: Team: a@example.net, \"Bee\" <b@example.net>;",
                "Cc: undisclosed-recipients:;",
                "Date: Fri, 9 Jan 2026 11:00:00 +0000",
            ]),
            // A machine: dropped.
            message(&[
                "From: Service <no-reply@service.example>",
                &to_me,
                "Date: Fri, 9 Jan 2026 12:00:00 +0000",
            ]),
            // Malformed: counted and skipped; the good address in it still counts.
            message(&[
                "From: \"broken <not-an-address>",
                "To: ,, @@, <@>, ok@example.com",
                "Cc: plainly wrong",
                "Date: not a date",
            ]),
            // No From at all, and a header line without a colon.
            message(&["X-Garbage", &to_me]),
            // Raw 8-bit Latin-1 in a name.
            b"From: Ren\xe9 <rene@example.fr>\r\nTo: x@example.fr\r\nSubject: x\r\n\r\nbody\r\n"
                .to_vec(),
        ],
    );
    user.deliver(
        "Gesendet",
        [message(&[
            "From: \"Me\" <alias@example.test>",
            "To: \"Doe, Jane\" <jane.doe@example.com>, friend@example.net",
            "Date: Sat, 10 Jan 2026 10:00:00 +0000",
        ])],
    );
    // A folder called "Sent" without the \Sent attribute: not read by default.
    user.deliver(
        "Sent",
        [message(&[&format!("From: {me}"), "To: decoy@example.com"])],
    );
}

#[test]
fn harvests_inbox_and_the_special_use_sent_folder() {
    let dovecot = Dovecot::shared();
    let user = MailUser::create(dovecot, "harvest-basic");
    deliver_fixture(&user);
    let env = env_with(&user, "Work");

    let run = harvest(&env, &["Work", "--json"]);
    run.ok();
    let contacts = by_email(&run.json());
    let emails: Vec<&str> = contacts.keys().map(String::as_str).collect();
    assert_eq!(
        emails,
        [
            "a@example.net",
            "b@example.net",
            "boss@example.com",
            "friend@example.net",
            "jane.doe@example.com",
            "john.smith@gmail.com",
            "jurgen@example.de",
            "ok@example.com",
            "rene@example.fr",
            "rich@example.org",
            "x@example.fr",
        ],
        "{run}"
    );
    let jane = &contacts["jane.doe@example.com"];
    assert_eq!(jane["name"], "Doe, Jane");
    assert_eq!(counts(jane), (2, 1), "two from her, one to her: {jane}");
    assert_eq!(jane["first_seen"], "2026-01-06T10:00:00Z");
    assert_eq!(jane["last_seen"], "2026-01-10T10:00:00Z");
    assert_eq!(jane["mailboxes"], json!(["Work"]));
    assert_eq!(contacts["jurgen@example.de"]["name"], "Jürgen Müller");
    assert_eq!(
        contacts["jurgen@example.de"]["first_seen"],
        "2026-01-05T09:00:00Z"
    );
    assert_eq!(contacts["john.smith@gmail.com"]["name"], "John Smith");
    assert_eq!(counts(&contacts["john.smith@gmail.com"]), (2, 0));
    assert_eq!(contacts["b@example.net"]["name"], "Bee");
    assert_eq!(contacts["rich@example.org"]["name"], "Roe, Richard");
    assert_eq!(contacts["rene@example.fr"]["name"], "René");
    run.stderr_has("malformed addresses or messages skipped");

    // --personal: only people the user wrote to (from the Sent folder).
    let personal = harvest(&env, &["Work", "--personal", "--json"]);
    personal.ok();
    let personal = by_email(&personal.json());
    assert_eq!(
        personal.keys().collect::<Vec<_>>(),
        ["friend@example.net", "jane.doe@example.com"]
    );
    // --direction from; --keep-noreply brings the machine back.
    let from = by_email(&harvest(&env, &["Work", "--direction", "from", "--json"]).json());
    assert!(!from.contains_key("friend@example.net"));
    assert!(from.contains_key("boss@example.com"));
    let noreply = by_email(&harvest(&env, &["Work", "--keep-noreply", "--json"]).json());
    assert!(noreply.contains_key("no-reply@service.example"));

    // --since (the day the server received the message): a one-off scan.
    let none = harvest(&env, &["Work", "--since", "2999-01-01", "--json"]);
    none.ok();
    assert_eq!(none.json(), json!([]));
    let since = harvest(&env, &["Work", "--since", "2000-01-01", "--json"]);
    assert_eq!(by_email(&since.json()), contacts);
    // One round trip more than a full read, for both folders together: every folder's SEARCH
    // is answered before any FETCH is sent, but all folders' are sent at once.
    assert_eq!(round_trips(&since), round_trips(&run) + 1, "{since}\n{run}");

    // --folders reads exactly those.
    let decoy = by_email(&harvest(&env, &["Work", "--folders", "Sent", "--json"]).json());
    assert_eq!(decoy.keys().collect::<Vec<_>>(), ["decoy@example.com"]);
    // ... and stay out of the default folders' output afterwards.
    let again = by_email(&harvest(&env, &["Work", "--json"]).json());
    assert_eq!(again, contacts);
}

#[test]
fn reruns_read_only_new_mail_and_a_changed_uidvalidity_rescans() {
    let dovecot = Dovecot::shared();
    let user = MailUser::create(dovecot, "harvest-incr");
    deliver_fixture(&user);
    let env = env_with(&user, "Work");
    let first = by_email(&harvest(&env, &["Work", "--json"]).json());

    // Nothing new: no message is read. 5 round trips: 4 to log in over TLS (TCP, TLS, greeting,
    // LOGIN), then LIST and a STATUS per folder, pipelined.
    let again = harvest(&env, &["Work", "--json"]);
    again
        .ok()
        .stderr_has("from 0 messages read (2 folders, 2 unchanged)")
        .stderr_has(", 5 round trips");
    assert_eq!(by_email(&again.json()), first, "same contacts, same counts");

    // Two new messages: only they are read, counts go up by exactly them.
    user.deliver(
        "INBOX",
        [
            message(&[
                "From: JANE.DOE@example.com",
                &format!("To: {}", user.login),
                "Date: Sun, 11 Jan 2026 10:00:00 +0000",
            ]),
            message(&["From: newbie@example.com", &format!("To: {}", user.login)]),
        ],
    );
    let more = harvest(&env, &["Work", "--json"]);
    // ... plus EXAMINE and UID FETCH, pipelined: one more round trip.
    more.ok()
        .stderr_has("from 2 messages read")
        .stderr_has(", 6 round trips");
    let more = by_email(&more.json());
    assert_eq!(counts(&more["jane.doe@example.com"]), (3, 1));
    assert_eq!(
        more["jane.doe@example.com"]["last_seen"],
        "2026-01-11T10:00:00Z"
    );
    assert!(more.contains_key("newbie@example.com"));

    // A new UIDVALIDITY: INBOX is read again from scratch and its counts replaced, not added.
    user.set_uidvalidity(dovecot, "INBOX", 7);
    let rescan = harvest(&env, &["Work", "--json"]);
    rescan.ok().stderr_has("from 12 messages read");
    assert_eq!(by_email(&rescan.json()), more);

    // --full reads everything again, still without double counting.
    let full = harvest(&env, &["Work", "--full", "--json"]);
    full.ok().stderr_has("from 13 messages read");
    assert_eq!(by_email(&full.json()), more);
}

#[test]
fn exports_csv_vcard_and_mutt() {
    let dovecot = Dovecot::shared();
    let user = MailUser::create(dovecot, "harvest-formats");
    deliver_fixture(&user);
    let env = env_with(&user, "Work");

    let csv = harvest(&env, &["Work", "--format", "csv"]);
    csv.ok();
    let mut lines = csv.stdout.split("\r\n");
    assert_eq!(
        lines.next(),
        Some("Name,Given Name,Family Name,Notes,Group Membership,E-mail 1 - Type,E-mail 1 - Value")
    );
    assert!(
        csv.stdout.contains(
            "\"Doe, Jane\",Jane,Doe,from 2 to 1 messages; last seen 2026-01-10T10:00:00Z,* myContacts,* Other,jane.doe@example.com"
        ),
        "{csv}"
    );

    let vcard = harvest(&env, &["Work", "--format", "vcard"]);
    vcard.ok();
    assert_eq!(
        vcard
            .stdout
            .matches("BEGIN:VCARD\r\nVERSION:4.0\r\n")
            .count(),
        11,
        "{vcard}"
    );
    assert!(
        vcard.stdout.contains(
            "FN:Doe\\, Jane\r\nN:Doe;Jane;;;\r\nEMAIL;TYPE=internet:jane.doe@example.com\r\n"
        ),
        "{vcard}"
    );
    assert!(vcard.stdout.contains("FN:Jürgen Müller\r\n"));

    let mutt = harvest(&env, &["Work", "--format", "mutt"]);
    mutt.ok();
    assert!(
        mutt.stdout.starts_with("mailboxes harvest: 11 contacts\n"),
        "{mutt}"
    );
    assert!(mutt
        .stdout
        .contains("\njane.doe@example.com\tDoe, Jane\tfrom 2, to 1\n"));

    let table = harvest(&env, &["Work"]);
    table
        .ok()
        .stdout_has("jane.doe@example.com")
        .stdout_has("Jürgen Müller");

    harvest(&env, &["Work", "--json", "--format", "csv"]).code(2);
}

#[test]
fn a_wrong_password_fails_like_test_does() {
    let dovecot = Dovecot::shared();
    let mut user = MailUser::create(dovecot, "harvest-auth");
    user.password = "wrong".into();
    let env = env_with(&user, "Work");
    let run = harvest(&env, &["Work"]);
    run.code(1).stderr_has("harvesting 'Work'");
}

pub(crate) mod import {
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    use uuid::Uuid;

    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    use crate::support::supabase::{self, Fault, FaultFront, Migration, Stack};

    const CONTACTS_MIGRATION: &str =
        include_str!("../../supabase/migrations/20261126000000_contacts.sql");
    pub(crate) const DEDUP_MIGRATION: &str =
        include_str!("../../supabase/migrations/20261205000000_contacts_dedup.sql");

    /// The shared stack, with the contacts migration installed once.
    pub(crate) fn stack() -> &'static Stack {
        static READY: OnceLock<()> = OnceLock::new();
        let stack = supabase::shared(Migration::Installed);
        READY.get_or_init(|| {
            stack
                .db()
                .batch_execute(CONTACTS_MIGRATION)
                .expect("install the contacts migration");
            stack
                .db()
                .batch_execute(DEDUP_MIGRATION)
                .expect("install the contacts dedup migration");
            // PostgREST reloads its schema cache on the migrations' NOTIFY, a moment later: a
            // test starting at once would see "no such function".
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let until = Instant::now() + Duration::from_secs(10);
            loop {
                let body = agent
                    .post(format!("{}/rest/v1/rpc/contacts_unmerge", stack.url()))
                    .header("apikey", stack.anon_key())
                    .send_json(serde_json::json!({"p_email": "x@example.com"}))
                    .ok()
                    .and_then(|mut reply| reply.body_mut().read_to_string().ok())
                    .unwrap_or_default();
                if !body.contains("PGRST202") || Instant::now() > until {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        stack
    }

    fn logged_in(stack: &Stack, email: &str, password: &str) -> FreshEnv {
        logged_in_at(&stack.url(), stack, email, password)
    }

    /// Logged in with `url` as the project URL (the stack's, or a fault front's before it).
    fn logged_in_at(url: &str, stack: &Stack, email: &str, password: &str) -> FreshEnv {
        let env = FreshEnv::new();
        env.login(url, stack.anon_key(), email, password).ok();
        env
    }

    /// `harvest --import`, retried while PostgREST has not loaded the new tables yet.
    fn import(env: &FreshEnv, group: &str) -> Run {
        let started = Instant::now();
        loop {
            let run = harvest(env, &["Work", "--import", group, "--json"]);
            if run.code == Some(5)
                && run.stderr.contains("no contacts tables")
                && started.elapsed() < Duration::from_secs(10)
            {
                std::thread::sleep(Duration::from_millis(200));
                continue;
            }
            return run;
        }
    }

    /// email → (from_count, to_count, groups, sources count) as stored.
    fn stored(
        stack: &Stack,
        user: Uuid,
    ) -> std::collections::BTreeMap<String, (i32, i32, Vec<String>)> {
        stack
            .db()
            .query(
                "select email, from_count, to_count, groups from public.contacts where user_id = $1",
                &[&user],
            )
            .expect("read contacts")
            .into_iter()
            .map(|row| (row.get(0), (row.get(1), row.get(2), row.get(3))))
            .collect()
    }

    /// Stores the mailbox "Work" for `mail` on the shared Dovecot.
    fn add_work(env: &FreshEnv, mail: &MailUser) {
        env.run_stdin(
            &Cli::add("Work", "localhost", &mail.login)
                .port(&Dovecot::shared().imaps_port_arg())
                .tls()
                .args(["--password-stdin"])
                .strs(),
            &format!("{}\n", mail.password),
        )
        .ok();
    }

    /// Until PostgREST has loaded the contacts tables (it reloads its schema cache
    /// asynchronously after the migration), so that a test's faults meet real answers.
    fn wait_for_contacts_tables(stack: &Stack, email: &str, password: &str) {
        let token = stack.sign_in(email, password)["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let started = Instant::now();
        loop {
            let status = agent
                .get(format!(
                    "{}/rest/v1/contact_harvests?select=folder",
                    stack.url()
                ))
                .header("apikey", stack.anon_key())
                .header("Authorization", &format!("Bearer {token}"))
                .call()
                .unwrap()
                .status();
            if status == 200 {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "contacts tables not loaded: HTTP {status}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Supabase's rate limit (429 with Retry-After) and a passing 503 do not fail an import:
    /// they are retried as the store retries, and the contacts land once. The progress of all
    /// mailboxes is read in one request.
    #[test]
    fn a_rate_limited_or_briefly_failing_import_is_retried() {
        let stack = stack();
        let front = FaultFront::start(&stack.url());
        let mail = MailUser::create(Dovecot::shared(), "harvest-import-429");
        deliver_fixture(&mail);
        let home = MailUser::create(Dovecot::shared(), "harvest-import-429-home");
        deliver_fixture(&home);
        let email = format!("limited-{}@example.test", Uuid::new_v4().simple());
        let id = stack.create_user(&email, "pw-limited");
        wait_for_contacts_tables(stack, &email, "pw-limited");
        let env = logged_in_at(&front.url(), stack, &email, "pw-limited");
        add_work(&env, &mail);
        env.add_mailbox(
            "Home",
            "localhost",
            Dovecot::shared().imaps_port,
            true,
            &home.login,
            &home.password,
        );
        let once = |method: &'static str, path: &'static str, fault: Fault| {
            let hit = AtomicBool::new(false);
            front.rule(Box::new(move |m, target| {
                (m == method && target.starts_with(path) && !hit.swap(true, Ordering::SeqCst))
                    .then_some(fault)
            }));
        };
        once(
            "GET",
            "/rest/v1/contact_harvests",
            Fault::Answer {
                status: 503,
                retry_after: None,
            },
        );
        once(
            "POST",
            "/rest/v1/rpc/contacts_import",
            Fault::Answer {
                status: 429,
                retry_after: Some(1),
            },
        );
        let started = Instant::now();
        harvest(&env, &["--all", "--import", "Friends", "--json"])
            .ok()
            .stderr_has("; 22 contacts upserted into group 'Friends'");
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "Retry-After waited"
        );
        let sent = |prefix: &str| {
            front
                .requests()
                .iter()
                .filter(|line| line.starts_with(prefix))
                .count()
        };
        // The progress of both mailboxes in one request (sent twice: the 503), one import each
        // (the first sent twice: the 429).
        assert_eq!(sent("GET /rest/v1/contact_harvests"), 2);
        assert_eq!(sent("POST /rest/v1/rpc/contacts_import"), 3);
        assert_eq!(stored(stack, id).len(), 11);
    }

    /// The store's list, the import's progress read and the import itself share one
    /// PostgREST client: one HTTP connection for the whole command (issue 13).
    #[test]
    fn an_import_sends_every_request_over_one_connection() {
        use crate::support::latency_proxy::LatencyProxy;

        let stack = stack();
        let mail = MailUser::create(Dovecot::shared(), "harvest-import-one-conn");
        deliver_fixture(&mail);
        let email = format!("one-conn-{}@example.test", Uuid::new_v4().simple());
        stack.create_user(&email, "pw-one-conn");
        let gateway = stack
            .url()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("the gateway URL is host:port");
        let proxy = LatencyProxy::start(gateway);
        let env = logged_in_at(
            &format!("http://127.0.0.1:{}", proxy.port()),
            stack,
            &email,
            "pw-one-conn",
        );
        add_work(&env, &mail);
        let before = proxy.accepted();
        import(&env, "Friends").ok();
        let accepted = proxy.accepted();
        let connections = proxy.connections(accepted, Duration::from_secs(20));
        let command = &connections[before..accepted];
        assert_eq!(
            command.len(),
            1,
            "harvest --import used {} connections",
            command.len()
        );
    }

    #[test]
    fn importing_twice_never_double_counts() {
        let stack = stack();
        let dovecot = Dovecot::shared();
        let mail = MailUser::create(dovecot, "harvest-import");
        deliver_fixture(&mail);
        let email = format!("importer-{}@example.test", Uuid::new_v4().simple());
        let id = stack.create_user(&email, "pw-importer");
        let env = logged_in(stack, &email, "pw-importer");
        add_work(&env, &mail);

        let first = import(&env, "Friends");
        first
            .ok()
            .stderr_has("; 11 contacts upserted into group 'Friends'");
        let after_first = stored(stack, id);
        assert_eq!(after_first.len(), 11, "{after_first:?}\n{first}");
        assert_eq!(
            after_first["jane.doe@example.com"],
            (2, 1, vec!["Friends".to_owned()])
        );
        // Gmail addresses are stored by their identity (dots and +tag folded).
        assert_eq!(after_first["johnsmith@gmail.com"].0, 2);

        // Again, and from another machine (no local state): nothing new, nothing added.
        import(&env, "Friends")
            .ok()
            .stderr_has("from 0 messages read");
        let elsewhere = logged_in(stack, &email, "pw-importer");
        import(&elsewhere, "Friends")
            .ok()
            .stderr_has("from 0 messages read");
        assert_eq!(stored(stack, id), after_first);

        // One new message into another group: its counts are added once, groups unioned.
        mail.deliver(
            "INBOX",
            [message(&[
                "From: Jane Doe <jane.doe@example.com>",
                &format!("To: {}", mail.login),
                "Date: Mon, 12 Jan 2026 10:00:00 +0000",
            ])],
        );
        import(&env, "Colleagues")
            .ok()
            .stderr_has("from 1 messages read");
        let jane = &stored(stack, id)["jane.doe@example.com"];
        assert_eq!(
            *jane,
            (3, 1, vec!["Colleagues".to_owned(), "Friends".to_owned()])
        );

        // A changed UIDVALIDITY: INBOX is read again and its share replaced, not added.
        mail.set_uidvalidity(dovecot, "INBOX", 9);
        import(&elsewhere, "Friends")
            .ok()
            .stderr_has("from 11 messages read");
        let rescanned = stored(stack, id);
        assert_eq!(rescanned["jane.doe@example.com"].0, 3);
        assert_eq!(rescanned["boss@example.com"].0, 1);
        // --full: every folder read again, every share replaced.
        harvest(&env, &["Work", "--import", "Friends", "--full", "--json"])
            .ok()
            .stderr_has("from 12 messages read");
        assert_eq!(stored(stack, id), rescanned);

        // Two machines importing the same new message at once: it counts once; a run that lost
        // the race changes nothing and says to run again.
        mail.deliver(
            "INBOX",
            [message(&[
                "From: jane.doe@example.com",
                &format!("To: {}", mail.login),
            ])],
        );
        let ca = Dovecot::shared().ca_cert_arg();
        let racers: Vec<_> = [&env, &elsewhere]
            .iter()
            .map(|racer| {
                let mut cmd = racer.std_cmd();
                cmd.args(["harvest", "Work", "--import", "Friends", "--ca-cert", &ca])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped());
                cmd.spawn().expect("start a racer")
            })
            .collect();
        for racer in racers {
            let output = racer.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            match output.status.code() {
                Some(0) => {}
                Some(1) => assert!(stderr.contains("run the harvest again"), "{stderr}"),
                other => panic!("racer exited with {other:?}: {stderr}"),
            }
        }
        assert_eq!(stored(stack, id)["jane.doe@example.com"].0, 4);

        // Row Level Security: another user sees none of it.
        let other = format!("other-{}@example.test", Uuid::new_v4().simple());
        stack.create_user(&other, "pw-other");
        let token = stack.sign_in(&other, "pw-other")["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .get(format!("{}/rest/v1/contacts?select=email", stack.url()))
            .header("apikey", stack.anon_key())
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap();
        assert_eq!(response.body_mut().read_to_string().unwrap(), "[]");
    }
}

#[test]
fn several_mailboxes_are_merged_and_a_broken_one_does_not_stop_the_others() {
    let dovecot = Dovecot::shared();
    let work = MailUser::create(dovecot, "harvest-all-work");
    deliver_fixture(&work);
    let home = MailUser::create(dovecot, "harvest-all-home");
    home.deliver(
        "INBOX",
        [message(&[
            "From: Jane <JANE.DOE@example.com>",
            &format!("To: {}", home.login),
            "Date: Thu, 1 Jan 2026 10:00:00 +0000",
        ])],
    );
    let env = env_with(&work, "Work");
    for (label, user, password) in [
        ("Home", home.login.as_str(), home.password.as_str()),
        ("Broken", home.login.as_str(), "wrong password"),
    ] {
        env.run_stdin(
            &Cli::add(label, "localhost", user)
                .port(&dovecot.imaps_port_arg())
                .tls()
                .args(["--password-stdin"])
                .strs(),
            &format!("{password}\n"),
        )
        .ok();
    }
    let run = harvest(&env, &["--all", "--json"]);
    run.code(1).stderr_has("'Broken': ");
    let contacts = by_email(&run.json());
    let jane = &contacts["jane.doe@example.com"];
    assert_eq!(counts(jane), (3, 1), "{run}");
    assert_eq!(jane["mailboxes"], json!(["Home", "Work"]));
    assert_eq!(jane["first_seen"], "2026-01-01T10:00:00Z");
    assert_eq!(jane["name"], "Doe, Jane");
}

mod hostile {
    use super::*;
    use crate::support::fake_imap::{Answer, Behaviour, FakeImap, Script, Tls};

    const ITEMS: &str = "BODY[HEADER.FIELDS (DATE FROM TO CC BCC)]";

    fn fetched(uid: u32, header: &str) -> Vec<String> {
        // The literal holds the header and its CRLF; `)` closes the response on the next line.
        vec![
            format!("* {uid} FETCH (UID {uid} {ITEMS} {{{}}}", header.len() + 2),
            header.to_owned(),
            ")".to_owned(),
        ]
    }

    fn server(fetch_answer: Vec<String>) -> FakeImap {
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
                            "* STATUS INBOX (MESSAGES 4 UIDNEXT 5 UIDVALIDITY 1)",
                            "{tag} OK done",
                        ]),
                    )
                    .answer(
                        "EXAMINE",
                        Answer::lines(["* OK [UIDVALIDITY 1] ok", "{tag} OK [READ-ONLY] done"]),
                    )
                    .answer("UID", Answer::Lines(fetch_answer)),
            ),
            Tls::Implicit,
        )
    }

    fn env_for(fake: &FakeImap) -> FreshEnv {
        let env = FreshEnv::new();
        env.run_stdin(
            &Cli::add("Fake", "127.0.0.1", "me@example.test")
                .port(&fake.port_arg())
                .tls()
                .args(["--password-stdin"])
                .strs(),
            "pw\n",
        )
        .ok();
        env
    }

    #[test]
    fn oversized_and_broken_responses_are_skipped_not_fatal() {
        let mut answer = fetched(1, "From: \"Doe, Jane\" <jane@example.com>");
        answer.push(format!("* 2 FETCH (UID 2 {ITEMS} NIL)"));
        // 5 MiB of header: more than a message may hold; read past and counted.
        answer.extend(fetched(3, &format!("X-Big: {}", "a".repeat(5 << 20))));
        answer.push("* 9 WHATEVER (((".to_owned());
        answer.extend(fetched(4, "From: bob@example.org"));
        answer.push("{tag} OK done".to_owned());
        let fake = server(answer);
        let env = env_for(&fake);
        let ca = fake.ca_cert().display().to_string();
        let run = env.run(&["harvest", "Fake", "--json", "--ca-cert", &ca]);
        run.ok()
            .stderr_has("from 4 messages read")
            .stderr_has("; 2 malformed addresses or messages skipped");
        let contacts = by_email(&run.json());
        assert_eq!(
            contacts.keys().collect::<Vec<_>>(),
            ["bob@example.org", "jane@example.com"]
        );
        assert_eq!(contacts["jane@example.com"]["name"], "Doe, Jane");
    }

    #[test]
    fn an_endless_line_ends_the_harvest_with_a_message() {
        let fake = server(vec![format!("* 1 FETCH (UID 1 X {})", "b".repeat(2 << 20))]);
        let env = env_for(&fake);
        let ca = fake.ca_cert().display().to_string();
        env.run(&["harvest", "Fake", "--ca-cert", &ca])
            .code(1)
            .stderr_has("longer than 1 MiB");
    }
}

/// Addresses, names and folder names come from other people's mail and from the server: none
/// reaches the terminal with an escape or a C1 control in it (issue 15, group 2), and the
/// JSON keeps what was parsed.
#[test]
fn hostile_names_and_addresses_are_printed_filtered() {
    let dovecot = Dovecot::shared();
    let user = MailUser::create(dovecot, "harvest-escapes");
    let me = user.login.clone();
    user.deliver(
        "INBOX",
        [
            message(&[
                "From: \"Evil\u{1b}]0;pwned\u{7}\" <evil@example.com>",
                &format!("To: {me}"),
            ]),
            message(&[
                "From: \"Ren\u{9b}2J\" <c1@example.com>",
                &format!("To: {me}"),
            ]),
            message(&[
                "From: <\"we\u{1b}[31mird\"@example.com>",
                &format!("To: {me}"),
            ]),
        ],
    );
    user.deliver(
        "Bad\u{1b}[2JFolder",
        [message(&["From: x@example.com", &format!("To: {me}")])],
    );
    let env = env_with(&user, "Work");
    let escapes = ['\u{1b}', '\u{7}', '\u{9b}'];
    let table = harvest(
        &env,
        &[
            "Work",
            "--folders",
            "INBOX,Bad\u{1b}[2JFolder,Missing\u{9b}",
        ],
    );
    for stream in [&table.stdout, &table.stderr] {
        assert!(!stream.chars().any(|c| escapes.contains(&c)), "{table}");
    }
    assert!(table.stdout.contains("evil@example.com"), "{table}");
    let json = harvest(&env, &["Work", "--json"]).ok().json();
    let emails: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["email"].as_str())
        .collect();
    assert!(
        emails.iter().any(|e| e.contains('\u{1b}')),
        "JSON keeps the exact address: {emails:?}"
    );
}

/// A large folder is read over several connections (`--connections`), its UID range split:
/// the same contacts and counts as over one, and the later incremental run starts after the
/// highest UID any connection saw.
#[test]
fn a_large_folder_split_over_connections_gives_the_same_contacts() {
    let dovecot = Dovecot::shared();
    let user = MailUser::create(dovecot, "harvest-split");
    let me = user.login.clone();
    let to_me = format!("To: Me <{me}>");
    let inbox: Vec<Vec<u8>> = (0..12_000)
        .map(|i| {
            message(&[
                &format!("From: Person {} <p{}@example.com>", i % 700, i % 700),
                &to_me,
                &format!("Date: Mon, {} Jan 2026 09:00:00 +0000", 1 + i % 28),
            ])
        })
        .collect();
    user.deliver("INBOX", inbox);
    user.deliver(
        "Sent",
        [message(&[
            &format!("From: {me}"),
            "To: Friend <friend@example.net>",
        ])],
    );
    let one = env_with(&user, "Work");
    let over_one = harvest(&one, &["Work", "--json", "--connections", "1"]);
    let many = env_with(&user, "Work");
    let over_many = harvest(&many, &["Work", "--json", "--connections", "3"]);
    assert_eq!(over_many.ok().json(), over_one.ok().json());
    // Three logins: the first connection's and two more (4 round trips each).
    assert!(
        round_trips(&over_many) >= round_trips(&over_one) + 8,
        "{over_many}"
    );
    // Nothing new: both find nothing to read.
    user.deliver(
        "INBOX",
        [message(&["From: Late <late@example.com>", &to_me])],
    );
    let again = harvest(&many, &["Work", "--json", "--connections", "3"]);
    again.ok().stderr_has("from 1 messages read");
}
