//! A built image + config → a started system container under sysbox-runc, ready over ssh, lifecycle hooks run.
//!
//! [`crate::policy`] decides the runtime and what may reach the host (fails closed), [`request`] turns config +
//! image + policy into the exact create request, [`ssh`] sets up keys and host entries,
//! [`hooks`] runs the lifecycle commands, [`up`] ties it together.

pub mod dotfiles;
pub mod hooks;
pub mod known_hosts;
pub mod lifecycle;
pub mod lock;
pub mod merged;
pub mod names;
pub mod ops;
pub mod ports;
pub mod ready;
pub mod request;
pub mod secrets;
pub mod ssh;
pub mod ssh_config;
pub mod state;
pub mod up;
pub mod warm;

pub use crate::policy::{Isolation, Policy, PolicyOptions};
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
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    #[error(
        "refusing to write {what} {value:?} into `{file}`: only {allowed}\n\
         hint: containai writes nothing it cannot quote into the ssh client's files"
    )]
    SshValue { file: &'static str, what: &'static str, value: String, allowed: &'static str },
    #[error("invalid {what} `{value}`: {reason}")]
    Invalid { what: &'static str, value: String, reason: String },
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
    #[error(transparent)]
    UserName(#[from] crate::config::user_name::InvalidUser),
    #[error(transparent)]
    Egress(#[from] crate::egress::EgressError),
}

/// The remote user a container's [`LABEL_REMOTE_USER`] records (`root` when none); an error when it is not a user
/// name: whoever can create a container can set its labels.
pub fn label_user(labels: &std::collections::BTreeMap<String, String>) -> Result<String> {
    let user = labels.get(LABEL_REMOTE_USER).map_or("root", String::as_str);
    crate::config::user_name::check(LABEL_REMOTE_USER, user)?;
    Ok(user.to_string())
}

impl RunError {
    pub(crate) fn io(action: &'static str, path: &std::path::Path) -> impl FnOnce(std::io::Error) -> RunError {
        let path = path.to_path_buf();
        move |source| RunError::Io { action, path, source }
    }
}

pub type Result<T, E = RunError> = std::result::Result<T, E>;
