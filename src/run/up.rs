//! A built image + config + policy → the workspace's container created or reused, ready, ssh set up, hooks run.

use super::request::{RequestInput, SSH_PORT, create_request};
use super::ssh_config::{self, HostEntry};
use super::{LABEL_CONFIG, LABEL_KEY, Result, RunError, lifecycle, names, ready, ssh, state};
use crate::config::model::id_labels;
use crate::config::{DevContainer, WorkspaceInfo};
use crate::engine::{ContainerEngine, ContainerInfo, ExecRequest};
use crate::policy::{self, Policy, PolicyOptions};
use crate::report::Reporter;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// How `up` behaves.
#[derive(Debug, Clone)]
pub struct UpOptions {
    pub policy: PolicyOptions,
    /// `--remove-existing-container` / `--rebuild`.
    pub remove_existing: bool,
    /// `--expect-existing-container`.
    pub expect_existing: bool,
    /// `--skip-post-create`: no container-side lifecycle commands.
    pub skip_post_create: bool,
    pub ready_timeout: Duration,
    /// `~/.ssh`.
    pub ssh_dir: PathBuf,
    /// `$XDG_CONFIG_HOME/containai`.
    pub config_dir: PathBuf,
    /// `--secrets-file` (environment for the lifecycle commands only, never in the image or container config),
    /// `--skip-non-blocking-commands`, `--prebuild`, `--skip-post-attach`.
    pub flow: lifecycle::Flow,
    /// `--mount`: mounts beyond the config's, in the `--mount` form.
    pub extra_mounts: Vec<String>,
    /// An `up` of a running, unchanged workspace may answer from its last result ([`super::warm`]).
    pub warm: bool,
    /// The user's egress choices (`--egress`, `--egress-network`, the user config's `egress`).
    pub egress: policy::egress::UserEgress,
}

impl UpOptions {
    /// Defaults from the environment (`HOME`, `XDG_CONFIG_HOME`).
    pub fn new(policy: PolicyOptions) -> UpOptions {
        UpOptions {
            policy,
            remove_existing: false,
            expect_existing: false,
            skip_post_create: false,
            ready_timeout: Duration::from_secs(120),
            ssh_dir: ssh_config::ssh_dir(),
            config_dir: ssh::containai_config_dir(),
            flow: Default::default(),
            extra_mounts: Vec::new(),
            warm: true,
            egress: Default::default(),
        }
    }
}

/// What the earlier stages made: the config and the image to run.
#[derive(Debug, Clone)]
pub struct Target {
    pub config: DevContainer,
    pub workspace: WorkspaceInfo,
    /// Image reference to create the container from.
    pub image: String,
    pub image_key: String,
    pub layers_built: usize,
    /// Resolved features in install order: `(id, devcontainer-feature.json)`, for their lifecycle commands.
    pub features: Vec<(String, serde_json::Value)>,
    pub remote_user: String,
    /// The image's `devcontainer.metadata` entries (base image, features, devcontainer.json).
    pub metadata: serde_json::Value,
    /// The egress proxy to put the container behind (made by [`crate::egress::prepare`]); `None`: open.
    pub egress: Option<crate::egress::Attachment>,
}

/// `ssh` of the output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SshInfo {
    pub host: String,
    pub port: u16,
    pub config_file: PathBuf,
}

/// The JSON line `up` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpResult {
    pub outcome: &'static str,
    pub container_id: String,
    pub remote_user: String,
    pub remote_workspace_folder: String,
    pub runtime: String,
    /// What the probes saw inside the container ([`crate::isolation`]); `class` is what the runtime promises.
    pub isolation: crate::isolation::Summary,
    pub ssh: Option<SshInfo>,
    /// `appPort` and `forwardPorts`: each container port and the 127.0.0.1 port it answers on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forwarded_ports: Vec<super::ports::ForwardedPort>,
    pub image_key: String,
    pub layers_built: usize,
    pub failed_units: Vec<String>,
    /// `allowlist` (behind its egress proxy) or `open`.
    pub egress: &'static str,
}

/// Whether containai sets up ssh for this config (`customizations.containai.ssh` not `false`).
pub fn wants_ssh(config: &DevContainer) -> bool {
    config.containai().ok().and_then(|c| c.ssh) != Some(false)
}

