//! The user's `features` object → the dependency graph: every distinct feature (source + options) reached
//! through `dependsOn` (recursively, breadth first, as the reference CLI's worklist), with its loaded files.

use super::oci::Remote;
use super::options::{resolve_options, user_options};
use super::order::Node;
use super::source::{self, LoadedFeature, LocalRoots, SourceId};
use super::{FeatureError, Result};
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Nodes and, at the same index, what was loaded for each; warnings about the references (legacy short ids).
#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub loaded: Vec<Arc<LoadedFeature>>,
    pub warnings: Vec<String>,
}

struct Pending {
    reference: String,
    value: Value,
    /// The node whose `dependsOn` asked for this one.
    parent: Option<usize>,
}

/// Builds the graph; local references (also inside `dependsOn`) are relative to the config's folder; OCI
/// references are fetched through `remote`.
pub fn build(features: &IndexMap<String, Value>, roots: LocalRoots, remote: &Remote) -> Result<Graph> {
    let mut graph = Graph::default();
    let mut cache: HashMap<SourceId, Arc<LoadedFeature>> = HashMap::new();
    let mut queue: VecDeque<Pending> = features
        .iter()
        .map(|(reference, value)| Pending { reference: reference.clone(), value: value.clone(), parent: None })
        .collect();
    while let Some(pending) = queue.pop_front() {
        if let Some(warning) = super::legacy::warning(&pending.reference)
            && !graph.warnings.contains(&warning)
        {
            graph.warnings.push(warning);
        }
        let (mut node, loaded) = read(&pending, roots, remote, &mut cache).map_err(|e| match pending.parent {
            Some(parent) => FeatureError::Dependency {
                dependency: pending.reference.clone(),
                dependent: graph.nodes[parent].reference.clone(),
                source: Box::new(e),
            },
            None => e,
        })?;
        if let Some(existing) = graph.nodes.iter().position(|other| other.same_feature(&node)) {
            if let Some(parent) = pending.parent {
                graph.nodes[parent].depends_on.push(existing);
            }
            continue;
        }
        let index = graph.nodes.len();
        if let Some(parent) = pending.parent {
            graph.nodes[parent].depends_on.push(index);
        }
        let metadata = &loaded.metadata;
        node.aliases = std::iter::once(&metadata.id).chain(&metadata.legacy_ids).cloned().collect();
        // A soft dependency on something containai cannot resolve can never be installed: it is dropped.
        node.installs_after = metadata
            .installs_after
            .iter()
            .filter_map(|reference| SourceId::parse(reference, roots.config_dir).ok())
            .collect();
        queue.extend(metadata.depends_on.iter().map(|(reference, value)| Pending {
            reference: reference.clone(),
            value: value.clone(),
            parent: Some(index),
        }));
        graph.nodes.push(node);
        graph.loaded.push(loaded);
    }
    Ok(graph)
}

fn read(
    pending: &Pending,
    roots: LocalRoots,
    remote: &Remote,
    cache: &mut HashMap<SourceId, Arc<LoadedFeature>>,
) -> Result<(Node, Arc<LoadedFeature>)> {
    let reference = &pending.reference;
    let source = SourceId::parse(reference, roots.config_dir)?;
    let loaded = match cache.get(&source) {
        Some(loaded) => loaded.clone(),
        None => {
            let loaded = match &source {
                SourceId::Oci(oci) => source::from_files(reference, remote.load(reference, oci)?.files)?,
                SourceId::Tarball(url) => source::from_files(reference, remote.load_tarball(url)?.files)?,
                _ => source::load(reference, &source, &roots)?,
            };
            let loaded = Arc::new(loaded);
            cache.insert(source.clone(), loaded.clone());
            loaded
        }
    };
    let user = user_options(reference, &loaded.metadata, &pending.value)?;
    let mut node = Node::new(reference, source, pending.value.clone());
    node.options = resolve_options(reference, &loaded.metadata, &user)?;
    Ok((node, loaded))
}
