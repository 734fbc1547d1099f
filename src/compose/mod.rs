//! A Compose config → its project brought up by the real Compose tool, the primary service a containai system
//! container: [`project`] names and resolves the project, [`service`] turns the primary service into a config
//! the plan builds (features layered on its image), [`file`] writes the project file (runtime on every service,
//! ports on loopback), [`engine`] lets the run stage create through Compose, [`cli`] drives the tool.
//!
//! containai writes a file and runs Compose; it does not reimplement it. The policy reads the resolved project
//! before anything runs ([`crate::policy::compose`]).

pub mod cli;
pub mod engine;
pub mod file;
pub mod project;
pub mod service;

pub use cli::Tool;
pub use engine::ComposeEngine;
pub use project::Project;

use crate::config::WorkspaceInfo;
use crate::config::model::ShutdownAction;
use std::path::{Path, PathBuf};

/// Errors of the Compose stage.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error(
        "no Compose tool: neither `docker compose` nor `docker-compose` answers\n\
         hint: install the Compose plugin, or `apt-get install docker-compose` (scripts/setup does)"
    )]
    NoTool,
    #[error("cannot run `{program}`: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{command}` failed:\n{stderr}\nhint: check the project with `docker compose config` (or `docker-compose config`)"
    )]
    Failed { command: String, stderr: String },
    #[error(
        "a Compose project cannot be put behind containai's egress proxy yet: its services would reach any host\n\
         hint: run it with open egress by your own choice: `--egress open`, or `\"egress\": \"open\"` in your user config"
    )]
    EgressUnsupported,
    #[error("the config has no `dockerComposeFile`\nhint: name the Compose files, relative to devcontainer.json")]
    NoFiles,
    #[error("the Compose file `{}` does not exist\nhint: `dockerComposeFile` is relative to the folder of devcontainer.json", .0.display())]
    MissingFile(PathBuf),
    #[error("the config has no `service`\nhint: set `service` to the Compose service containai connects to")]
    NoService,
    #[error("the Compose project has no service `{service}` (it has `{known}`)\nhint: set `service` to one of them")]
    UnknownService { service: String, known: String },
    #[error("service `{0}` has neither `image` nor `build`\nhint: give the primary service an `image` or a `build`")]
    NoImage(String),
    #[error(transparent)]
    File(#[from] crate::config::compose::ComposeFileError),
    #[error("cannot {action} `{}`: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = ComposeError> = std::result::Result<T, E>;

/// Where containai keeps a workspace's project file and the project's name.
pub fn state_dir(config_dir: &Path, workspace: &WorkspaceInfo) -> PathBuf {
    config_dir.join("compose").join(&workspace.devcontainer_id)
}

/// The project file in [`state_dir`].
pub fn project_file_path(config_dir: &Path, workspace: &WorkspaceInfo) -> PathBuf {
    state_dir(config_dir, workspace).join("docker-compose.json")
}

const NAME_FILE: &str = "project-name";

/// Records the project's name beside its file, for `down`.
pub fn remember(config_dir: &Path, workspace: &WorkspaceInfo, project: &Project) -> Result<()> {
    let dir = state_dir(config_dir, workspace);
    let io = |action: &'static str, source| ComposeError::Io { action, path: dir.clone(), source };
    std::fs::create_dir_all(&dir).map_err(|e| io("create", e))?;
    std::fs::write(dir.join(NAME_FILE), &project.name).map_err(|e| io("write into", e))
}

/// What `down` did to the rest of a Compose project.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DownResult {
    pub project: String,
    /// `stop`, or `down` (containers and networks removed; volumes kept).
    pub action: &'static str,
}

/// Whether `down` stops (or removes) the whole project rather than the primary service's container alone.
fn stops_project(remove: bool, shutdown_action: Option<ShutdownAction>) -> bool {
    remove || !matches!(shutdown_action, Some(ShutdownAction::StopContainer | ShutdownAction::None))
}

/// Stops the workspace's Compose project, or (`remove`) removes its containers and networks and forgets its
/// file. `None` when containai never brought a project up for this workspace. The config's `shutdownAction`
/// says what stopping the dev container stops: the whole project (`stopCompose`, the default for Compose), or
/// the primary service's container alone (`stopContainer`, and `none`, since `down` is asked for): then the
/// other services keep running and nothing is done here.
pub async fn down(
    config_dir: &Path,
    workspace: &WorkspaceInfo,
    remove: bool,
    shutdown_action: Option<ShutdownAction>,
) -> Result<Option<DownResult>> {
    let dir = state_dir(config_dir, workspace);
    let file = project_file_path(config_dir, workspace);
    let Ok(name) = std::fs::read_to_string(dir.join(NAME_FILE)) else { return Ok(None) };
    if !file.is_file() {
        return Ok(None);
    }
    if !stops_project(remove, shutdown_action) {
        return Ok(Some(DownResult { project: name.trim().to_string(), action: "none" }));
    }
    let tool = cli::detect().await?;
    let files = [file];
    let at = cli::Invocation { project: Some(name.trim()), files: &files, project_dir: &dir };
    let action = if remove { "down" } else { "stop" };
    let args: &[&str] = if remove { &["down", "--remove-orphans"] } else { &["stop"] };
    tool.run(&at, args).await?;
    if remove {
        std::fs::remove_dir_all(&dir).map_err(|source| ComposeError::Io {
            action: "remove",
            path: dir.clone(),
            source,
        })?;
    }
    Ok(Some(DownResult { project: name.trim().to_string(), action }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shutdown_action_says_whether_down_stops_the_whole_project() {
        assert!(stops_project(false, None), "stopCompose is the default for Compose");
        assert!(stops_project(false, Some(ShutdownAction::StopCompose)));
        assert!(!stops_project(false, Some(ShutdownAction::StopContainer)));
        assert!(!stops_project(false, Some(ShutdownAction::None)));
        // `--remove` removes the project whatever the config says.
        assert!(stops_project(true, Some(ShutdownAction::StopContainer)));
        assert!(stops_project(true, Some(ShutdownAction::None)));
    }
}
