//! The run stage's view of [`crate::lock`]: a workspace's devcontainer id → its exclusive `up` lock.

pub use crate::lock::{CACHE_LOCK, FileLock, acquire, lock_path, open};

use super::Result;
use std::path::Path;

/// The workspace's lock (by its devcontainer id), exclusive; held by `up` and `down`.
pub async fn workspace(config_dir: &Path, devcontainer_id: &str) -> Result<FileLock> {
    Ok(crate::lock::workspace(config_dir, devcontainer_id).await?)
}
