//! Substituted devcontainer.json value → typed model of every property in the spec's reference.
//!
//! The JSON value stays the source of truth for printing (key order and unknown properties kept);
//! this model is what the later stages read.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A devcontainer.json (image, Dockerfile or Compose form).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevContainer {
    pub name: Option<String>,
    pub image: Option<String>,
    pub build: Option<BuildConfig>,
    /// Legacy top-level `dockerFile`.
    #[serde(rename = "dockerFile")]
    pub docker_file: Option<String>,
    /// Legacy top-level `context`.
    pub context: Option<String>,
    pub docker_compose_file: Option<OneOrMany>,
    pub service: Option<String>,
    pub run_services: Option<Vec<String>>,
    /// Feature id → options (an object, a string version, or a bool), in file order.
    pub features: Option<IndexMap<String, Value>>,
    pub override_feature_install_order: Option<Vec<String>>,
    /// Recommended secrets: name → `{description, documentationUrl}`.
    pub secrets: Option<IndexMap<String, Value>>,
    pub forward_ports: Option<Vec<PortRef>>,
    pub app_port: Option<AppPort>,
    pub ports_attributes: Option<IndexMap<String, PortAttributes>>,
    pub other_ports_attributes: Option<PortAttributes>,
    pub container_env: Option<IndexMap<String, String>>,
    /// A `null` value unsets the variable.
    pub remote_env: Option<IndexMap<String, Option<String>>>,
    pub container_user: Option<String>,
    pub remote_user: Option<String>,
    #[serde(rename = "updateRemoteUserUID")]
    pub update_remote_user_uid: Option<bool>,
    pub user_env_probe: Option<UserEnvProbe>,
    pub mounts: Option<Vec<MountEntry>>,
    pub workspace_mount: Option<String>,
    pub workspace_folder: Option<String>,
    pub run_args: Option<Vec<String>>,
    pub privileged: Option<bool>,
    pub cap_add: Option<Vec<String>>,
    pub security_opt: Option<Vec<String>>,
    pub init: Option<bool>,
    pub override_command: Option<bool>,
    pub shutdown_action: Option<ShutdownAction>,
    pub initialize_command: Option<LifecycleCommand>,
    pub on_create_command: Option<LifecycleCommand>,
    pub update_content_command: Option<LifecycleCommand>,
    pub post_create_command: Option<LifecycleCommand>,
    pub post_start_command: Option<LifecycleCommand>,
    pub post_attach_command: Option<LifecycleCommand>,
    pub wait_for: Option<WaitFor>,
    pub host_requirements: Option<HostRequirements>,
    /// Tool-specific settings, kept as JSON; `containai` is read through [`DevContainer::containai`].
    pub customizations: Option<IndexMap<String, Value>>,
}

/// `build` in a Dockerfile config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildConfig {
    pub dockerfile: Option<String>,
    pub context: Option<String>,
    pub args: Option<IndexMap<String, String>>,
    pub target: Option<String>,
    pub cache_from: Option<OneOrMany>,
    pub options: Option<Vec<String>>,
}

/// A string or an array of strings (`dockerComposeFile`, `cacheFrom`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// An entry of `forwardPorts`: a port number or `"host:port"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortRef {
    Number(u16),
    Label(String),
}

/// `appPort`: one port (number or `"host:container"` string) or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AppPort {
    One(PortRef),
    Many(Vec<PortRef>),
}

impl AppPort {
    pub fn to_vec(&self) -> Vec<PortRef> {
        match self {
            AppPort::One(p) => vec![p.clone()],
            AppPort::Many(v) => v.clone(),
        }
    }
}

/// `portsAttributes` values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortAttributes {
    pub label: Option<String>,
    pub on_auto_forward: Option<String>,
    pub elevate_if_needed: Option<bool>,
    pub require_local_port: Option<bool>,
    pub protocol: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UserEnvProbe {
    None,
    InteractiveShell,
    LoginShell,
    LoginInteractiveShell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ShutdownAction {
    None,
    StopContainer,
    StopCompose,
}

/// `waitFor`: the lifecycle step after which a tool may attach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WaitFor {
    InitializeCommand,
    OnCreateCommand,
    UpdateContentCommand,
    PostCreateCommand,
    PostStartCommand,
}

/// A mount in `mounts`: the Docker `--mount` string form or the object form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MountEntry {
    Text(String),
    Object(MountObject),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MountObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub source: Option<String>,
    pub target: String,
}

/// A lifecycle command: a shell string, an argv array (no shell), or named commands run in parallel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LifecycleCommand {
    Shell(String),
    Exec(Vec<String>),
    Parallel(IndexMap<String, ParallelStep>),
}

/// One named step of the object form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParallelStep {
    Shell(String),
    Exec(Vec<String>),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostRequirements {
    pub cpus: Option<u32>,
    pub memory: Option<String>,
    pub storage: Option<String>,
    pub gpu: Option<Value>,
}

/// `customizations.containai`: containai's own settings. Nothing here can lower the isolation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainaiCustomizations {
    /// Runtime to run under; a runtime other than sysbox-runc still needs the command-line opt-in.
    pub runtime: Option<String>,
    /// `false` keeps containai from adding sshd.
    pub ssh: Option<bool>,
    /// Registries to look cached layers up in.
    pub cache_from: Option<Vec<String>>,
    /// Hosts beyond the built-in list the sandbox may reach (needs the user's trust; `"open"` is refused).
    pub egress: Option<crate::user_config::EgressSetting>,
}

/// Which kind of config this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ConfigKind {
    Image,
    Dockerfile,
    Compose,
}

impl DevContainer {
    pub fn kind(&self) -> Option<ConfigKind> {
        if self.docker_compose_file.is_some() {
            Some(ConfigKind::Compose)
        } else if self.dockerfile().is_some() {
            Some(ConfigKind::Dockerfile)
        } else if self.image.is_some() {
            Some(ConfigKind::Image)
        } else {
            None
        }
    }

    /// `build.dockerfile`, else the legacy `dockerFile`.
    pub fn dockerfile(&self) -> Option<&str> {
        self.build.as_ref().and_then(|b| b.dockerfile.as_deref()).or(self.docker_file.as_deref())
    }

    /// `build.context`, else the legacy `context`, else `.`.
    pub fn build_context(&self) -> &str {
        self.build.as_ref().and_then(|b| b.context.as_deref()).or(self.context.as_deref()).unwrap_or(".")
    }

    /// `customizations.containai`, typed (absent → defaults).
    pub fn containai(&self) -> Result<ContainaiCustomizations, serde_json::Error> {
        match self.customizations.as_ref().and_then(|c| c.get("containai")) {
            Some(v) => serde_json::from_value(v.clone()),
            None => Ok(ContainaiCustomizations::default()),
        }
    }
}

/// Everything about a config that the stages need besides the model: where it came from.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceInfo {
    /// Host folder of the workspace (absolute).
    pub local_workspace_folder: std::path::PathBuf,
    /// The devcontainer.json file (absolute).
    pub config_file: std::path::PathBuf,
    /// Folder in the container where the workspace is.
    pub workspace_folder: String,
    /// Docker `--mount` string of the workspace, or `None` when `workspaceMount` is empty.
    pub workspace_mount: Option<String>,
    /// `${devcontainerId}`.
    pub devcontainer_id: String,
}

/// Labels that identify the container of a workspace (spec: used for `${devcontainerId}`).
pub fn id_labels(info: &WorkspaceInfo) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("devcontainer.local_folder".to_string(), info.local_workspace_folder.display().to_string()),
        ("devcontainer.config_file".to_string(), info.config_file.display().to_string()),
    ])
}
