//! The resolved project + the primary service's create request (the same one a single container gets) → the file
//! Compose runs: every service under the chosen runtime, every port on 127.0.0.1, the primary service a containai
//! system container (its image with the features, systemd as PID 1, sshd's port, containai's labels).
//!
//! It overrides what Compose resolved (`compose config`) rather than adding to the repository's files: Compose
//! appends an override's `ports` to the original's, so only a rewritten project can keep a port off `0.0.0.0`.
//! Written as JSON, which Compose reads as YAML.

use crate::engine::CreateRequest;
use bollard::models::{Mount, MountType};
use serde_json::{Map, Value, json};

/// Where a published port may listen.
pub const LOOPBACK: &str = "127.0.0.1";

/// One `ports` entry (short `[ip:][host:]container[/proto]` or long `{target, published, protocol}`) → the short
/// form on 127.0.0.1; `None` when it cannot be read.
pub fn loopback_port(entry: &Value) -> Option<String> {
    let (published, target, protocol) = match entry {
        Value::Number(n) => (String::new(), n.to_string(), None),
        Value::String(text) => {
            let (spec, protocol) = match text.rsplit_once('/') {
                Some((spec, proto)) => (spec, Some(proto.to_string())),
                None => (text.as_str(), None),
            };
            // An IPv6 host address is bracketed: `[::1]:80:80`.
            let spec = match spec.strip_prefix('[') {
                Some(rest) => rest.split_once("]:").map(|(_, r)| r)?,
                None => spec,
            };
            let parts: Vec<&str> = spec.split(':').collect();
            match parts.as_slice() {
                [c] => (String::new(), c.to_string(), protocol),
                [h, c] | [_, h, c] => (h.to_string(), c.to_string(), protocol),
                _ => return None,
            }
        }
        Value::Object(map) => {
            let text = |v: &Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            let target = map.get("target").map(text)?;
            let published = map.get("published").filter(|v| !v.is_null()).map(text).unwrap_or_default();
            (published, target, map.get("protocol").and_then(Value::as_str).map(str::to_string))
        }
        _ => return None,
    };
    let suffix = protocol.map(|p| format!("/{p}")).unwrap_or_default();
    Some(format!("{LOOPBACK}:{published}:{target}{suffix}"))
}

fn rewrite_ports(service: &mut Map<String, Value>) {
    if let Some(Value::Array(ports)) = service.get("ports") {
        let rewritten: Vec<Value> = ports.iter().filter_map(loopback_port).map(Value::String).collect();
        service.insert("ports".into(), Value::Array(rewritten));
    }
}

/// `environment` or `labels` (a map, or a list of `KEY=value`) as a map.
fn as_map(value: Option<&Value>) -> Map<String, Value> {
    match value {
        Some(Value::Object(map)) => map.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_string(), Value::String(v.into())),
                None => (e.to_string(), Value::Null),
            })
            .collect(),
        _ => Map::new(),
    }
}

fn list(value: Option<&Value>) -> Vec<Value> {
    match value {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::String(one)) => vec![Value::String(one.clone())],
        _ => Vec::new(),
    }
}

fn union(into: &mut Map<String, Value>, key: &str, more: &[String]) {
    let mut items = list(into.get(key));
    for item in more {
        if !items.iter().any(|i| i.as_str() == Some(item)) {
            items.push(Value::String(item.clone()));
        }
    }
    if !items.is_empty() {
        into.insert(key.into(), Value::Array(items));
    }
}

/// A mount of the create request → a `volumes` entry (and the named volume to declare), or a `tmpfs` entry.
fn mount_entry(m: &Mount) -> (Option<String>, Option<String>, Option<String>) {
    let target = m.target.clone().unwrap_or_default();
    let ro = if m.read_only == Some(true) { ":ro" } else { "" };
    match (m.typ, m.source.as_deref().filter(|s| !s.is_empty())) {
        (Some(MountType::TMPFS), _) => (None, None, Some(target)),
        (Some(MountType::BIND), Some(source)) => (Some(format!("{source}:{target}{ro}")), None, None),
        (_, Some(source)) => (Some(format!("{source}:{target}{ro}")), Some(source.to_string()), None),
        (_, None) => (Some(target), None, None),
    }
}

