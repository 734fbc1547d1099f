//! Base image label + features + config → the `devcontainer.metadata` label (an array of entries, spec order),
//! and the few merged values the plan needs (users, `updateRemoteUserUID`) by the spec's merge rules.
//!
//! Spec: <https://github.com/devcontainers/spec/blob/main/docs/specs/image-metadata.md>.

use crate::config::Loaded;
use crate::features::ResolvedFeature;
use serde_json::{Map, Value};

/// Name of the image label.
pub const LABEL: &str = "devcontainer.metadata";

/// Feature metadata properties recorded in the image (plus the feature's `id`).
const FEATURE_PROPERTIES: [&str; 13] = [
    "containerEnv",
    "mounts",
    "capAdd",
    "securityOpt",
    "privileged",
    "init",
    "entrypoint",
    "customizations",
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
    "postAttachCommand",
];

/// devcontainer.json properties recorded in the image. Not `remoteEnv`, unlike the reference CLI: its values
/// often come from `${localEnv:...}` (tokens), and an image is pushed and shared. containai applies remoteEnv
/// from devcontainer.json when it runs a process in the container, so the image needs no copy.
const CONFIG_PROPERTIES: [&str; 23] = [
    "mounts",
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
    "postAttachCommand",
    "waitFor",
    "customizations",
    "containerUser",
    "remoteUser",
    "userEnvProbe",
    "containerEnv",
    "overrideCommand",
    "portsAttributes",
    "otherPortsAttributes",
    "forwardPorts",
    "shutdownAction",
    "updateRemoteUserUID",
    "hostRequirements",
    "init",
    "privileged",
    "capAdd",
    "securityOpt",
];

/// Picks `properties` (those present) out of `source`, in the given order, after `first`.
fn entry(first: Option<(&str, Value)>, source: &Value, properties: &[&str]) -> Value {
    let mut out = Map::new();
    if let Some((k, v)) = first {
        out.insert(k.to_string(), v);
    }
    for name in properties {
        if let Some(v) = source.get(*name) {
            out.insert(name.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// The base image's own label, as entries: an array, or a single object taken as one entry.
/// `Err` carries a warning for an unreadable label (which is then ignored, as the reference CLI does).
pub fn base_entries(label: Option<&str>) -> Result<Vec<Value>, String> {
    let Some(text) = label else { return Ok(Vec::new()) };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) if items.iter().all(Value::is_object) => Ok(items),
        Ok(obj @ Value::Object(_)) => Ok(vec![obj]),
        Ok(_) => Err(format!("the base image's `{LABEL}` label is neither an object nor an array of objects; ignored")),
        Err(e) => Err(format!("the base image's `{LABEL}` label is not JSON ({e}); ignored")),
    }
}

/// The base image's non-root `USER` as a `{"containerUser": ...}` entry (none for root or unset).
pub fn base_user_entry(user: &str) -> Vec<Value> {
    match user {
        "" | "root" | "0" | "0:0" => Vec::new(),
        user => vec![serde_json::json!({ "containerUser": user })],
    }
}

/// The label's entries: the base's, one per feature (install order), then the config's own.
pub fn entries(base: Vec<Value>, features: &[ResolvedFeature], loaded: &Loaded) -> Vec<Value> {
    let mut all = base;
    for f in features {
        let id = Value::String(f.reference.clone());
        all.push(entry(Some(("id", id)), &f.metadata, &FEATURE_PROPERTIES));
    }
    all.push(entry(None, &loaded.value, &CONFIG_PROPERTIES));
    all
}

/// A property whose merge rule is "last value wins", over all entries (the config's is last).
pub fn last_value<'a>(entries: &'a [Value], property: &str) -> Option<&'a Value> {
    entries.iter().rev().find_map(|e| e.get(property).filter(|v| !v.is_null()))
}

/// A string property under "last value wins".
pub fn last_string<'a>(entries: &'a [Value], property: &str) -> Option<&'a str> {
    last_value(entries, property).and_then(Value::as_str)
}

/// A boolean property under "`true` if at least one is `true`" (`init`, `privileged`).
pub fn any_true(entries: &[Value], property: &str) -> bool {
    entries.iter().any(|e| e.get(property) == Some(&Value::Bool(true)))
}

/// A string array property under "union without duplicates" (`capAdd`, `securityOpt`), first-seen order.
pub fn union(entries: &[Value], property: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in entries.iter().filter_map(|e| e.get(property)?.as_array()).flatten() {
        if let Some(s) = item.as_str().filter(|s| !out.iter().any(|o| o == s)) {
            out.push(s.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base_label_forms() {
        assert_eq!(base_entries(None).unwrap(), Vec::<Value>::new());
        assert_eq!(base_entries(Some(r#"{"remoteUser":"a"}"#)).unwrap(), vec![json!({"remoteUser": "a"})]);
        assert_eq!(base_entries(Some(r#"[{"id":"x"},{"init":true}]"#)).unwrap().len(), 2);
        assert!(base_entries(Some("nope")).unwrap_err().contains("not JSON"));
        assert!(base_entries(Some("[1]")).unwrap_err().contains("neither"));
        assert_eq!(base_user_entry(""), Vec::<Value>::new());
        assert_eq!(base_user_entry("root"), Vec::<Value>::new());
        assert_eq!(base_user_entry("vscode"), vec![json!({"containerUser": "vscode"})]);
    }

    #[test]
    fn merge_rules() {
        let entries = vec![
            json!({"remoteUser": "base", "capAdd": ["A", "B"], "init": false}),
            json!({"id": "f", "capAdd": ["B", "C"], "init": true}),
            json!({"remoteUser": "cfg", "updateRemoteUserUID": null}),
        ];
        assert_eq!(last_string(&entries, "remoteUser"), Some("cfg"));
        assert_eq!(last_value(&entries, "updateRemoteUserUID"), None);
        assert!(any_true(&entries, "init"));
        assert!(!any_true(&entries, "privileged"));
        assert_eq!(union(&entries, "capAdd"), ["A", "B", "C"]);
    }
}
