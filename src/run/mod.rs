//! A built image + config → a started system container under sysbox-runc, ready over ssh, lifecycle hooks run.
//!
//! [`policy`] decides the runtime (fails closed), [`request`] turns config + image + policy into the exact
//! create request, [`trust`] guards the host-affecting parts, [`ssh`] sets up keys and host entries,
//! [`hooks`] runs the lifecycle commands, [`up`] ties it together.

pub mod dotfiles;
pub mod hooks;
pub mod known_hosts;
pub mod lifecycle;
pub mod lock;
pub mod mounts;
pub mod names;
pub mod ops;
pub mod policy;
pub mod ports;
pub mod ready;
pub mod request;
pub mod run_args;
pub mod secrets;
pub mod ssh;
pub mod ssh_config;
pub mod state;
pub mod trust;
pub mod up;

pub use policy::{Isolation, Policy, PolicyOptions};
pub use up::{UpOptions, UpResult, up};

use crate::engine::EngineError;

/// Label that marks a container as created by containai.
pub const LABEL_MANAGED: &str = "containai.managed";
/// Label holding the key of the image the container was created from.
pub const LABEL_KEY: &str = "containai.key";
/// Label holding a hash of the create request (config changes that do not touch the image).
pub const LABEL_CONFIG: &str = "containai.config";
/// Label holding the ssh host name (`containai-<name>`).
pub const LABEL_SSH_HOST: &str = "containai.ssh_host";
/// Label holding the remote user.
pub const LABEL_REMOTE_USER: &str = "containai.remote_user";
/// Label holding the folder of the workspace in the container.
pub const LABEL_WORKSPACE: &str = "containai.workspace_folder";

/// Errors of the run stage.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(
        "the engine has no `{wanted}` runtime (it offers: {offered})\n\
         hint: install sysbox (https://github.com/nestybox/sysbox#installation) and restart dockerd so that \
         `docker info` lists `sysbox-runc`\n\
         hint: to run anyway without isolation, pass `--allow-insecure-runtime` (or set \
         `CONTAINAI_ALLOW_INSECURE_RUNTIME=1`): the container then runs under plain `runc`, and root in it is \
         root on the host"
    )]
    SysboxMissing { wanted: String, offered: String },
    #[error("the engine has no `{wanted}` runtime (it offers: {offered})\nhint: pick one of those with `--runtime`")]
    RuntimeMissing { wanted: String, offered: String },
    #[error(
        "runtime `{0}` gives the container no isolation from the host\n\
         hint: pass `--allow-insecure-runtime` (or set `CONTAINAI_ALLOW_INSECURE_RUNTIME=1`) to run it anyway"
    )]
    InsecureNotAllowed(String),
    #[error(
        "the config asks for runtime `{0}`, but a repository cannot choose the runtime by itself\n\
         hint: pass `--runtime {0}` to accept it"
    )]
    RuntimeFromConfig(String),
    #[error(
        "the config would defeat the container's isolation:\n{}\nhint: remove these from devcontainer.json, \
         or pass `--allow-unsafe-config` if you really mean it", .0.iter().map(|l| format!("  - {l}")).collect::<Vec<_>>().join("\n")
    )]
    Unsafe(Vec<String>),
    #[error("unsupported `runArgs`: {}\nhint: remove them, or express them with `mounts`, `containerEnv`, `capAdd` or `securityOpt`", .0.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "))]
    UnknownRunArgs(Vec<String>),
    #[error("invalid {what} `{value}`: {reason}")]
    Invalid { what: &'static str, value: String, reason: String },
    #[error(
        "the host-affecting parts of `{config}` changed since you last trusted it:\n{changes}\n\
         hint: review the change, then run `containai trust --workspace-folder {folder}`"
    )]
    Untrusted { config: String, folder: String, changes: String },
    #[error("{message}\nhint: pass `--remove-existing-container` (or `--rebuild`) to replace it")]
    Outdated { message: String },
    #[error("no container for workspace `{0}`\nhint: run `containai up` first")]
    NoContainer(String),
    #[error("container `{name}` did not become ready within {seconds}s: {state}\nlast journal lines:\n{journal}")]
    NotReady { name: String, seconds: u64, state: String, journal: String },
    #[error(
        "container `{name}` runs under `sysbox-runc` but does not show its isolation:\n{}\n\
         hint: check the host with `containai doctor`; the container is kept for `containai verify`, \
         `containai down --remove` removes it", .shortfalls.iter().map(|l| format!("  - {l}")).collect::<Vec<_>>().join("\n")
    )]
    IsolationFailed { name: String, shortfalls: Vec<String> },
    #[error("`{hook}` failed with exit code {code}{}", if .output.is_empty() { String::new() } else { format!(":\n{}", .output) })]
    Hook { hook: String, code: i64, output: String },
    #[error("`initializeCommand` could not start: {0}")]
    HookSpawn(std::io::Error),
    #[error(transparent)]
    Lock(#[from] crate::lock::LockError),
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        action: &'static str,
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("ssh key: {0}")]
    SshKey(String),
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl RunError {
    pub(crate) fn io(action: &'static str, path: &std::path::Path) -> impl FnOnce(std::io::Error) -> RunError {
        let path = path.to_path_buf();
        move |source| RunError::Io { action, path, source }
    }
}

pub type Result<T, E = RunError> = std::result::Result<T, E>;
