//! `mailboxes test --format human|json|github|junit|tap` from the built binary, compared with
//! golden files in `tests/golden/`.
//!
//! One fixed scenario: three stored mailboxes tested with `--all` — one that logs in to the test
//! Dovecot, one whose password Dovecot refuses (`auth`), and one on a fake IMAP server whose
//! self-signed certificate is not trusted (`tls`). What varies from run to run (ports, ids,
//! elapsed times, timestamps) is replaced by placeholders before comparing; run with
//! `UPDATE_GOLDEN=1` to rewrite the golden files, then review the diff.
//!
//! The JUnit report is validated against the Jenkins xUnit plugin's `junit-10.xsd`
//! (`tests/schema/junit.xsd`) with `xmllint` (Debian: libxml2-utils). Outside CI a missing
//! xmllint skips that check with a note; under CI (`CI=true`) it fails the test. The TAP
//! stream is also fed to `prove` when Perl's harness is installed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::dovecot::{Dovecot, User, ALICE, BOB};
use crate::support::env::{Cli, FreshEnv, Run};
use crate::support::fake_imap::{Answer, Behaviour, FakeImap, Script, Tls};

/// The auth failure's label: every character some format must escape (`:` `,` `%` for GitHub
/// properties, `#` and `\` for TAP, `<&"'>` for XML, `'` for the shell in the hint).
const TRICKY_LABEL: &str = r#"Bob: 50% wrong, #2 \ <&"'>"#;

/// Bob's password is not this; Dovecot refuses it.
const WRONG_PASSWORD: &str = "not bob's password at all";

/// The fixed scenario: Good (ok), the tricky label (auth), Untrusted (tls), stored in that
/// order.
struct Scenario {
    env: FreshEnv,
    /// Serves implicit TLS with a self-signed certificate the Dovecot CA does not vouch for.
    fake: FakeImap,
    ids: Vec<(String, &'static str)>,
}

impl Scenario {
    fn new() -> Scenario {
        let mut env = FreshEnv::new();
        for secret in [ALICE.password, BOB.password, WRONG_PASSWORD] {
            env.secret(secret);
        }
        let dovecot = Dovecot::shared();
        let fake = FakeImap::start_with(
            Behaviour::Imap(
                Script::greeting("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake")
                    .answer("LOGIN", Answer::lines(["{tag} OK logged in"])),
            ),
            Tls::Implicit,
        );
        let mut ids = Vec::new();
        for (label, port, user, password, placeholder) in [
            (
                "Good",
                dovecot.imaps_port,
                ALICE,
                ALICE.password,
                "<id Good>",
            ),
            (
                TRICKY_LABEL,
                dovecot.imaps_port,
                BOB,
                WRONG_PASSWORD,
                "<id Bob>",
            ),
            (
                "Untrusted",
                fake.port(),
                ALICE,
                ALICE.password,
                "<id Untrusted>",
            ),
        ] {
            ids.push((add(&env, label, port, user, password), placeholder));
        }
        Scenario { env, fake, ids }
    }

    /// `mailboxes test --all --ca-cert <Dovecot's CA> --jobs 1 EXTRA…`.
    fn test_all(&self, extra: &[&str]) -> Run {
        let ca = Dovecot::shared().ca_cert_arg();
        let mut args = vec!["test", "--all", "--ca-cert", &ca, "--jobs", "1"];
        args.extend_from_slice(extra);
        self.env.run(&args)
    }

