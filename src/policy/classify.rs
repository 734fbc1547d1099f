//! A config, its parsed `runArgs` and mounts, and the metadata of its features and base image → every
//! host-affecting setting found, each one either needing the user's trust or refused outright.
//!
//! Allowed without a word: what stays in the sandbox (image, features' install scripts, container-side hooks,
//! mounts inside the workspace, volumes named for this workspace, tmpfs, the short lists of [`super::caps`]).

use super::Result;
use super::caps;
use super::mounts;
use super::paths::{HostPaths, Place};
use super::run_args::RunArgs;
use crate::config::{DevContainer, WorkspaceInfo};
use bollard::models::{Mount, MountBindOptionsPropagationEnum, MountType};
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// How a host-affecting setting is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Reaches the host in a way the user may accept once (`containai trust`).
    NeedsTrust,
    /// Defeats the sandbox: refused, unless `--allow-unsafe-config` on the command line.
    Refused,
}

/// One host-affecting setting: the property (as written in devcontainer.json), what it asks, why it matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub class: Class,
    pub property: String,
    pub detail: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.property, self.detail)
    }
}

/// Where the workspace is on this host and what the host protects.
#[derive(Debug, Clone)]
pub struct Scope {
    pub paths: HostPaths,
    /// The folder of devcontainer.json (relative build paths start there).
    pub config_dir: PathBuf,
    /// `${devcontainerId}`: named volumes that carry it are this workspace's own.
    pub devcontainer_id: String,
    /// The host variables the config reads through `${localEnv:…}` (names only).
    pub local_env: Vec<String>,
}

impl Scope {
    /// The scope of a loaded workspace on this host.
    pub fn of(workspace: &WorkspaceInfo, local_env: &[String]) -> Scope {
        let mount_source = workspace
            .workspace_mount
            .as_deref()
            .and_then(|m| mounts::parse_mount(m).ok())
            .filter(|m| m.typ == Some(MountType::BIND))
            .and_then(|m| m.source);
        let folder = workspace.local_workspace_folder.as_path();
        let mut roots = vec![folder];
        // The default mount binds the folder holding the workspace's `.git`, an ancestor of the workspace.
        if let Some(source) = mount_source.as_deref().map(Path::new).filter(|s| folder.starts_with(s)) {
            roots.push(source);
        }
        Scope {
            paths: HostPaths::of_host(&roots),
            config_dir: workspace.config_file.parent().unwrap_or(Path::new("/")).to_path_buf(),
            devcontainer_id: workspace.devcontainer_id.clone(),
            local_env: local_env.to_vec(),
        }
    }
}

/// What is classified: the config and what was parsed from it, the user's own mounts, and the metadata entries
/// of features and the base image (`capAdd`, `securityOpt`, `privileged`, `mounts`).
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub config: &'a DevContainer,
    pub workspace: &'a WorkspaceInfo,
    pub run_args: &'a RunArgs,
    /// `up --mount`: the user's, so only the protected places are refused.
    pub user_mounts: &'a [Mount],
    pub metadata: &'a [Value],
}

pub(super) struct Findings(pub(super) Vec<Finding>);

impl Findings {
    pub(super) fn add(&mut self, class: Class, property: impl Into<String>, detail: impl Into<String>) {
        let finding = Finding { class, property: property.into(), detail: detail.into() };
        if !self.0.contains(&finding) {
            self.0.push(finding);
        }
    }
}