/// The policy's refusals and the user's trust (no engine asked): the warnings to print, or the refusal.
pub fn check_trust(
    config: &DevContainer,
    workspace: &WorkspaceInfo,
    local_env: &[String],
    options: &UpOptions,
) -> Result<Vec<String>> {
    let assessment = policy::assess::assess(config, workspace, local_env, &options.extra_mounts, &[])?;
    enforce(&assessment, workspace, options)
}

/// An assessment's refusals and the user's trust of it: the warnings to print, or the refusal.
pub fn enforce(
    assessment: &policy::assess::Assessment,
    workspace: &WorkspaceInfo,
    options: &UpOptions,
) -> Result<Vec<String>> {
    let store = policy::trust::default_store(&options.config_dir);
    Ok(assessment.enforce(&store, workspace, options.policy.allow_unsafe_config)?)
}

/// Everything that can refuse before anything runs on the host or is pulled, built or created: the policy's
/// refusals, the user's trust, the runtime (the container's and the build's), the request's own checks.
/// `local_env` names the host variables the config reads.
pub async fn preflight(
    engine: &dyn ContainerEngine,
    config: &DevContainer,
    workspace: &WorkspaceInfo,
    local_env: &[String],
    options: &UpOptions,
    reporter: &dyn Reporter,
) -> Result<Policy> {
    let warnings = check_trust(config, workspace, local_env, options)?;
    preflight_with(engine, config, workspace, warnings, options, reporter).await
}

/// [`preflight`] after the policy and the trust were asked (`warnings`: what they said): the runtime and the
/// request's own checks. A Compose config has its project assessed with it ([`crate::policy::compose`]).
pub async fn preflight_with(
    engine: &dyn ContainerEngine,
    config: &DevContainer,
    workspace: &WorkspaceInfo,
    warnings: Vec<String>,
    options: &UpOptions,
    reporter: &dyn Reporter,
) -> Result<Policy> {
    let from_config = config
        .containai()
        .map_err(|e| policy::PolicyError::Config(format!("`customizations.containai`: {e}")))?
        .runtime;
    let info = engine.info().await?;
    let policy = policy::runtime::decide(&options.policy, from_config.as_deref(), &info)?;
    let name = names::container_name(workspace);
    let input = RequestInput {
        config,
        workspace,
        image: "-",
        image_key: "-",
        name: &name,
        remote_user: "-",
        policy: &policy,
        ssh: wants_ssh(config),
        extra_mounts: &options.extra_mounts,
        metadata: &[],
        egress: None,
    };
    create_request(&input)?;
    for warning in warnings.iter().chain(policy.warning().as_ref()) {
        reporter.warn(warning);
    }
    if let Some(warning) = policy::runtime::check_build_runtime(&policy, &info)? {
        reporter.warn(&warning);
    }
    Ok(policy)
}

/// The workspace's containers, newest name first.
pub async fn find(engine: &dyn ContainerEngine, workspace: &WorkspaceInfo) -> Result<Option<ContainerInfo>> {
    Ok(engine.list_containers(&id_labels(workspace)).await?.into_iter().next())
}

/// What to do with the container found for the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Create,
    Reuse,
    /// Outdated (different key or config) but kept: `up` says so.
    KeepOutdated(String),
    Replace,
}

/// Reuse rules: same key and config → reuse; otherwise keep it (saying why) unless told to replace it.
pub fn decide(existing: Option<&ContainerInfo>, key: &str, config_hash: &str, options: &UpOptions) -> Result<Decision> {
    let Some(c) = existing else {
        return if options.expect_existing {
            Err(RunError::NoContainer("this workspace".into()))
        } else {
            Ok(Decision::Create)
        };
    };
    let why = if c.labels.get(LABEL_KEY).map(String::as_str) != Some(key) {
        Some("the image changed")
    } else if c.labels.get(LABEL_CONFIG).map(String::as_str) != Some(config_hash) {
        Some("the container settings changed")
    } else {
        None
    };
    Ok(match why {
        None => Decision::Reuse,
        Some(_) if options.remove_existing => Decision::Replace,
        Some(why) => Decision::KeepOutdated(format!(
            "{why} since container `{}` was created; keeping it\nhint: pass `--remove-existing-container` (or `--rebuild`) to replace it",
            c.name
        )),
    })
}

