//! What the last full readiness check of a container found → a small record on the host, so that `up` on a
//! running container answers without running anything in it (each exec costs ~100 ms on a runc engine).

use super::Result;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The record of one container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerState {
    pub container_id: String,
    /// Units systemd listed as failed at the last check.
    pub failed_units: Vec<String>,
    /// onCreate/updateContent/postCreate ran (their markers are in the container).
    pub created_hooks_done: bool,
    /// The container was started but postStartCommand did not run yet (`--skip-non-blocking-commands`).
    #[serde(default)]
    pub post_start_due: bool,
}

fn path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{}.json", &id[..id.len().min(24)]))
}

/// The record for this container, if any (a damaged one counts as none).
pub fn load(dir: &Path, id: &str) -> Option<ContainerState> {
    let text = std::fs::read_to_string(path(dir, id)).ok()?;
    serde_json::from_str::<ContainerState>(&text).ok().filter(|s| s.container_id == id)
}

pub fn save(dir: &Path, state: &ContainerState) -> Result<()> {
    let text = serde_json::to_string(state).unwrap_or_default();
    super::ssh_config::write_atomic(&path(dir, &state.container_id), text.as_bytes(), 0o600)
}

/// Forgets a removed container.
pub fn forget(dir: &Path, id: &str) {
    let _ = std::fs::remove_file(path(dir, id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_per_container() {
        let dir = tempfile::tempdir().unwrap();
        let state = ContainerState {
            container_id: "abc".repeat(10),
            failed_units: vec!["x.service".into()],
            created_hooks_done: true,
            post_start_due: true,
        };
        save(dir.path(), &state).unwrap();
        assert_eq!(load(dir.path(), &state.container_id), Some(state.clone()));
        assert_eq!(load(dir.path(), "other"), None);
        forget(dir.path(), &state.container_id);
        assert_eq!(load(dir.path(), &state.container_id), None);
    }
}
