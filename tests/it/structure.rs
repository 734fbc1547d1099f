//! The library's module graph, read from its `crate::` paths → no import cycle between its top-level modules, and
//! the layers below the stages (engine, registry, context, lock, folder, …) import no stage.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the top-level modules it names through `crate::…`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let path = entry.path();
        let rel = path.strip_prefix(&src).unwrap();
        let Some(first) = rel.components().next() else { continue };
        let top = first.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        // The binary (main.rs, cli/) sits above the library and may name any of it.
        if path.extension().is_none_or(|e| e != "rs") || top == "cli" || top == "main" || top == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let node = edges.entry(top.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let name: String = text[i + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() && name != top {
                node.insert(name);
            }
        }
    }
    edges
}

fn cycle_from(start: &str, edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if !done.insert(node.to_string()) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    visit(start, edges, &mut Vec::new(), &mut BTreeSet::new())
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let edges = graph();
    assert!(edges.contains_key("policy") && edges.contains_key("pipeline"), "{edges:?}");
    for start in edges.keys() {
        if let Some(cycle) = cycle_from(start, &edges) {
            panic!("import cycle: {}\nthe graph: {edges:#?}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_layers_below_the_stages_import_no_stage() {
    let stages = [
        "config",
        "features",
        "plan",
        "image",
        "egress",
        "run",
        "compose",
        "agents",
        "pipeline",
        "templates",
        "isolation",
        "policy",
    ];
    let lower = ["assets", "context", "engine", "registry", "lock", "folder", "report", "user_config"];
    let edges = graph();
    for layer in lower {
        let imports = edges.get(layer).cloned().unwrap_or_default();
        let bad: Vec<&String> = imports.iter().filter(|m| stages.contains(&m.as_str())).collect();
        assert!(bad.is_empty(), "`{layer}` imports the stage(s) {bad:?}");
    }
    // Each stage looks upstream only.
    let order = ["config", "features", "plan", "image", "egress", "run", "compose", "agents", "pipeline"];
    for (i, stage) in order.iter().enumerate() {
        let later: Vec<&String> =
            edges.get(*stage).into_iter().flatten().filter(|m| order[i + 1..].contains(&m.as_str())).collect();
        assert!(later.is_empty(), "`{stage}` imports the later stage(s) {later:?}");
    }
}
