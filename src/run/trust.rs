//! Config's host-affecting parts → a fingerprint kept outside the workspace; a change → a refusal until `containai trust`.
//!
//! The workspace is writable from inside the sandbox, so an agent could edit devcontainer.json to reach the
//! host at the next `up`. What reaches the host (initializeCommand, mount sources, runArgs, privileged,
//! capAdd, securityOpt, the runtime) is recorded when the user first brings the workspace up.

use super::{Result, RunError};
use crate::config::{DevContainer, WorkspaceInfo};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The parts of a config that act on the host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostParts {
    pub initialize_command: Value,
    pub mounts: Value,
    pub workspace_mount: Value,
    pub run_args: Value,
    pub privileged: Value,
    pub cap_add: Value,
    pub security_opt: Value,
    pub runtime: Value,
}

impl HostParts {
    /// `workspaceMount` is taken as written (its default, the workspace itself, is not a host-affecting choice).
    pub fn of(config: &DevContainer, _workspace: &WorkspaceInfo) -> HostParts {
        let runtime = config.containai().ok().and_then(|c| c.runtime);
        HostParts {
            initialize_command: json(&config.initialize_command),
            mounts: json(&config.mounts),
            workspace_mount: json(&config.workspace_mount),
            run_args: json(&config.run_args),
            privileged: json(&config.privileged),
            cap_add: json(&config.cap_add),
            security_opt: json(&config.security_opt),
            runtime: json(&runtime),
        }
    }

    fn fields(&self) -> [(&'static str, &Value); 8] {
        [
            ("initializeCommand", &self.initialize_command),
            ("mounts", &self.mounts),
            ("workspaceMount", &self.workspace_mount),
            ("runArgs", &self.run_args),
            ("privileged", &self.privileged),
            ("capAdd", &self.cap_add),
            ("securityOpt", &self.security_opt),
            ("customizations.containai.runtime", &self.runtime),
        ]
    }

    /// One line per changed property: `  - runArgs: [] → ["--net=host"]`.
    pub fn changes_from(&self, old: &HostParts) -> Vec<String> {
        old.fields()
            .iter()
            .zip(self.fields().iter())
            .filter(|((_, a), (_, b))| a != b)
            .map(|((name, a), (_, b))| format!("  - `{name}`: {a} → {b}"))
            .collect()
    }
}

fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// What the store says about a workspace.
#[derive(Debug, Clone, PartialEq)]
pub enum TrustState {
    /// Never seen: now recorded.
    FirstUse,
    Trusted,
    /// Changed since it was trusted: one line per property.
    Changed(Vec<String>),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    workspace: PathBuf,
    config_file: PathBuf,
    parts: HostParts,
}

/// `$XDG_CONFIG_HOME/containai/trust` (default `~/.config/containai/trust`).
pub fn default_store() -> PathBuf {
    crate::run::ssh::containai_config_dir().join("trust")
}

fn record_path(store: &Path, workspace: &WorkspaceInfo) -> PathBuf {
    let id = format!("{}\n{}", workspace.local_workspace_folder.display(), workspace.config_file.display());
    store.join(format!("{}.json", &blake3::hash(id.as_bytes()).to_hex()[..24]))
}

/// Records the current parts as trusted.
pub fn trust(store: &Path, workspace: &WorkspaceInfo, parts: &HostParts) -> Result<PathBuf> {
    let path = record_path(store, workspace);
    let record = Record {
        workspace: workspace.local_workspace_folder.clone(),
        config_file: workspace.config_file.clone(),
        parts: parts.clone(),
    };
    let text = serde_json::to_string_pretty(&record).map_err(|e| RunError::Config(e.to_string()))?;
    crate::run::ssh_config::write_atomic(&path, text.as_bytes(), 0o600)?;
    Ok(path)
}

/// Compares with the store; the first use records the parts.
pub fn check(store: &Path, workspace: &WorkspaceInfo, parts: &HostParts) -> Result<TrustState> {
    let path = record_path(store, workspace);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            trust(store, workspace, parts)?;
            return Ok(TrustState::FirstUse);
        }
        Err(e) => return Err(RunError::io("read", &path)(e)),
    };
    let record: Record = serde_json::from_str(&text)
        .map_err(|e| RunError::Config(format!("`{}` is damaged: {e}\nhint: run `containai trust`", path.display())))?;
    let changes = parts.changes_from(&record.parts);
    Ok(if changes.is_empty() { TrustState::Trusted } else { TrustState::Changed(changes) })
}

/// `check`, turned into the refusal `up` gives.
pub fn require(store: &Path, workspace: &WorkspaceInfo, parts: &HostParts) -> Result<TrustState> {
    match check(store, workspace, parts)? {
        TrustState::Changed(lines) => Err(RunError::Untrusted {
            config: workspace.config_file.display().to_string(),
            folder: workspace.local_workspace_folder.display().to_string(),
            changes: lines.join("\n"),
        }),
        state => Ok(state),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(dir: &Path) -> WorkspaceInfo {
        WorkspaceInfo {
            local_workspace_folder: dir.join("proj"),
            config_file: dir.join("proj/.devcontainer/devcontainer.json"),
            workspace_folder: "/workspaces/proj".into(),
            workspace_mount: Some("type=bind,source=/x,target=/workspaces/proj".into()),
            devcontainer_id: "id".into(),
        }
    }

    #[test]
    fn first_use_records_then_a_change_is_refused_until_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("trust");
        let w = ws(dir.path());
        let mut config = DevContainer { run_args: Some(vec!["--init".into()]), ..Default::default() };
        assert_eq!(require(&store, &w, &HostParts::of(&config, &w)).unwrap(), TrustState::FirstUse);
        assert_eq!(require(&store, &w, &HostParts::of(&config, &w)).unwrap(), TrustState::Trusted);

        config.run_args = Some(vec!["--net=host".into()]);
        config.container_env = Some([("A".to_string(), "1".to_string())].into_iter().collect());
        let err = require(&store, &w, &HostParts::of(&config, &w)).unwrap_err().to_string();
        assert!(err.contains("`runArgs`: [\"--init\"] → [\"--net=host\"]"), "{err}");
        assert!(!err.contains("containerEnv"), "only host-affecting parts count: {err}");
        assert!(err.contains("containai trust --workspace-folder"), "{err}");

        trust(&store, &w, &HostParts::of(&config, &w)).unwrap();
        assert_eq!(require(&store, &w, &HostParts::of(&config, &w)).unwrap(), TrustState::Trusted);
    }

    #[test]
    fn the_store_is_outside_the_workspace_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let w = ws(dir.path());
        let path = trust(&store, &w, &HostParts::default()).unwrap();
        assert!(!path.starts_with(&w.local_workspace_folder));
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
