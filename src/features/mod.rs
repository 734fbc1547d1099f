//! Config's `features` → resolved Dev Container Features with their options, in the spec's install order.

mod collate;
mod error;
pub mod graph;
pub mod metadata;
pub mod options;
pub mod order;
pub mod source;

pub use error::{FeatureError, Result};
pub use metadata::FeatureMetadata;
pub use options::FeatureUsers;
pub use source::LocalRoots;

use crate::plan::ContextFile;
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::BTreeMap;

/// Where a feature came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum FeatureSource {
    /// `containai/<id>`: embedded in the binary from features/.
    Builtin { id: String },
    /// `./path` relative to the config's folder.
    Local { path: std::path::PathBuf },
}

/// A feature ready for the plan: its parsed devcontainer-feature.json, option values, and files.
#[derive(Debug, Clone)]
pub struct ResolvedFeature {
    /// The reference as written in devcontainer.json (`containai/sshd`, `./local-feature`), or in the
    /// `dependsOn` of the feature that pulled it in.
    pub reference: String,
    pub source: FeatureSource,
    /// devcontainer-feature.json as parsed (key order kept).
    pub metadata: serde_json::Value,
    /// The same, typed.
    pub model: FeatureMetadata,
    /// Option values after defaults and type checks, by option id.
    pub options: BTreeMap<String, serde_json::Value>,
    /// Environment for install.sh: sanitised option names → values, plus `_REMOTE_USER`, `_CONTAINER_USER`,
    /// `_REMOTE_USER_HOME`, `_CONTAINER_USER_HOME`.
    pub env: BTreeMap<String, String>,
    /// The feature's folder (install.sh, devcontainer-feature.json, anything else), sorted by path.
    pub files: Vec<ContextFile>,
}

impl ResolvedFeature {
    /// The feature's `id` from its devcontainer-feature.json.
    pub fn id(&self) -> &str {
        &self.model.id
    }
}

/// Resolves the config's features (built-in and local, with their `dependsOn`), in install order.
pub fn resolve(loaded: &crate::config::Loaded) -> Result<Vec<ResolvedFeature>> {
    let model = &loaded.model;
    let empty = IndexMap::new();
    let users = FeatureUsers::new(
        model.remote_user.as_deref(),
        model.container_user.as_deref(),
    );
    resolve_features(
        model.features.as_ref().unwrap_or(&empty),
        model
            .override_feature_install_order
            .as_deref()
            .unwrap_or_default(),
        LocalRoots {
            config_dir: loaded.config_dir(),
            workspace: &loaded.workspace.local_workspace_folder,
        },
        &users,
    )
}

/// [`resolve`] on its parts: the `features` object, `overrideFeatureInstallOrder`, where local references
/// are read from, and the users install scripts are told about.
pub fn resolve_features(
    features: &IndexMap<String, Value>,
    override_order: &[String],
    roots: LocalRoots,
    users: &FeatureUsers,
) -> Result<Vec<ResolvedFeature>> {
    let mut graph = graph::build(features, roots)?;
    let entries = override_order
        .iter()
        .map(|reference| {
            Ok((
                reference.clone(),
                source::SourceId::parse(reference, roots.config_dir)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    order::apply_override(&mut graph.nodes, &entries)?;
    let order = order::install_order(&graph.nodes)?;
    Ok(order
        .into_iter()
        .map(|i| {
            let node = &graph.nodes[i];
            let loaded = &graph.loaded[i];
            ResolvedFeature {
                reference: node.reference.clone(),
                source: node.source.to_source(),
                metadata: loaded.raw.clone(),
                model: loaded.metadata.clone(),
                options: node.options.clone(),
                env: options::install_env(&node.options, users),
                files: loaded.files.clone(),
            }
        })
        .collect())
}
