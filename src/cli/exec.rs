//! `containai exec [--remote-env NAME=value]... [--secrets-file FILE] -- CMD...` → CMD run in the workspace's
//! container as the remote user, with remoteEnv and those variables; its exit code is ours.

use super::WorkspaceArgs;
use anyhow::Result;
use containai::engine::{Docker, terminal};
use containai::run::{ops, secrets::Secrets};

#[derive(clap::Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    /// An environment variable for the command, `NAME=value`, over remoteEnv's (repeatable).
    #[arg(long = "remote-env", value_name = "NAME=value")]
    pub remote_env: Vec<String>,
    /// A JSON object of secret environment variables (`{"NAME": "value"}`) for the command, as `up` takes it.
    #[arg(long, value_name = "FILE")]
    pub secrets_file: Option<std::path::PathBuf>,
    /// The command and its arguments.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

/// `--remote-env` entries checked, then the secrets.
fn extra_env(args: &ExecArgs) -> Result<Vec<String>> {
    let mut env = ops::check_remote_env(&args.remote_env)?;
    if let Some(path) = &args.secrets_file {
        env.extend(Secrets::load(path)?.env());
    }
    Ok(env)
}

pub async fn run(args: ExecArgs) -> Result<std::process::ExitCode> {
    let env = extra_env(&args)?;
    let loaded = args.workspace.load()?;
    let docker = Docker::connect().await?;
    let tty = terminal::stdin_is_tty();
    let code = ops::exec(&docker, &loaded.model, &loaded.workspace, args.command, &env, tty).await?;
    Ok(std::process::ExitCode::from(code.clamp(0, 255) as u8))
}
