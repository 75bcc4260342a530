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
