//! `containai build` arguments → the config's image built layer by layer (`--plan`: the plan as JSON, nothing
//! built; `--check-cache`: which layers a registry has) on stdout; progress and warnings on stderr.

use super::{Printer, WorkspaceArgs};
use anyhow::Context;
use containai::build::{self, BuildOptions, BuildOutcome, CacheOptions, LayerOutcome};
use containai::config::{self, LoadOptions, Loaded};
use containai::engine::Docker;
use containai::features::{self, ResolvedFeature};
use containai::plan::{self, BaseInput, BuildPlan, HostUser};
use containai::registry::HttpProbe;
use containai::report::{LayerSource, Reporter};
use serde::Serialize;
use serde_json::json;
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

/// The pipeline after `config::load`: features → base → plan, with remote-feature options (offline, frozen
/// lockfile, mirrors). Needs the engine only for the base image's id (and, for a Dockerfile config, whether its
/// image is built yet).
pub async fn plan_workspace_with(
    loaded: &Loaded,
    engine: &Docker,
    reporter: &dyn Reporter,
    no_cache: bool,
    remote: &features::oci::RemoteOptions,
) -> anyhow::Result<BuildPlan> {
    plan::check_supported(loaded)?;
    let features = features::resolve_with(loaded, remote)?;
    let base = plan::base::resolve(loaded, engine, no_cache).await?;
    plan_over(loaded, &features, &base, reporter)
}

fn plan_over(
    loaded: &Loaded,
    features: &[ResolvedFeature],
    base: &BaseInput,
    reporter: &dyn Reporter,
) -> anyhow::Result<BuildPlan> {
    let host = HostUser::current().context("cannot tell which user runs containai")?;
    Ok(plan::plan(loaded, features, base, &host, reporter)?)
}

/// The cache lock, shared with other builds and `up`s, exclusive to `containai gc`: no layer is collected while
/// it is built upon, or between its build and the container `up` creates from it.
pub async fn cache_lock() -> anyhow::Result<containai::lock::FileLock> {
    Ok(containai::lock::acquire(&containai::run::ssh::containai_config_dir(), containai::lock::CACHE_LOCK, false)
        .await?)
}

/// How a command builds: `no_cache`, extra image names, and this machine's layer locks.
pub fn build_options(no_cache: bool, image_names: Vec<String>) -> BuildOptions {
    let lock_dir = Some(containai::run::ssh::containai_config_dir());
    BuildOptions { no_cache, image_names, lock_dir, repositories: vec![] }
}

/// Plans and builds the workspace's image (what `containai up` needs before it creates a container), its
/// features resolved with remote-feature options. A Dockerfile config whose image is not built yet is built
/// first, so that its label and `USER` are planned with.
pub async fn build_workspace_with(
    loaded: &Loaded,
    engine: &Docker,
    reporter: &dyn Reporter,
    options: &BuildOptions,
    remote: &features::oci::RemoteOptions,
    cache: &CacheOptions,
) -> anyhow::Result<(BuildPlan, BuildOutcome)> {
    plan::check_supported(loaded)?;
    let _cache = cache_lock().await?;
    let features = features::resolve_with(loaded, remote)?;
    build_resolved(loaded, &features, engine, reporter, options, cache).await
}

/// [`build_workspace_with`] after feature resolution, for a caller that needs the resolved features too.
pub async fn build_resolved(
    loaded: &Loaded,
    features: &[ResolvedFeature],
    engine: &Docker,
    reporter: &dyn Reporter,
    options: &BuildOptions,
    cache: &CacheOptions,
) -> anyhow::Result<(BuildPlan, BuildOutcome)> {
    let probe = HttpProbe::new();
    let pulled = cache.pulled_repositories()?;
    let mut base = plan::base::resolve_in(loaded, engine, options.no_cache, &pulled).await?;
    let mut first = None;
    if matches!(&base, BaseInput::Dockerfile(d) if d.built.is_none()) {
        let only = BuildPlan { features: vec![], layers: vec![plan::base_layer(&base)?], metadata: json!([]) };
        let only_options = BuildOptions { image_names: vec![], ..options.clone() };
        let pull_only = CacheOptions { cache_to: None, push: false, ..cache.clone() };
        first = Some(build::execute_with_cache(&only, engine, &probe, reporter, &only_options, &pull_only).await?);
        base = plan::base::resolve_in(loaded, engine, false, &pulled).await?;
    }
    let plan = plan_over(loaded, features, &base, reporter)?;
    let mut outcome = build::execute_with_cache(&plan, engine, &probe, reporter, options, cache).await?;
    // The base built (or pulled) just before counts as such in this run.
    if let Some(first) = first
        && first.layers[0].source != LayerSource::Cached
        && outcome.layers[0].source == LayerSource::Cached
    {
        outcome.layers[0].source = first.layers[0].source;
        outcome.layers_built += usize::from(first.layers[0].source == LayerSource::Built);
    }
    Ok((plan, outcome))
}

pub async fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitCode> {
    let opts = LoadOptions { workspace_folder: args.workspace.workspace_folder, config_file: args.workspace.config };
    let mut loaded = config::load(&opts)?;
    args.additional.apply(&mut loaded)?;
    for warning in &loaded.warnings {
        printer.warn(warning);
    }
    // The user's trust first: a build context outside the workspace, `${localEnv:…}`, a repository's cacheFrom.
    let assessment = containai::policy::assess::assess(&loaded.model, &loaded.workspace, &loaded.local_env, &[], &[])?;
    let store = containai::policy::trust::default_store(&containai::run::ssh::containai_config_dir());
    containai::policy::trust::require(&store, &loaded.workspace, &assessment.fingerprint)?;
    let engine = Docker::connect().await?;
    if !args.plan && !args.prebuild.check_cache {
        build_runtime_check(&engine, args.allow_insecure_runtime, printer).await?;
    }
    let cache = args.prebuild.options(&loaded)?;
    if args.prebuild.check_cache {
        let plan = plan_workspace_with(&loaded, &engine, printer, false, &args.remote.options()?).await?;
        return super::cache::check(&plan, &cache, printer).await;
    }
    if args.plan {
        let remote = args.remote.options()?;
        print_json(&plan_workspace_with(&loaded, &engine, printer, args.no_cache, &remote).await?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let options = build_options(args.no_cache, args.image_name);
    let (_, outcome) =
        build_workspace_with(&loaded, &engine, printer, &options, &args.remote.options()?, &cache).await?;
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

/// Builds run the repository's code under the engine's default runtime: refused unless it is sysbox-runc or the
/// user accepted an insecure runtime (then a warning).
async fn build_runtime_check(engine: &Docker, allow_insecure: bool, printer: &Printer) -> anyhow::Result<()> {
    use containai::engine::ImageEngine;
    use containai::policy::{Isolation, Policy, SYSBOX};
    let info = engine.engine_info().await?;
    let wanted = Policy {
        runtime: SYSBOX.into(),
        isolation: Isolation::Sysbox,
        insecure_additions: false,
        allow_unsafe_config: false,
        allow_insecure_runtime: allow_insecure,
    };
    if let Some(warning) = containai::policy::runtime::check_build_runtime(&wanted, &info)? {
        printer.warn(&warning);
    }
    Ok(())
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
