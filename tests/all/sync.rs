//! `mailboxes sync` (issue 14) against the private Dovecot with generated mail, into a vdir that
//! the real khard reads: cards created once, a no-change sync rewrites nothing, what the user
//! adds in a card survives, a deleted card is not created again, a corrupt card is reported and
//! left alone, a read-only address book fails before any login, one sync at a time.

use crate::support::dovecot::Dovecot;
use crate::support::env::{FreshEnv, Run};
use crate::support::mailgen::{message, MailUser};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

fn env_with(user: &MailUser, label: &str) -> FreshEnv {
    let env = FreshEnv::new();
    let port = Dovecot::shared().imaps_port;
    env.add_mailbox(label, "localhost", port, true, &user.login, &user.password);
    env
}

fn deliver(user: &MailUser) {
    let me = user.login.as_str();
    let to_me = format!("To: Me <{me}>");
    user.deliver(
        "INBOX",
        [
            message(&[
                "From: Ann Lee <ann.lee@example.com>",
                &to_me,
                "Date: Mon, 5 Jan 2026 09:00:00 +0000",
            ]),
            message(&[
                "From: Ann Lee <ann.lee@example.com>",
                &to_me,
                "Date: Tue, 6 Jan 2026 09:00:00 +0000",
            ]),
            message(&[
                "From: \"Bob Roe\" <bob@example.org>",
                &to_me,
                "Date: Wed, 7 Jan 2026 09:00:00 +0000",
            ]),
        ],
    );
}

fn sync(env: &FreshEnv, book: &Path, extra: &[&str]) -> Run {
    let ca = Dovecot::shared().ca_cert_arg();
    let book = book.to_str().unwrap();
    let mut args = vec!["sync", "--contacts-dir", book, "--ca-cert", &ca];
    args.extend_from_slice(extra);
    env.run(&args)
}

/// file name → (modified, bytes) of every card in `book`.
fn snapshot(book: &Path) -> BTreeMap<String, (SystemTime, Vec<u8>)> {
    fs::read_dir(book)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "vcf"))
        .map(|e| {
            let meta = e.metadata().unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                (meta.modified().unwrap(), fs::read(e.path()).unwrap()),
            )
        })
        .collect()
}

