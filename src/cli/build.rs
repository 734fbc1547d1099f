//! `containai build` arguments → the config's image built layer by layer (`--plan`: the plan as JSON, nothing
//! built) on stdout; progress and warnings on stderr.

use super::Printer;
use anyhow::Context;
use containai::build::{self, BuildOptions, LayerOutcome};
use containai::config::{self, LoadOptions};
use containai::engine::Docker;
use containai::features;
use containai::plan::{self, HostUser, cache_tag};
use containai::report::Reporter;
use serde::Serialize;
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
    /// Also tag the final image as REF (repeatable).
    #[arg(long = "image-name", value_name = "REF")]
    pub image_name: Vec<String>,
    /// Rebuild every layer, ignoring cached ones.
    #[arg(long)]
    pub no_cache: bool,
    /// Print the build plan as JSON and build nothing.
    #[arg(long)]
    pub plan: bool,
}

/// Writes one JSON document and a newline to stdout.
fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value).context("cannot write to stdout")?;
    writeln!(out).context("cannot write to stdout")
}

pub async fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitCode> {
    let opts = LoadOptions { workspace_folder: args.workspace_folder.unwrap_or_default(), config_file: args.config };
    let loaded = config::load(&opts)?;
    for warning in &loaded.warnings {
        printer.warn(warning);
    }
    plan::check_supported(&loaded)?;
    let features = features::resolve(&loaded)?;
    let engine = Docker::connect().await?;
    let base = plan::base::resolve(&loaded, &engine, args.no_cache).await?;
    let host = HostUser::current().context("cannot tell which user runs containai")?;
    let plan = plan::plan(&loaded, &features, &base, &host, printer)?;
    if args.plan {
        print_json(&plan)?;
        return Ok(ExitCode::SUCCESS);
    }
    let options = BuildOptions { no_cache: args.no_cache, image_names: args.image_name };
    let outcome = build::execute(&plan, &engine, printer, &options).await?;
    let image_name = match outcome.image_name.is_empty() {
        true => vec![cache_tag(&outcome.image_key)],
        false => outcome.image_name,
    };
    print_json(&Output {
        outcome: "success",
        image_name,
        image_key: outcome.image_key,
        image_id: outcome.image_id,
        layers: outcome.layers,
        layers_built: outcome.layers_built,
    })?;
    Ok(ExitCode::SUCCESS)
}

/// What `containai build` prints on success. `imageName` is the `--image-name`s, else the final layer's
/// `containai-cache:<key>` tag, so that the image can always be named.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Output {
    outcome: &'static str,
    image_name: Vec<String>,
    image_key: String,
    image_id: String,
    layers: Vec<LayerOutcome>,
    layers_built: usize,
}
