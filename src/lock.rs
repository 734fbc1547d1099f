//! A folder + a name → an advisory file lock `<folder>/locks/<name>.lock` (0600, in 0700 folders), held until
//! dropped or until the process dies; and the one atomic writer of containai's private files.
//!
//! Who holds what: `up` holds a workspace's lock exclusively from looking up its container to the end of its
//! hooks, so that concurrent `up`s of one workspace create one container. Builds hold [`CACHE_LOCK`] shared
//! and `gc` holds it exclusively, so that `gc` never removes a layer a build on this machine is about to build
//! on. A build holds one layer lock (of [`LAYER_LOCKS`]) while it builds a missing layer, and looks the layer
//! up again once it has it, so that concurrent builds of one layer build it once. Locks are always taken in
//! that order (workspace, cache, layer) and a build holds one layer lock at a time: no cycle can form.

use std::fs::File;
use std::path::{Path, PathBuf};

/// Name of the lock builds share and `gc` takes alone.
pub const CACHE_LOCK: &str = "cache";
/// How many layer locks there are: a layer key picks one by its first two hex digits, so that the lock files
/// stay bounded however many layers come and go (two different layers rarely share one, and then only wait).
pub const LAYER_LOCKS: usize = 256;

/// A lock that could not be taken.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} `{path}`: {source}")]
pub struct LockError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

pub type Result<T, E = LockError> = std::result::Result<T, E>;

fn failed(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> LockError {
    let path = path.to_path_buf();
    move |source| LockError { action, path, source }
}

/// A held lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
    pub path: PathBuf,
}

/// Creates `dir` and its missing parents with mode 0700.
pub fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(failed("create", dir))
}

/// Writes `bytes` to `path` atomically (a temporary file beside it, synced, given `mode`, renamed over it), the
/// folder made 0700 when missing: a reader sees the old file or the new one, never part of either.
pub fn write_private(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
    private_dir(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(failed("create a file in", dir))?;
    tmp.write_all(bytes).map_err(failed("write", tmp.path()))?;
    tmp.as_file().sync_all().map_err(failed("sync", tmp.path()))?;
    tmp.as_file().set_permissions(std::fs::Permissions::from_mode(mode)).map_err(failed("chmod", path))?;
    tmp.persist(path).map_err(|e| failed("replace", path)(e.error))?;
    Ok(())
}

/// The lock file of `name` in `config_dir/locks` (`name` made file-name safe).
pub fn lock_path(config_dir: &Path, name: &str) -> PathBuf {
    let safe: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    config_dir.join("locks").join(format!("{safe}.lock"))
}

/// Opens (creating it and its folder) a lock file.
pub fn open(path: &Path) -> Result<File> {
    private_dir(path.parent().unwrap_or_else(|| Path::new(".")))?;
    let mut options = std::fs::OpenOptions::new();
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.create(true).truncate(false).write(true).open(path).map_err(failed("open", path))
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
    .map_err(|e| failed("lock", &waiting)(std::io::Error::other(e.to_string())))?
    .map_err(failed("lock", &waiting))?;
    Ok(FileLock { _file: file, path })
}

/// The workspace's lock (by its devcontainer id), exclusive.
pub async fn workspace(config_dir: &Path, devcontainer_id: &str) -> Result<FileLock> {
    acquire(config_dir, &format!("workspace-{devcontainer_id}"), true).await
}

/// The name of the layer lock that guards the layer keyed `key`.
pub fn layer_lock_name(key: &str) -> String {
    let stripe: String = key.chars().filter(char::is_ascii_hexdigit).take(2).collect::<String>().to_ascii_lowercase();
    format!("layer-{stripe:0>2}")
}

/// The lock that guards building the layer keyed `key`, exclusive.
pub async fn layer(config_dir: &Path, key: &str) -> Result<FileLock> {
    acquire(config_dir, &layer_lock_name(key), true).await
}

#[cfg(test)]
#[path = "lock_tests.rs"]
mod tests;
