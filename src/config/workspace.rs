//! Workspace folder + the parsed config → the container's workspace folder and the default workspace mount,
//! computed as the reference CLI does (it mounts the Git root that holds the workspace).

use super::discover::resolve;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

/// `git rev-parse --show-cdup` in the folder, resolved against it (keeps symlinked paths, as the reference does).
/// `None` when git is missing or the folder is not in a work tree.
pub fn git_root(folder: &Path) -> Option<PathBuf> {
    // No `.git` anywhere above: skip the process (git would say "not a git repository").
    if std::env::var_os("GIT_DIR").is_none() && !folder.ancestors().any(|a| a.join(".git").exists()) {
        return None;
    }
    let output = Command::new("git")
        .args(["rev-parse", "--show-cdup"])
        .current_dir(folder)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let cdup = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Some(resolve(folder, Path::new(&cdup)))
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
}
