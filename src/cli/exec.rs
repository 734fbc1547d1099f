//! `containai exec -- CMD...` → CMD run in the workspace's container as the remote user; its exit code is ours.

use super::WorkspaceArgs;
use anyhow::Result;
use containai::engine::{Docker, terminal};
use containai::run::ops;

#[derive(clap::Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    /// The command and its arguments.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

pub async fn run(args: ExecArgs) -> Result<std::process::ExitCode> {
    let loaded = args.workspace.load()?;
    let docker = Docker::connect().await?;
    let code = ops::exec(&docker, &loaded.model, &loaded.workspace, args.command, terminal::stdin_is_tty()).await?;
    Ok(std::process::ExitCode::from(code.clamp(0, 255) as u8))
}
