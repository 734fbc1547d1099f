//! Agents: the embedded presets ([`preset`]) → the features that install one, the user's credentials for it
//! ([`credentials`], from the host only as the user config names them) and the session that starts it in the
//! workspace's container ([`session`]); git worktrees for parallel sandboxes ([`worktree`]).

pub mod credentials;
pub mod preset;
pub mod session;
pub mod worktree;

pub use preset::{Preset, all, find, hosts};

/// Errors of the agents stage.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("no agent preset `{name}`\nhint: the presets are `{known}`")]
    UnknownAgent { name: String, known: String },
    #[error("the embedded preset `agents/{file}` is not valid: {message}\nhint: this is a bug in containai's presets")]
    BadPreset { file: String, message: String },
    #[error("cannot read the credential file `{}` the user config names for `{agent}`: {source}\nhint: fix `agentCredentials.{agent}.files` in the user config", path.display())]
    CredentialFile {
        agent: String,
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`agentCredentials.{agent}`: {message}\nhint: names are environment variable names; file targets are paths under the remote user's home, e.g. `.claude/.credentials.json`"
    )]
    CredentialName { agent: String, message: String },
    #[error(
        "`{command}` is not in the container `{container}`: it was made before the agent's layer was added\nhint: pass `--rebuild` to replace the container"
    )]
    NotInstalled { command: String, container: String },
    #[error("cannot prepare the agent's session in the container (exit {code}): {message}")]
    Prepare { code: i64, message: String },
    #[error("worktree: {message}")]
    Worktree { message: String },
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
}

pub type Result<T, E = AgentError> = std::result::Result<T, E>;