    /// `run`'s stdout with ports, ids, times and timestamps replaced by placeholders.
    fn normalize(&self, text: &str) -> String {
        let mut text = mask_after(text, "logged in in ", "<ms>", |c| c.is_ascii_digit());
        text = mask_after(&text, "elapsed_ms: ", "<ms>", |c| c.is_ascii_digit());
        text = mask_after(&text, "\"elapsed_ms\": ", "<ms>", |c| c.is_ascii_digit());
        text = mask_after(&text, "time=\"", "<s>", |c| c.is_ascii_digit() || c == '.');
        text = mask_after(&text, "timestamp=\"", "<timestamp>", |c| c != '"');
        for (id, placeholder) in &self.ids {
            text = text.replace(id.as_str(), placeholder);
        }
        for (port, placeholder) in [
            (Dovecot::shared().imaps_port, "<dovecot-port>"),
            (self.fake.port(), "<fake-port>"),
        ] {
            // host:port in text, %3A-escaped in GitHub titles, and JSON's "port".
            for separator in [":", "%3A", "\"port\": "] {
                text = text.replace(
                    &format!("{separator}{port}"),
                    &format!("{separator}{placeholder}"),
                );
            }
        }
        text
    }
}

/// `mailboxes add` of an implicit-TLS mailbox at 127.0.0.1:`port`; returns its id.
fn add(env: &FreshEnv, label: &str, port: u16, user: User, password: &str) -> String {
    env.add_mailbox(label, "127.0.0.1", port, true, user.name, password)
}

/// Replaces, after each `prefix`, the longest run of characters `keep` accepts with
/// `placeholder`.
fn mask_after(text: &str, prefix: &str, placeholder: &str, keep: fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = at + prefix.len();
        out.push_str(&rest[..after]);
        let tail = &rest[after..];
        let end = tail.find(|c: char| !keep(c)).unwrap_or(tail.len());
        if end > 0 {
            out.push_str(placeholder);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares `actual` with `tests/golden/NAME`, or rewrites the file under `UPDATE_GOLDEN=1`.
#[track_caller]
fn assert_golden(name: &str, actual: &str, run: &Run) {
    let path = golden_path(name);
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        fs::write(&path, actual).unwrap_or_else(|err| panic!("writing {}: {err}", path.display()));
        eprintln!("UPDATE_GOLDEN=1: rewrote {}", path.display());
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "reading {}: {err}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if actual != expected {
        let first = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "{name} differs from the golden file {} from line {}:\n  expected: {:?}\n  actual:   \
             {:?}\n--- normalized actual output ---\n{actual}\n(if the change is intended, rerun \
             with UPDATE_GOLDEN=1 and review the diff)\n{run}",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first),
        );
    }
}

#[test]
fn scenario_in_every_format_matches_the_golden_files() {
    let scenario = Scenario::new();
    for (format, golden) in [
        ("human", "test.human.txt"),
        ("github", "test.github.txt"),
        ("junit", "test.junit.xml"),
        ("tap", "test.tap"),
    ] {
        let run = scenario.test_all(&["--format", format]);
        // Exit codes stay 0/1 whatever the format; the summary goes to stderr, stdout is the
        // report only.
        run.code(1);
        assert_eq!(
            run.stderr, "1 ok, 1 auth, 1 tls\n",
            "{run}\n{}",
            scenario.fake
        );
        assert_golden(golden, &scenario.normalize(&run.stdout), &run);
        if format == "junit" {
            validate_junit(&run.stdout, &run);
        }
        if format == "tap" {
            check_with_prove(
                &run.stdout,
                &["Tests: 3 Failed: 2", "Failed tests:  2-3\n"],
                &run,
            );
        }
    }
    // The untrusted certificate stopped the fake before any IMAP byte.
    assert_eq!(scenario.fake.received(), b"", "{}", scenario.fake);

    // Stored results do not depend on the format either.
    for (id, _) in &scenario.ids {
        let entry = scenario.env.stored_entry(id);
        let want = if id == &scenario.ids[0].0 {
            "ok"
        } else {
            "error"
        };
        assert_eq!(entry["status"], want, "{entry:#}");
    }
}

