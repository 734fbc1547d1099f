//! Config's `features` → resolved Dev Container Features with their options, in the spec's install order.

mod collate;
pub mod configuration;
mod error;
pub mod graph;
pub mod legacy;
pub mod metadata;
pub mod oci;
pub mod options;
pub mod order;
pub mod source;

pub use error::{FeatureError, Result};
pub use metadata::FeatureMetadata;
pub use options::FeatureUsers;
pub use source::LocalRoots;

use crate::context::ContextFile;
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
    /// `registry/namespace/id[:tag|@digest]`, as parsed (lower case).
    Oci { reference: String },
    /// `https://…/devcontainer-feature-<id>.tgz`.
    Tarball { url: String },
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

/// Resolves the config's features (built-in, local and OCI, with their `dependsOn`), in install order, with
/// the default [`oci::RemoteOptions`] (online, lockfile written when it changes).
pub fn resolve(loaded: &crate::config::Loaded) -> Result<Vec<ResolvedFeature>> {
    resolve_with(loaded, &oci::RemoteOptions::default())
}

/// The features in install order and what resolving them found besides.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub features: Vec<ResolvedFeature>,
    /// At the same index: the value the feature was given (in devcontainer.json or a `dependsOn`), as written.
    pub values: Vec<Value>,
    /// What was resolved remotely (manifest digests), keyed by reference as written.
    pub lockfile: oci::Lockfile,
    /// The content store that holds the OCI manifests.
    pub store: oci::Store,
    /// For the user: deprecated short ids and what they were resolved as.
    pub warnings: Vec<String>,
}

/// [`resolve`] with remote options: OCI features come from the registry or the content store, pinned by
/// the lockfile next to the config, which is written when it changes (an error with `frozen_lockfile`).
/// Warnings are dropped: [`resolve_reporting`] tells them.
pub fn resolve_with(loaded: &crate::config::Loaded, options: &oci::RemoteOptions) -> Result<Vec<ResolvedFeature>> {
    Ok(resolve_full(loaded, options)?.features)
}

/// [`resolve_with`], each warning (a deprecated short id such as `git`) told to `reporter`.
pub fn resolve_reporting(
    loaded: &crate::config::Loaded,
    options: &oci::RemoteOptions,
    reporter: &dyn crate::report::Reporter,
) -> Result<Vec<ResolvedFeature>> {
    let resolution = resolve_full(loaded, options)?;
    for warning in &resolution.warnings {
        reporter.warn(warning);
    }
    Ok(resolution.features)
}

/// [`resolve_with`] with everything it found ([`Resolution`]).
pub fn resolve_full(loaded: &crate::config::Loaded, options: &oci::RemoteOptions) -> Result<Resolution> {
    let lock_path = oci::lockfile::path_for(&loaded.workspace.config_file);
    let remote = oci::Remote::new(options.clone(), oci::Lockfile::read(&lock_path)?);
    let resolution = resolve_loaded_full(loaded, &remote)?;
    oci::lockfile::settle(&lock_path, &remote, options)?;
    Ok(resolution)
}

/// [`resolve`] through a given [`oci::Remote`], without touching the lockfile (`remote.lockfile()` has it).
pub fn resolve_loaded(loaded: &crate::config::Loaded, remote: &oci::Remote) -> Result<Vec<ResolvedFeature>> {
    Ok(resolve_loaded_full(loaded, remote)?.features)
}

fn resolve_loaded_full(loaded: &crate::config::Loaded, remote: &oci::Remote) -> Result<Resolution> {
    let model = &loaded.model;
    let empty = IndexMap::new();
    let users = FeatureUsers::new(model.remote_user.as_deref(), model.container_user.as_deref());
    resolve_features_full(
        model.features.as_ref().unwrap_or(&empty),
        model.override_feature_install_order.as_deref().unwrap_or_default(),
        LocalRoots { config_dir: loaded.config_dir(), workspace: &loaded.workspace.local_workspace_folder },
        &users,
        remote,
    )
}

/// [`resolve`] on its parts: the `features` object, `overrideFeatureInstallOrder`, where local references
/// are read from, and the users install scripts are told about (OCI references with default options).
pub fn resolve_features(
    features: &IndexMap<String, Value>,
    override_order: &[String],
    roots: LocalRoots,
    users: &FeatureUsers,
) -> Result<Vec<ResolvedFeature>> {
    let remote = oci::Remote::new(oci::RemoteOptions::default(), None);
    resolve_features_with(features, override_order, roots, users, &remote)
}

/// [`resolve_features`] with OCI references fetched through `remote`.
pub fn resolve_features_with(
    features: &IndexMap<String, Value>,
    override_order: &[String],
    roots: LocalRoots,
    users: &FeatureUsers,
    remote: &oci::Remote,
) -> Result<Vec<ResolvedFeature>> {
    Ok(resolve_features_full(features, override_order, roots, users, remote)?.features)
}

/// [`resolve_features_with`] with everything it found ([`Resolution`]).
pub fn resolve_features_full(
    features: &IndexMap<String, Value>,
    override_order: &[String],
    roots: LocalRoots,
    users: &FeatureUsers,
    remote: &oci::Remote,
) -> Result<Resolution> {
    let (features, folded) = legacy::fold(features);
    if remote.options.offline {
        // Only OCI references (legacy short ids included) need the store; local paths are local at any depth.
        let top: Vec<(&str, oci::OciRef)> = features
            .keys()
            .filter_map(|r| match source::SourceId::parse(r, roots.config_dir) {
                Ok(source::SourceId::Oci(oci)) => Some((r.as_str(), oci)),
                _ => None,
            })
            .collect();
        let missing = remote.missing_offline(top.iter().map(|(r, o)| (*r, o)));
        if !missing.is_empty() {
            let store = remote.store.root().to_path_buf();
            return Err(oci::OciError::NotInStore { store, missing }.into());
        }
    }
    let mut graph = graph::build(&features, roots, remote)?;
    let entries = override_order
        .iter()
        .map(|reference| Ok((reference.clone(), source::SourceId::parse(reference, roots.config_dir)?)))
        .collect::<Result<Vec<_>>>()?;
    order::apply_override(&mut graph.nodes, &entries)?;
    let order = order::install_order(&graph.nodes)?;
    let values = order.iter().map(|&i| graph.nodes[i].user_options.clone()).collect();
    let resolved = order
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
        .collect();
    Ok(Resolution {
        features: resolved,
        values,
        lockfile: remote.lockfile(),
        store: remote.store.clone(),
        warnings: folded.into_iter().chain(graph.warnings).collect(),
    })
}
