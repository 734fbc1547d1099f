//! Workspace folder + the parsed config → the container's workspace folder and the default workspace mount,
//! computed as the reference CLI does (it mounts the Git root that holds the workspace), found from the folder
//! structure alone.

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The reference's `getWorkspaceConfiguration`, before substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    /// Folder in the container (unsubstituted when the config sets it).
    pub workspace_folder: Option<String>,
    /// `None` for Compose configs, or when the config sets `workspaceMount` itself.
    pub workspace_mount: Option<String>,
}

/// Computes the defaults; `git_root` is asked only when a default is needed.
pub fn defaults(
    workspace: &Path,
    config: &Map<String, Value>,
    git_root: impl FnOnce(&Path) -> Option<PathBuf>,
) -> Defaults {
    let configured = config.get("workspaceFolder").and_then(Value::as_str).filter(|s| !s.is_empty());
    if config.contains_key("dockerComposeFile") {
        return Defaults { workspace_folder: Some(configured.unwrap_or("/").to_string()), workspace_mount: None };
    }
    let has_mount = config.contains_key("workspaceMount");
    if configured.is_some() && has_mount {
        return Defaults { workspace_folder: configured.map(str::to_string), workspace_mount: None };
    }
    let host_folder = git_root(workspace).unwrap_or_else(|| workspace.to_path_buf());
    let name = host_folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let container_folder = if name.is_empty() { "/workspaces".to_string() } else { format!("/workspaces/{name}") };
    let workspace_folder = match configured {
        Some(folder) => folder.to_string(),
        None => {
            let rel =
                workspace.strip_prefix(&host_folder).map(|r| r.to_string_lossy().into_owned()).unwrap_or_default();
            if rel.is_empty() { container_folder.clone() } else { format!("{container_folder}/{rel}") }
        }
    };
    let workspace_mount = (!has_mount).then(|| {
        let host = host_folder.to_string_lossy();
        let src_quote = if host.contains(',') { "\"" } else { "" };
        let tgt_quote = if container_folder.contains(',') { "\"" } else { "" };
        format!("type=bind,{src_quote}source={host}{src_quote},{tgt_quote}target={container_folder}{tgt_quote}")
    });
    Defaults { workspace_folder: Some(workspace_folder), workspace_mount }
}

/// The Git root that holds `folder`: the nearest of `folder` and its ancestors with a `.git` entry (a folder, or
/// the file of a worktree or submodule), the path kept as given (symlinks unresolved, as the reference does).
/// `None` when there is none.
///
/// Found from the folder structure only: git is never run and no git config is read, so neither
/// `core.worktree` (which an agent inside the container can set in the mounted `.git/config`) nor `GIT_DIR`,
/// `GIT_WORK_TREE` or any other variable in the environment moves the workspace mount to another host folder.
pub fn git_root(folder: &Path) -> Option<PathBuf> {
    folder.ancestors().find(|a| std::fs::symlink_metadata(a.join(".git")).is_ok()).map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn default_is_the_git_root_mounted_under_workspaces() {
        let d = defaults(Path::new("/src/repo/sub/dir"), &obj(json!({"image": "x"})), |_| Some("/src/repo".into()));
        assert_eq!(d.workspace_folder.as_deref(), Some("/workspaces/repo/sub/dir"));
        assert_eq!(d.workspace_mount.as_deref(), Some("type=bind,source=/src/repo,target=/workspaces/repo"));
    }

    #[test]
    fn no_git_root_and_commas_are_quoted() {
        let d = defaults(Path::new("/src/a,b"), &obj(json!({})), |_| None);
        assert_eq!(d.workspace_folder.as_deref(), Some("/workspaces/a,b"));
        assert_eq!(d.workspace_mount.as_deref(), Some("type=bind,\"source=/src/a,b\",\"target=/workspaces/a,b\""));
    }

    #[test]
    fn configured_values_win_and_compose_has_no_mount() {
        let both = obj(json!({"workspaceFolder": "/w", "workspaceMount": ""}));
        let d = defaults(Path::new("/src/a"), &both, |_| panic!("git asked needlessly"));
        assert_eq!(d, Defaults { workspace_folder: Some("/w".into()), workspace_mount: None });
        let compose = obj(json!({"dockerComposeFile": "c.yml"}));
        let d = defaults(Path::new("/src/a"), &compose, |_| None);
        assert_eq!(d, Defaults { workspace_folder: Some("/".into()), workspace_mount: None });
    }

    fn git(dir: &Path, args: &[&str]) {
        let status = std::process::Command::new("git").args(args).current_dir(dir).status().expect("git");
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn the_git_root_is_the_nearest_folder_with_a_git_entry() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join("sub/dir")).unwrap();
        assert_eq!(git_root(&repo.join("sub/dir")), None);
        std::fs::create_dir(repo.join(".git")).unwrap();
        assert_eq!(git_root(&repo.join("sub/dir")), Some(repo.clone()));
        assert_eq!(git_root(&repo), Some(repo.clone()));
        std::fs::write(repo.join("sub/.git"), "gitdir: /elsewhere\n").unwrap();
        assert_eq!(git_root(&repo.join("sub/dir")), Some(repo.join("sub")), "a worktree's `.git` file counts");
    }

    #[test]
    fn core_worktree_cannot_move_the_workspace_mount() {
        let tmp = tempfile::tempdir().unwrap();
        let (repo, elsewhere) = (tmp.path().join("repo"), tmp.path().join("elsewhere"));
        std::fs::create_dir_all(repo.join("sub")).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        git(&repo, &["init", "-q"]);
        let found =
            crate::config::discover::Found { path: repo.join(".devcontainer/devcontainer.json"), explicit: false };
        let expected = format!("type=bind,source={},target=/workspaces/repo", repo.display());
        // Another folder (git answers `--show-cdup` with its absolute path), or an ancestor (`../../`).
        for worktree in [&elsewhere, tmp.path()] {
            git(&repo, &["config", "core.worktree", &worktree.to_string_lossy()]);
            let text = r#"{"image": "x"}"#;
            let loaded = crate::config::load_text(&repo.join("sub"), &found, text, &|_| None, git_root).unwrap();
            assert_eq!(loaded.workspace.workspace_mount.as_deref(), Some(expected.as_str()), "{worktree:?}");
            assert_eq!(loaded.workspace.workspace_folder, "/workspaces/repo/sub");
        }
    }
}
