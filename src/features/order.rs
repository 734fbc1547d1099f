//! The dependency graph of features → the spec's install order: round-based sorting over `dependsOn` (hard)
//! and `installsAfter` (soft) edges, `overrideFeatureInstallOrder` round priorities, and the reference CLI's
//! stable tie-break inside a round.

use super::collate::{locale_compare, options_compare};
use super::source::SourceId;
use super::{FeatureError, Result};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// One distinct feature (source + options) of the graph.
#[derive(Debug, Clone)]
pub struct Node {
    /// The reference as written (devcontainer.json key or `dependsOn` key).
    pub reference: String,
    pub source: SourceId,
    /// The feature's `id` and `legacyIds`: what `installsAfter` and the override match besides the source.
    pub aliases: Vec<String>,
    /// Options as the user wrote them (for the tie-break).
    pub user_options: Value,
    /// Options after defaults (for equality).
    pub options: BTreeMap<String, Value>,
    /// Hard dependencies: indices into the node list.
    pub depends_on: Vec<usize>,
    /// Soft dependencies, as sources.
    pub installs_after: Vec<SourceId>,
    /// Round priority; 0 unless raised by `overrideFeatureInstallOrder`.
    pub priority: usize,
}

impl Node {
    pub fn new(reference: &str, source: SourceId, user_options: Value) -> Node {
        Node {
            reference: reference.to_string(),
            source,
            aliases: Vec::new(),
            user_options,
            options: BTreeMap::new(),
            depends_on: Vec::new(),
            installs_after: Vec::new(),
            priority: 0,
        }
    }

    /// Spec: a feature equals another when it is the same feature with the same options.
    pub fn same_feature(&self, other: &Node) -> bool {
        self.source == other.source && self.options == other.options
    }

    /// Whether this node satisfies a soft dependency on `wanted` (options do not matter).
    pub fn satisfies(&self, wanted: &SourceId) -> bool {
        if &self.source == wanted {
            return true;
        }
        match (&self.source, wanted) {
            (SourceId::Builtin(_), SourceId::Builtin(id)) => self.aliases.iter().any(|a| a == id),
            // Versions do not matter; a renamed feature answers to its `legacyIds` in the same namespace.
            (SourceId::Oci(have), SourceId::Oci(want)) => {
                have.registry == want.registry && have.namespace == want.namespace && self.aliases.contains(&want.id)
            }
            _ => false,
        }
    }
}

/// Raises the round priority of the nodes named in `overrideFeatureInstallOrder`: the first of `n` entries
/// gets `n`, the last `1`; a node keeps the highest it is given.
pub fn apply_override(nodes: &mut [Node], entries: &[(String, SourceId)]) -> Result<()> {
    let n = entries.len();
    for (index, (reference, wanted)) in entries.iter().enumerate() {
        let priority = n - index;
        let mut found = false;
        for node in nodes.iter_mut().filter(|node| node.satisfies(wanted)) {
            node.priority = node.priority.max(priority);
            found = true;
        }
        if !found {
            return Err(FeatureError::OverrideNotInstalled { reference: reference.clone() });
        }
    }
    Ok(())
}

/// The install order as indices into `nodes`.
pub fn install_order(nodes: &[Node]) -> Result<Vec<usize>> {
    // Soft edges to features that are not going to be installed are dropped.
    let soft: Vec<Vec<&SourceId>> = nodes
        .iter()
        .map(|node| {
            node.installs_after.iter().filter(|wanted| nodes.iter().any(|other| other.satisfies(wanted))).collect()
        })
        .collect();
    let mut installed: Vec<usize> = Vec::with_capacity(nodes.len());
    let mut done = vec![false; nodes.len()];
    let mut worklist: Vec<usize> = (0..nodes.len()).collect();
    while !worklist.is_empty() {
        let mut round: Vec<usize> = worklist
            .iter()
            .copied()
            .filter(|&i| {
                nodes[i].depends_on.iter().all(|&d| done[d])
                    && soft[i].iter().all(|wanted| installed.iter().any(|&j| nodes[j].satisfies(wanted)))
            })
            .collect();
        if round.is_empty() {
            return Err(FeatureError::Cycle { cycle: find_cycle(nodes, &soft, &worklist) });
        }
        let max = round.iter().map(|&i| nodes[i].priority).max().unwrap_or(0);
        round.retain(|&i| nodes[i].priority == max);
        worklist.retain(|i| !round.contains(i));
        round.sort_by(|&a, &b| compare(&nodes[a], &nodes[b]));
        for &i in &round {
            done[i] = true;
        }
        installed.extend(round);
    }
    Ok(installed)
}

/// The reference CLI's order inside a round: different kinds by reference, else by source, then options.
fn compare(a: &Node, b: &Node) -> Ordering {
    if !a.source.same_kind_as(&b.source) {
        return locale_compare(&a.reference, &b.reference);
    }
    locale_compare(&a.source.sort_key(), &b.source.sort_key())
        .then_with(|| options_compare(&a.user_options, &b.user_options))
}

/// A cycle among the nodes left when no round can be formed, as references, first node repeated at the end.
fn find_cycle(nodes: &[Node], soft: &[Vec<&SourceId>], left: &[usize]) -> Vec<String> {
    let edges = |i: usize| -> Vec<usize> {
        let mut out: Vec<usize> = nodes[i].depends_on.iter().copied().filter(|d| left.contains(d)).collect();
        for wanted in &soft[i] {
            let met = nodes.iter().enumerate().any(|(j, n)| !left.contains(&j) && n.satisfies(wanted));
            if met {
                continue;
            }
            out.extend(left.iter().copied().filter(|&j| nodes[j].satisfies(wanted)));
        }
        out
    };
    // Every node left has an unmet edge to another node left, so walking edges must revisit a node.
    let mut path: Vec<usize> = vec![left[0]];
    loop {
        let current = *path.last().expect("path is never empty");
        let Some(next) = edges(current).into_iter().next() else {
            break;
        };
        if let Some(start) = path.iter().position(|&p| p == next) {
            let mut cycle: Vec<String> = path[start..].iter().map(|&i| nodes[i].reference.clone()).collect();
            cycle.push(nodes[next].reference.clone());
            return cycle;
        }
        path.push(next);
    }
    left.iter().map(|&i| nodes[i].reference.clone()).collect()
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;
