//! The loaded configuration + the image metadata entries (base image label, features, devcontainer.json) → the
//! merged configuration by the spec's merge rules, in the shape the reference CLI prints as
//! `mergedConfiguration`.
//!
//! Rules (spec, image-metadata "merge logic"): `init` and `privileged` are true when any entry says so; `capAdd`
//! and `securityOpt` are unions; `mounts` keep the last mount of each target; `customizations` collect each
//! tool's values in entry order; the lifecycle commands collect into `onCreateCommands` and its siblings;
//! `remoteEnv`, `containerEnv` and `portsAttributes` are merged per key, later entries winning; `forwardPorts`
//! is a union; `hostRequirements` take the largest of each; everything else is "last value wins". Properties
//! the merge replaces keep their place in the configuration's key order; new ones follow in the rules' order.

use serde_json::{Map, Value};

/// Properties of devcontainer.json the merged configuration replaces by collected forms.
const REPLACED: [&str; 8] = [
    "customizations",
    "entrypoint",
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
    "postAttachCommand",
    "shutdownAction",
];

/// JavaScript's truthiness, which decides what counts as "set" in an entry.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// The last entry's value of `name` that `keep` accepts.
fn last(entries: &[&Map<String, Value>], name: &str, keep: fn(&Value) -> bool) -> Option<Value> {
    entries.iter().rev().filter_map(|e| e.get(name)).find(|v| keep(v)).cloned()
}

