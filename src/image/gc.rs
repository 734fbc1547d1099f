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
use crate::plan::model::cache_tag_key;
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

#[cfg(test)]
#[path = "gc_tests.rs"]
mod tests;