/// Only the first mailbox: every format exits 0 and prints no summary (one mailbox).
#[test]
fn all_ok_exits_zero_in_every_format() {
    let scenario = Scenario::new();
    let ca = Dovecot::shared().ca_cert_arg();
    for format in ["human", "json", "github", "junit", "tap"] {
        let run = scenario
            .env
            .run(&["test", "good", "--ca-cert", &ca, "--format", format]);
        run.ok();
        assert_eq!(run.stderr, "", "{run}");
        // A passing test's kind is "ok" in every format that names kinds (issue 11).
        let expected = match format {
            "tap" => {
                "TAP version 14\n1..1\nok 1 - Good (127.0.0.1:<dovecot-port>)\n  ---\n  kind: \
                 ok\n  elapsed_ms: <ms>\n  ...\n"
            }
            "github" => {
                "::notice title=mailboxes%3A Good (127.0.0.1%3A<dovecot-port>)::ok: logged in in \
                 <ms> ms\n"
            }
            "junit" => {
                validate_junit(&run.stdout, &run);
                assert!(
                    scenario
                        .normalize(&run.stdout)
                        .contains(r#"<property name="mailboxes.<id Good>.kind" value="ok"/>"#),
                    "{run}"
                );
                continue;
            }
            "json" => {
                assert_eq!(run.json()[0]["kind"], "ok", "{run}");
                continue;
            }
            _ => continue,
        };
        assert_eq!(scenario.normalize(&run.stdout), expected, "{run}");
    }
}

#[test]
fn json_flag_is_format_json_and_conflicts_with_other_formats() {
    let scenario = Scenario::new();
    let short = scenario.test_all(&["--json"]);
    let long = scenario.test_all(&["--format", "json"]);
    let both = scenario.test_all(&["--json", "--format", "json"]);
    for run in [&short, &long, &both] {
        run.code(1);
        assert_eq!(run.stderr, "1 ok, 1 auth, 1 tls\n", "{run}");
    }
    let short_text = scenario.normalize(&short.stdout);
    assert_eq!(
        short_text,
        scenario.normalize(&long.stdout),
        "{short}\n{long}"
    );
    assert_eq!(
        short_text,
        scenario.normalize(&both.stdout),
        "{short}\n{both}"
    );
    assert_golden("test.json", &short_text, &short);
    let results: Value = short.json();
    let kinds: Vec<&str> = results
        .as_array()
        .unwrap_or_else(|| panic!("not an array\n{short}"))
        .iter()
        .map(|r| r["kind"].as_str().unwrap_or("not a string"))
        .collect();
    assert_eq!(kinds, ["ok", "auth", "tls"]);

    for format in ["tap", "github", "junit", "human"] {
        let run = scenario.test_all(&["--json", "--format", format]);
        run.code(2).no_stdout();
        assert_eq!(
            run.one_line_error(),
            "mailboxes: --json and --format disagree; give one of them",
            "{run}"
        );
    }
    // An unknown format is a usage error too.
    let run = scenario.test_all(&["--format", "yaml"]);
    run.code(2).no_stdout();
}

/// `--format github` in ad-hoc mode masks the password read from `--password-env`, in both
/// spellings Gmail accepts, before any annotation.
#[test]
fn github_masks_an_env_password_in_both_spellings() {
    let fake = FakeImap::start_with(
        Behaviour::Imap(
            Script::greeting("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake").answer(
                "LOGIN",
                Answer::lines(["{tag} NO [AUTHENTICATIONFAILED] 100% wrong: try again, later"]),
            ),
        ),
        Tls::Implicit,
    );
    let ca = fake.ca_cert().display().to_string();
    let port = fake.port_arg();
    let adhoc = |env: &FreshEnv, password_args: &[&str], stdin: &str| {
        let cli = Cli::test_host("127.0.0.1", "ci@example.com")
            .port(&port)
            .tls()
            .args(["--ca-cert", &ca, "--format", "github"]);
        let mut args = cli.strs();
        args.extend_from_slice(password_args);
        env.run_stdin(&args, stdin)
    };
    let error_line = format!(
        "::error title=mailboxes%3A ci@example.com@127.0.0.1 (127.0.0.1%3A{port})::auth: login \
         rejected: 100%25 wrong: try again, later%0Ahint: check the user name and the password\n"
    );

    // The masks are the point here: the password is printed once, inside `::add-mask::`, which
    // the runner swallows. So it is not registered as a FreshEnv secret.
    let mut env = FreshEnv::new();
    env.env("APP_PASSWORD", "abcd efgh ijkl mnop");
    let run = adhoc(&env, &["--password-env", "APP_PASSWORD"], "");
    run.code(1);
    assert_eq!(
        run.stdout,
        format!("::add-mask::abcd efgh ijkl mnop\n::add-mask::abcdefghijklmnop\n{error_line}"),
        "{run}\n{fake}"
    );
    assert_eq!(run.stderr, "", "{run}");

    // Unspaced: one mask. A '%' in the secret is escaped like any data.
    let mut env = FreshEnv::new();
    env.env("APP_PASSWORD", "abcdefghijklmnop");
    let run = adhoc(&env, &["--password-env", "APP_PASSWORD"], "");
    run.code(1);
    assert_eq!(
        run.stdout,
        format!("::add-mask::abcdefghijklmnop\n{error_line}"),
        "{run}"
    );
    let mut env = FreshEnv::new();
    env.env("APP_PASSWORD", "50%off, next");
    let run = adhoc(&env, &["--password-env", "APP_PASSWORD"], "");
    run.code(1);
    assert!(
        run.stdout.starts_with("::add-mask::50%25off, next\n"),
        "{run}"
    );
    // One with a line break is refused before anything is printed (issue 15): no mask needed.
    let mut env = FreshEnv::new();
    env.env("APP_PASSWORD", "50%off\nnext");
    adhoc(&env, &["--password-env", "APP_PASSWORD"], "")
        .code(2)
        .no_stdout();

    // From stdin nothing came from the environment: no mask, and no password in the output.
    let mut env = FreshEnv::new();
    env.secret("abcd efgh ijkl mnop");
    let run = adhoc(&env, &["--password-stdin"], "abcd efgh ijkl mnop\n");
    run.code(1);
    assert_eq!(run.stdout, error_line, "{run}");
    assert!(
        fake.saw_password("ci@example.com", "abcd efgh ijkl mnop"),
        "{fake}"
    );
}

/// `xmllint --schema tests/schema/junit.xsd --noout`; skipped with a note when xmllint is
/// missing, except under CI.
fn validate_junit(xml: &str, run: &Run) {
    if !xmllint_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let report = dir.path().join("report.xml");
    fs::write(&report, xml).expect("writing the report");
    let (ok, output) = xmllint(&report);
    assert!(
        ok,
        "the JUnit report does not validate against tests/schema/junit.xsd:\n{output}\n{run}"
    );
    // The suite's timestamp is ISO-8601 UTC.
    let at = xml
        .split("timestamp=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no timestamp\n{run}"));
    chrono::DateTime::parse_from_rfc3339(at)
        .unwrap_or_else(|err| panic!("timestamp {at:?} is not RFC 3339: {err}\n{run}"));
}

