//! A Compose project as Compose resolved it (`compose config`, as JSON) + the `env_file`s its sources name →
//! every host-affecting setting of every service, classified as devcontainer.json's are.
//!
//! The project is repository content: a service may not do what devcontainer.json may not. Ports are not
//! findings: containai publishes every one on 127.0.0.1 (the Compose stage rewrites them).

use super::caps;
use super::classify::{Class, Finding, Findings, Scope, mount};
use super::paths::Place;
use bollard::models::{Mount, MountType};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// A service volume (short `src:dst[:mode]` or long `{type, source, target}`) → a mount; `None` for an anonymous
/// volume or tmpfs.
pub fn volume_mount(volume: &Value) -> Option<Mount> {
    let (typ, source, target, read_only) = match volume {
        Value::String(text) => {
            let parts: Vec<&str> = text.split(':').collect();
            let [source, target, rest @ ..] = parts.as_slice() else { return None };
            let bind = source.starts_with('/') || source.starts_with('.') || source.starts_with('~');
            let typ = if bind { MountType::BIND } else { MountType::VOLUME };
            (typ, source.to_string(), target.to_string(), rest.first().is_some_and(|m| m.split(',').any(|o| o == "ro")))
        }
        Value::Object(map) => {
            let typ = match map.get("type").and_then(Value::as_str) {
                Some("bind") => MountType::BIND,
                Some("volume") => MountType::VOLUME,
                Some("npipe") => MountType::NPIPE,
                _ => return None,
            };
            let source = map.get("source").and_then(Value::as_str)?.to_string();
            let target = map.get("target").and_then(Value::as_str).unwrap_or_default().to_string();
            (typ, source, target, map.get("read_only").and_then(Value::as_bool) == Some(true))
        }
        _ => return None,
    };
    Some(Mount {
        typ: Some(typ),
        source: Some(source),
        target: Some(target),
        read_only: read_only.then_some(true),
        ..Default::default()
    })
}

/// Every host-affecting setting of `project`'s services (in service order) and of the `env_files` the sources
/// name; `service` settings are named `services.<name>.<key>` after the Compose file.
pub fn classify_project(project: &Value, env_files: &[(String, PathBuf)], scope: &Scope) -> Vec<Finding> {
    let mut out = Findings(Vec::new());
    let volumes = project.get("volumes").and_then(Value::as_object);
    let services = project.get("services").and_then(Value::as_object).into_iter().flatten();
    for (name, service) in services {
        let at = |key: &str| format!("services.{name}.{key}");
        if service.get("privileged").and_then(Value::as_bool) == Some(true) {
            out.add(Class::Refused, at("privileged"), "gives the container every capability and device of the host");
        }
        for cap in strings(service.get("cap_add")) {
            if let Some(why) = caps::check_cap(&cap) {
                out.add(Class::Refused, at("cap_add"), why);
            }
        }
        for opt in strings(service.get("security_opt")) {
            if let Some(why) = caps::check_security_opt(&opt) {
                out.add(Class::Refused, at("security_opt"), why);
            }
        }
        for device in service.get("devices").and_then(Value::as_array).into_iter().flatten() {
            let shown = device.as_str().map(str::to_string).unwrap_or_else(|| device.to_string());
            out.add(Class::Refused, at("devices"), format!("`{shown}` hands a host device to the container"));
        }
        for (key, flag) in [("network_mode", "network"), ("pid", "pid"), ("ipc", "ipc"), ("userns_mode", "userns")] {
            let Some(value) = service.get(key).and_then(Value::as_str) else { continue };
            // Another service of the project is inside the sandbox too.
            if value.starts_with("service:") {
                continue;
            }
            if let Some(why) = caps::check_namespace(flag, value) {
                out.add(Class::Refused, at(key), why);
            }
        }
        if let Some(runtime) = service.get("runtime").and_then(Value::as_str) {
            out.add(Class::Refused, at("runtime"), format!("`{runtime}`: only the user picks the runtime"));
        }
        for from in strings(service.get("volumes_from")) {
            if from.starts_with("container:") {
                out.add(Class::Refused, at("volumes_from"), format!("`{from}` reads another container's volumes"));
            }
        }
        for key in service.get("labels").and_then(Value::as_object).into_iter().flatten().map(|(k, _)| k) {
            if let Some(why) = caps::check_label(key) {
                out.add(Class::Refused, at("labels"), why);
            }
        }
        for key in service.get("sysctls").and_then(Value::as_object).into_iter().flatten().map(|(k, _)| k) {
            if let Some(why) = caps::check_sysctl(key) {
                out.add(Class::Refused, at("sysctls"), why);
            }
        }
        for (i, volume) in service.get("volumes").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let Some(m) = volume_mount(volume) else { continue };
            let property = at(&format!("volumes[{i}]"));
            if m.typ == Some(MountType::VOLUME) {
                named_volume(&mut out, &property, m.source.as_deref().unwrap_or_default(), volumes);
            } else {
                mount(&mut out, scope, &property, &m, true);
            }
        }
        if let Some(context) = build_context(service) {
            path_finding(&mut out, scope, &at("build.context"), &context, "the build context");
        }
    }
    for (service, path) in env_files {
        path_finding(&mut out, scope, &format!("services.{service}.env_file"), path, "the environment file");
    }
    out.0
}

/// A service's build context as Compose resolved it (`build: path` or `build.context`).
fn build_context(service: &Value) -> Option<PathBuf> {
    match service.get("build")? {
        Value::String(path) => Some(PathBuf::from(path)),
        build => build.get("context").and_then(Value::as_str).map(PathBuf::from),
    }
}

fn path_finding(out: &mut Findings, scope: &Scope, property: &str, path: &Path, what: &str) {
    let (real, place) = scope.paths.place(&scope.config_dir, path);
    match place {
        Place::Protected(why) => out.add(Class::Refused, property, format!("{what} `{}`: {why}", real.display())),
        Place::Outside => {
            out.add(Class::NeedsTrust, property, format!("{what} `{}` is outside the workspace", real.display()))
        }
        Place::Inside => {}
    }
}

/// A project's own named volume is the workspace's; an external one (or one named outside the project) could be
/// another's.
fn named_volume(out: &mut Findings, property: &str, name: &str, volumes: Option<&serde_json::Map<String, Value>>) {
    let declared = volumes.and_then(|v| v.get(name));
    let external = declared.and_then(|d| d.get("external")).is_some_and(|e| e.as_bool() != Some(false) && !e.is_null());
    let renamed = declared.and_then(|d| d.get("name")).and_then(Value::as_str);
    if external || renamed.is_some() {
        let shown = renamed.unwrap_or(name);
        out.add(
            Class::NeedsTrust,
            property,
            format!("volume `{shown}` is not the project's own (`external` or `name`)"),
        );
    }
}

#[cfg(test)]
#[path = "compose_tests.rs"]
mod tests;
