//! The engine's images and containers → which cache layers (`containai-cache:<key>`, and the pulled ones,
//! `containai-cache/from-<hash>:<key>`) are in use and which `gc` removes.
//!
//! A layer is **in use** when its image is, or is an ancestor of, a *root*:
//! - the image of any container (running or not, created by containai or not);
//! - any image with a name outside `containai-cache` (`--image-name`, or a user's `docker build -t app` on top
//!   of a layer).
//!
//! Ancestors follow both the engine's parent chain (`ParentId`, through the untagged images of each build step)
//! and containai's `containai.parent-key` label (to every cache layer tagged with the parent key), so that a
//! layer stays while anything built on it stays, even when the engine does not record parents (loaded images).
//! Untagged images are not roots. Every other cache tag is unused and goes, children first.

use super::execute::LABEL_PARENT_KEY;
use super::{BuildError, Result};
use crate::engine::Docker;
use crate::plan::model::cache_tag_key;
use crate::report::Reporter;
use bollard::query_parameters::{ListContainersOptions, ListImagesOptions, RemoveImageOptions};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One image as the engine lists it (`docker image ls -a`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageNode {
    pub id: String,
    /// The engine's parent image id (empty when none or unknown).
    pub parent_id: String,
    pub tags: Vec<String>,
    pub labels: BTreeMap<String, String>,
}

/// One container: its name and the id of its image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerNode {
    pub name: String,
    pub image_id: String,
}

/// A cache layer and what `gc` does with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerUse {
    pub key: String,
    /// The cache tag that names it (what `gc` removes).
    pub tag: String,
    pub image_id: String,
    /// Why it is kept (`None`: unused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_by: Option<String>,
}

/// The decision over every cache layer `gc` looked at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GcPlan {
    /// Unused layers, children before their parents.
    pub remove: Vec<LayerUse>,
    /// Layers in use, with what uses them.
    pub keep: Vec<LayerUse>,
}

fn is_name(tag: &str) -> bool {
    cache_tag_key(tag).is_none() && tag != "<none>:<none>" && !tag.is_empty()
}

/// Decides which cache layers whose key starts with `key_prefix` are in use (see the module docs).
pub fn plan(images: &[ImageNode], containers: &[ContainerNode], key_prefix: &str) -> GcPlan {
    let by_id: HashMap<&str, &ImageNode> = images.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut by_key: HashMap<&str, Vec<&str>> = HashMap::new();
    for image in images {
        for key in image.tags.iter().filter_map(|t| cache_tag_key(t)) {
            by_key.entry(key).or_default().push(image.id.as_str());
        }
    }
    let mut roots: Vec<(&str, String)> =
        containers.iter().map(|c| (c.image_id.as_str(), format!("container `{}`", c.name))).collect();
    for image in images {
        if let Some(name) = image.tags.iter().find(|t| is_name(t)) {
            roots.push((image.id.as_str(), format!("image `{name}`")));
        }
    }
    let mut used: HashMap<&str, String> = HashMap::new();
    for (root, why) in roots {
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            let Some(image) = by_id.get(id) else { continue };
            if used.contains_key(id) {
                continue;
            }
            used.insert(id, why.clone());
            if !image.parent_id.is_empty() {
                stack.push(image.parent_id.as_str());
            }
            if let Some(parents) = image.labels.get(LABEL_PARENT_KEY).and_then(|k| by_key.get(k.as_str())) {
                stack.extend(parents);
            }
        }
    }
    let mut out = GcPlan::default();
    let mut unused = Vec::new();
    for image in images {
        let tags = image.tags.iter().filter_map(|t| Some((t, cache_tag_key(t)?)));
        for (tag, key) in tags.filter(|(_, k)| k.starts_with(key_prefix)) {
            let layer = LayerUse {
                key: key.to_string(),
                tag: tag.clone(),
                image_id: image.id.clone(),
                used_by: used.get(image.id.as_str()).cloned(),
            };
            match layer.used_by {
                Some(_) => out.keep.push(layer),
                None => unused.push((depth(&by_id, &image.id), layer)),
            }
        }
    }
    unused.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.key.cmp(&b.1.key)));
    out.remove = unused.into_iter().map(|(_, l)| l).collect();
    out.keep.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// How many engine parents `id` has (a cycle ends the walk).
fn depth<'a>(by_id: &HashMap<&'a str, &'a ImageNode>, mut id: &'a str) -> usize {
    let (mut n, mut seen) = (0, HashSet::new());
    while let Some(image) = by_id.get(id).filter(|i| !i.parent_id.is_empty()) {
        if !seen.insert(id) {
            break;
        }
        n += 1;
        id = image.parent_id.as_str();
    }
    n
}

/// What `gc` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GcOutcome {
    pub outcome: &'static str,
    pub dry_run: bool,
    pub removed: Vec<LayerUse>,
    pub kept: Vec<LayerUse>,
    /// Layers the engine refused to remove: `(key, message)`.
    pub failed: Vec<(String, String)>,
}

async fn engine_state(docker: &Docker) -> Result<(Vec<ImageNode>, Vec<ContainerNode>)> {
    let options = ListImagesOptions { all: true, ..Default::default() };
    let images = docker.client().list_images(Some(options)).await.map_err(|e| BuildError::EngineCall(e.into()))?;
    let images = images
        .into_iter()
        .map(|i| ImageNode {
            id: i.id,
            parent_id: i.parent_id,
            tags: i.repo_tags,
            labels: i.labels.into_iter().collect(),
        })
        .collect();
    let options = ListContainersOptions { all: true, ..Default::default() };
    let containers =
        docker.client().list_containers(Some(options)).await.map_err(|e| BuildError::EngineCall(e.into()))?;
    let containers = containers
        .into_iter()
        .map(|c| ContainerNode {
            name: c.names.unwrap_or_default().first().cloned().unwrap_or_default().trim_start_matches('/').to_string(),
            image_id: c.image_id.unwrap_or_default(),
        })
        .collect();
    Ok((images, containers))
}

/// Removes (or, with `dry_run`, lists) the unused cache layers whose key starts with `key_prefix`, holding the
/// cache lock exclusively so that no build on this machine is building on one meanwhile.
pub async fn collect(
    docker: &Docker,
    config_dir: &std::path::Path,
    key_prefix: &str,
    dry_run: bool,
    reporter: &dyn Reporter,
) -> Result<GcOutcome> {
    let _lock = crate::lock::acquire(config_dir, crate::lock::CACHE_LOCK, true).await?;
    let (images, containers) = engine_state(docker).await?;
    let plan = plan(&images, &containers, key_prefix);
    let mut out = GcOutcome { outcome: "success", dry_run, removed: vec![], kept: plan.keep, failed: vec![] };
    for layer in plan.remove {
        if !dry_run {
            let options = RemoveImageOptions { force: false, noprune: false, ..Default::default() };
            if let Err(err) = docker.client().remove_image(&layer.tag, Some(options), None).await {
                reporter.warn(&format!("cannot remove `{}`: {err}", layer.tag));
                out.failed.push((layer.key, err.to_string()));
                continue;
            }
        }
        out.removed.push(layer);
    }
    let verb = if dry_run { "would remove" } else { "removed" };
    reporter.info(&format!("{verb} {} cache layer(s), kept {} in use", out.removed.len(), out.kept.len()));
    Ok(out)
}

#[cfg(test)]
#[path = "gc_tests.rs"]
mod tests;