fn xmllint(file: &Path) -> (bool, String) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema/junit.xsd");
    let output = Command::new("xmllint")
        .arg("--schema")
        .arg(&schema)
        .arg("--noout")
        .arg(file)
        .output()
        .expect("running xmllint");
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// Whether `xmllint` runs; panics when it does not under CI (`CI=true`).
fn xmllint_available() -> bool {
    let found = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "xmllint is missing under CI: scripts/install-test-deps installs libxml2-utils"
        );
        eprintln!(
            "note: xmllint not found: JUnit schema validation skipped (install libxml2-utils, \
             or run scripts/install-test-deps)"
        );
    }
    found
}

/// The schema check has teeth: a report missing required attributes is refused.
#[test]
fn the_junit_schema_rejects_an_invalid_report() {
    if !xmllint_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let report = dir.path().join("bad.xml");
    fs::write(
        &report,
        "<?xml version=\"1.0\"?>\n<testsuites><testsuite tests=\"1\"><testcase/></testsuite></testsuites>\n",
    )
    .unwrap();
    let (ok, output) = xmllint(&report);
    assert!(!ok, "xmllint accepted an invalid report:\n{output}");
    assert!(output.contains("attribute 'name' is required"), "{output}");
}

/// Feeds the TAP stream to `prove` when Perl's harness is installed: no parse errors, and its
/// summary report says each of `expected`. Test::Harness before 3.48 (Perl before 5.40, e.g. Debian
/// 12) does not know `TAP version 14`; then the rest of the stream is checked as TAP 13.
fn check_with_prove(tap: &str, expected: &[&str], run: &Run) {
    if Command::new("prove").arg("--version").output().is_err() {
        // scripts/install-test-deps installs perl: under CI a missing prove is a failure.
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "prove is missing under CI"
        );
        eprintln!("note: prove not found: TAP stream not checked with Perl's harness");
        return;
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("mailboxes.tap");
    let prove = |text: &str| {
        fs::write(&file, text).expect("writing the TAP stream");
        let output = Command::new("prove")
            .arg("--exec")
            .arg("cat")
            .arg(&file)
            .current_dir(dir.path())
            .output()
            .expect("running prove");
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    let mut report = prove(tap);
    if report.contains("we don't know about versions later than 13") {
        eprintln!("note: this prove predates TAP 14; checking the stream as TAP 13");
        report = prove(&tap.replacen("TAP version 14\n", "TAP version 13\n", 1));
    }
    assert!(!report.contains("Parse errors"), "prove:\n{report}\n{run}");
    for needle in expected {
        assert!(report.contains(needle), "prove:\n{report}\n{run}");
    }
}

/// A label the web app stored with a line break and characters XML does not allow cannot add a
/// TAP test line, break the JUnit XML or end a GitHub annotation early.
#[test]
fn a_stored_label_cannot_break_the_ci_formats() {
    let env = FreshEnv::new();
    let fake = FakeImap::start_with(
        Behaviour::Imap(Script::greeting("* OK fake")),
        Tls::Implicit,
    );
    let id = "6f1c2a9e-8d7b-4c3a-9e1f-2b3c4d5e6f70";
    env.write_store(&serde_json::json!({
        "mailboxes": [{
            "id": id,
            "label": "Line one\nok 2 - injected\u{7}\u{FFFF}\tend",
            "host": "127.0.0.1",
            "port": fake.port(),
            "tls": true,
            "user": "u",
            "password": "pw-123456"
        }]
    }));
    let port = fake.port();
    let test = |format: &str| {
        let run = env.run(&["test", "--all", "--no-save", "--format", format]);
        run.code(1);
        run
    };
    let message = "certificate not trusted for 127.0.0.1 (self-signed certificate)";
    let hint = "for a server with a private CA pass --ca-cert FILE; check that the host name \
                matches the certificate";

    let run = test("tap");
    let elapsed = run
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("  elapsed_ms: "))
        .unwrap_or_else(|| panic!("no elapsed_ms\n{run}"))
        .to_string();
    assert_eq!(
        run.stdout,
        format!(
            "TAP version 14\n1..1\nnot ok 1 - Line one ok 2 - injected\u{FFFF} end (127.0.0.1:{port})\n  \
             ---\n  kind: tls\n  message: \"{message}\"\n  hint: \"{hint}\"\n  elapsed_ms: \
             {elapsed}\n  ...\n"
        ),
        "{run}"
    );
    check_with_prove(
        &run.stdout,
        &["Tests: 1 Failed: 1", "Failed test:  1\n"],
        &run,
    );

    let run = test("junit");
    validate_junit(&run.stdout, &run);
    assert!(
        run.stdout.contains(&format!(
            "<testcase name=\"Line one&#10;ok 2 - injected end (127.0.0.1:{port})\" \
             classname=\"mailboxes.{id}\""
        )),
        "{run}"
    );

    let run = test("github");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{run}");
    assert!(
        lines[0].starts_with(&format!(
            "::error title=mailboxes%3A Line one%0Aok 2 - injected\u{7}\u{FFFF}\tend \
             (127.0.0.1%3A{port})::tls: {message}%0Ahint: "
        )),
        "{run}"
    );
}

