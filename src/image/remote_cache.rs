//! A plan + cache repositories in registries → the layers missing here pulled from the registry before the build
//! (`--cache-from`), every layer pushed as `REPO:<key>` and the final image pushed after it (`--cache-to`,
//! `--push`); and, without building or pulling, whether the registry has every layer (`--check-cache`).
//!
//! A pulled layer is tagged `containai-cache/from-<hash of its repository>:<key>` ([`pulled_repository`]), never
//! `containai-cache:<key>`: its `containai.key` label is the registry's word only, so it serves the builds that
//! name that registry and no other.
//!
//! Interrupted pushes: a registry makes a tag visible only when its manifest is `PUT`, and the engine puts the
//! manifest only after every blob it refers to is uploaded and verified (the registry refuses a manifest that
//! names a missing blob). A push cut short leaves unreferenced blobs and no tag, so `REPO:<key>` never names an
//! incomplete image; lookups by tag therefore see a layer completely or not at all.

use super::error::{BuildError, Result};
use super::execute::{BuildOptions, BuildOutcome, LABEL_KEY, LABEL_PARENT_KEY, execute};
use crate::engine::{EngineError, ImageEngine};
use crate::plan::model::{BuildPlan, Layer, pulled_repository};
use crate::registry::reference::host_of;
use crate::registry::{Credentials, ManifestProbe, RegistryAuth, Repository};
use crate::report::{LayerSource, Reporter};
use serde::Serialize;
use std::collections::BTreeSet;

/// Where layers are looked up and pushed.
#[derive(Debug, Clone, Default)]
pub struct CacheOptions {
    /// Repositories to pull missing layers from (`--cache-from`, `customizations.containai.cacheFrom`).
    pub cache_from: Vec<String>,
    /// Repository every layer is pushed to as `REPO:<key>` (`--cache-to`).
    pub cache_to: Option<String>,
    /// Push the `--image-name`s.
    pub push: bool,
    /// A registry that cannot answer, or a layer it does not have, is an error instead of a local build.
    pub require_cache: bool,
}

/// One layer in a `--check-cache` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerPresence {
    pub name: String,
    pub key: String,
    pub in_registry: bool,
}

/// The `--check-cache` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheCheck {
    pub complete: bool,
    pub layers: Vec<LayerPresence>,
}

fn cache_error(message: String) -> BuildError {
    BuildError::RemoteCache { message }
}

/// Parses repository names; a bad one is an error whatever `require_cache` says (it is a typo, not an outage).
pub fn repositories(names: &[String]) -> Result<Vec<Repository>> {
    names.iter().map(|n| Repository::parse(n).map_err(cache_error)).collect()
}

/// The local repository of the layers pulled from `repository` (by its normalised name).
fn pulled_from(repository: &Repository) -> String {
    pulled_repository(&repository.engine_name())
}

impl CacheOptions {
    /// The local repositories of the layers pulled from the `cache_from` registries, in their order: where a
    /// build may look a layer up besides `containai-cache`.
    pub fn pulled_repositories(&self) -> Result<Vec<String>> {
        Ok(repositories(&self.cache_from)?.iter().map(pulled_from).collect())
    }
}

/// The user's credentials for the registry of `reference`.
fn auth_for(reference: &str) -> std::result::Result<Option<RegistryAuth>, String> {
    Credentials::for_registry(&host_of(reference)).map_err(|e| e.to_string())
}

