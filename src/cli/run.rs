//! `containai run AGENT [-- ARGS…]` → the workspace up with the agent's layer (built or cached) and state
//! volume, the credentials the user config names for it passed into the container, then the agent run as the
//! remote user with a terminal when there is one; its exit code is ours. stdout belongs to the agent.

use super::Printer;
use super::up::{UpArgs, prepare};
use anyhow::Result;
use containai::agents::{self, credentials::SessionCredentials};
use containai::engine::{Docker, terminal};
use containai::pipeline::{self, AgentRun};
use containai::registry::HttpProbe;
use containai::report::Reporter;
use containai::user_config::UserConfig;

#[derive(clap::Args)]
pub struct RunArgs {
    /// The agent preset: `claude-code`, `codex`, `gemini-cli`, `opencode`, `aider`.
    pub agent: String,
    #[command(flatten)]
    pub up: UpArgs,
    /// Arguments for the agent.
    #[arg(last = true)]
    pub args: Vec<String>,
}

pub async fn run(args: RunArgs, printer: &Printer) -> Result<std::process::ExitCode> {
    let preset = agents::find(&args.agent)?;
    let mut names = args.up.agents.clone();
    names.push(preset.name.clone());
    let (loaded, options, settings) = prepare(&args.up, &names, printer)?;
    let config = UserConfig::load()?;
    let host_env = |name: &str| std::env::var(name).ok();
    let (credentials, notes) =
        SessionCredentials::gather(&preset.name, config.agent_credentials.get(&preset.name), &host_env)?;
    for note in notes {
        printer.warn(&note);
    }
    let docker = Docker::connect().await?;
    let agent = AgentRun { preset, credentials, args: args.args, tty: terminal::stdin_is_tty() };
    let code = pipeline::run_agent(&loaded, &docker, &HttpProbe::new(), printer, &settings, &options, &agent).await?;
    Ok(std::process::ExitCode::from(code.clamp(0, 255) as u8))
}
