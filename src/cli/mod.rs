//! Arguments → one subcommand run; errors printed once, as text or JSON, with a non-zero exit.

mod build;
mod ca;
mod cache;
mod diagnostic;
mod doctor;
mod down;
mod egress;
mod exec;
mod features;
mod gc;
mod init;
mod list;
mod lost;
mod outdated;
mod printer;
mod progress;
mod read_configuration;
mod run;
mod signal;
mod ssh;
mod templates;
mod trust;
mod up;
mod upgrade;
mod verify;

use clap::{Parser, Subcommand, ValueEnum};
use containai::templates::{DefaultConfig, default_workspace_config};
use std::path::PathBuf;
use std::process::ExitCode;

pub use printer::Printer;

#[derive(Parser)]
#[command(
    name = "containai",
    version,
    about = "devcontainer.json → a system container for AI coding agents, isolated by sysbox-runc"
)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Show every layer's build output (on a terminal, each layer is otherwise one line).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the workspace is.
#[derive(clap::Args, Clone, Debug)]
pub struct WorkspaceArgs {
    /// The workspace folder (default: the current directory).
    #[arg(long, default_value = ".")]
    pub workspace_folder: PathBuf,
    /// The devcontainer.json to use (default: found in the workspace).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Base image of the built-in `agent-sandbox` config, used when the workspace has no devcontainer.json.
    #[arg(long, env = "CONTAINAI_BASE_IMAGE")]
    pub base_image: Option<String>,
}

impl WorkspaceArgs {
    /// The workspace's config; see [`WorkspaceArgs::load_or_default`].
    pub fn load(&self) -> anyhow::Result<containai::config::Loaded> {
        Ok(self.load_or_default()?.0)
    }

    /// The workspace's devcontainer.json, or — when it has none and no `--config` was given — the built-in
    /// `agent-sandbox` template with its defaults, in memory (nothing is written into the workspace); then
    /// also the notice to print.
    pub fn load_or_default(&self) -> anyhow::Result<(containai::config::Loaded, Option<String>)> {
        let options = containai::config::LoadOptions {
            workspace_folder: self.workspace_folder.clone(),
            config_file: self.config.clone(),
        };
        match containai::config::load(&options) {
            Err(containai::config::ConfigError::NotFound(_)) if self.config.is_none() => {
                let defaults = DefaultConfig::with_base_image(self.base_image.clone());
                let loaded = default_workspace_config(&self.workspace_folder, &defaults)?;
                let notice = defaults.notice(&self.workspace_folder, &loaded);
                Ok((loaded, Some(notice)))
            }
            other => Ok((other?, None)),
        }
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Print the devcontainer.json as the reference CLI's `read-configuration` does: one JSON object.
    ReadConfiguration(read_configuration::Args),
    /// Build the config's image, one cached layer per step (`--plan`: print the plan, build nothing).
    Build(build::Args),
    /// Create or reuse the workspace's system container, wait for systemd and sshd, run lifecycle hooks.
    Up(up::UpArgs),
    /// Stop the workspace's container (`--remove`: remove it and its ssh entry).
    Down(down::DownArgs),
    /// Run a command in the workspace's container as the remote user.
    Exec(exec::ExecArgs),
    /// Bring the workspace up with a coding agent (`claude-code`, `codex`, `gemini-cli`, `opencode`, `aider`)
    /// and run it as the remote user.
    Run(run::RunArgs),
    /// List the containers containai manages.
    List(list::ListArgs),
    /// Open an ssh session (or run a command) in the workspace's container.
    Ssh(ssh::SshArgs),
    /// Trust the workspace's current host-affecting settings (mounts, runArgs, initializeCommand, ...).
    Trust(trust::TrustArgs),
    /// Write a template (default `agent-sandbox`) into the workspace, asking for its options on a terminal.
    Init(init::InitArgs),
    /// List, describe and apply Dev Container Templates.
    Templates(templates::TemplatesArgs),
    /// Package or publish Dev Container Features as OCI artifacts.
    Features(features::FeaturesArgs),
    /// Show the config's OCI features whose locked version is behind the newest matching or latest tag.
    Outdated(outdated::OutdatedArgs),
    /// Resolve the config's OCI features afresh and rewrite `devcontainer-lock.json`.
    Upgrade(upgrade::UpgradeArgs),
    /// Remove the cache layers (`containai-cache:*`) that no image or container uses (`--dry-run`: list them).
    Gc(gc::GcArgs),
    /// Check the host: engine, sysbox-runc and its services, kernel, subordinate ids, ssh (exit 0: `up` can run).
    Doctor(doctor::DoctorArgs),
    /// Probe a running container's isolation: user namespace, seccomp, procfs, Docker-in-Docker, systemd.
    Verify(verify::VerifyArgs),
    /// The workspace's egress proxy: `log` shows what the sandbox tried to reach.
    Egress(egress::EgressArgs),
}

impl Command {
    /// Commands whose stdout is one JSON line, also on error.
    fn json_output(&self) -> bool {
        matches!(self, Command::Build(_) | Command::Up(_) | Command::Down(_) | Command::Trust(_) | Command::Gc(_))
    }
}

/// The `{"outcome":"error"}` line: the first line of the error is the message, the rest the description.
fn error_json(err: &anyhow::Error) -> serde_json::Value {
    let text = err.to_string();
    let (message, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let mut description: Vec<String> = rest.lines().map(str::to_string).collect();
    description.extend(err.chain().skip(1).map(|c| format!("caused by: {c}")));
    serde_json::json!({"outcome": "error", "message": message, "description": description.join("\n")})
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.log_format, cli.verbose);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let json_output = cli.command.json_output();
    // `exec` and `ssh` leave signals to the command they run.
    let catch_signals = !matches!(cli.command, Command::Exec(_) | Command::Ssh(_) | Command::Run(_));
    let result: anyhow::Result<ExitCode> = runtime.block_on(async {
        tokio::select! {
            result = dispatch(cli.command, &printer) => result.map_err(lost::explain),
            stop = signal::interrupted(), if catch_signals => Err(stop.into()),
        }
    });
    match result {
        Ok(code) => code,
        Err(err) => {
            printer.error(&err);
            if json_output {
                println!("{}", error_json(&err));
            }
            match err.downcast_ref::<signal::Interrupted>() {
                Some(stop) => ExitCode::from(stop.exit_code),
                None => ExitCode::FAILURE,
            }
        }
    }
}

async fn dispatch(command: Command, printer: &Printer) -> anyhow::Result<ExitCode> {
    match command {
        Command::ReadConfiguration(args) => read_configuration::run(args, printer).await,
        Command::Build(args) => build::run(args, printer).await,
        Command::Up(args) => up::run(args, printer).await,
        Command::Down(args) => down::run(args).await,
        Command::Exec(args) => exec::run(args).await,
        Command::Run(args) => run::run(args, printer).await,
        Command::List(args) => list::run(args).await,
        Command::Ssh(args) => ssh::run(args, printer).await,
        Command::Trust(args) => trust::run(args, printer).await,
        Command::Init(args) => init::run(args, printer),
        Command::Templates(args) => templates::run(args, printer),
        Command::Features(args) => features::run(args).await,
        Command::Outdated(args) => outdated::run(args).await,
        Command::Upgrade(args) => upgrade::run(args),
        Command::Gc(args) => gc::run(args, printer).await,
        Command::Doctor(args) => doctor::run(args).await,
        Command::Verify(args) => verify::run(args).await,
        Command::Egress(args) => egress::run(args).await,
    }
}
