//! A workspace's inputs (its config as loaded, its local features' and lockfile's bytes, the options of `up`) →
//! a key; the last `up`'s result is kept beside it with the container's start time, so that an `up` of a running,
//! unchanged workspace answers from one inspect: no plan, no probe, no exec.

use super::Result;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Bumped when what the key covers changes meaning.
const WARM_VERSION: u32 = 1;

/// What the last full `up` of a workspace gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WarmRecord {
    pub key: String,
    pub container_id: String,
    /// The container's start time then: another start (a reboot, `docker restart`) is a full `up` again.
    pub started_at: String,
    /// The ssh entry it wrote, which must still be there.
    pub ssh_config: Option<PathBuf>,
    /// `up`'s result line.
    pub result: Value,
}

/// Everything that makes the workspace's image and container, hashed: `parts` (the loaded config, the options)
/// and the bytes of every file below `folders` (local features, the lockfile's folder), path and mode included.
pub fn key(parts: &[&Value], folders: &[&Path]) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(format!("containai {} warm {WARM_VERSION}\n", env!("CARGO_PKG_VERSION")).as_bytes());
    for part in parts {
        hasher.update(part.to_string().as_bytes());
        hasher.update(b"\n");
    }
    for folder in folders {
        for entry in walkdir::WalkDir::new(folder).follow_links(false).sort_by_file_name().into_iter().flatten() {
            use std::os::unix::fs::PermissionsExt;
            let Ok(meta) = entry.path().symlink_metadata() else { continue };
            hasher.update(entry.path().to_string_lossy().as_bytes());
            hasher.update(&meta.permissions().mode().to_le_bytes());
            if meta.is_file() {
                hasher.update(&std::fs::read(entry.path()).unwrap_or_default());
            } else if meta.file_type().is_symlink() {
                hasher.update(std::fs::read_link(entry.path()).unwrap_or_default().to_string_lossy().as_bytes());
            }
        }
    }
    hasher.finalize().to_hex().to_string()
}

fn path(dir: &Path, devcontainer_id: &str) -> PathBuf {
    dir.join(format!("warm-{devcontainer_id}.json"))
}

/// The record of the workspace whose key is `key`, if there is one (a damaged one counts as none).
pub fn load(dir: &Path, devcontainer_id: &str, key: &str) -> Option<WarmRecord> {
    let text = std::fs::read_to_string(path(dir, devcontainer_id)).ok()?;
    serde_json::from_str::<WarmRecord>(&text).ok().filter(|r| r.key == key)
}

pub fn save(dir: &Path, devcontainer_id: &str, record: &WarmRecord) -> Result<()> {
    let text = serde_json::to_string(record).unwrap_or_default();
    super::ssh_config::write_atomic(&path(dir, devcontainer_id), text.as_bytes(), 0o600)
}

/// Forgets the workspace's record (its container was removed or stopped).
pub fn forget(dir: &Path, devcontainer_id: &str) {
    let _ = std::fs::remove_file(path(dir, devcontainer_id));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_key_follows_the_config_the_options_and_every_byte_of_the_folders() {
        let dir = tempfile::tempdir().unwrap();
        let feature = dir.path().join("f");
        std::fs::create_dir_all(&feature).unwrap();
        std::fs::write(feature.join("install.sh"), "echo 1\n").unwrap();
        let config = json!({"image": "x"});
        let options = json!({"runtime": null});
        let first = key(&[&config, &options], &[&feature]);
        assert_eq!(first, key(&[&config, &options], &[&feature]));
        assert_ne!(first, key(&[&json!({"image": "y"}), &options], &[&feature]));
        assert_ne!(first, key(&[&config, &json!({"runtime": "runc"})], &[&feature]));
        std::fs::write(feature.join("install.sh"), "echo 2\n").unwrap();
        assert_ne!(first, key(&[&config, &options], &[&feature]));
    }

    #[test]
    fn records_round_trip_and_a_stale_key_finds_none() {
        let dir = tempfile::tempdir().unwrap();
        let record = WarmRecord {
            key: "k".into(),
            container_id: "c".into(),
            started_at: "t".into(),
            ssh_config: None,
            result: json!({"outcome": "success"}),
        };
        save(dir.path(), "id", &record).unwrap();
        assert_eq!(load(dir.path(), "id", "k"), Some(record));
        assert_eq!(load(dir.path(), "id", "other"), None);
        forget(dir.path(), "id");
        assert_eq!(load(dir.path(), "id", "k"), None);
    }
}
