//! Config's `features` → resolved Dev Container Features with their options, in the spec's install order.

use crate::plan::ContextFile;
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
    /// The reference as written in devcontainer.json (`containai/sshd`, `./local-feature`).
    pub reference: String,
    pub source: FeatureSource,
    /// devcontainer-feature.json as parsed (the typed model lives in this stage).
    pub metadata: serde_json::Value,
    /// Option values after defaults and type checks, by option id.
    pub options: BTreeMap<String, serde_json::Value>,
    /// Environment for install.sh: sanitised option names → values, plus `_REMOTE_USER`, `_CONTAINER_USER`,
    /// `_REMOTE_USER_HOME`, `_CONTAINER_USER_HOME`.
    pub env: BTreeMap<String, String>,
    /// The feature's folder (install.sh, devcontainer-feature.json, anything else), sorted by path.
    pub files: Vec<ContextFile>,
}
