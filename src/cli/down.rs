//! `containai down [--remove]` → the workspace's container stopped (and removed with its ssh entry) → JSON line.

use super::WorkspaceArgs;
use anyhow::Result;
use containai::agents::worktree;
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
    /// The sandbox of the worktree NAME (`up --worktree NAME`); with `--remove`, the worktree goes too when
    /// `git status` shows it clean (its branch stays).
    #[arg(long, value_name = "NAME")]
    pub worktree: Option<String>,
    /// With `--remove --worktree`: remove the worktree although it has changes.
    #[arg(long, requires = "worktree")]
    pub force_worktree: bool,
}

pub async fn run(args: DownArgs) -> Result<std::process::ExitCode> {
    let dir = worktree::worktrees_dir();
    let worktree = match &args.worktree {
        Some(name) => Some(worktree::existing(&dir, &args.workspace.workspace_folder, name)?.ok_or_else(|| {
            anyhow::anyhow!("no worktree `{name}` of this workspace\nhint: `containai up --worktree {name}` makes it")
        })?),
        None => None,
    };
    let workspace = match &worktree {
        Some(worktree) => super::up::worktree_workspace(&args.workspace, worktree)?,
        None => args.workspace.clone(),
    };
    let loaded = workspace.load()?;
    let docker = Docker::connect().await?;
    let result =
        ops::down(&docker, &loaded.workspace, args.remove, &ssh_config::ssh_dir(), &ssh::containai_config_dir()).await;
    // A worktree whose sandbox is gone already is removed all the same.
    let mut value = match result {
        Ok(result) => serde_json::to_value(&result)?,
        Err(containai::run::RunError::NoContainer(_)) if worktree.is_some() && args.remove => {
            serde_json::json!({"outcome": "success", "removed": false})
        }
        Err(e) => return Err(e.into()),
    };
    // A Compose workspace: the rest of the project is stopped (or removed with its networks) by Compose.
    if loaded.model.kind() == Some(ConfigKind::Compose)
        && let Some(project) =
            compose::down(&ssh::containai_config_dir(), &loaded.workspace, args.remove, loaded.model.shutdown_action)
                .await?
    {
        value["compose"] = serde_json::to_value(&project)?;
    }
    if let (Some(worktree), true) = (&worktree, args.remove) {
        worktree.remove(args.force_worktree)?;
        value["worktreeRemoved"] = worktree.path.display().to_string().into();
    }
    println!("{}", serde_json::to_string(&value)?);
    Ok(std::process::ExitCode::SUCCESS)
}
