//! Shared by the robustness tests: the containai binary in a sandbox (own HOME and XDG_CONFIG_HOME), a workspace
//! with unique local features, the docker CLI, and clean-up of what a test made.
use super::{binary, docker, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The last stdout line as JSON.
pub fn json(out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_else(|| panic!("no JSON line on stdout:\n{}", text(out)));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}\n{}", text(out)))
}

/// A temporary HOME (with XDG_CONFIG_HOME in it) shared by any number of workspaces.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Home { dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// A new workspace folder `<name>` with `config` as its devcontainer.json.
    pub fn workspace(&self, name: &str, config: &Value) -> PathBuf {
        let ws = self.dir.path().join(name);
        super::write_workspace(&ws, config);
        ws
    }

    /// `containai SUB --workspace-folder WS ARGS` with this HOME, ready to run or spawn.
    pub fn command(&self, sub: &str, workspace: Option<&Path>, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary());
        cmd.arg(sub);
        // No sysbox-runc here: builds run the repository's code under runc only in the explicit insecure mode.
        if sub == "build" {
            cmd.arg("--allow-insecure-runtime");
        }
        if let Some(ws) = workspace {
            cmd.arg("--workspace-folder").arg(ws);
        }
        cmd.args(args)
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join(".config"))
            .env_remove("CONTAINAI_ALLOW_INSECURE_RUNTIME");
        cmd
    }

    pub fn run(&self, sub: &str, workspace: Option<&Path>, args: &[&str]) -> Output {
        self.command(sub, workspace, args).output().unwrap()
    }
}

/// `(name, key, parent key)` of each layer of a workspace's plan (`containai build --plan`).
pub fn plan_layers(home: &Home, workspace: &Path) -> Vec<(String, String, Option<String>)> {
    let out = home.run("build", Some(workspace), &["--plan"]);
    assert!(out.status.success(), "{}", text(&out));
    let plan = json(&out);
    plan["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().into(),
                l["key"].as_str().unwrap().into(),
                l["parentKey"].as_str().map(String::from),
            )
        })
        .collect()
}

/// The cache tags of the layers from the first one whose name has `marker` on: those only this test makes.
pub fn own_tags(layers: &[(String, String, Option<String>)], marker: &str) -> Vec<String> {
    let first = layers.iter().position(|(name, _, _)| name.contains(marker)).unwrap_or(layers.len());
    layers[first..].iter().map(|(_, key, _)| format!("containai-cache:{key}")).collect()
}

/// The image's engine parent chain, as `(id, containai.key label)`.
pub fn chain(reference: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut next = reference.to_string();
    loop {
        let line = docker(&[
            "image",
            "inspect",
            "--format",
            "{{.Id}} {{.Parent}} {{index .Config.Labels \"containai.key\"}}",
            &next,
        ]);
        let mut parts = line.split(' ');
        let (Some(id), parent, key) =
            (parts.next().filter(|s| !s.is_empty()), parts.next().unwrap_or(""), parts.next().unwrap_or(""))
        else {
            return out;
        };
        out.push((id.to_string(), key.to_string()));
        if parent.is_empty() {
            return out;
        }
        next = parent.to_string();
    }
}

/// Writes a local feature `.devcontainer/<id>` whose install.sh sleeps `seconds` then writes `/etc/<id>`.
pub fn local_feature(workspace: &Path, id: &str, seconds: &str) {
    let dir = workspace.join(".devcontainer").join(id);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("devcontainer-feature.json"), format!(r#"{{"id": "{id}", "version": "1.0.0"}}"#)).unwrap();
    std::fs::write(dir.join("install.sh"), format!("#!/bin/sh\nset -e\nsleep {seconds}\necho {id} > /etc/{id}\n"))
        .unwrap();
}

/// The containers whose labels say they belong to `workspace`.
pub fn workspace_containers(workspace: &Path) -> Vec<String> {
    let folder = workspace.canonicalize().unwrap_or(workspace.to_path_buf());
    let filter = format!("label=devcontainer.local_folder={}", folder.display());
    docker(&["ps", "-aq", "--filter", &filter]).split_whitespace().map(str::to_string).collect()
}

/// Removes the workspaces' containers when dropped.
pub struct Workspaces(pub Vec<PathBuf>);

impl Drop for Workspaces {
    fn drop(&mut self) {
        for ws in &self.0 {
            for id in workspace_containers(ws) {
                docker(&["rm", "-f", "-v", &id]);
            }
            super::egress::remove_for(ws);
        }
    }
}

/// `git -C DIR ARGS`, which must succeed; its stdout, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git").arg("-C").arg(dir).args(args).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The containers whose workspace lies under the folder (a repository and its worktrees) and their egress
/// proxies and networks, removed when dropped.
pub struct SandboxesUnder(pub PathBuf);

impl Drop for SandboxesUnder {
    fn drop(&mut self) {
        for line in docker(&["ps", "-a", "--format", "{{.ID}} {{.Label \"devcontainer.local_folder\"}}"]).lines() {
            if let Some((id, folder)) = line.split_once(' ')
                && folder.starts_with(&*self.0.to_string_lossy())
            {
                docker(&["rm", "-f", "-v", id]);
            }
        }
        super::egress::remove_under(&self.0);
    }
}
