//! A name → an advisory file lock under containai's config folder (`locks/<name>.lock`), held until dropped.
//!
//! `up` holds a workspace's lock exclusively from looking up its container to the end of its hooks, so that
//! concurrent `up`s of one workspace create one container; builds hold the cache lock shared and `gc` holds it
//! exclusively, so that `gc` never removes a layer a build on this machine is about to build on.

use super::{Result, RunError};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Name of the lock builds share and `gc` takes alone.
pub const CACHE_LOCK: &str = "cache";

/// A held lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
    pub path: PathBuf,
}

/// The lock file of `name` in `config_dir/locks` (`name` made file-name safe).
pub fn lock_path(config_dir: &Path, name: &str) -> PathBuf {
    let safe: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    config_dir.join("locks").join(format!("{safe}.lock"))
}

/// Opens (creating it and its folder) a lock file.
pub fn open(path: &Path) -> Result<File> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    super::ssh_config::private_dir(dir)?;
    let mut options = std::fs::OpenOptions::new();
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(RunError::io("open", path))
}

/// Waits for the lock of `name`: exclusive, or shared with other shared holders.
pub async fn acquire(config_dir: &Path, name: &str, exclusive: bool) -> Result<FileLock> {
    let path = lock_path(config_dir, name);
    let file = open(&path)?;
    let waiting = path.clone();
    let file = tokio::task::spawn_blocking(move || {
        let locked = if exclusive { file.lock() } else { file.lock_shared() };
        locked.map(|()| file)
    })
    .await
    .map_err(|e| RunError::io("lock", &waiting)(std::io::Error::other(e.to_string())))?
    .map_err(RunError::io("lock", &waiting))?;
    Ok(FileLock { _file: file, path })
}

/// The workspace's lock (by its devcontainer id), exclusive.
pub async fn workspace(config_dir: &Path, devcontainer_id: &str) -> Result<FileLock> {
    acquire(config_dir, &format!("workspace-{devcontainer_id}"), true).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn an_exclusive_lock_admits_one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let (inside, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (dir, inside, most) = (dir.path().to_path_buf(), inside.clone(), most.clone());
                tokio::spawn(async move {
                    let _lock = workspace(&dir, "abc/def").await.unwrap();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
        assert!(dir.path().join("locks/workspace-abc_def.lock").exists());
    }

    #[tokio::test]
    async fn shared_locks_coexist_and_keep_an_exclusive_one_out() {
        let dir = tempfile::tempdir().unwrap();
        let a = acquire(dir.path(), CACHE_LOCK, false).await.unwrap();
        let b = acquire(dir.path(), CACHE_LOCK, false).await.unwrap();
        let probe = open(&a.path).unwrap();
        assert!(matches!(probe.try_lock(), Err(std::fs::TryLockError::WouldBlock)));
        drop((a, b));
        assert!(probe.try_lock().is_ok());
    }
}