/// khard, configured for `book` alone, as a user would run it.
fn khard(env: &FreshEnv, book: &Path, args: &[&str]) -> String {
    let config = env.root().join("khard.conf");
    fs::write(
        &config,
        format!(
            "[addressbooks]\n[[mailboxes]]\npath = {}\n\n[general]\neditor = /bin/false\nmerge_editor = /bin/false\n",
            book.display()
        ),
    )
    .unwrap();
    let output = std::process::Command::new("khard")
        .arg("-c")
        .arg(&config)
        .args(args)
        .env("HOME", env.home())
        .output()
        .expect("khard runs (scripts/install-test-deps installs it)");
    assert!(
        output.status.success(),
        "khard {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn card_of(book: &Path, email: &str) -> PathBuf {
    for entry in fs::read_dir(book).unwrap().flatten() {
        let text = fs::read_to_string(entry.path()).unwrap_or_default();
        if text.contains(email) {
            return entry.path();
        }
    }
    panic!("no card for {email} in {}", book.display());
}

#[test]
fn sync_writes_a_vdir_khard_reads_and_a_no_change_sync_rewrites_nothing() {
    let user = MailUser::create(Dovecot::shared(), "sync-basic");
    deliver(&user);
    let env = env_with(&user, "Work");
    let book = env.root().join("book");
    let run = sync(&env, &book, &["--json"]);
    run.ok();
    let summary = run.json();
    let work = &summary["mailboxes"][0];
    assert_eq!(work["ok"], true, "{run}");
    assert_eq!(work["messages"], 3);
    assert_eq!(work["contacts_new"], 2);
    assert_eq!(summary["cards"]["created"], 2);
    // The login was recorded as `test` records it.
    assert_eq!(env.stored()[0]["status"], "ok");

    // The real khard reads the cards: names, addresses, our categories.
    let listed = khard(&env, &book, &["email", "--parsable", "--remove-first-line"]);
    assert!(listed.contains("ann.lee@example.com\tAnn Lee"), "{listed}");
    assert!(listed.contains("bob@example.org\tBob Roe"), "{listed}");
    let shown = khard(&env, &book, &["show", "--format", "yaml", "Ann Lee"]);
    assert!(shown.contains("Work"), "categories: {shown}");

    // Nothing new: no file is rewritten.
    let before = snapshot(&book);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = sync(&env, &book, &["--json"]);
    again.ok();
    assert_eq!(again.json()["cards"]["unchanged"], 2, "{again}");
    assert_eq!(snapshot(&book), before, "a no-change sync rewrote a card");
}

#[test]
fn what_the_user_adds_survives_and_a_deleted_card_stays_deleted() {
    let user = MailUser::create(Dovecot::shared(), "sync-edits");
    deliver(&user);
    let env = env_with(&user, "Work");
    let book = env.root().join("book");
    sync(&env, &book, &[]).ok();

    // The user edits Ann's card (as khard or a CardDAV sync would) and deletes Bob's.
    let ann = card_of(&book, "ann.lee@example.com");
    let text = fs::read_to_string(&ann).unwrap().replace(
        "END:VCARD",
        "TEL;TYPE=cell:+44 20 7946 0000\r\nCATEGORIES:Friends\r\nEND:VCARD",
    );
    let text = text.replace("FN:Ann Lee", "FN:Dr. Ann Lee");
    fs::write(&ann, text).unwrap();
    fs::remove_file(card_of(&book, "bob@example.org")).unwrap();

    // New mail from both.
    let to_me = format!("To: Me <{}>", user.login);
    user.deliver(
        "INBOX",
        [
            message(&[
                "From: Ann Lee <ann.lee@example.com>",
                &to_me,
                "Date: Fri, 9 Jan 2026 09:00:00 +0000",
            ]),
            message(&[
                "From: Bob Roe <bob@example.org>",
                &to_me,
                "Date: Fri, 9 Jan 2026 10:00:00 +0000",
            ]),
        ],
    );
    let run = sync(&env, &book, &["--full", "--json"]);
    run.ok();
    let cards = &run.json()["cards"];
    assert_eq!(cards["updated"], 1, "{run}");
    assert_eq!(cards["skipped_deleted"], 1, "{run}");
    run.stderr_has("1 contacts whose cards you deleted were not created again");
    let text = fs::read_to_string(&ann).unwrap();
    assert!(text.contains("FN:Dr. Ann Lee"), "{text}");
    assert!(text.contains("TEL;TYPE=cell:+44 20 7946 0000"), "{text}");
    assert!(text.contains("X-MAILBOXES-FROM-COUNT:3"), "{text}");
    let shown = khard(&env, &book, &["show", "--format", "yaml", "Ann"]);
    assert!(
        shown.contains("Friends") && shown.contains("Work"),
        "{shown}"
    );
    assert!(!fs::read_dir(&book)
        .unwrap()
        .flatten()
        .any(|e| fs::read_to_string(e.path())
            .unwrap_or_default()
            .contains("bob@example.org")));
}

#[test]
fn a_corrupt_card_is_reported_by_name_and_left_alone() {
    let user = MailUser::create(Dovecot::shared(), "sync-corrupt");
    deliver(&user);
    let env = env_with(&user, "Work");
    let book = env.root().join("book");
    sync(&env, &book, &[]).ok();
    let ann = card_of(&book, "ann.lee@example.com");
    fs::write(
        &ann,
        b"BEGIN:VCARD\r\nthis line has no colon\r\nEMAIL:ann.lee@example.com\r\n",
    )
    .unwrap();
    let before = fs::read(&ann).unwrap();
    let run = sync(&env, &book, &["--full"]);
    run.ok();
    run.stderr_has(&format!(
        "{} is not a card mailboxes can read",
        ann.display()
    ));
    assert_eq!(fs::read(&ann).unwrap(), before);
}

#[test]
fn a_read_only_address_book_fails_before_any_login_and_writes_nothing() {
    let user = MailUser::create(Dovecot::shared(), "sync-readonly");
    deliver(&user);
    let env = env_with(&user, "Work");
    // A directory nobody may write to: root ignores modes, but not /proc.
    let book = if is_root() {
        PathBuf::from("/proc/self/fdinfo")
    } else {
        let book = env.root().join("book");
        fs::create_dir(&book).unwrap();
        let mut permissions = fs::metadata(&book).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o500);
        fs::set_permissions(&book, permissions).unwrap();
        book
    };
    let run = sync(&env, &book, &[]);
    run.code(1);
    assert!(
        run.one_line_error()
            .contains("cannot write to the address book"),
        "{run}"
    );
    assert_eq!(
        env.stored()[0]["status"],
        "pending",
        "no login was recorded"
    );
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}

