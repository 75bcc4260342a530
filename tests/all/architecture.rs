//! The layers stay layers (issue 13): no two source files import each other, directly or in
//! a ring. Walks the `use` lines (and inline `crate::…` paths) of every file under `src/`,
//! test code and comments left out, resolves each path to the file of the module it names,
//! and fails on any cycle in that graph, naming the files in it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Module path (`imap::wire`; `crate` for main.rs) → file.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).expect("reading src/") {
            let path = entry.expect("a dir entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).unwrap().with_extension("");
                let mut parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|p| p == "mod") {
                    parts.pop();
                }
                let name = if parts == ["main"] {
                    "crate".to_string()
                } else {
                    parts.join("::")
                };
                found.insert(name, path);
            }
        }
    }
    found
}

/// The source without comments and without `#[cfg(test)]` items.
fn production_code(text: &str) -> String {
    let without_comments: String = text
        .lines()
        .map(|line| match line.find("//") {
            // "//" inside a string (a URL) is rare in paths we look for; cutting it is harmless.
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut kept = String::new();
    let mut rest = without_comments.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        kept.push_str(&rest[..at]);
        let item = &rest[at..];
        let brace = item.find('{');
        let semicolon = item.find(';');
        let end = match (brace, semicolon) {
            (Some(b), Some(s)) if s < b => s + 1,
            (None, Some(s)) => s + 1,
            (Some(b), _) => {
                let mut depth = 0usize;
                let mut end = item.len();
                for (i, c) in item[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, None) => item.len(),
        };
        rest = &item[end..];
    }
    kept.push_str(rest);
    kept
}

/// The module paths a file's code names: `use crate::…`/`use super::…` (with `{…}` groups)
/// and inline `crate::a::b` paths.
fn named_paths(module: &str, code: &str) -> Vec<Vec<String>> {
    let parent: Vec<String> = if module == "crate" {
        Vec::new()
    } else {
        let mut parts: Vec<String> = module.split("::").map(str::to_string).collect();
        parts.pop();
        parts
    };
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = &rest[..at];
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        let prefix = before[line_start..].trim();
        let statement_end = rest[at..].find(';').map_or(rest.len(), |n| at + n);
        let statement = &rest[at + 4..statement_end];
        rest = &rest[statement_end.min(rest.len())..];
        if !matches!(prefix, "" | "pub" | "pub(crate)" | "pub(super)") {
            continue;
        }
        let path = without_renames(statement).replace(char::is_whitespace, "");
        let (base, tree) = if let Some(tree) = path.strip_prefix("crate::") {
            (Vec::new(), tree.to_string())
        } else if let Some(tree) = path.strip_prefix("super::") {
            (parent.clone(), tree.to_string())
        } else {
            continue;
        };
        expand(&base, &tree, &mut paths);
    }
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let tail = &rest[at + 7..];
        let end = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        paths.push(
            tail[..end]
                .split("::")
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
        );
        rest = &tail[end..];
    }
    paths
}

/// `use` text without its `as name` renames.
fn without_renames(statement: &str) -> String {
    let words: Vec<&str> = statement.split(' ').collect();
    let mut kept = Vec::new();
    let mut skip = 0;
    for (i, word) in words.iter().enumerate() {
        if skip > 0 {
            skip -= 1;
            // Keep what followed the alias in the same word (`v,` or `v}`).
            let tail: String = word
                .chars()
                .skip_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            kept.push(tail);
            continue;
        }
        if *word == "as" && i + 1 < words.len() {
            skip = 1;
            continue;
        }
        kept.push((*word).to_string());
    }
    kept.join(" ")
}

/// `a::{b, c::{d}}` under `base`, as whole paths.
fn expand(base: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let (head, group) = match tree.find('{') {
        Some(open) if tree.ends_with('}') => (&tree[..open], Some(&tree[open + 1..tree.len() - 1])),
        _ => (tree, None),
    };
    let mut path = base.to_vec();
    for part in head.split("::").filter(|p| !p.is_empty()) {
        if part != "self" && part != "*" {
            path.push(part.to_string());
        }
    }
    let Some(group) = group else {
        out.push(path);
        return;
    };
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&path, &group[start..i], out);
                start = i + 1;
            }
            _ => {}
        }
    }
    expand(&path, &group[start..], out);
}

/// The longest prefix of `path` that is a module with a file.
fn resolve(path: &[String], modules: &BTreeMap<String, PathBuf>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|name| modules.contains_key(name))
}

/// Strongly connected components of more than one module (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(state: &mut State<'a>, v: &'a str) {
        let n = state.index.len();
        state.index.insert(v, n);
        state.low.insert(v, n);
        state.stack.push(v);
        state.on_stack.insert(v);
        for w in state.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !state.index.contains_key(w) {
                visit(state, w);
                let low = state.low[v].min(state.low[w]);
                state.low.insert(v, low);
            } else if state.on_stack.contains(w) {
                let low = state.low[v].min(state.index[w]);
                state.low.insert(v, low);
            }
        }
        if state.low[v] == state.index[v] {
            let mut component = Vec::new();
            while let Some(w) = state.stack.pop() {
                state.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                state.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}

fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    modules
        .iter()
        .map(|(module, file)| {
            let code = production_code(&fs::read_to_string(file).expect("reading a source file"));
            let uses = named_paths(module, &code)
                .iter()
                .filter_map(|path| resolve(path, &modules))
                .filter(|used| used != module)
                .collect();
            (module.clone(), uses)
        })
        .collect()
}

#[test]
fn no_source_files_import_each_other() {
    let graph = import_graph();
    assert!(graph.len() > 40, "found only {} modules", graph.len());
    // The walker sees real edges (so an empty result means something).
    assert!(graph["probe"].contains("imap"), "{:?}", graph["probe"]);
    assert!(
        graph["postgrest"].contains("session"),
        "{:?}",
        graph["postgrest"]
    );
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "import cycles between source files (each line is one ring):\n{}",
        found
            .iter()
            .map(|ring| ring.join(" <-> "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_walker_finds_a_planted_cycle() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    graph.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    graph.insert("d".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(cycles(&graph), [["a", "b", "c"]]);
    let mut paths = Vec::new();
    let tree = without_renames("x::{y, z::{w as v, self}}").replace(char::is_whitespace, "");
    expand(&[], &tree, &mut paths);
    assert_eq!(
        paths,
        [vec!["x", "y"], vec!["x", "z", "w"], vec!["x", "z"],]
    );
}
