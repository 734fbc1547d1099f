//! One step of the plan (base, system, a feature, user) + its parent's key → a [`Layer`] with its rendered
//! Dockerfile, build context and key.

use super::key::LayerKey;
use super::render::{render, shell_quote};
use super::users::UserPlan;
use super::{BaseInput, PlanError, Result};
use crate::features::ResolvedFeature;
use crate::plan::model::{ContextFile, Layer, LayerContext, cache_tag};
use serde_json::json;

/// Packages a system container needs; installed only when the base lacks them.
pub const SYSTEM_PACKAGES: [&str; 7] =
    ["systemd", "systemd-sysv", "dbus", "iproute2", "sudo", "ca-certificates", "procps"];

/// Units that make no sense in a container (no devices, no kernel modules, no kernel debug/tracing/config
/// mounts, no audit log, no first-boot wizard, no wait for a network that is already up, no e2fs scrub).
pub const MASKED_UNITS: [&str; 17] = [
    "systemd-udevd.service",
    "systemd-udevd-control.socket",
    "systemd-udevd-kernel.socket",
    "systemd-udev-trigger.service",
    "systemd-udev-settle.service",
    "systemd-modules-load.service",
    "kmod-static-nodes.service",
    "sys-kernel-debug.mount",
    "sys-kernel-tracing.mount",
    "sys-kernel-config.mount",
    "systemd-journald-audit.socket",
    "systemd-firstboot.service",
    "systemd-networkd-wait-online.service",
    "NetworkManager-wait-online.service",
    "e2scrub_all.timer",
    "e2scrub_all.service",
    "e2scrub_reap.service",
];

/// Where a feature's files are copied for its install.sh (removed after).
const FEATURE_DIR: &str = "/tmp/containai-feature";
/// The generated file of option variables, sourced before install.sh.
const FEATURE_ENV_FILE: &str = "containai-feature.env";

/// The base: `FROM <image>` keyed by the image's id, or the user's Dockerfile keyed by its context.
pub fn base(base: &BaseInput) -> Result<Layer> {
    match base {
        BaseInput::Image { reference, image_id, .. } => {
            let dockerfile = render("base", &json!({ "image": reference }))?;
            let mut key = LayerKey::new("base", None, &dockerfile);
            key.base_image_id = Some(image_id);
            let key = key.hash();
            Ok(Layer::new("base", key, None, dockerfile, LayerContext::Empty))
        }
        BaseInput::Dockerfile(d) => {
            let mut key = LayerKey::new("base", None, &d.text);
            key.context_hash = Some(&d.context_hash);
            key.build_args = Some(&d.build_args);
            key.target = d.target.as_deref();
            key.from_images = Some(&d.from_images);
            let key = key.hash();
            let context = LayerContext::Directory { root: d.context.clone(), dockerfile: d.dockerfile.clone() };
            let mut l = Layer::new("base", key, None, d.text.clone(), context);
            l.build_args = d.build_args.clone();
            l.target = d.target.clone();
            Ok(l)
        }
    }
}

/// systemd and what a system container needs, from templates/system.hbs. `base_user` is the base image's
/// `USER` (`None` while unknown): the layer switches to root unless the base already runs as root.
pub fn system(parent: &str, base_user: Option<&str>) -> Result<Layer> {
    let root = base_user.is_some_and(|u| matches!(u, "" | "root" | "0" | "root:root" | "0:0"));
    let dockerfile = render(
        "system",
        &json!({
            "parent": cache_tag(parent),
            "switch_user": !root,
            "packages": SYSTEM_PACKAGES.join(" "),
            "masked_units": MASKED_UNITS.join(" "),
        }),
    )?;
    let key = LayerKey::new("system", Some(parent), &dockerfile).hash();
    Ok(Layer::new("system", key, Some(parent), dockerfile, LayerContext::Empty))
}

fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The names a Dockerfile value refers to (`$NAME`, `${NAME}`, `${NAME:-x}`, ...).
fn referenced_names(value: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        rest = &rest[i + 1..];
        let body = rest.strip_prefix('{').unwrap_or(rest);
        let end = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(body.len());
        names.push(&body[..end]);
    }
    names
}

/// `containerEnv` pairs in order → the `ENV` instructions that set them: consecutive variables share one
/// instruction (one engine step), except that a value referring to a variable set in the current instruction
/// starts a new one (inside one `ENV` every value sees the variables as they were before it).
fn env_groups(pairs: &[(&str, &str)]) -> Vec<Vec<serde_json::Value>> {
    let mut groups: Vec<Vec<serde_json::Value>> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (name, value) in pairs {
        if groups.is_empty() || referenced_names(value).iter().any(|r| names.contains(r)) {
            groups.push(Vec::new());
            names.clear();
        }
        names.push(name);
        groups.last_mut().expect("a group").push(json!({ "name": name, "value": value }));
    }
    groups
}