/// Nothing stored: every format still prints a well-formed, empty report and exits 0.
#[test]
fn an_empty_store_gives_empty_reports() {
    let env = FreshEnv::new();
    let test = |format: &str| {
        let run = env.run(&["test", "--all", "--format", format]);
        run.ok();
        assert_eq!(run.stderr, "warning: no mailboxes to test\n", "{run}");
        run
    };
    test("tap").stdout_is("TAP version 14\n1..0\n");
    test("github").no_stdout();
    test("json").stdout_is("[]\n");
    let run = test("junit");
    validate_junit(&run.stdout, &run);
    assert!(
        run.stdout
            .contains(r#"<testsuites name="mailboxes" tests="0" failures="0""#),
        "{run}"
    );
}

/// `test --fail-if-stale` judges the recorded results without logging in; the CI formats say
/// so (no "logged in" for a login that never happened) and keep the 0/1 exit codes.
#[test]
fn fail_if_stale_in_the_ci_formats() {
    let env = FreshEnv::new();
    let fake = FakeImap::start(Behaviour::CloseAtOnce);
    let port = fake.port();
    let an_hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let entry = |n: u8, label: &str, status: Option<&str>, error: Option<&str>| {
        serde_json::json!({
            "id": format!("{n}f1c2a9e-8d7b-4c3a-9e1f-2b3c4d5e6f70"),
            "label": label,
            "host": "127.0.0.1",
            "port": port,
            "tls": true,
            "user": "u",
            "password": "pw-123456",
            "status": status,
            "lastTestedAt": status.map(|_| an_hour_ago.clone()),
            "lastError": error
        })
    };
    env.write_store(&serde_json::json!({
        "mailboxes": [
            entry(1, "Never", None, None),
            entry(2, "Fresh", Some("ok"), None),
            entry(3, "Failed", Some("error"), Some("login rejected: x")),
        ]
    }));
    let test = |format: &str| {
        let run = env.run(&["test", "--all", "--fail-if-stale", "1d", "--format", format]);
        run.code(1);
        assert_eq!(run.stderr, "1 ok, 1 stale, 1 last_test_failed\n", "{run}");
        run
    };

    let run = test("github");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{run}");
    assert_eq!(
        lines[0],
        format!(
            "::error title=mailboxes%3A Never (127.0.0.1%3A{port})::stale: never tested%0Ahint: \
             log in again with `mailboxes test 'Never'`"
        ),
        "{run}"
    );
    assert_eq!(
        lines[1],
        format!(
            "::notice title=mailboxes%3A Fresh (127.0.0.1%3A{port})::ok: recorded test passed \
             recently"
        ),
        "{run}"
    );
    assert!(
        lines[2].starts_with(&format!(
            "::error title=mailboxes%3A Failed (127.0.0.1%3A{port})::last_test_failed: the last \
             test ("
        )) && lines[2].contains(") failed: login rejected: x%0Ahint: "),
        "{run}"
    );

    let run = test("tap");
    let points: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("ok ") || line.starts_with("not ok "))
        .collect();
    assert_eq!(
        points,
        [
            format!("not ok 1 - Never (127.0.0.1:{port})"),
            format!("ok 2 - Fresh (127.0.0.1:{port})"),
            format!("not ok 3 - Failed (127.0.0.1:{port})"),
        ],
        "{run}"
    );
    assert!(run.stdout.contains("\n  kind: stale\n"), "{run}");
    assert!(run.stdout.contains("\n  kind: last_test_failed\n"), "{run}");
    assert!(run.stdout.contains("\n  kind: ok\n"), "{run}");
    check_with_prove(
        &run.stdout,
        &["Tests: 3 Failed: 2", "Failed tests:  1, 3\n"],
        &run,
    );

    let run = test("junit");
    validate_junit(&run.stdout, &run);
    assert!(run.stdout.contains(r#"type="stale""#), "{run}");
    assert_eq!(fake.connections(), 0, "--fail-if-stale logged in\n{fake}");
}