/// The project file: `project` (as `compose config` printed it) with `request` applied to `service`, the
/// runtime on every service and every port on loopback. `cgroup` says whether the tool takes `cgroup:`
/// (Compose v2); under v1 the primary service unshares its cgroup namespace itself when the request wants one.
pub fn project_file(project: &Value, service: &str, request: &CreateRequest, cgroup: bool) -> Value {
    let mut out = project.clone();
    let host = request.body.host_config.clone().unwrap_or_default();
    let runtime = host.runtime.clone().unwrap_or_default();
    let shared_from = project["services"][service]["network_mode"]
        .as_str()
        .and_then(|m| m.strip_prefix("service:"))
        .map(str::to_string);
    let mut moved_ports: Vec<Value> = Vec::new();
    let mut declared: Vec<String> = Vec::new();
    if let Some(Value::Object(services)) = out.get_mut("services") {
        for (name, value) in services.iter_mut() {
            let Value::Object(svc) = value else { continue };
            svc.insert("runtime".into(), Value::String(runtime.clone()));
            rewrite_ports(svc);
            if name != service {
                continue;
            }
            let body = &request.body;
            svc.remove("build");
            svc.remove("command");
            svc.insert("image".into(), json!(body.image));
            svc.insert("container_name".into(), json!(request.name));
            svc.insert("user".into(), json!(body.user));
            let mut entrypoint = body.entrypoint.clone().unwrap_or_default();
            if host.cgroupns_mode.is_some() && !cgroup {
                // Compose v1 cannot ask for a private cgroup namespace: the container makes its own before init
                // (`unshare` needs `SYS_ADMIN`, which only the insecure mode that wants the namespace grants).
                entrypoint.splice(0..0, ["unshare".to_string(), "--cgroup".to_string()]);
            }
            svc.insert("entrypoint".into(), json!(entrypoint));
            svc.insert("working_dir".into(), json!(body.working_dir));
            svc.insert("stop_signal".into(), json!(body.stop_signal));
            if let Some(seconds) = body.stop_timeout {
                svc.insert("stop_grace_period".into(), json!(format!("{seconds}s")));
            }
            let mut env = as_map(svc.get("environment"));
            for entry in body.env.iter().flatten() {
                let (k, v) = entry.split_once('=').unwrap_or((entry, ""));
                env.insert(k.into(), Value::String(v.into()));
            }
            svc.insert("environment".into(), Value::Object(env));
            let mut labels = as_map(svc.get("labels"));
            for (k, v) in body.labels.iter().flatten() {
                labels.insert(k.clone(), Value::String(v.clone()));
            }
            svc.insert("labels".into(), Value::Object(labels));
            union(svc, "cap_add", host.cap_add.as_deref().unwrap_or_default());
            union(svc, "cap_drop", host.cap_drop.as_deref().unwrap_or_default());
            union(svc, "security_opt", host.security_opt.as_deref().unwrap_or_default());
            let mut tmpfs: Vec<String> = Vec::new();
            let mut tmpfs_entries: Vec<(&String, &String)> = host.tmpfs.iter().flatten().collect();
            tmpfs_entries.sort();
            for (path, options) in tmpfs_entries {
                tmpfs.push(if options.is_empty() { path.clone() } else { format!("{path}:{options}") });
            }
            let mut volumes: Vec<String> = Vec::new();
            for m in host.mounts.iter().flatten() {
                let (volume, named, tmp) = mount_entry(m);
                volumes.extend(volume);
                declared.extend(named);
                tmpfs.extend(tmp);
            }
            union(svc, "tmpfs", &tmpfs);
            union(svc, "volumes", &volumes);
            if cgroup && host.cgroupns_mode.is_some() {
                svc.insert("cgroup".into(), json!("private"));
            }
            let mut bindings: Vec<(&String, _)> = host.port_bindings.iter().flatten().collect();
            bindings.sort_by(|a, b| a.0.cmp(b.0));
            let mut ports: Vec<Value> = Vec::new();
            for (port, list) in bindings {
                for binding in list.iter().flatten() {
                    let published = binding.host_port.clone().unwrap_or_default();
                    ports.push(Value::String(format!("{LOOPBACK}:{published}:{port}")));
                }
            }
            if shared_from.is_some() {
                // Another service's network namespace: that service publishes the ports and names the host.
                moved_ports = ports;
                moved_ports.extend(list(svc.get("ports")));
                svc.remove("ports");
            } else {
                svc.insert("hostname".into(), json!(body.hostname));
                let mut all = list(svc.get("ports"));
                all.extend(ports);
                if !all.is_empty() {
                    svc.insert("ports".into(), Value::Array(all));
                }
            }
        }
        if let Some(Value::Object(provider)) = shared_from.and_then(|name| services.get_mut(&name)) {
            let mut all = list(provider.get("ports"));
            all.extend(moved_ports);
            if !all.is_empty() {
                provider.insert("ports".into(), Value::Array(all));
            }
        }
    }
    if !declared.is_empty() {
        let volumes = out.as_object_mut().map(|o| o.entry("volumes").or_insert_with(|| json!({})));
        if let Some(Value::Object(volumes)) = volumes {
            for name in declared {
                volumes.entry(name.clone()).or_insert_with(|| json!({"name": name}));
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "file_tests.rs"]
mod tests;
