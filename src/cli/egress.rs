//! `containai egress log [--json] [--follow]` → the workspace's egress proxy log (time, host, port, allowed or
//! denied, bytes) as lines or JSON lines on stdout.

use super::WorkspaceArgs;
use anyhow::Result;
use containai::egress;
use containai::engine::Docker;
use std::time::Duration;

#[derive(clap::Args)]
pub struct EgressArgs {
    #[command(subcommand)]
    pub command: EgressCommand,
}

#[derive(clap::Subcommand)]
pub enum EgressCommand {
    /// What the sandbox asked its egress proxy for: time, host, port, allowed or denied, bytes.
    Log(LogArgs),
}

#[derive(clap::Args)]
pub struct LogArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    /// One JSON object a line.
    #[arg(long)]
    pub json: bool,
    /// Keep printing new records as they come.
    #[arg(long)]
    pub follow: bool,
}

pub async fn run(args: EgressArgs) -> Result<std::process::ExitCode> {
    let EgressCommand::Log(args) = args.command;
    let loaded = args.workspace.load()?;
    let docker = Docker::connect().await?;
    let proxy = egress::proxy_name(&containai::run::names::container_name(&loaded.workspace));
    let mut printed = 0;
    loop {
        let records = egress::log::read(&docker, &proxy).await?;
        for record in records.iter().skip(printed) {
            match args.json {
                true => println!("{}", serde_json::to_string(record)?),
                false => println!("{}", record.line()),
            }
        }
        printed = printed.max(records.len());
        if !args.follow {
            return Ok(std::process::ExitCode::SUCCESS);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