/// Brings the workspace's container up and returns the output line. Holds the workspace's lock throughout, so
/// that concurrent `up`s of one workspace find or create one container and run its hooks once.
pub async fn up(
    engine: &dyn ContainerEngine,
    target: &Target,
    policy: &Policy,
    options: &UpOptions,
    reporter: &dyn Reporter,
) -> Result<UpResult> {
    crate::config::user_name::check("remoteUser", &target.remote_user)?;
    let _lock = super::lock::workspace(&options.config_dir, &target.workspace.devcontainer_id).await?;
    let name = names::container_name(&target.workspace);
    let ssh_on = wants_ssh(&target.config);
    let entries = target.metadata.as_array().map(Vec::as_slice).unwrap_or_default();
    // The container is made from the merged configuration: the base image's label and the features count too.
    let config = super::merged::container_config(&target.config, entries, &target.workspace.devcontainer_id);
    let input = RequestInput {
        config: &config,
        workspace: &target.workspace,
        image: &target.image,
        image_key: &target.image_key,
        name: &name,
        remote_user: &target.remote_user,
        policy,
        ssh: ssh_on,
        extra_mounts: &options.extra_mounts,
        // The base image's and the features' entries: the last one is devcontainer.json's own, classified as such.
        metadata: &entries[..entries.len().saturating_sub(1)],
        egress: target.egress.as_ref(),
    };
    let mut request = create_request(&input)?;
    // Behind egress, the sandbox (on an internal network) cannot publish ports: its proxy publishes them and
    // forwards them to it. The proxy is made (or restarted) first: the sandbox never runs without it.
    let proxy_ports = match &target.egress {
        Some(attachment) => {
            // The ports of a new proxy avoid busy host ports as the sandbox's would; a kept one keeps its own.
            if engine.inspect_container(&attachment.proxy_name).await?.is_none() {
                request = super::ports::avoid_busy(request, &target.config, &super::ports::is_free, reporter);
            }
            let host = request.body.host_config.get_or_insert_with(Default::default);
            let bindings = host.port_bindings.take().unwrap_or_default();
            request.body.exposed_ports = None;
            Some(crate::egress::proxy::ensure(engine, attachment, &bindings, reporter).await?)
        }
        None => None,
    };
    let config_hash = request.body.labels.as_ref().and_then(|l| l.get(LABEL_CONFIG)).cloned().unwrap_or_default();
    let existing = find(engine, &target.workspace).await?;
    let decision = decide(existing.as_ref(), &target.image_key, &config_hash, options)?;
    let key = ssh::ensure_key(&options.config_dir.join("ssh"))?;
    let host = names::ssh_host(&name);

    let (container, created) = match (&decision, existing) {
        (Decision::Reuse | Decision::KeepOutdated(_), Some(c)) => {
            if let Decision::KeepOutdated(message) = &decision {
                reporter.warn(message);
            }
            (c, false)
        }
        (_, old) => {
            if let Some(old) = old {
                reporter.info(&format!("removing outdated container `{}`", old.name));
                engine.remove_container(&old.id).await?;
            }
            reporter.info(&format!("creating container `{}` under `{}`", request.name, policy.runtime));
            let request = super::ports::avoid_busy(request, &target.config, &super::ports::is_free, reporter);
            let id = engine.create_container(&request).await?;
            let info = engine.inspect_container(&id).await?.ok_or_else(|| RunError::NoContainer(name.clone()))?;
            (info, true)
        }
    };
    let id = container.id.clone();
    // A kept container keeps the ssh host it was created with.
    let host = container.labels.get(super::LABEL_SSH_HOST).cloned().unwrap_or(host);
    let entry_name = host.trim_start_matches("containai-").to_string();
    let started = !container.running;
    if started {
        engine.start_container(&id).await?;
    }
    let mut container = if started {
        engine.inspect_container(&id).await?.ok_or_else(|| RunError::NoContainer(name.clone()))?
    } else {
        container
    };
    if let Some(ports) = proxy_ports {
        container.ports = ports;
    }
    let ssh_port = match (ssh_on, container.ports.get(SSH_PORT)) {
        (false, _) => None,
        (true, Some(port)) => Some(*port),
        (true, None) => {
            return Err(RunError::Outdated {
                message: format!("container `{}` publishes no ssh port", container.name),
            });
        }
    };
    // Already running, sshd answers, and a full check of this container was recorded: nothing to run inside.
    let state_dir = options.config_dir.join("state");
    let cached = state::load(&state_dir, &id).filter(|_| !started);
    let quick = match (ssh_port, &cached) {
        (Some(port), Some(_)) => ready::sshd_answers(port).await,
        (None, Some(_)) => true,
        _ => false,
    };
    let post_start_due = cached.as_ref().is_some_and(|r| r.post_start_due);
    let mut record = match (quick, cached) {
        (true, Some(record)) => record,
        _ => {
            let readiness = ready::wait_ready(engine, &id, &name, ssh_port, options.ready_timeout).await?;
            let failed_units = readiness.failed_units;
            state::ContainerState { container_id: id.clone(), failed_units, created_hooks_done: false, post_start_due }
        }
    };
    let isolation = verify_isolation(engine, &id, &name).await?;

    let ssh_info = match ssh_port {
        Some(port) => {
            // The client checks host keys strictly: they are pinned from the container itself (through the
            // engine), replacing the host's old ones, whenever it may have new ones (read by the same exec that
            // installs the user's key), or when containai's known_hosts lost them.
            let keys = if created || started {
                let served = install_key(engine, &id, &target.remote_user, &key.public_line).await?;
                Some(super::known_hosts::checked(super::known_hosts::parse_public_keys(&served), &name)?)
            } else if !super::known_hosts::knows(&key.known_hosts, &host) {
                Some(super::known_hosts::read(engine, &id, &name).await?)
            } else {
                None
            };
            if let Some(keys) = keys {
                super::known_hosts::replace(&key.known_hosts, &host, &keys)?;
            }
            let entry = HostEntry {
                host: host.clone(),
                port,
                user: target.remote_user.clone(),
                identity_file: key.private.clone(),
                known_hosts: key.known_hosts.clone(),
            };
            let config_file = ssh_config::install(&options.ssh_dir, &entry_name, &entry)?;
            Some(SshInfo { host, port, config_file })
        }
        None => None,
    };
    state::save(&state_dir, &record)?;

    if !options.skip_post_create {
        let hooks_done = record.created_hooks_done;
        let known = match (created, hooks_done) {
            (true, _) => lifecycle::Known::Fresh,
            (false, true) => lifecycle::Known::AllDone,
            (false, false) => lifecycle::Known::Unknown,
        };
        let start_due = created || started || record.post_start_due;
        let left = lifecycle::run(engine, target, &container, start_due, known, &options.flow, reporter).await?;
        let before = (record.created_hooks_done, record.post_start_due);
        (record.created_hooks_done, record.post_start_due) = (left.once_done, left.post_start_due);
        if before != (left.once_done, left.post_start_due) {
            state::save(&state_dir, &record)?;
        }
    }
    Ok(UpResult {
        outcome: "success",
        container_id: id,
        remote_user: target.remote_user.clone(),
        remote_workspace_folder: target.workspace.workspace_folder.clone(),
        runtime: policy.runtime.clone(),
        isolation,
        ssh: ssh_info,
        forwarded_ports: super::ports::forwarded(&target.config, &container),
        image_key: target.image_key.clone(),
        layers_built: target.layers_built,
        failed_units: record.failed_units,
        // What the container was made with: a kept outdated one may predate the policy (then it is open).
        egress: match container.labels.get(crate::egress::LABEL_MODE).map(String::as_str) {
            Some("allowlist") => "allowlist",
            _ => "open",
        },
    })
}