/// Every host-affecting setting of `subject`, in the order the config has them.
pub fn classify(subject: &Subject, scope: &Scope) -> Result<Vec<Finding>> {
    let mut out = Findings(Vec::new());
    let config = subject.config;
    if let Some(command) = &config.initialize_command {
        let text = serde_json::to_string(command).unwrap_or_default();
        out.add(Class::NeedsTrust, "initializeCommand", format!("{text} runs on the host, as you"));
    }
    if let Some(ws) = &subject.workspace.workspace_mount {
        let property = if config.workspace_mount.is_some() { "workspaceMount" } else { "the default workspace mount" };
        mount(&mut out, scope, property, &mounts::parse_mount(ws)?, true);
    }
    for (i, entry) in config.mounts.iter().flatten().enumerate() {
        mount(&mut out, scope, &format!("mounts[{i}]"), &mounts::from_entry(entry)?, true);
    }
    for m in &subject.run_args.mounts {
        mount(&mut out, scope, "runArgs", m, true);
    }
    for m in subject.user_mounts {
        mount(&mut out, scope, "--mount", m, false);
    }
    if config.privileged == Some(true) {
        out.add(Class::Refused, "privileged", "gives the container every capability and device of the host");
    }
    for cap in config.cap_add.iter().flatten() {
        if let Some(why) = caps::check_cap(cap) {
            out.add(Class::Refused, "capAdd", why);
        }
    }
    for opt in config.security_opt.iter().flatten() {
        if let Some(why) = caps::check_security_opt(opt) {
            out.add(Class::Refused, "securityOpt", why);
        }
    }
    run_args(&mut out, subject.run_args);
    build_paths(&mut out, config, scope);
    for name in &scope.local_env {
        out.add(
            Class::NeedsTrust,
            format!("${{localEnv:{name}}}"),
            format!("copies the host's `{name}` into the container"),
        );
    }
    let cache_from = config.containai().ok().and_then(|c| c.cache_from).unwrap_or_default();
    for repo in cache_from {
        out.add(
            Class::NeedsTrust,
            "customizations.containai.cacheFrom",
            format!("layers from `{repo}` would be used as this workspace's image"),
        );
    }
    if let Some(egress) = config.containai().ok().and_then(|c| c.egress) {
        for (class, detail) in super::egress::findings(&egress) {
            out.add(class, "customizations.containai.egress", detail);
        }
    }
    for entry in subject.metadata {
        metadata_entry(&mut out, entry);
    }
    Ok(out.0)
}

pub(super) fn mount(out: &mut Findings, scope: &Scope, property: &str, m: &Mount, needs_trust: bool) {
    let source = m.source.as_deref().unwrap_or("");
    match m.typ {
        Some(MountType::BIND) => {
            let (real, place) = scope.paths.place(&scope.config_dir, Path::new(source));
            let shown = if Path::new(source) == real {
                format!("`{source}`")
            } else {
                format!("`{source}` (→ `{}`)", real.display())
            };
            match place {
                Place::Protected(why) => out.add(Class::Refused, property, format!("bind mount of {shown}: {why}")),
                Place::Outside if needs_trust => {
                    out.add(Class::NeedsTrust, property, format!("bind mount of {shown}, outside the workspace"))
                }
                _ => {}
            }
            let propagation = m.bind_options.as_ref().and_then(|o| o.propagation);
            if matches!(
                propagation,
                Some(
                    MountBindOptionsPropagationEnum::SHARED
                        | MountBindOptionsPropagationEnum::RSHARED
                        | MountBindOptionsPropagationEnum::SLAVE
                        | MountBindOptionsPropagationEnum::RSLAVE
                )
            ) {
                out.add(Class::Refused, property, format!("bind mount of {shown} shares mount events with the host"));
            }
        }
        Some(MountType::VOLUME) if !source.is_empty() && !source.contains(&scope.devcontainer_id) && needs_trust => out
            .add(
                Class::NeedsTrust,
                property,
                format!("named volume `{source}` is not this workspace's own (its name lacks `${{devcontainerId}}`)"),
            ),
        _ => {}
    }
}

fn run_args(out: &mut Findings, args: &RunArgs) {
    let mut refuse = |detail: String| out.add(Class::Refused, "runArgs", detail);
    if args.privileged {
        refuse("`--privileged` gives the container every capability and device of the host".into());
    }
    for cap in &args.cap_add {
        if let Some(why) = caps::check_cap(cap) {
            refuse(format!("`--cap-add`: {why}"));
        }
    }
    for opt in &args.security_opt {
        if let Some(why) = caps::check_security_opt(opt) {
            refuse(format!("`--security-opt`: {why}"));
        }
    }
    for (flag, value) in [
        ("network", &args.network),
        ("pid", &args.pid),
        ("ipc", &args.ipc),
        ("uts", &args.uts),
        ("userns", &args.userns),
        ("cgroupns", &args.cgroupns),
    ] {
        if let Some(why) = value.as_deref().and_then(|v| caps::check_namespace(flag, v)) {
            refuse(why);
        }
    }
    for device in &args.devices {
        refuse(format!("`--device {device}` hands a host device to the container"));
    }
    for (key, _) in &args.labels {
        if let Some(why) = caps::check_label(key) {
            refuse(why);
        }
    }
    for (key, _) in &args.sysctls {
        if let Some(why) = caps::check_sysctl(key) {
            refuse(why);
        }
    }
    if let Some(runtime) = &args.runtime {
        refuse(format!("`--runtime={runtime}`: only the user picks the runtime (`containai up --runtime`)"));
    }
    if let Some(name) = &args.name {
        refuse(format!("`--name={name}`: containai names the workspace's container"));
    }
}

