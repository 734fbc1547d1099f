//! The resolved remote features ⇄ `devcontainer-lock.json` next to the config, in the reference CLI's format
//! (`features` → `version`, `resolved`, `integrity`, `dependsOn`, keys sorted).

use super::{OciError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The whole lockfile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockfile {
    pub features: BTreeMap<String, LockEntry>,
}

/// One feature, keyed by its reference as written in the config (or a `dependsOn`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockEntry {
    /// The feature's `version` from its devcontainer-feature.json.
    pub version: String,
    /// `registry/ns/id@sha256:…` of the manifest.
    pub resolved: String,
    /// The manifest digest.
    pub integrity: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// `devcontainer-lock.json` beside `devcontainer.json`, `.devcontainer-lock.json` beside `.devcontainer.json`.
pub fn path_for(config_file: &Path) -> PathBuf {
    let hidden = config_file.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
    let name = if hidden { ".devcontainer-lock.json" } else { "devcontainer-lock.json" };
    config_file.with_file_name(name)
}

impl Lockfile {
    /// Reads a lockfile; `None` when there is none.
    pub fn read(path: &Path) -> Result<Option<Lockfile>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(OciError::Store { path: path.to_path_buf(), source }),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| OciError::BadLockfile { path: path.to_path_buf(), message: e.to_string() })
    }

    /// The text the reference CLI writes: two-space indented JSON.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a lockfile serialises");
        text.push('\n');
        text
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_text()).map_err(|source| OciError::Store { path: path.to_path_buf(), source })
    }
}

/// After resolving: compares what `remote` resolved with the lockfile at `path`; with `frozen_lockfile` a
/// difference is an error, otherwise a changed (or new, non-empty) lockfile is written.
pub fn settle(path: &Path, remote: &super::Remote, options: &super::RemoteOptions) -> Result<()> {
    let new = remote.lockfile();
    let old = remote.existing.clone().unwrap_or_default();
    if new == old || (new.features.is_empty() && remote.existing.is_none()) {
        return Ok(());
    }
    if options.frozen_lockfile {
        let mut changes = Vec::new();
        for (key, entry) in &new.features {
            match old.features.get(key) {
                None => changes.push(format!("`{key}` added")),
                Some(o) if o != entry => changes.push(format!("`{key}` {} → {}", o.integrity, entry.integrity)),
                _ => {}
            }
        }
        changes
            .extend(old.features.keys().filter(|k| !new.features.contains_key(*k)).map(|k| format!("`{k}` removed")));
        return Err(OciError::LockfileWouldChange { path: path.to_path_buf(), changes: changes.join(", ") });
    }
    if options.no_lockfile_write {
        return Ok(());
    }
    new.write(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_the_reference_format() {
        let text = r#"{
  "features": {
    "ghcr.io/devcontainers/features/node:1": {
      "version": "1.6.1",
      "resolved": "ghcr.io/devcontainers/features/node@sha256:aa",
      "integrity": "sha256:aa",
      "dependsOn": ["ghcr.io/devcontainers/features/common-utils"]
    },
    "a.io/x/y:2": {
      "version": "2.0.0",
      "resolved": "a.io/x/y@sha256:bb",
      "integrity": "sha256:bb"
    }
  }
}"#;
        let lock: Lockfile = serde_json::from_str(text).unwrap();
        let written = lock.to_text();
        assert!(written.find("a.io/x/y:2").unwrap() < written.find("ghcr.io").unwrap());
        assert!(written.contains("\"dependsOn\": [") && !written.contains("\"dependsOn\": []"));
        assert_eq!(serde_json::from_str::<Lockfile>(&written).unwrap(), lock);
        assert_eq!(
            path_for(Path::new("/w/.devcontainer/devcontainer.json")),
            Path::new("/w/.devcontainer/devcontainer-lock.json")
        );
        assert_eq!(path_for(Path::new("/w/.devcontainer.json")), Path::new("/w/.devcontainer-lock.json"));
    }
}
