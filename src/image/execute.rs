//! A [`BuildPlan`] + an [`ImageEngine`] → every layer present as `containai-cache:<key>`, building only the
//! layers whose key is not an image yet.
//!
//! Layers pulled from a cache registry live apart, in that registry's [`pulled_repository`], and so does every
//! layer built on one of them: a build finds a key among its own layers and those of the registries it names
//! ([`BuildOptions::repositories`]) only, so that what a registry served never satisfies another build.
//!
//! Contract with the plan stage: `layer.dockerfile` is the whole Dockerfile of the layer. When a layer has a
//! parent and its Dockerfile has no `FROM` instruction, `FROM <the parent layer's tag>` is put first. For a
//! [`LayerContext::Directory`] layer with an empty `dockerfile`, the file at its `dockerfile` path is used.

use super::error::{BuildError, Result};
use crate::context::ContextError;
use crate::context::from_images::from_images;
use crate::context::list::{self as context, memory_tar};
use crate::engine::{BuildContextBody, BuildRequest, EngineError, ImageEngine};
use crate::plan::model::{BuildPlan, CACHE_REPOSITORY, Layer, LayerContext, cache_tag};
use crate::plan::render::dockerfile_quote;
use crate::report::{LayerSource, Reporter};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use crate::plan::model::{LABEL_KEY, LABEL_PARENT_KEY};
/// Name of the Dockerfile inside contexts that do not bring their own.
pub const DOCKERFILE_NAME: &str = ".containai.Dockerfile";

/// How to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Rebuild every layer, with the engine's own cache off too.
    pub no_cache: bool,
    /// Extra references given to the final image (`--image-name`).
    pub image_names: Vec<String>,
    /// containai's config folder, whose layer locks make concurrent builds of one layer build it once
    /// ([`crate::lock::layer`]); `None` builds without them.
    pub lock_dir: Option<PathBuf>,
    /// The repositories of pulled layers ([`crate::plan::pulled_repository`]) this build may use after its own
    /// `containai-cache`: those of the registries it names (set by [`super::execute_with_cache`]).
    pub repositories: Vec<String>,
    /// How the images a user's Dockerfile starts `FROM` are pulled when the engine lacks them.
    pub pulls: super::PullOptions,
}

/// What happened to one layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerOutcome {
    pub name: String,
    pub key: String,
    pub source: LayerSource,
    #[serde(skip)]
    pub image_id: String,
    /// The tag the layer has here (`<repository>:<key>`).
    #[serde(skip)]
    pub reference: String,
}

/// What the build did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildOutcome {
    pub image_key: String,
    pub image_id: String,
    /// The final layer's tag, the name to run it by.
    #[serde(skip)]
    pub image: String,
    pub image_name: Vec<String>,
    pub layers: Vec<LayerOutcome>,
    pub layers_built: usize,
}