/// The findings of `runArgs` alone, without their mounts (which need a [`Scope`]): what [`classify`] adds for
/// them. Pure; used by the `run_args` fuzz target.
pub fn run_args_findings(args: &RunArgs) -> Vec<Finding> {
    let mut out = Findings(Vec::new());
    run_args(&mut out, args);
    out.0
}

/// A Dockerfile config's context and Dockerfile: outside the workspace they bring host files into the image.
fn build_paths(out: &mut Findings, config: &DevContainer, scope: &Scope) {
    let Some(dockerfile) = config.dockerfile() else { return };
    for (property, path) in [("build.context", config.build_context()), ("build.dockerfile", dockerfile)] {
        let (real, place) = scope.paths.place(&scope.config_dir, Path::new(path));
        let shown = real.display();
        match place {
            Place::Protected(why) => out.add(Class::Refused, property, format!("`{shown}`: {why}")),
            Place::Outside => out.add(Class::NeedsTrust, property, format!("`{shown}` is outside the workspace")),
            Place::Inside => {}
        }
    }
}

/// A feature's or the base image's metadata: it may ask for what is on the short lists; anything that reaches
/// the host is refused (only devcontainer.json, which the user reviews and trusts, can ask for more).
fn metadata_entry(out: &mut Findings, entry: &Value) {
    let source = match entry.get("id").and_then(Value::as_str) {
        Some(id) => format!("feature `{id}`"),
        None => "image metadata".to_string(),
    };
    let strings = |key: &str| -> Vec<String> {
        entry
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    for cap in strings("capAdd") {
        if let Some(why) = caps::check_cap(&cap) {
            out.add(Class::Refused, format!("{source}: capAdd"), why);
        }
    }
    for opt in strings("securityOpt") {
        if let Some(why) = caps::check_security_opt(&opt) {
            out.add(Class::Refused, format!("{source}: securityOpt"), why);
        }
    }
    if entry.get("privileged").and_then(Value::as_bool) == Some(true) {
        out.add(
            Class::Refused,
            format!("{source}: privileged"),
            "gives the container every capability and device of the host",
        );
    }
    for m in entry.get("mounts").and_then(Value::as_array).into_iter().flatten() {
        let parsed = match m {
            Value::String(text) => mounts::parse_mount(text).ok(),
            other => serde_json::from_value(other.clone()).ok().and_then(|e| mounts::from_entry(&e).ok()),
        };
        let property = format!("{source}: mounts");
        match parsed {
            None => out.add(Class::Refused, property, format!("{m}: not a mount containai reads")),
            Some(p) if p.typ == Some(MountType::BIND) => {
                out.add(Class::Refused, property, format!("{m}: only devcontainer.json may mount host paths"))
            }
            // A named volume of a feature or an image is the workspace's own, or it could be another's.
            Some(p) if p.source.as_deref().is_some_and(|v| !v.is_empty() && !v.contains("${devcontainerId}")) => out
                .add(
                    Class::Refused,
                    property,
                    format!("{m}: a named volume from metadata needs `${{devcontainerId}}` in its name"),
                ),
            Some(_) => {}
        }
    }
}

/// The capabilities the metadata entries ask for (those on the short list, or all with `--allow-unsafe-config`).
pub fn metadata_caps(metadata: &[Value]) -> Vec<String> {
    let mut caps_out: Vec<String> = Vec::new();
    for entry in metadata {
        for cap in entry.get("capAdd").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            let name = caps::normalize_cap(cap);
            if !caps_out.contains(&name) {
                caps_out.push(name);
            }
        }
    }
    caps_out
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
