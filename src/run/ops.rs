//! A workspace's container → `down` (stop, optionally remove with its ssh entry), `exec`, and the `list` of all.

use super::hooks::resolve_remote_env;
use super::ssh_config;
use super::up::find;
use super::{LABEL_MANAGED, LABEL_SSH_HOST, LABEL_WORKSPACE, Result, RunError};
use crate::config::{DevContainer, WorkspaceInfo};
use crate::engine::{ContainerEngine, ExecRequest};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// What `down` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DownResult {
    pub outcome: &'static str,
    pub container_id: String,
    pub stopped: bool,
    pub removed: bool,
}

/// Stops the workspace's container with systemd's signal; `remove` also removes it, its ssh entry and its
/// pinned host keys.
/// `config_dir` holds the workspace's lock, taken as `up` takes it, so that a `down` never interleaves with an
/// `up` of the same workspace, and the host-side records of containers (`state/`, [`super::state`]).
pub async fn down(
    engine: &dyn ContainerEngine,
    workspace: &WorkspaceInfo,
    remove: bool,
    ssh_dir: &Path,
    config_dir: &Path,
) -> Result<DownResult> {
    let _lock = super::lock::workspace(config_dir, &workspace.devcontainer_id).await?;
    let state_dir = config_dir.join("state");
    let container = find(engine, workspace)
        .await?
        .ok_or_else(|| RunError::NoContainer(workspace.local_workspace_folder.display().to_string()))?;
    let stopped = container.running;
    if stopped {
        engine.stop_container(&container.id, Some(super::request::STOP_TIMEOUT as i32)).await?;
    }
    if remove {
        engine.remove_container(&container.id).await?;
        // Its egress proxy and network go with it (`open` workspaces have none: nothing to remove).
        let proxy = crate::egress::proxy_name(&container.name);
        crate::egress::proxy::remove(engine, &proxy, &crate::egress::network_name(&workspace.devcontainer_id)).await?;
        let _ = std::fs::remove_dir_all(config_dir.join("egress").join(&workspace.devcontainer_id));
        super::state::forget(&state_dir, &container.id);
        if let Some(host) = container.labels.get(LABEL_SSH_HOST) {
            ssh_config::uninstall(ssh_dir, host.trim_start_matches("containai-"))?;
            super::known_hosts::forget(&super::ssh::known_hosts_path(&config_dir.join("ssh")), host)?;
        }
    }
    Ok(DownResult { outcome: "success", container_id: container.id, stopped, removed: remove })
}

/// Runs `cmd` in the workspace's running container as the remote user with remoteEnv, then `extra_env`
/// (`NAME=value`, from `--remote-env` and `--secrets-file`: a later entry wins over an earlier one of the same
/// name); returns its exit code.
pub async fn exec(
    engine: &dyn ContainerEngine,
    config: &DevContainer,
    workspace: &WorkspaceInfo,
    cmd: Vec<String>,
    extra_env: &[String],
    tty: bool,
) -> Result<i64> {
    let container = find(engine, workspace)
        .await?
        .filter(|c| c.running)
        .ok_or_else(|| RunError::NoContainer(workspace.local_workspace_folder.display().to_string()))?;
    let user = super::label_user(&container.labels)?;
    let request = ExecRequest {
        cmd,
        user: Some(user),
        env: merge_env(resolve_remote_env(config, &container.env), extra_env),
        working_dir: Some(
            container.labels.get(LABEL_WORKSPACE).cloned().unwrap_or_else(|| workspace.workspace_folder.clone()),
        ),
    };
    Ok(engine.exec_attached(&container.id, &request, tty).await?)
}

/// `--remote-env` entries checked: `NAME=value`, a name without `=` or NUL.
pub fn check_remote_env(entries: &[String]) -> Result<Vec<String>> {
    for entry in entries {
        let named = entry.split_once('=').is_some_and(|(name, _)| !name.is_empty()) && !entry.contains('\0');
        if !named {
            return Err(RunError::Config(format!(
                "`--remote-env {entry}` is not `NAME=value`\nhint: write it as `--remote-env NAME=value`"
            )));
        }
    }
    Ok(entries.to_vec())
}

/// `base` with `extra` laid over it: an entry replaces the one of the same name in place, a new name is appended.
pub fn merge_env(base: Vec<String>, extra: &[String]) -> Vec<String> {
    let name = |entry: &str| entry.split_once('=').map_or(entry, |(n, _)| n).to_string();
    let mut out = base;
    for entry in extra {
        match out.iter().position(|e| name(e) == name(entry)) {
            Some(i) => out[i] = entry.clone(),
            None => out.push(entry.clone()),
        }
    }
    out
}

/// One row of `list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListEntry {
    pub name: String,
    pub container_id: String,
    pub status: String,
    pub workspace: String,
    pub ssh_host: Option<String>,
    pub ssh_port: Option<u16>,
    pub runtime: Option<String>,
    /// `allowlist` (behind its egress proxy) or `open`.
    pub egress: String,
}

/// Every container containai manages.
pub async fn list(engine: &dyn ContainerEngine) -> Result<Vec<ListEntry>> {
    let labels = BTreeMap::from([(LABEL_MANAGED.to_string(), "true".to_string())]);
    let mut out = Vec::new();
    for c in engine.list_containers(&labels).await? {
        let egress = c.labels.get(crate::egress::LABEL_MODE).cloned().unwrap_or_else(|| "open".into());
        // Behind egress, the proxy publishes the sandbox's ports.
        let ports = match egress.as_str() {
            "open" => c.ports.clone(),
            _ => engine
                .inspect_container(&crate::egress::proxy_name(&c.name))
                .await?
                .map(|p| p.ports)
                .unwrap_or_default(),
        };
        out.push(ListEntry {
            workspace: c.labels.get("devcontainer.local_folder").cloned().unwrap_or_default(),
            ssh_host: c.labels.get(LABEL_SSH_HOST).cloned(),
            ssh_port: ports.get(super::request::SSH_PORT).copied(),
            runtime: c.runtime.clone(),
            egress,
            status: c.status,
            container_id: c.id,
            name: c.name,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn extra_env_replaces_a_name_in_place_and_appends_new_ones() {
        let base = vec!["A=1".to_string(), "B=2".to_string()];
        let extra = ["B=two".to_string(), "C=3=x".to_string(), "B=last".to_string()];
        assert_eq!(super::merge_env(base, &extra), ["A=1", "B=last", "C=3=x"]);
    }
}
