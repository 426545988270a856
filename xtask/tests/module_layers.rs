//! The modules of `shared` and of `app` stack without cycles (issue 15). In shared: ids/schema
//! → change → field/text → records → supervision → reading, and so on. In the app: the views
//! (`components`) → the engine that starts the rest (`engine`) → the connection (`net`) → the
//! workspace → the adapters that make requests
//! (`registry`, `blobs`) → `api`, `store`. A module that reaches back up the stack (say
//! `finding` using `supervision`, or `registry` calling into the workspace that calls it)
//! makes the code read in circles; this test names the circle. And the app's views get small
//! handles through context, never the whole workspace. It lives in xtask, whose tests run
//! natively, because the app's crate builds for the browser only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module of `krate` (a directory beside xtask's) → the top-level modules it names
/// (`crate::x`), tests left out.
fn imports(krate: &str) -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let root = ["lib.rs", "main.rs"].contains(&name.as_str()) && dir == src;
            if !name.ends_with(".rs") || name.ends_with("tests.rs") || root {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let top = top.trim_end_matches(".rs").to_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            // Code only: before any test module, without comments.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let names = out.entry(top.clone()).or_default();
            for line in code.lines() {
                let line = line.split("//").next().unwrap_or("");
                for (i, _) in line.match_indices("crate::") {
                    let rest = &line[i + "crate::".len()..];
                    if let Some(group) = rest.strip_prefix('{') {
                        for item in group.split([',', '}']) {
                            let m = item.trim().split("::").next().unwrap_or("").trim();
                            if !m.is_empty() && m != top {
                                names.insert(m.to_owned());
                            }
                        }
                    } else {
                        let m: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if !m.is_empty() && m != top {
                            names.insert(m);
                        }
                    }
                }
            }
        }
    }
    out
}

/// A path of imports from `from` back to itself, if there is one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().unwrap();
        for next in graph.get(last).into_iter().flatten() {
            if next == from {
                let mut path = path.clone();
                path.push(next.clone());
                return Some(path);
            }
            if graph.contains_key(next) && seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    graph
        .keys()
        .filter_map(|m| circle(graph, m))
        .map(|path| path.join(" → "))
        .collect()
}

#[test]
fn no_module_of_shared_imports_itself_in_a_circle() {
    let graph = imports("shared");
    assert!(graph.contains_key("finding") && graph["reading"].contains("finding"));
    let circles = circles(&graph);
    assert!(
        circles.is_empty(),
        "import circles in shared:\n{}",
        circles.join("\n")
    );
}

#[test]
fn no_module_of_the_app_imports_itself_in_a_circle() {
    let graph = imports("app");
    // The scan sees the app: the workspace uses the registry's requests, the views the net.
    assert!(graph["workspace"].contains("registry") && graph["components"].contains("net"));
    let circles = circles(&graph);
    assert!(
        circles.is_empty(),
        "import circles in the app:\n{}",
        circles.join("\n")
    );
}

/// The scanner finds a circle where there is one: the check is not vacuous.
#[test]
fn a_circle_is_named() {
    let mut graph = BTreeMap::<String, BTreeSet<String>>::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    graph.entry("d".into()).or_default().insert("a".into());
    assert_eq!(
        circles(&graph).first().map(String::as_str),
        Some("a → b → c → a")
    );
    assert_eq!(circle(&graph, "d"), None);
}

/// The lines of the app's views (`app/src/components`) that reach the whole workspace with
/// `ws()`, as "file:line".
fn views_reaching_the_workspace(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if code.contains("ws()") {
                found.push(format!("{}:{}", path.display(), n + 1));
            }
        }
    }
    found
}

/// Views get small handles through context (`app/src/workspace/handles.rs`), never the whole
/// workspace: what a view may do is what its handles offer.
#[test]
fn no_view_reaches_the_whole_workspace() {
    let views = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src/components");
    let found = views_reaching_the_workspace(&views);
    assert!(
        found.is_empty(),
        "views calling ws():\n{}",
        found.join("\n")
    );
    // The scan sees a call where there is one.
    let planted = std::env::temp_dir().join(format!("giamsat-views-{}", std::process::id()));
    std::fs::create_dir_all(&planted).unwrap();
    std::fs::write(
        planted.join("v.rs"),
        "fn f() {\n    ws().change(doc, op);\n}\n",
    )
    .unwrap();
    let seen = views_reaching_the_workspace(&planted);
    std::fs::remove_dir_all(&planted).unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
}
