//! `containai ssh [-- CMD...]` → postAttachCommand, then the system `ssh` to `containai-<name>`; its exit code is ours.

use super::{Printer, WorkspaceArgs};
use anyhow::{Context, Result, bail};
use containai::engine::Docker;
use containai::run::{LABEL_SSH_HOST, ssh_config, up};

#[derive(clap::Args)]
pub struct SshArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    /// A command to run instead of a login shell.
    #[arg(last = true)]
    pub command: Vec<String>,
}

pub async fn run(args: SshArgs, printer: &Printer) -> Result<std::process::ExitCode> {
    let loaded = args.workspace.load()?;
    let docker = Docker::connect().await?;
    let Some(container) = up::find(&docker, &loaded.workspace).await?.filter(|c| c.running) else {
        bail!(
            "no running container for `{}`\nhint: run `containai up` first",
            loaded.workspace.local_workspace_folder.display()
        );
    };
    let Some(host) = container.labels.get(LABEL_SSH_HOST) else {
        bail!(
            "container `{}` has no ssh entry\nhint: `customizations.containai.ssh` is `false`; use `containai exec`",
            container.name
        );
    };
    let file =
        ssh_config::ssh_dir().join("containai.d").join(format!("{}.conf", host.trim_start_matches("containai-")));
    if !file.exists() {
        bail!("`{}` is missing\nhint: run `containai up` to write it again", file.display());
    }
    containai::run::lifecycle::post_attach(&docker, &loaded.model, &container, printer).await?;
    let status = std::process::Command::new("ssh")
        .arg("-F")
        .arg(&file)
        .args(if args.command.is_empty() { vec![] } else { vec!["-T".to_string()] })
        .arg(host)
        .args(&args.command)
        .status()
        .context("cannot run `ssh`\nhint: install an OpenSSH client")?;
    Ok(std::process::ExitCode::from(status.code().unwrap_or(255).clamp(0, 255) as u8))
}
