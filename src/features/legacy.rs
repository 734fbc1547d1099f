//! A legacy short feature id (`git`, `golang`, `maven`) → the `ghcr.io/devcontainers/features` reference the
//! reference CLI uses instead (major `1`), or the option of another feature it became, with a deprecation warning.

use indexmap::IndexMap;
use serde_json::{Map, Value};

/// Where the features of the old `microsoft/vscode-dev-containers` short ids live now.
pub const NAMESPACE: &str = "ghcr.io/devcontainers/features";
/// The major version a short id stands for (the reference CLI pins it, to avoid breaking changes).
const MAJOR: &str = "1";

/// Short ids whose feature kept its id.
const MIGRATED: [&str; 18] = [
    "aws-cli",
    "azure-cli",
    "desktop-lite",
    "docker-from-docker",
    "docker-in-docker",
    "dotnet",
    "git",
    "git-lfs",
    "github-cli",
    "java",
    "kubectl-helm-minikube",
    "node",
    "powershell",
    "python",
    "ruby",
    "rust",
    "sshd",
    "terraform",
];

/// Short ids whose feature was renamed: (old, new).
const RENAMED: [(&str, &str); 2] = [("common", "common-utils"), ("golang", "go")];

/// Short ids that became a boolean option of another feature: (old, feature, option).
const FOLDED: [(&str, &str, &str); 3] = [
    ("gradle", "java", "installGradle"),
    ("jupyterlab", "python", "installJupyterlab"),
    ("maven", "java", "installMaven"),
];

/// The current feature id of a migrated or renamed short id.
fn current_id(short: &str) -> Option<&'static str> {
    MIGRATED
        .iter()
        .find(|id| **id == short)
        .copied()
        .or_else(|| RENAMED.iter().find(|(old, _)| *old == short).map(|(_, new)| *new))
}

/// `git` → `ghcr.io/devcontainers/features/git:1`, `golang` → `…/go:1`; `None` for anything else.
pub fn reference_for(short: &str) -> Option<String> {
    current_id(short).map(|id| format!("{NAMESPACE}/{id}:{MAJOR}"))
}

/// The warning for a reference that is a migrated or renamed short id.
pub fn warning(short: &str) -> Option<String> {
    let id = current_id(short)?;
    Some(format!(
        "feature `{short}` is a deprecated short id: it is resolved as `{}`\n\
         hint: write `{NAMESPACE}/{id}:{MAJOR}` in `features` (see https://github.com/devcontainers/features/tree/main/src/{id}#example-usage)",
        reference_for(short).expect("a current id")
    ))
}

/// The user's `features` with each folded short id (`maven`) replaced by its option on the feature it became
/// (`installMaven: true` on `java`, the one already there or `ghcr.io/devcontainers/features/java:1` added
/// last), and a warning for each.
pub fn fold(features: &IndexMap<String, Value>) -> (IndexMap<String, Value>, Vec<String>) {
    let mut out: IndexMap<String, Value> = features
        .iter()
        .filter(|(k, _)| !FOLDED.iter().any(|(old, ..)| old == k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut warnings = Vec::new();
    for (old, into, option) in features.keys().filter_map(|k| FOLDED.iter().find(|(old, ..)| old == k)) {
        let qualified = format!("{NAMESPACE}/{into}");
        let existing = out.keys().find(|k| *k == into || **k == qualified || k.starts_with(&format!("{qualified}:")));
        let key = existing.cloned().unwrap_or_else(|| format!("{qualified}:{MAJOR}"));
        let mut options = match out.get(&key) {
            Some(Value::Object(map)) => map.clone(),
            Some(Value::String(version)) => Map::from_iter([("version".to_string(), Value::String(version.clone()))]),
            _ => Map::new(),
        };
        options.insert(option.to_string(), Value::Bool(true));
        out.insert(key.clone(), Value::Object(options));
        warnings.push(format!(
            "feature `{old}` is deprecated: it is now the `{option}` option of `{into}`, set on `{key}`\n\
             hint: see https://github.com/devcontainers/features/tree/main/src/{into}#options"
        ));
    }
    (out, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_ids_map_to_major_one() {
        assert_eq!(reference_for("git").as_deref(), Some("ghcr.io/devcontainers/features/git:1"));
        assert_eq!(reference_for("golang").as_deref(), Some("ghcr.io/devcontainers/features/go:1"));
        assert_eq!(reference_for("common").as_deref(), Some("ghcr.io/devcontainers/features/common-utils:1"));
        for other in ["maven", "fish", "Git", "./git", "ghcr.io/devcontainers/features/git:1"] {
            assert_eq!(reference_for(other), None, "{other}");
        }
        let text = warning("golang").unwrap();
        assert!(text.contains("`golang`") && text.contains("/src/go#example-usage"), "{text}");
    }

    #[test]
    fn folded_ids_become_options() {
        let features = IndexMap::from([("maven".to_string(), json!(true)), ("java".to_string(), json!("17"))]);
        let (out, warnings) = fold(&features);
        assert_eq!(out, IndexMap::from([("java".to_string(), json!({"version": "17", "installMaven": true}))]));
        assert!(warnings[0].contains("`installMaven`"), "{warnings:?}");
        let features = IndexMap::from([("jupyterlab".to_string(), json!({})), ("./x".to_string(), json!({}))]);
        let (out, _) = fold(&features);
        let keys: Vec<&String> = out.keys().collect();
        assert_eq!(keys, ["./x", "ghcr.io/devcontainers/features/python:1"]);
        assert_eq!(out[1], json!({"installJupyterlab": true}));
    }
}
