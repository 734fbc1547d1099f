//! `--workspace-folder` / `--config` → a loaded devcontainer.json (until `config::load` lands: a minimal loader).

use anyhow::{Context, Result, bail};
use containai::config::{DevContainer, Loaded, WorkspaceInfo};
use std::path::{Path, PathBuf};

fn find_config(folder: &Path) -> Option<PathBuf> {
    [".devcontainer/devcontainer.json", ".devcontainer.json"]
        .iter()
        .map(|p| folder.join(p))
        .find(|p| p.is_file())
}

fn substitute(text: &str, local: &Path, container_folder: &str, id: &str) -> String {
    let base = local.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let mut out = text
        .replace("${localWorkspaceFolder}", &local.display().to_string())
        .replace("${localWorkspaceFolderBasename}", &base)
        .replace("${containerWorkspaceFolder}", container_folder)
        .replace("${containerWorkspaceFolderBasename}", container_folder.rsplit('/').next().unwrap_or(""))
        .replace("${devcontainerId}", id);
    while let Some(start) = out.find("${localEnv:") {
        let Some(len) = out[start..].find('}') else { break };
        let inner = out[start + "${localEnv:".len()..start + len].to_string();
        let (var, default) = inner.split_once(':').unwrap_or((&inner, ""));
        let value = std::env::var(var).unwrap_or_else(|_| default.to_string());
        out.replace_range(start..start + len + 1, &value);
    }
    out
}

/// The spec's `${devcontainerId}`: a hash of the id labels, base32.
fn devcontainer_id(local: &Path, config: &Path) -> String {
    use sha2::Digest;
    let labels = serde_json::json!({
        "devcontainer.config_file": config.display().to_string(),
        "devcontainer.local_folder": local.display().to_string(),
    });
    let digest = sha2::Sha256::digest(labels.to_string().as_bytes());
    data_encoding::BASE32_NOPAD.encode(&digest).to_lowercase()
}

/// Loads the workspace's devcontainer.json.
pub fn load(folder: &Path, config: Option<&Path>) -> Result<Loaded> {
    let local = std::fs::canonicalize(folder).with_context(|| format!("workspace folder `{}`", folder.display()))?;
    let file = match config {
        Some(c) => std::fs::canonicalize(c).with_context(|| format!("config `{}`", c.display()))?,
        None => match find_config(&local) {
            Some(f) => f,
            None => bail!("no devcontainer.json found in `{}`\nhint: run `containai init`, or pass `--config`", local.display()),
        },
    };
    let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read `{}`", file.display()))?;
    let raw: serde_json::Value = serde_json5::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let base = local.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let id = devcontainer_id(&local, &file);
    let folder_in = raw
        .get("workspaceFolder")
        .and_then(|v| v.as_str())
        .map(|s| substitute(s, &local, "", &id))
        .unwrap_or_else(|| format!("/workspaces/{base}"));
    let value: serde_json::Value = serde_json::from_str(&substitute(&raw.to_string(), &local, &folder_in, &id))?;
    let model: DevContainer = serde_json::from_value(value.clone()).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let workspace_mount = match model.workspace_mount.as_deref() {
        Some("") => None,
        Some(m) => Some(m.to_string()),
        None => Some(format!("type=bind,source={},target={folder_in},consistency=cached", local.display())),
    };
    Ok(Loaded {
        value,
        model,
        workspace: WorkspaceInfo {
            local_workspace_folder: local,
            config_file: file,
            workspace_folder: folder_in,
            workspace_mount,
            devcontainer_id: id,
        },
        warnings: Vec::new(),
    })
}