/// Every entry's object `name`, merged key by key (later entries win).
fn assign(entries: &[&Map<String, Value>], name: &str) -> Value {
    let mut out = Map::new();
    for object in entries.iter().filter_map(|e| e.get(name)).filter_map(Value::as_object) {
        out.extend(object.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Value::Object(out)
}

/// The values of the array `name` across entries, each once, first occurrence first; `None` when empty.
fn union(entries: &[&Map<String, Value>], name: &str) -> Option<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in entries.iter().filter_map(|e| e.get(name)).filter_map(Value::as_array).flatten() {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    (!out.is_empty()).then_some(Value::Array(out))
}

/// The truthy values of `name`, in entry order.
fn collect(entries: &[&Map<String, Value>], name: &str) -> Vec<Value> {
    entries.iter().filter_map(|e| e.get(name)).filter(|v| truthy(v)).cloned().collect()
}

/// A mount's target: the object's `target`, or the string form's `target` (also `dst`, `destination`).
fn mount_target(mount: &Value) -> Option<String> {
    match mount {
        Value::Object(m) => m.get("target").and_then(Value::as_str).map(str::to_string),
        Value::String(s) => s
            .split(',')
            .filter_map(|part| part.split_once('='))
            .find_map(|(k, v)| matches!(k, "target" | "dst" | "destination").then(|| v.to_string())),
        _ => None,
    }
}

/// Mounts across entries, keeping for each target only the last one, in their order.
fn mounts(entries: &[&Map<String, Value>]) -> Option<Value> {
    let all: Vec<&Value> =
        entries.iter().filter_map(|e| e.get("mounts")).filter_map(Value::as_array).flatten().collect();
    let mut seen = std::collections::HashSet::new();
    let mut kept: Vec<Value> = all.into_iter().rev().filter(|m| seen.insert(mount_target(m))).cloned().collect();
    kept.reverse();
    (!kept.is_empty()).then_some(Value::Array(kept))
}

/// `customizations`: each tool's values from every entry, in entry order.
fn customizations(entries: &[&Map<String, Value>]) -> Option<Value> {
    let mut out: Map<String, Value> = Map::new();
    for object in entries.iter().filter_map(|e| e.get("customizations")).filter_map(Value::as_object) {
        for (tool, value) in object {
            let slot = out.entry(tool.clone()).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = slot {
                list.push(value.clone());
            }
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// `forwardPorts` across entries, each once: a number and `"localhost:<number>"` are one port (a number).
fn forward_ports(entries: &[&Map<String, Value>]) -> Option<Value> {
    let mut names: Vec<String> = Vec::new();
    for port in entries.iter().filter_map(|e| e.get("forwardPorts")).filter_map(Value::as_array).flatten() {
        let name = match port {
            Value::Number(n) => format!("localhost:{n}"),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let ports: Vec<Value> = names
        .into_iter()
        .map(|name| match name.strip_prefix("localhost:").and_then(|n| n.parse::<u64>().ok()) {
            Some(n) => Value::from(n),
            None => Value::String(name),
        })
        .collect();
    (!ports.is_empty()).then_some(Value::Array(ports))
}

/// `"4gb"` → 4294967296; digits alone are bytes; anything else is 0.
fn bytes(text: &str) -> u128 {
    let (digits, unit) = text.find(|c: char| !c.is_ascii_digit()).map_or((text, ""), |i| text.split_at(i));
    let scale: u128 = match unit {
        "" => 1,
        "kb" => 1 << 10,
        "mb" => 1 << 20,
        "gb" => 1 << 30,
        "tb" => 1 << 40,
        _ => return 0,
    };
    digits.parse::<u128>().map_or(0, |n| n.saturating_mul(scale))
}

fn bytes_of(value: Option<&Value>) -> u128 {
    value.and_then(Value::as_str).map_or(0, bytes)
}

/// Two `gpu` requirements → the one that satisfies both.
fn merge_gpu(a: Option<Value>, b: Option<&Value>) -> Option<Value> {
    let unset = |v: Option<&Value>| v.is_none_or(|v| v == &Value::Bool(false));
    if unset(a.as_ref()) {
        return b.cloned();
    }
    if unset(b) {
        return a;
    }
    let (a, b) = (a.unwrap(), b.unwrap().clone());
    if a == "optional" && b == "optional" {
        return Some(a);
    }
    let cores = [&a, &b].iter().map(|g| g.get("cores").and_then(Value::as_u64).unwrap_or(0)).max().unwrap_or(0);
    let memory = [&a, &b].iter().map(|g| bytes_of(g.get("memory"))).max().unwrap_or(0);
    let mut out = Map::new();
    if cores > 0 {
        out.insert("cores".into(), Value::from(cores));
    }
    if memory > 0 {
        out.insert("memory".into(), Value::String(memory.to_string()));
    }
    Some(Value::Object(out))
}

/// `hostRequirements`: the most cpus, memory and storage any entry asks for, and a gpu that satisfies all.
fn host_requirements(entries: &[&Map<String, Value>]) -> Option<Value> {
    let each: Vec<&Value> = entries.iter().filter_map(|e| e.get("hostRequirements")).collect();
    let cpus = each.iter().filter_map(|h| h.get("cpus").and_then(Value::as_f64)).fold(0.0, f64::max);
    let memory = each.iter().map(|h| bytes_of(h.get("memory"))).max().unwrap_or(0);
    let storage = each.iter().map(|h| bytes_of(h.get("storage"))).max().unwrap_or(0);
    let gpu = each.iter().fold(None, |acc, h| merge_gpu(acc, h.get("gpu")));
    if cpus == 0.0 && memory == 0 && storage == 0 && gpu.as_ref().is_none_or(|g| !truthy(g)) {
        return None;
    }
    let mut out = Map::new();
    let cpus = match cpus.fract() == 0.0 && cpus < u64::MAX as f64 {
        true => Value::from(cpus as u64),
        false => serde_json::Number::from_f64(cpus).map_or(Value::from(0), Value::Number),
    };
    out.insert("cpus".into(), cpus);
    if memory > 0 {
        out.insert("memory".into(), Value::String(memory.to_string()));
    }
    if storage > 0 {
        out.insert("storage".into(), Value::String(storage.to_string()));
    }
    if let Some(gpu) = gpu {
        out.insert("gpu".into(), gpu);
    }
    Some(Value::Object(out))
}

/// The merged configuration of `configuration` (devcontainer.json as `read-configuration` prints it) over
/// `entries` (the image metadata, devcontainer.json's own entry last). The config's `remoteEnv`, which
/// containai keeps out of the image label, is merged last. A feature's `containerEnv` is the feature's `ENV` in
/// the image, not part of the merge.
pub fn merged_configuration(configuration: &Value, entries: &[Value]) -> Value {
    let mut owned: Vec<Map<String, Value>> = entries.iter().filter_map(Value::as_object).cloned().collect();
    for entry in owned.iter_mut().filter(|e| e.contains_key("id")) {
        entry.remove("containerEnv");
    }
    if let Some(remote_env) = configuration.get("remoteEnv") {
        owned.push(Map::from_iter([("remoteEnv".to_string(), remote_env.clone())]));
    }
    let entries: Vec<&Map<String, Value>> = owned.iter().collect();
    let boolean = |v: &Value| v.is_boolean();
    let any = |name: &str| Some(Value::Bool(entries.iter().any(|e| e.get(name).is_some_and(truthy))));
    let entrypoints = collect(&entries, "entrypoint");
    let merged: [(&str, Option<Value>); 23] = [
        ("init", any("init")),
        ("privileged", any("privileged")),
        ("capAdd", union(&entries, "capAdd")),
        ("securityOpt", union(&entries, "securityOpt")),
        ("entrypoints", (!entrypoints.is_empty()).then_some(Value::Array(entrypoints))),
        ("mounts", mounts(&entries)),
        ("customizations", customizations(&entries)),
        ("onCreateCommands", Some(Value::Array(collect(&entries, "onCreateCommand")))),
        ("updateContentCommands", Some(Value::Array(collect(&entries, "updateContentCommand")))),
        ("postCreateCommands", Some(Value::Array(collect(&entries, "postCreateCommand")))),
        ("postStartCommands", Some(Value::Array(collect(&entries, "postStartCommand")))),
        ("postAttachCommands", Some(Value::Array(collect(&entries, "postAttachCommand")))),
        ("waitFor", last(&entries, "waitFor", truthy)),
        ("remoteUser", last(&entries, "remoteUser", truthy)),
        ("containerUser", last(&entries, "containerUser", truthy)),
        ("userEnvProbe", last(&entries, "userEnvProbe", truthy)),
        ("remoteEnv", Some(assign(&entries, "remoteEnv"))),
        ("containerEnv", Some(assign(&entries, "containerEnv"))),
        ("overrideCommand", last(&entries, "overrideCommand", boolean)),
        ("portsAttributes", Some(assign(&entries, "portsAttributes"))),
        ("otherPortsAttributes", last(&entries, "otherPortsAttributes", truthy)),
        ("forwardPorts", forward_ports(&entries)),
        ("shutdownAction", last(&entries, "shutdownAction", truthy)),
    ];
    let tail = [
        ("updateRemoteUserUID", last(&entries, "updateRemoteUserUID", boolean)),
        ("hostRequirements", host_requirements(&entries)),
    ];
    let mut out: Map<String, Value> = configuration.as_object().cloned().unwrap_or_default();
    out.retain(|k, _| !REPLACED.contains(&k.as_str()));
    for (name, value) in merged.into_iter().chain(tail) {
        match value {
            // An existing key keeps its place (JavaScript's object spread); a new one goes last.
            Some(value) => {
                out.insert(name.to_string(), value);
            }
            None => {
                out.shift_remove(name);
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