/// [`execute`] with a registry cache: missing layers are pulled first (stopping at the first one no registry
/// has), the rest built, then layers and image names pushed as asked.
pub async fn execute_with_cache(
    plan: &BuildPlan,
    engine: &dyn ImageEngine,
    probe: &dyn ManifestProbe,
    reporter: &dyn Reporter,
    options: &BuildOptions,
    cache: &CacheOptions,
) -> Result<BuildOutcome> {
    let from = repositories(&cache.cache_from)?;
    let to = cache.cache_to.as_deref().map(Repository::parse).transpose().map_err(cache_error)?;
    let options = &BuildOptions { repositories: from.iter().map(pulled_from).collect(), ..options.clone() };
    let pulled = match options.no_cache || from.is_empty() {
        true => BTreeSet::new(),
        false => pull_missing(plan, engine, probe, reporter, &from, options, cache.require_cache).await?,
    };
    let names = plan.layers.iter().filter(|l| pulled.contains(&l.key)).map(|l| l.name.as_str()).collect();
    let quiet = PulledReporter { inner: reporter, pulled: names };
    let mut outcome = execute(plan, engine, &quiet, options).await?;
    for layer in outcome.layers.iter_mut().filter(|l| pulled.contains(&l.key) && l.source == LayerSource::Cached) {
        layer.source = LayerSource::Registry;
    }
    if let Some(to) = &to {
        for layer in &outcome.layers {
            let reference = to.tagged(&layer.key);
            engine.tag_image(&layer.image_id, &reference).await?;
            let pushed = push(engine, reporter, &reference).await;
            engine.remove_image(&reference, false).await?;
            pushed?;
        }
    }
    if cache.push {
        for name in &outcome.image_name {
            push(engine, reporter, name).await?;
        }
    }
    Ok(outcome)
}

async fn push(engine: &dyn ImageEngine, reporter: &dyn Reporter, reference: &str) -> Result<()> {
    let auth = auth_for(reference).map_err(cache_error)?;
    reporter.info(&format!("pushing `{reference}`"));
    let log = |line: &str| reporter.layer_log(reference, line);
    engine.push_image(reference, auth.as_ref(), &log).await.map_err(|e| {
        cache_error(format!("cannot push `{reference}`: {e}\nhint: check the registry and your `docker login`"))
    })
}

/// Forwards everything except the `cached` report of layers that were just pulled (they were reported as
/// coming from the registry already).
struct PulledReporter<'a> {
    inner: &'a dyn Reporter,
    /// Names of the layers pulled.
    pulled: BTreeSet<&'a str>,
}

impl Reporter for PulledReporter<'_> {
    fn info(&self, message: &str) {
        self.inner.info(message)
    }
    fn warn(&self, message: &str) {
        self.inner.warn(message)
    }
    fn layer_started(&self, name: &str, key: &str) {
        self.inner.layer_started(name, key)
    }
    fn layer_log(&self, name: &str, line: &str) {
        self.inner.layer_log(name, line)
    }
    fn layer_finished(&self, name: &str, source: LayerSource) {
        if !(source == LayerSource::Cached && self.pulled.contains(name)) {
            self.inner.layer_finished(name, source)
        }
    }
}

/// Whether the engine has `layer` under its key where this build looks (with the key label, as [`execute`]
/// checks).
async fn have(engine: &dyn ImageEngine, layer: &Layer, options: &BuildOptions) -> Result<bool> {
    Ok(super::execute::cached(engine, layer, &options.repositories).await?.is_some())
}

/// Pulls the layers missing here, in order, until one no registry has; returns the keys pulled.
async fn pull_missing(
    plan: &BuildPlan,
    engine: &dyn ImageEngine,
    probe: &dyn ManifestProbe,
    reporter: &dyn Reporter,
    from: &[Repository],
    options: &BuildOptions,
    require: bool,
) -> Result<BTreeSet<String>> {
    let mut pulled = BTreeSet::new();
    for layer in &plan.layers {
        if have(engine, layer, options).await? {
            continue;
        }
        let found = match find(probe, from, &layer.key).await {
            Ok(found) => found,
            Err(message) if require => return Err(cache_error(message)),
            Err(message) => {
                reporter.warn(&format!("{message}; building `{}` and the layers after it here", layer.name));
                break;
            }
        };
        let fetched = match &found {
            Some(repository) => fetch(engine, reporter, repository, layer).await,
            None => Err(format!("no cache repository has layer `{}` ({})", layer.name, short(&layer.key))),
        };
        match fetched {
            Ok(()) => {
                reporter.layer_finished(&layer.name, LayerSource::Registry);
                pulled.insert(layer.key.clone());
            }
            Err(message) if require => return Err(cache_error(message)),
            Err(message) if found.is_some() => {
                reporter.warn(&format!("{message}; building `{}` and the layers after it here", layer.name));
                break;
            }
            Err(_) => break,
        }
    }
    Ok(pulled)
}

