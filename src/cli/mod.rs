//! Arguments → one subcommand run; errors printed once, as text or JSON, with a non-zero exit.

mod build;
mod printer;
mod read_configuration;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

pub use printer::Printer;

#[derive(Parser)]
#[command(name = "containai", version, about = "devcontainer.json → a system container for AI coding agents, isolated by sysbox-runc")]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// Print the devcontainer.json as the reference CLI's `read-configuration` does: one JSON object.
    ReadConfiguration(read_configuration::Args),
    /// Build the config's image, one cached layer per step (`--plan`: print the plan, build nothing).
    Build(build::Args),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result: anyhow::Result<ExitCode> = runtime.block_on(async {
        match cli.command {
            Command::ReadConfiguration(args) => read_configuration::run(args, &printer),
            Command::Build(args) => build::run(args, &printer).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(err) => {
            printer.error(&err);
            ExitCode::FAILURE
        }
    }
}
