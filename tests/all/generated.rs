//! completions/ and man/ are generated from the CLI definition and committed; this fails
//! when they are stale (the cargo `ci/validate-man.sh` habit).

use std::fs;
use std::path::Path;

use assert_cmd::Command;

#[test]
fn completions_and_man_pages_are_fresh() {
    let fresh = tempfile::tempdir().unwrap();
    Command::cargo_bin("mailboxes")
        .unwrap()
        .arg("generate")
        .arg(fresh.path())
        .assert()
        .success();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for dir in ["completions", "man"] {
        let mut generated: Vec<_> = fs::read_dir(fresh.path().join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        generated.sort();
        let mut committed: Vec<_> = fs::read_dir(repo.join(dir))
            .map(|entries| entries.map(|entry| entry.unwrap().file_name()).collect())
            .unwrap_or_default();
        committed.sort();
        if generated != committed {
            stale.push(format!("{dir}/ has other files than the CLI generates"));
        }
        for name in generated {
            let new = fs::read(fresh.path().join(dir).join(&name)).unwrap();
            if fs::read(repo.join(dir).join(&name)).ok() != Some(new) {
                stale.push(format!("{dir}/{}", name.to_string_lossy()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}\nplease run `cargo run -- generate .` and commit"
    );
}

/// The internal `generate` verb is no completion candidate in any shell (clap_complete lists
/// hidden subcommands, so it lives outside the CLI the scripts are generated from).
#[test]
fn completions_never_offer_the_internal_verb() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in fs::read_dir(repo.join("completions")).unwrap() {
        let path = entry.unwrap().path();
        let script = fs::read_to_string(&path).unwrap();
        assert!(
            !script.contains("generate"),
            "{} offers generate",
            path.display()
        );
    }
}

/// Every `name(1)` page a man page refers to is one of ours that exists (clap's `help`
/// subcommand has no page).
#[test]
fn man_pages_name_only_pages_that_exist() {
    let man = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    for entry in fs::read_dir(&man).unwrap() {
        let path = entry.unwrap().path();
        let page = fs::read_to_string(&path).unwrap().replace("\\-", "-");
        for (at, _) in page.match_indices("(1)") {
            let name: String = page[..at]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            assert!(
                man.join(format!("{name}.1")).is_file(),
                "{} names {name}(1), which does not exist",
                path.display()
            );
        }
    }
}