/// Builds what `plan` needs: each layer is looked up by its key first and built only when missing (or always,
/// with `no_cache`). A layer's tag is set by the engine only when its build completed.
pub async fn execute(
    plan: &BuildPlan,
    engine: &dyn ImageEngine,
    reporter: &dyn Reporter,
    options: &BuildOptions,
) -> Result<BuildOutcome> {
    if plan.layers.is_empty() {
        return Err(BuildError::EmptyPlan);
    }
    let mut layers: Vec<LayerOutcome> = Vec::with_capacity(plan.layers.len());
    for layer in &plan.layers {
        let engine_error = |source| BuildError::Engine { layer: layer.name.clone(), source };
        let lookup = || cached(engine, layer, &options.repositories);
        if !options.no_cache
            && let Some((id, reference)) = lookup().await.map_err(engine_error)?
        {
            reporter.layer_finished(&layer.name, LayerSource::Cached);
            layers.push(outcome(layer, LayerSource::Cached, id, reference));
            continue;
        }
        // Held until this layer is tagged: a concurrent build of the same layer waits, then finds it.
        let held = match &options.lock_dir {
            Some(dir) => Some(crate::lock::layer(dir, &layer.key).await?),
            None => None,
        };
        if held.is_some()
            && !options.no_cache
            && let Some((id, reference)) = lookup().await.map_err(engine_error)?
        {
            reporter.info(&format!("layer `{}` was built by another containai meanwhile", layer.name));
            reporter.layer_finished(&layer.name, LayerSource::Cached);
            layers.push(outcome(layer, LayerSource::Cached, id, reference));
            continue;
        }
        reporter.layer_started(&layer.name, &layer.key);
        // A layer built on a pulled one stays in that registry's repository.
        let parent = layers.last().map(|p| p.reference.as_str());
        let repository = parent.and_then(|p| p.rsplit_once(':')).map_or(CACHE_REPOSITORY, |(r, _)| r);
        let reference = format!("{repository}:{}", layer.key);
        let mut request = request_for(layer, options.no_cache, parent, &reference).await?;
        if let LayerContext::Directory { .. } = &layer.context {
            // The user's Dockerfile: the images it starts from are pulled here (mirrors, offline), and the
            // engine gets the logins for their registries too.
            let text = dockerfile_text(layer, parent)?;
            let images = from_images(&text, &layer.build_args, layer.target.as_deref());
            super::pull::ensure(&images, engine, reporter, &options.pulls).await?;
            request.registry_auth = super::pull::logins(&images, reporter);
        }
        let name = layer.name.as_str();
        let built = engine.build_image(request, &|line| reporter.layer_log(name, line)).await;
        let built = built.map_err(|err| match err {
            EngineError::BuildFailed { message, log_tail } => {
                BuildError::LayerFailed { layer: layer.name.clone(), message, log_tail }
            }
            other => engine_error(other),
        })?;
        reporter.layer_finished(&layer.name, LayerSource::Built);
        layers.push(outcome(layer, LayerSource::Built, built.id, reference));
    }
    let last = layers.last().expect("a plan with layers has a last layer").clone();
    for name in &options.image_names {
        engine
            .tag_image(&last.image_id, name)
            .await
            .map_err(|source| BuildError::Engine { layer: last.name.clone(), source })?;
    }
    Ok(BuildOutcome {
        image_key: last.key.clone(),
        image_id: last.image_id.clone(),
        image: last.reference.clone(),
        image_name: options.image_names.clone(),
        layers_built: layers.iter().filter(|l| l.source == LayerSource::Built).count(),
        layers,
    })
}

/// The id and tag of the image tagged with `layer`'s key, in `containai-cache` or else the first of
/// `repositories` that has it, when it carries that key's label.
pub(super) async fn cached(
    engine: &dyn ImageEngine,
    layer: &Layer,
    repositories: &[String],
) -> std::result::Result<Option<(String, String)>, EngineError> {
    for repository in std::iter::once(CACHE_REPOSITORY).chain(repositories.iter().map(String::as_str)) {
        let reference = format!("{repository}:{}", layer.key);
        let image = engine.inspect_image(&reference).await?;
        if let Some(image) = image.filter(|i| i.labels.get(LABEL_KEY) == Some(&layer.key)) {
            return Ok(Some((image.id, reference)));
        }
    }
    Ok(None)
}

fn outcome(layer: &Layer, source: LayerSource, image_id: String, reference: String) -> LayerOutcome {
    LayerOutcome { name: layer.name.clone(), key: layer.key.clone(), source, image_id, reference }
}

/// Whether a Dockerfile has a `FROM` instruction.
fn has_from(dockerfile: &str) -> bool {
    dockerfile.lines().any(|line| {
        let word = line.split_whitespace().next().unwrap_or("");
        word.eq_ignore_ascii_case("from")
    })
}

