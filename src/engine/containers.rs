//! Container operations the run stage needs → one trait, implemented for [`super::Docker`] (and a recording fake).

use super::Result;
use super::info::EngineInfo;
use serde::Serialize;
use std::collections::BTreeMap;

pub use bollard::models::ContainerCreateBody;

/// A create request: the container's name and the exact body sent to `POST /containers/create`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CreateRequest {
    pub name: String,
    pub body: ContainerCreateBody,
}

/// State of a container as the run stage sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerInfo {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    pub image: String,
    pub running: bool,
    /// `created`, `running`, `exited`, ...
    pub status: String,
    pub labels: BTreeMap<String, String>,
    /// The runtime it was created with.
    pub runtime: Option<String>,
    /// Container port (`22/tcp`) → host port on 127.0.0.1, for ports the engine published.
    pub ports: BTreeMap<String, u16>,
    /// Environment the container was created with (`containerEnv` and the image's).
    pub env: BTreeMap<String, String>,
    /// When it was last started, as the engine says (another start, another value).
    pub started_at: String,
}

/// A mount of a container as the engine lists it (`Mounts` of inspect).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MountPoint {
    /// `bind`, `volume`, `tmpfs`, ...
    pub kind: String,
    /// Host path (binds) or volume path.
    pub source: String,
    pub destination: String,
}

/// What the engine knows about a container's isolation (for `verify` and `up`'s probes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineView {
    /// `HostConfig.Runtime`.
    pub runtime: Option<String>,
    /// `State.Pid`: the container's first process as the engine's host numbers it.
    pub pid: Option<i64>,
    pub mounts: Vec<MountPoint>,
    /// The engine's daemon id (`docker info` `ID`).
    pub engine_id: Option<String>,
    /// The kernel of the engine's host (`docker info` `KernelVersion`).
    pub host_kernel: Option<String>,
    /// The engine is reached through a unix socket: its host is this machine, so its pids are ours to read.
    pub local: bool,
}

/// One command run in a running container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecRequest {
    /// argv, no shell.
    pub cmd: Vec<String>,
    pub user: Option<String>,
    /// `NAME=value` entries.
    pub env: Vec<String>,
    pub working_dir: Option<String>,
}

/// What a finished command left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub exit_code: i64,
    pub stdout: String,
    pub stderr: String,
}

impl ExecOutput {
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }
}

/// Container side of the engine.
#[async_trait::async_trait]
pub trait ContainerEngine: Send + Sync {
    /// Runtimes and cgroup version of the engine.
    async fn info(&self) -> Result<EngineInfo>;
    /// Creates a container; returns its id.
    async fn create_container(&self, request: &CreateRequest) -> Result<String>;
    async fn start_container(&self, id: &str) -> Result<()>;
    /// Stops with the container's stop signal, killing after `timeout_secs`.
    async fn stop_container(&self, id: &str, timeout_secs: Option<i32>) -> Result<()>;
    /// Removes a container (forced: also when running) and its anonymous volumes.
    async fn remove_container(&self, id: &str) -> Result<()>;
    /// The container with this id or name, or `None`.
    async fn inspect_container(&self, id: &str) -> Result<Option<ContainerInfo>>;
    /// Containers (running or not) that carry every one of these labels.
    async fn list_containers(&self, labels: &BTreeMap<String, String>) -> Result<Vec<ContainerInfo>>;
    /// Runs a command to its end and collects its output and exit code.
    async fn exec(&self, id: &str, request: &ExecRequest) -> Result<ExecOutput>;
    /// Runs a command with this process's stdin, stdout and stderr attached (a TTY when `tty`); its exit code.
    async fn exec_attached(&self, id: &str, request: &ExecRequest, tty: bool) -> Result<i64>;
    /// The last `tail` lines of the container's own output.
    async fn logs(&self, id: &str, tail: usize) -> Result<String>;
    /// Creates a network; an error when one of that name exists.
    async fn create_network(&self, request: &super::NetworkRequest) -> Result<String>;
    /// The network of this name or id, or `None`.
    async fn inspect_network(&self, name: &str) -> Result<Option<super::NetworkInfo>>;
    /// Networks that carry every one of these labels.
    async fn list_networks(&self, labels: &BTreeMap<String, String>) -> Result<Vec<super::NetworkInfo>>;
    /// Attaches a (created or running) container to a network under these DNS aliases.
    async fn connect_network(&self, network: &str, container: &str, aliases: &[String]) -> Result<()>;
    /// Removes a network; `false` when there was none.
    async fn remove_network(&self, name: &str) -> Result<bool>;
    /// The engine's view of a container's isolation, or `None` when there is no such container.
    /// The default knows only the runtime.
    async fn isolation_view(&self, id: &str) -> Result<Option<EngineView>> {
        Ok(self.inspect_container(id).await?.map(|c| EngineView { runtime: c.runtime, ..Default::default() }))
    }
}