/// A feature: its files plus the generated option file, install.sh run as root, `containerEnv` → `ENV`.
pub fn feature(f: &ResolvedFeature, parent: &str) -> Result<Layer> {
    let name = format!("feature:{}", f.reference);
    if !f.files.iter().any(|file| file.path == "install.sh") {
        return Err(PlanError::NoInstallScript { feature: f.reference.clone() });
    }
    let mut env_file = String::new();
    for (k, v) in &f.env {
        if !valid_env_name(k) {
            return Err(PlanError::EnvName { feature: f.reference.clone(), name: k.clone() });
        }
        env_file.push_str(&format!("{k}={}\n", shell_quote(v)));
    }
    let mut container_env = Vec::new();
    for (k, v) in f.metadata.get("containerEnv").and_then(|e| e.as_object()).into_iter().flatten() {
        if !valid_env_name(k) {
            return Err(PlanError::EnvName { feature: f.reference.clone(), name: k.clone() });
        }
        let value = v.as_str().filter(|s| !s.contains(['\n', '\r']));
        let value = value.ok_or_else(|| PlanError::EnvValue { feature: f.reference.clone(), name: k.clone() })?;
        container_env.push((k.as_str(), value));
    }
    let text = |field: &str| f.metadata.get(field).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let entrypoint = super::entrypoint::unit(&f.reference, &f.metadata)?;
    let dockerfile = render(
        "feature",
        &json!({
            "parent": cache_tag(parent),
            "reference": f.reference,
            "id": text("id"),
            "version": text("version"),
            "dir": FEATURE_DIR,
            "env_file": FEATURE_ENV_FILE,
            "env_groups": env_groups(&container_env),
            "entrypoint_unit": entrypoint.as_ref().map(|e| e.unit.as_str()),
            "entrypoint_wrapper": entrypoint.as_ref().map(|e| e.wrapper.as_str()),
            "unit_file": super::entrypoint::UNIT_FILE,
            "wrapper_file": super::entrypoint::WRAPPER_FILE,
        }),
    )?;
    let generated = [FEATURE_ENV_FILE, super::entrypoint::UNIT_FILE, super::entrypoint::WRAPPER_FILE];
    let mut files: Vec<ContextFile> =
        f.files.iter().filter(|file| !generated.contains(&file.path.as_str())).cloned().collect();
    files.push(ContextFile { path: FEATURE_ENV_FILE.into(), mode: 0o644, bytes: env_file.into_bytes() });
    files.extend(entrypoint.into_iter().flat_map(|e| e.files));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut key = LayerKey::new(&name, Some(parent), &dockerfile).with_files(&files);
    key.options = Some(&f.options);
    let key = key.hash();
    Ok(Layer::new(name, key, Some(parent), dockerfile, LayerContext::Files { files }))
}

/// Users (created when missing, UID/GID following the host's) and the `devcontainer.metadata` label.
pub fn user(users: &UserPlan, label: &str, parent: &str) -> Result<Layer> {
    let dockerfile = render(
        "user",
        &json!({
            "parent": cache_tag(parent),
            "create": users.create,
            "update_uid": users.update_uid,
            "label": label,
        }),
    )?;
    let key = LayerKey::new("user", Some(parent), &dockerfile).hash();
    Ok(Layer::new("user", key, Some(parent), dockerfile, LayerContext::Empty))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(groups: &[Vec<serde_json::Value>]) -> Vec<Vec<&str>> {
        groups.iter().map(|g| g.iter().map(|v| v["name"].as_str().unwrap()).collect()).collect()
    }

    #[test]
    fn env_shares_one_instruction_until_a_value_refers_to_a_variable_of_it() {
        assert!(env_groups(&[]).is_empty());
        let independent = env_groups(&[("HOME_X", "/opt/x"), ("PATH", "/opt/x/bin:${PATH}"), ("Y", "$OTHER")]);
        assert_eq!(names(&independent), [vec!["HOME_X", "PATH", "Y"]]);
        let chained = env_groups(&[("A", "1"), ("B", "${A}/b"), ("C", "$B:x"), ("D", "${A:-d}"), ("E", "$AB")]);
        assert_eq!(names(&chained), [vec!["A"], vec!["B"], vec!["C", "D", "E"]]);
    }
}
