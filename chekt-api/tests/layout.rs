//! The hand-written modules of `chekt-api` depend on each other one way
//! (issue 15, "Layout"): no cycle among the crate's top-level modules. The
//! generated code (`generated.rs`: `Client`, `types`, `operations`, ...) is
//! glue between them and counts as outside; `auth::error` and
//! `pagination::guard` are the leaves that let `error` carry token and
//! paging failures while `auth` and `pagination` return `Error`, so each
//! is a node of its own.

#![allow(clippy::unwrap_used, clippy::panic)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Submodules that are nodes of their own (leaves `error` depends on).
const LEAVES: &[(&str, &str)] = &[("auth", "error"), ("pagination", "guard")];

/// What a `crate::` path names, as a node; `None` for generated items and
/// the crate root's re-exports of generated code.
fn node(path: &str) -> Option<String> {
    let mut parts = path.split("::");
    let first = parts.next().filter(|f| !f.is_empty())?;
    let second = parts.next();
    if let Some((a, b)) = LEAVES
        .iter()
        .find(|(a, b)| *a == first && second == Some(*b))
    {
        return Some(format!("{a}::{b}"));
    }
    let node = match first {
        "Error" | "Result" => "error",
        "ResponseValue" => "response",
        "BuildError" | "ClientBuilder" | "DEFAULT_MAX_RESPONSE_BYTES" => "client",
        "generated" | "Client" | "ClientInfo" | "types" | "operations" | "builder" | "prelude"
        | "decode" | "http" | "secrecy" | "DEFAULT_BASE_URL" => return None,
        other => other,
    };
    Some(node.to_string())
}

/// The node a source file belongs to.
fn owner(file: &Path, src: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [a, b] if LEAVES.contains(&(a.as_str(), b.as_str())) => format!("{a}::{b}"),
        [first, ..] => first.clone(),
        [] => unreachable!(),
    }
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Code without comments (doc links are not dependencies).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = support::root().join("chekt-api/src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in all {
        let name = file.file_name().unwrap().to_string_lossy();
        if name == "generated.rs" || name == "lib.rs" || file.ends_with("bin/chekt.rs") {
            continue;
        }
        let from = owner(&file, &src);
        let text = code(&std::fs::read_to_string(&file).unwrap());
        let edges = graph.entry(from.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + "crate::".len()..];
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            if let Some(to) = node(&path)
                && to != from
            {
                edges.insert(to);
            }
        }
        // `use crate::{a, b::c}` groups.
        for (at, _) in text.match_indices("crate::{") {
            let group = &text[at + "crate::{".len()..];
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                if let Some(to) = node(item.trim())
                    && to != from
                    && !item.trim().is_empty()
                {
                    edges.insert(to);
                }
            }
        }
    }
    graph
}

fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut found = stack[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, stack, done) {
                return Some(found);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn hand_written_modules_form_no_cycle() {
    let graph = graph();
    for leaf in ["body", "auth::error", "pagination::guard"] {
        assert!(
            graph.get(leaf).is_none_or(|edges| edges.is_empty()),
            "{leaf} must stay a leaf: {:?}",
            graph.get(leaf)
        );
    }
    assert!(
        graph["runtime"].contains("auth"),
        "the scan sees edges: {graph:?}"
    );
    if let Some(found) = cycle(&graph) {
        panic!("module cycle: {}\n{graph:#?}", found.join(" -> "));
    }
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let mut graph = BTreeMap::new();
    graph.insert("runtime".to_string(), BTreeSet::from(["auth".to_string()]));
    graph.insert("auth".to_string(), BTreeSet::from(["runtime".to_string()]));
    assert_eq!(
        cycle(&graph).unwrap(),
        ["auth", "runtime", "auth"].map(String::from)
    );
}
