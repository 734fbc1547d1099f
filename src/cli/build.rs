//! `containai build` arguments → [`containai::pipeline`] → the config's image built layer by layer (`--plan`: the
//! plan as JSON, nothing built; `--check-cache`: which layers a registry has) on stdout; logs on stderr.

use super::{Printer, WorkspaceArgs};
use anyhow::Context;
use containai::config::{self, LoadOptions};
use containai::engine::Docker;
use containai::image::LayerOutcome;
use containai::pipeline::{self, ImageSettings};
use containai::registry::HttpProbe;
use containai::report::Reporter;
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    /// Also tag the final image as REF (repeatable).
    #[arg(long = "image-name", value_name = "REF")]
    pub image_name: Vec<String>,
    /// Rebuild every layer, ignoring cached ones.
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub additional: super::features::AdditionalFeatures,
    /// Print the build plan as JSON and build nothing.
    #[arg(long)]
    pub plan: bool,
    #[command(flatten)]
    pub remote: super::features::RemoteArgs,
    #[command(flatten)]
    pub prebuild: super::cache::PrebuildArgs,
    #[command(flatten)]
    pub ca: super::ca::CaArgs,
    /// Install the coding agent NAME (a preset: `claude-code`, `codex`, `gemini-cli`, `opencode`, `aider`)
    /// in the image (repeatable).
    #[arg(long = "agent", value_name = "NAME")]
    pub agents: Vec<String>,
    /// Build although the engine's default runtime is not sysbox-runc: the repository's Dockerfile and feature
    /// scripts then run under it (plain runc: root in a build step is root on the host).
    #[arg(long, env = "CONTAINAI_ALLOW_INSECURE_RUNTIME", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false)]
    pub allow_insecure_runtime: bool,
}

/// Writes one JSON document and a newline to stdout.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value).context("cannot write to stdout")?;
    writeln!(out).context("cannot write to stdout")
}

pub async fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitCode> {
    let opts = LoadOptions { workspace_folder: args.workspace.workspace_folder, config_file: args.workspace.config };
    let mut loaded = config::load(&opts)?;
    args.additional.apply(&mut loaded)?;
    for name in &args.agents {
        containai::agents::preset::add_to(&mut loaded, &containai::agents::find(name)?);
    }
    for warning in &loaded.warnings {
        printer.warn(warning);
    }
    let config_dir = containai::user_config::config_dir();
    let engine = Docker::connect().await?;
    let building = !args.plan && !args.prebuild.check_cache;
    if let Some(warning) =
        pipeline::check_build(&loaded, &engine, &config_dir, args.allow_insecure_runtime, building).await?
    {
        printer.warn(&warning);
    }
    let settings = ImageSettings {
        remote: args.remote.options()?,
        cache: args.prebuild.options(&loaded)?,
        no_cache: args.no_cache,
        image_names: args.image_name,
        config_dir: Some(config_dir),
        ca: args.ca.certificates()?,
    };
    if args.prebuild.check_cache {
        let plan =
            pipeline::plan_workspace(&loaded, &engine, printer, &ImageSettings { no_cache: false, ..settings.clone() })
                .await?;
        return super::cache::check(&plan, &settings.cache, printer).await;
    }
    if args.plan {
        print_json(&pipeline::plan_workspace(&loaded, &engine, printer, &settings).await?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (_, outcome) = pipeline::build_workspace(&loaded, &engine, &HttpProbe::new(), printer, &settings).await?;
    let image_name = match outcome.image_name.is_empty() {
        true => vec![outcome.image.clone()],
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

/// What `containai build` prints on success. `imageName` is the `--image-name`s, else the final layer's tag
/// (`containai-cache:<key>`, or the pulled repository's), so that the image can always be named.
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