/// The Dockerfile text of `layer`, with `FROM parent` (its parent layer's tag) when it has none.
fn dockerfile_text(layer: &Layer, parent: Option<&str>) -> Result<String> {
    let mut text = layer.dockerfile.clone();
    if let LayerContext::Directory { root, dockerfile } = &layer.context
        && text.trim().is_empty()
    {
        let path = root.join(dockerfile);
        let bytes = std::fs::read(&path).map_err(|source| BuildError::Context(ContextError::Io { path, source }))?;
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    if let Some(key) = &layer.parent_key {
        let planned = cache_tag(key);
        let actual = parent.unwrap_or(&planned);
        if !has_from(&text) {
            text = format!("FROM {actual}\n{text}");
        } else if actual != planned {
            // The plan names the parent `containai-cache:<key>`; it was found (or built) in a pulled repository.
            text = text.replace(&format!("FROM {planned}\n"), &format!("FROM {actual}\n"));
        }
    }
    Ok(text)
}

/// The path of `dockerfile` inside `root` when it lies there.
fn inside(root: &Path, dockerfile: &Path) -> Option<String> {
    let rel: PathBuf = if dockerfile.is_absolute() {
        let root = std::fs::canonicalize(root).ok()?;
        let file = std::fs::canonicalize(dockerfile).ok()?;
        file.strip_prefix(&root).ok()?.to_path_buf()
    } else {
        dockerfile.to_path_buf()
    };
    let rel = rel.to_str()?.trim_start_matches("./").to_string();
    (!rel.starts_with("../") && !rel.is_empty()).then_some(rel)
}

/// A rendered Dockerfile with `labels` in it as one `LABEL` instruction, joined to its last line when that is a
/// one-line `LABEL`: the classic builder turns each label of a build request into an engine step of its own.
fn with_labels(text: &str, labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", dockerfile_quote(v))).collect();
    let mut lines: Vec<&str> = text.trim_end().lines().collect();
    let last = lines.pop().unwrap_or("");
    let continued = lines.last().is_some_and(|l| l.trim_end().ends_with('\\'));
    let head = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    if last.starts_with("LABEL ") && !last.trim_end().ends_with('\\') && !continued {
        format!("{head}{} {}\n", last.trim_end(), pairs.join(" "))
    } else {
        format!("{head}{last}\nLABEL {}\n", pairs.join(" "))
    }
}

/// The engine request that builds `layer` on `parent` (its parent layer's tag) and tags it `reference`.
async fn request_for(layer: &Layer, no_cache: bool, parent: Option<&str>, reference: &str) -> Result<BuildRequest> {
    let mut labels = BTreeMap::from([(LABEL_KEY.to_string(), layer.key.clone())]);
    if let Some(parent) = &layer.parent_key {
        labels.insert(LABEL_PARENT_KEY.to_string(), parent.clone());
    }
    let mut text = dockerfile_text(layer, parent)?;
    if !matches!(layer.context, LayerContext::Directory { .. }) {
        // A Dockerfile containai rendered: its labels go in it (one step), not in the request.
        text = with_labels(&text, &std::mem::take(&mut labels));
    }
    let bad_files = |source| BuildError::Context(ContextError::Io { path: PathBuf::from(&layer.name), source });
    let (context, dockerfile) = match &layer.context {
        LayerContext::Empty => {
            let tar = memory_tar([(DOCKERFILE_NAME, 0o644, text.as_bytes())]).map_err(bad_files)?;
            (BuildContextBody::Tar(tar), DOCKERFILE_NAME.to_string())
        }
        LayerContext::Files { files } => {
            let entries = files.iter().map(|f| (f.path.as_str(), f.mode, f.bytes.as_slice()));
            let tar = memory_tar(entries.chain([(DOCKERFILE_NAME, 0o644, text.as_bytes())])).map_err(bad_files)?;
            (BuildContextBody::Tar(tar), DOCKERFILE_NAME.to_string())
        }
        LayerContext::Directory { root, dockerfile } => {
            let name = inside(root, dockerfile).unwrap_or_else(|| DOCKERFILE_NAME.to_string());
            let (root, keep) = (root.clone(), name.clone());
            let listed = tokio::task::spawn_blocking(move || {
                context::list(&root, &[keep.as_str(), ".dockerignore"]).map(|entries| (root, entries))
            });
            let (root, entries) = listed.await.map_err(|e| {
                BuildError::Context(ContextError::Io {
                    path: layer_root(layer),
                    source: std::io::Error::other(e.to_string()),
                })
            })??;
            let stream = context::tar_stream(root, entries, vec![(name.clone(), text.into_bytes())]);
            (BuildContextBody::Stream(stream), name)
        }
    };
    Ok(BuildRequest {
        context,
        dockerfile,
        tags: vec![reference.to_string()],
        labels,
        build_args: layer.build_args.clone(),
        target: layer.target.clone(),
        no_cache,
        registry_auth: BTreeMap::new(),
    })
}

fn layer_root(layer: &Layer) -> PathBuf {
    match &layer.context {
        LayerContext::Directory { root, .. } => root.clone(),
        _ => PathBuf::new(),
    }
}
