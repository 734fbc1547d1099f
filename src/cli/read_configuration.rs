//! `containai read-configuration` arguments → the loaded config as one JSON object on stdout (warnings on stderr).

use super::Printer;
use anyhow::Context;
use containai::config::{self, LoadOptions};
use containai::report::Reporter;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Workspace folder; devcontainer.json is looked up in it (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub workspace_folder: Option<PathBuf>,
    /// devcontainer.json to use instead of `.devcontainer/devcontainer.json` or `.devcontainer.json`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitCode> {
    let opts = LoadOptions { workspace_folder: args.workspace_folder.unwrap_or_default(), config_file: args.config };
    let loaded = config::load(&opts)?;
    for warning in &loaded.warnings {
        printer.warn(warning);
    }
    let json = config::output::read_configuration(&loaded);
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &json).context("cannot write to stdout")?;
    writeln!(out).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}
