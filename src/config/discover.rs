//! Workspace folder + optional `--config` → the devcontainer.json to read, found as the reference CLI finds it.

use super::{ConfigError, Result};
use std::path::{Component, Path, PathBuf};

/// The config file that was chosen, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    /// `true` when given with `--config` (the reference then reports a `file:` URI, else `vscode-fileHost:`).
    pub explicit: bool,
}

/// `--config`, else `.devcontainer/devcontainer.json`, else `.devcontainer.json`. Both paths already absolute.
pub fn find(workspace_folder: &Path, config_file: Option<&Path>) -> Result<Found> {
    if let Some(path) = config_file {
        if !path.exists() {
            return Err(ConfigError::NotFound(path.to_path_buf()));
        }
        return Ok(Found { path: path.to_path_buf(), explicit: true });
    }
    let candidates =
        [workspace_folder.join(".devcontainer").join("devcontainer.json"), workspace_folder.join(".devcontainer.json")];
    if let Some(path) = candidates.iter().find(|p| p.is_file()) {
        return Ok(Found { path: path.clone(), explicit: false });
    }
    let nested = nested_configs(workspace_folder);
    if !nested.is_empty() {
        return Err(ConfigError::Ambiguous { folder: workspace_folder.to_path_buf(), candidates: nested });
    }
    Err(ConfigError::NotFound(candidates[0].clone()))
}

/// `.devcontainer/*/devcontainer.json`, sorted.
fn nested_configs(workspace_folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(workspace_folder.join(".devcontainer")) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> =
        entries.filter_map(|e| e.ok()).map(|e| e.path().join("devcontainer.json")).filter(|p| p.is_file()).collect();
    found.sort();
    found
}

/// Node's `path.resolve(base, p)`: absolute, `.` and `..` folded, no trailing slash, symlinks untouched.
pub fn resolve(base: &Path, p: &Path) -> PathBuf {
    let joined = if p.as_os_str().is_empty() { base.to_path_buf() } else { base.join(p) };
    let mut out = PathBuf::from("/");
    for component in joined.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_like_node() {
        let base = Path::new("/a/b");
        assert_eq!(resolve(base, Path::new("")), PathBuf::from("/a/b"));
        assert_eq!(resolve(base, Path::new("../c/./d/")), PathBuf::from("/a/c/d"));
        assert_eq!(resolve(base, Path::new("/x/../../y")), PathBuf::from("/y"));
    }

    #[test]
    fn order_of_discovery() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        assert!(matches!(find(ws, None), Err(ConfigError::NotFound(_))));
        std::fs::create_dir_all(ws.join(".devcontainer/a")).unwrap();
        std::fs::create_dir_all(ws.join(".devcontainer/b")).unwrap();
        std::fs::write(ws.join(".devcontainer/a/devcontainer.json"), "{}").unwrap();
        std::fs::write(ws.join(".devcontainer/b/devcontainer.json"), "{}").unwrap();
        let Err(ConfigError::Ambiguous { candidates, .. }) = find(ws, None) else { panic!() };
        assert_eq!(candidates.len(), 2);
        std::fs::write(ws.join(".devcontainer.json"), "{}").unwrap();
        assert_eq!(find(ws, None).unwrap().path, ws.join(".devcontainer.json"));
        std::fs::write(ws.join(".devcontainer/devcontainer.json"), "{}").unwrap();
        assert_eq!(find(ws, None).unwrap().path, ws.join(".devcontainer/devcontainer.json"));
        let given = ws.join(".devcontainer/b/devcontainer.json");
        assert_eq!(find(ws, Some(&given)).unwrap(), Found { path: given, explicit: true });
    }
}