/// Probes the ready container; under sysbox-runc, a container that does not show sysbox's isolation is an error.
async fn verify_isolation(engine: &dyn ContainerEngine, id: &str, name: &str) -> Result<crate::isolation::Summary> {
    let observations = crate::isolation::probe(engine, id).await?.ok_or_else(|| RunError::NoContainer(name.into()))?;
    let summary = crate::isolation::summarize(&observations);
    let shortfalls = crate::isolation::sysbox_shortfalls(&summary);
    if !shortfalls.is_empty() {
        return Err(RunError::IsolationFailed { name: name.into(), shortfalls });
    }
    Ok(summary)
}

/// Installs the user's public key and returns what the same exec printed: the container's public host keys.
async fn install_key(engine: &dyn ContainerEngine, id: &str, user: &str, line: &str) -> Result<String> {
    let script = format!("{}set +e\n{}", ssh::INSTALL_KEY, super::known_hosts::READ_HOST_KEYS);
    let cmd = ["/bin/sh", "-c", &script, "install-key", user, line];
    let request = ExecRequest {
        cmd: cmd.iter().map(|s| s.to_string()).collect(),
        user: Some("root".into()),
        ..Default::default()
    };
    let out = engine.exec(id, &request).await?;
    if !out.success() {
        return Err(RunError::SshKey(format!("cannot install the public key for `{user}`: {}", out.stderr.trim())));
    }
    Ok(out.stdout)
}

#[cfg(test)]
#[path = "up_tests.rs"]
mod tests;