#[test]
fn one_sync_at_a_time_per_profile() {
    let env = FreshEnv::new();
    let state = env.state_home().join("mailboxes");
    fs::create_dir_all(&state).unwrap();
    // Another sync holds the lock.
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(state.join("sync.default.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let book = env.root().join("book");
    let run = sync(&env, &book, &[]);
    run.code(5);
    assert!(
        run.one_line_error()
            .contains("already running; pass --wait"),
        "{run}"
    );
    drop(lock);
}

#[test]
fn contacts_list_show_groups_and_export_read_the_book_with_the_users_own_cards() {
    let user = MailUser::create(Dovecot::shared(), "sync-contacts");
    deliver(&user);
    let env = env_with(&user, "Work");
    let book = env.root().join("book");
    sync(&env, &book, &[]).ok();
    // A card the user made themselves (in khard, say), with two addresses.
    fs::write(
        book.join("carol.vcf"),
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:carol-1\r\nFN:Carol King\r\nEMAIL:carol@example.net\r\n\
         EMAIL:ck@example.org\r\nCATEGORIES:Friends\r\nEND:VCARD\r\n",
    )
    .unwrap();
    let dir = book.to_str().unwrap();
    let run = env.run(&["contacts", "list", "--json", "--contacts-dir", dir]);
    let listed = run.ok().json();
    let items = listed.as_array().unwrap();
    assert_eq!(items.len(), 3, "{run}");
    // Most written first: Ann (2 from her), then Bob, then Carol (no counts).
    assert_eq!(
        items[0]["emails"],
        serde_json::json!(["ann.lee@example.com"])
    );
    assert_eq!(items[0]["name"], "Ann Lee");
    assert_eq!(items[0]["groups"], serde_json::json!(["Work"]));
    assert_eq!(items[0]["from_count"], 2);
    assert_eq!(items[0]["last_seen"], "2026-01-06T09:00:00Z");
    assert_eq!(
        items[2]["emails"],
        serde_json::json!(["carol@example.net", "ck@example.org"])
    );

    let shown = env.run(&[
        "contacts",
        "show",
        "CK@example.org",
        "--json",
        "--contacts-dir",
        dir,
    ]);
    assert_eq!(shown.ok().json()[0]["name"], "Carol King");
    env.run(&[
        "contacts",
        "show",
        "nobody@example.com",
        "--contacts-dir",
        dir,
    ])
    .code(4);

    let groups = env.run(&["contacts", "groups", "--json", "--contacts-dir", dir]);
    assert_eq!(
        groups.ok().json(),
        serde_json::json!([{"group": "Friends", "contacts": 1}, {"group": "Work", "contacts": 2}])
    );
    let vcards = env.run(&[
        "contacts",
        "export",
        "--format",
        "vcard",
        "--contacts-dir",
        dir,
    ]);
    assert_eq!(vcards.ok().stdout.matches("BEGIN:VCARD").count(), 3);
    let mutt = env.run(&[
        "contacts",
        "export",
        "--format",
        "mutt",
        "--contacts-dir",
        dir,
    ]);
    assert!(
        mutt.ok().stdout.contains("ann.lee@example.com\tAnn Lee"),
        "{mutt}"
    );
}

#[test]
fn dedup_plans_on_evidence_applies_and_later_syncs_keep_the_merge_until_unmerged() {
    let user = MailUser::create(Dovecot::shared(), "sync-dedup");
    let to_me = format!("To: Me <{}>", user.login);
    user.deliver(
        "INBOX",
        [
            message(&[
                "From: Ann Lee <ann@work.example>",
                &to_me,
                "Date: Mon, 5 Jan 2026 09:00:00 +0000",
            ]),
            message(&[
                "From: Ann Lee <ann@work.example>",
                &to_me,
                "Date: Tue, 6 Jan 2026 09:00:00 +0000",
            ]),
            message(&[
                "From: ann.lee@home.example",
                &to_me,
                "Date: Wed, 7 Jan 2026 09:00:00 +0000",
            ]),
            message(&[
                "From: Carol <carol@a.example>",
                &to_me,
                "Date: Thu, 8 Jan 2026 09:00:00 +0000",
            ]),
            message(&[
                "From: Carol <carol@b.example>",
                &to_me,
                "Date: Fri, 9 Jan 2026 09:00:00 +0000",
            ]),
        ],
    );
    let env = env_with(&user, "Work");
    let book = env.root().join("book");
    let dir = book.to_str().unwrap();
    sync(&env, &book, &[]).ok();
    assert_eq!(snapshot(&book).len(), 4);

    // The plan: Ann's two addresses, with the evidence; the two Carols stay apart.
    let plan = env.run(&["contacts", "dedup", "--json", "--contacts-dir", dir]);
    let plan = plan.ok().json();
    let proposals = plan["proposals"].as_array().unwrap();
    assert_eq!(proposals.len(), 1, "{plan:#}");
    assert_eq!(
        proposals[0]["emails"],
        serde_json::json!(["ann@work.example", "ann.lee@home.example"])
    );
    assert_eq!(proposals[0]["name"], "Ann Lee");
    assert_eq!(
        proposals[0]["evidence"],
        serde_json::json!(["'ann.lee@home.example' spells the name 'Ann Lee'"])
    );
    assert_eq!(snapshot(&book).len(), 4, "a plan changes nothing");

    env.run(&["contacts", "dedup", "--apply", "--contacts-dir", dir])
        .ok();
    assert_eq!(snapshot(&book).len(), 3);
    // Later syncs, --full too, keep one Ann with both addresses and the counts summed.
    let to_me = format!("To: Me <{}>", user.login);
    user.deliver(
        "INBOX",
        [message(&[
            "From: ann.lee@home.example",
            &to_me,
            "Date: Sat, 10 Jan 2026 09:00:00 +0000",
        ])],
    );
    sync(&env, &book, &[]).ok();
    sync(&env, &book, &["--full"]).ok();
    assert_eq!(snapshot(&book).len(), 3);
    let listed = env.run(&[
        "contacts",
        "show",
        "ann.lee@home.example",
        "--json",
        "--contacts-dir",
        dir,
    ]);
    let ann = listed.ok().json()[0].clone();
    assert_eq!(
        ann["emails"],
        serde_json::json!(["ann@work.example", "ann.lee@home.example"])
    );
    assert_eq!(ann["from_count"], 4, "{ann:#}");
    let khard_view = khard(&env, &book, &["email", "--parsable", "--remove-first-line"]);
    assert!(
        khard_view.contains("ann.lee@home.example\tAnn Lee"),
        "{khard_view}"
    );

    // Taken back: the next sync gives the address its own card again.
    env.run(&[
        "contacts",
        "unmerge",
        "ann.lee@home.example",
        "--contacts-dir",
        dir,
    ])
    .ok();
    sync(&env, &book, &[]).ok();
    assert_eq!(snapshot(&book).len(), 4);
    let ann = env.run(&[
        "contacts",
        "show",
        "ann@work.example",
        "--json",
        "--contacts-dir",
        dir,
    ]);
    assert_eq!(
        ann.ok().json()[0]["emails"],
        serde_json::json!(["ann@work.example"])
    );
    env.run(&[
        "contacts",
        "unmerge",
        "ann.lee@home.example",
        "--contacts-dir",
        dir,
    ])
    .code(2);
}

/// `kill -9` of a sync at a random point, over and over, with new mail before each run (so the
/// kills land in card writes and state saves): every card left parses (no half card), no
/// temporary file is left once the next sync ran, and the final book equals a book made by one
/// uninterrupted sync of the same mail (no count added twice, no contact lost).
#[test]
fn kill_9_during_sync_leaves_every_card_and_the_harvest_state_consistent() {
    use crate::support::reliability::Rng;
    const ROUNDS: usize = 40;
    let user = MailUser::create(Dovecot::shared(), "sync-kill");
    let to_me = format!("To: Me <{}>", user.login);
    let mail = |from: usize, count: usize| -> Vec<Vec<u8>> {
        (from..from + count)
            .map(|i| {
                message(&[
                    &format!(
                        "From: Person {} Example <person{}@example.com>",
                        i % 150,
                        i % 150
                    ),
                    &to_me,
                    "Date: Mon, 5 Jan 2026 09:00:00 +0000",
                ])
            })
            .collect()
    };
    user.deliver("INBOX", mail(0, 100));
    let env = env_with(&user, "Work");
    let book = env.root().join("book");
    let ca = Dovecot::shared().ca_cert_arg();
    sync(&env, &book, &[]).ok();
    // How long a run like the loop's takes (ten new messages), to spread the kills over all of
    // it: about half the runs are then killed.
    user.deliver("INBOX", mail(100_000, 10));
    let started = std::time::Instant::now();
    sync(&env, &book, &[]).ok();
    let window_us = (started.elapsed().as_micros() as u64).max(5_000);
    let mut rng = Rng::new("sync kill -9 loop");
    let mut killed = 0;
    for round in 0..ROUNDS {
        user.deliver("INBOX", mail(100 + round * 10, 10));
        let mut child = env
            .std_cmd()
            .args([
                "sync",
                "--contacts-dir",
                book.to_str().unwrap(),
                "--ca-cert",
                &ca,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros(rng.below(window_us)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        // Every card there is whole.
        for entry in fs::read_dir(&book).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "vcf") {
                let text = fs::read_to_string(&path).unwrap();
                assert!(
                    text.starts_with("BEGIN:VCARD\r\n") && text.ends_with("END:VCARD\r\n"),
                    "round {round}: a torn card {}:\n{text}",
                    path.display()
                );
            }
        }
    }
    assert!(
        killed >= ROUNDS / 4,
        "only {killed} of {ROUNDS} runs were killed mid-way"
    );
    // One more, uninterrupted; and one clean sync of the same mail in a fresh environment.
    sync(&env, &book, &[]).ok();
    let reference_env = env_with(&user, "Work");
    let reference = reference_env.root().join("book");
    sync(&reference_env, &reference, &[]).ok();
    let cards = |dir: &Path| -> BTreeMap<String, Vec<u8>> {
        snapshot(dir)
            .into_iter()
            .map(|(name, (_, bytes))| (name, bytes))
            .collect()
    };
    assert_eq!(cards(&book).len(), 150);
    assert_eq!(cards(&book), cards(&reference), "after {killed} kills");
    let leftovers: Vec<String> = fs::read_dir(&book)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".vcf"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
