//! `--cache-from`, `--require-cache` (build and up) and `--cache-to`, `--push`, `--check-cache` (build) →
//! [`CacheOptions`]; and the `--check-cache` answer: JSON on stdout, exit code 0 when the registry has every
//! layer, 1 otherwise (also on any error: a CI job then runs the prebuild).

use anyhow::Context;
use containai::config::Loaded;
use containai::image::CacheOptions;
use containai::image::remote_cache::{self, repositories};
use containai::plan::BuildPlan;
use containai::registry::HttpProbe;
use containai::report::Reporter;
use std::process::ExitCode;

/// Layers looked up in registries before they are built (`build` and `up`).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct CacheArgs {
    /// Look each missing layer up as `REPO:<key>` and pull it instead of building it (repeatable; added to
    /// `customizations.containai.cacheFrom`).
    #[arg(long = "cache-from", value_name = "REPO")]
    pub cache_from: Vec<String>,
    /// Fail instead of building when a registry cannot be asked or lacks a layer (CI jobs that must not build).
    #[arg(long)]
    pub require_cache: bool,
}

/// What `build` adds: pushing the layers and the image, and asking the registry without building.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct PrebuildArgs {
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Push every layer to REPO tagged by its key (`REPO:<key>`), for `--cache-from` elsewhere.
    #[arg(long = "cache-to", value_name = "REPO")]
    pub cache_to: Option<String>,
    /// Push the `--image-name`s after the build.
    #[arg(long, requires = "image_name")]
    pub push: bool,
    /// Build nothing, pull nothing: print whether the registry has every layer of the plan; exit code 0 when it
    /// has, 1 when it has not (or on an error).
    #[arg(long, conflicts_with_all = ["push", "plan"])]
    pub check_cache: bool,
}

impl CacheArgs {
    /// The command line's repositories after the config's `cacheFrom` (duplicates dropped).
    pub fn options(&self, loaded: &Loaded) -> anyhow::Result<CacheOptions> {
        let settings = loaded.model.containai().context("invalid `customizations.containai`")?;
        let mut cache_from = self.cache_from.clone();
        for repo in settings.cache_from.unwrap_or_default() {
            if !cache_from.contains(&repo) {
                cache_from.push(repo);
            }
        }
        Ok(CacheOptions { cache_from, require_cache: self.require_cache, ..CacheOptions::default() })
    }
}

impl PrebuildArgs {
    pub fn options(&self, loaded: &Loaded) -> anyhow::Result<CacheOptions> {
        let mut options = self.cache.options(loaded)?;
        options.cache_to = self.cache_to.clone();
        options.push = self.push;
        Ok(options)
    }
}

/// `--check-cache`: looks every layer of `plan` up in the `--cache-from` and `--cache-to` repositories.
pub async fn check(plan: &BuildPlan, cache: &CacheOptions, reporter: &dyn Reporter) -> anyhow::Result<ExitCode> {
    let mut names = cache.cache_from.clone();
    names.extend(cache.cache_to.clone());
    anyhow::ensure!(
        !names.is_empty(),
        "`--check-cache` needs a repository to look in\nhint: pass `--cache-from REPO` or `--cache-to REPO`, or set `customizations.containai.cacheFrom`"
    );
    let answer =
        remote_cache::check(plan, &HttpProbe::new(), reporter, &repositories(&names)?, cache.require_cache).await?;
    super::build::print_json(&answer)?;
    Ok(if answer.complete { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
