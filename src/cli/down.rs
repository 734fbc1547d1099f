//! `containai down [--remove]` → the workspace's container stopped (and removed with its ssh entry) → JSON line.

use super::WorkspaceArgs;
use anyhow::Result;
use containai::compose;
use containai::config::model::ConfigKind;
use containai::engine::Docker;
use containai::run::{ops, ssh, ssh_config};

#[derive(clap::Args)]
pub struct DownArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    /// Also remove the container, its ssh entry and its pinned host keys.
    #[arg(long)]
    pub remove: bool,
}

pub async fn run(args: DownArgs) -> Result<std::process::ExitCode> {
    let loaded = args.workspace.load()?;
    let docker = Docker::connect().await?;
    let result =
        ops::down(&docker, &loaded.workspace, args.remove, &ssh_config::ssh_dir(), &ssh::containai_config_dir())
            .await?;
    let mut value = serde_json::to_value(&result)?;
    // A Compose workspace: the rest of the project is stopped (or removed with its networks) by Compose.
    if loaded.model.kind() == Some(ConfigKind::Compose)
        && let Some(project) = compose::down(&ssh::containai_config_dir(), &loaded.workspace, args.remove).await?
    {
        value["compose"] = serde_json::to_value(&project)?;
    }
    println!("{}", serde_json::to_string(&value)?);
    Ok(std::process::ExitCode::SUCCESS)
}
