//! `containai read-configuration` arguments → the loaded config as one JSON object on stdout (warnings on stderr);
//! with `--include-features-configuration`, also its resolved features as the reference CLI prints them; with
//! `--include-merged-configuration`, also the config merged with its image's metadata (engine needed).

use super::Printer;
use anyhow::Context;
use containai::config::{self, LoadOptions};
use containai::features::{self, oci::RemoteOptions};
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
    /// Also print `mergedConfiguration`: the config merged with the metadata of its image (base image label and
    /// features), as the reference CLI prints it. Asks the engine for the base image.
    #[arg(long)]
    pub include_merged_configuration: bool,
    /// Also print `featuresConfiguration`: the config's features resolved (local, OCI through the mirrors,
    /// `dependsOn`), in install order, as the reference CLI prints them. The lockfile is not written.
    #[arg(long)]
    pub include_features_configuration: bool,
    #[command(flatten)]
    pub remote: super::features::RemoteArgs,
}

pub async fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitCode> {
    let opts = LoadOptions { workspace_folder: args.workspace_folder.unwrap_or_default(), config_file: args.config };
    let loaded = config::load(&opts)?;
    for warning in &loaded.warnings {
        printer.warn(warning);
    }
    let mut json = config::output::read_configuration(&loaded);
    if args.include_features_configuration {
        let options = RemoteOptions { no_lockfile_write: true, ..args.remote.options()? };
        let resolution = features::resolve_full(&loaded, &options)?;
        for warning in &resolution.warnings {
            printer.warn(warning);
        }
        let out = json.as_object_mut().expect("read-configuration prints an object");
        let at = out.keys().position(|k| k == "workspace").map_or(out.len(), |i| i + 1);
        let value = features::configuration::features_configuration(&resolution);
        // The reference prints no `featuresConfiguration` for a config without features.
        if value["featureSets"].as_array().is_none_or(|sets| !sets.is_empty()) {
            out.shift_insert(at, "featuresConfiguration".into(), value);
        }
    }
    if args.include_merged_configuration {
        let engine = containai::engine::Docker::connect().await?;
        let settings = containai::pipeline::ImageSettings { remote: args.remote.options()?, ..Default::default() };
        let plan = containai::pipeline::plan_workspace(&loaded, &engine, printer, &settings).await?;
        let entries = plan.metadata.as_array().map(Vec::as_slice).unwrap_or_default();
        let merged = containai::plan::merge::merged_configuration(&json["configuration"], entries);
        let out = json.as_object_mut().expect("read-configuration prints an object");
        let diagnostics = out.shift_remove("ociAuthDiagnostics");
        out.insert("mergedConfiguration".into(), config::output::js_normalize(&merged));
        if let Some(diagnostics) = diagnostics {
            out.insert("ociAuthDiagnostics".into(), diagnostics);
        }
    }
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &json).context("cannot write to stdout")?;
    writeln!(out).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}
