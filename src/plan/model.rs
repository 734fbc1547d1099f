//! The build plan: the serialisable intermediate representation between the features stage and the build.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Repository under which every layer built here on layers built here is tagged by its key:
/// `containai-cache:<key>`.
pub const CACHE_REPOSITORY: &str = "containai-cache";

/// Repository of the layers pulled from the cache registry repository `source` (and of those built on them):
/// `containai-cache/from-<first 16 hex of blake3(source)>`. A registry writes its layers' `containai.key` labels
/// itself, so what it served satisfies only builds that name it, never another workspace's key lookup.
pub fn pulled_repository(source: &str) -> String {
    let hash = blake3::hash(source.as_bytes()).to_hex();
    format!("{CACHE_REPOSITORY}/from-{}", &hash[..16])
}

/// The key of a cache tag (`containai-cache:<key>` or `containai-cache/from-<hash>:<key>`), `None` for others.
pub fn cache_tag_key(tag: &str) -> Option<&str> {
    let (repository, key) = tag.rsplit_once(':')?;
    let hash = repository.strip_prefix(CACHE_REPOSITORY)?;
    let pulled = |h: &str| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit());
    (hash.is_empty() || hash.strip_prefix("/from-").is_some_and(pulled)).then_some(key)
}

pub use crate::context::KEY_VERSION;

/// Label holding a layer's full key (on every cache layer).
pub const LABEL_KEY: &str = "containai.key";
/// Label holding the parent layer's key.
pub const LABEL_PARENT_KEY: &str = "containai.parent-key";

/// Image reference of the layer with this key.
pub fn cache_tag(key: &str) -> String {
    format!("{CACHE_REPOSITORY}:{key}")
}

/// A plan: an ordered list of layers, each built `FROM` the one before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildPlan {
    /// Feature ids in install order.
    pub features: Vec<String>,
    pub layers: Vec<Layer>,
    /// The `devcontainer.metadata` label of the final image: the base image's entries, one per feature, then the
    /// config's own (spec: image metadata; merged by the spec's rules when the container is created).
    pub metadata: Value,
}

impl BuildPlan {
    /// Key of the final image: the last layer's key.
    pub fn image_key(&self) -> Option<&str> {
        self.layers.last().map(|l| l.key.as_str())
    }
}

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    /// `base`, `system`, `feature:<id>`, `user`.
    pub name: String,
    /// blake3 hex of everything that makes this layer.
    pub key: String,
    pub parent_key: Option<String>,
    /// The Dockerfile that builds it (for `base` of an image config: `FROM <image>`).
    pub dockerfile: String,
    /// What is sent as the build context.
    pub context: LayerContext,
    /// Build arguments (user Dockerfile only).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub build_args: BTreeMap<String, String>,
    /// Build target (user Dockerfile only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl Layer {
    /// A layer with no build arguments and no target (every step but a user Dockerfile's base).
    pub fn new(
        name: impl Into<String>,
        key: impl Into<String>,
        parent_key: Option<&str>,
        dockerfile: impl Into<String>,
        context: LayerContext,
    ) -> Layer {
        Layer {
            name: name.into(),
            key: key.into(),
            parent_key: parent_key.map(str::to_string),
            dockerfile: dockerfile.into(),
            context,
            build_args: BTreeMap::new(),
            target: None,
        }
    }
}

/// Build context of a layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum LayerContext {
    /// No files (an empty context).
    Empty,
    /// Files held in memory (a feature's folder, built-in or local), path relative to the context root.
    Files { files: Vec<ContextFile> },
    /// A folder on disk filtered by its `.dockerignore` (the user's `build.context`); `dockerfile` is the
    /// Dockerfile's path relative to that folder, or absolute when it lies outside.
    Directory { root: PathBuf, dockerfile: PathBuf },
}

pub use crate::context::ContextFile;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_tags_are_containai_cache_or_a_pulled_repository() {
        let pulled = pulled_repository("localhost:5000/team/cache");
        assert_ne!(pulled, pulled_repository("localhost:5000/team/other"));
        assert_eq!(cache_tag_key("containai-cache:k1"), Some("k1"));
        assert_eq!(cache_tag_key(&format!("{pulled}:k1")), Some("k1"));
        for other in
            ["app:1", "containai-cache/from-xyz:k1", "containai-cache-x:k1", "containai-cache", "<none>:<none>"]
        {
            assert_eq!(cache_tag_key(other), None, "{other}");
        }
    }
}