fn short(key: &str) -> &str {
    &key[..key.len().min(12)]
}

/// The first repository that has `key`; an error when a registry cannot answer.
async fn find(
    probe: &dyn ManifestProbe,
    from: &[Repository],
    key: &str,
) -> std::result::Result<Option<Repository>, String> {
    for repository in from {
        let present = probe.has_tag(repository, key).await.map_err(|e| format!("cannot look layers up: {e}"))?;
        if present {
            return Ok(Some(repository.clone()));
        }
    }
    Ok(None)
}

/// Pulls `repository:<key>`, checks that its labels name the layer and its parent, tags it by key in the
/// repository's own local namespace, and drops the registry reference (the image stays under
/// `containai-cache/from-<hash>:<key>`).
async fn fetch(
    engine: &dyn ImageEngine,
    reporter: &dyn Reporter,
    repository: &Repository,
    layer: &Layer,
) -> std::result::Result<(), String> {
    let reference = repository.tagged(&layer.key);
    let auth = auth_for(&reference)?;
    let log = |line: &str| reporter.layer_log(&layer.name, line);
    engine
        .pull_image(crate::engine::PullRequest { reference: &reference, platform: None, auth: auth.as_ref() }, &log)
        .await
        .map_err(|e| format!("cannot pull `{reference}`: {e}"))?;
    let checked = check_labels(engine, &reference, layer).await;
    if let Ok(id) = &checked {
        let local = format!("{}:{}", pulled_from(repository), layer.key);
        engine.tag_image(id, &local).await.map_err(|e: EngineError| e.to_string())?;
    }
    let _ = engine.remove_image(&reference, false).await;
    checked.map(|_| ())
}

/// The pulled image's id when its labels carry the layer's key and parent key.
async fn check_labels(engine: &dyn ImageEngine, reference: &str, layer: &Layer) -> std::result::Result<String, String> {
    let image = engine.inspect_image(reference).await.map_err(|e| e.to_string())?;
    let image = image.ok_or_else(|| format!("`{reference}` is missing right after its pull"))?;
    let key_ok = image.labels.get(LABEL_KEY) == Some(&layer.key);
    let parent_ok = image.labels.get(LABEL_PARENT_KEY) == layer.parent_key.as_ref();
    match key_ok && parent_ok {
        true => Ok(image.id),
        false => Err(format!("`{reference}` does not carry the labels of layer `{}` (key and parent key)", layer.name)),
    }
}

/// Whether each layer of `plan` is in one of the repositories, by manifest lookups only (all at once).
pub async fn check(
    plan: &BuildPlan,
    probe: &dyn ManifestProbe,
    reporter: &dyn Reporter,
    from: &[Repository],
    require: bool,
) -> Result<CacheCheck> {
    let lookups = plan.layers.iter().map(|layer| find(probe, from, &layer.key));
    let answers = futures_util::future::join_all(lookups).await;
    let mut layers = Vec::with_capacity(answers.len());
    let mut warned = false;
    for (layer, answer) in plan.layers.iter().zip(answers) {
        let in_registry = match answer {
            Ok(found) => found.is_some(),
            Err(message) if require => return Err(cache_error(message)),
            Err(message) => {
                if !std::mem::replace(&mut warned, true) {
                    reporter.warn(&message);
                }
                false
            }
        };
        layers.push(LayerPresence { name: layer.name.clone(), key: layer.key.clone(), in_registry });
    }
    Ok(CacheCheck { complete: !layers.is_empty() && layers.iter().all(|l| l.in_registry), layers })
}

#[cfg(test)]
#[path = "remote_cache_tests.rs"]
mod tests;
