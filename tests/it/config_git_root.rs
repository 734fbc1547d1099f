//! The default workspace mount against git settings an attacker controls (engine-free, the real binary): the
//! agent's `git config core.worktree` in the mounted `.git`, and `GIT_DIR` in the environment, cannot move the
//! mount to another host folder; `read-configuration` shows the mount `up` would make.

use crate::support::sandbox::{Home, json};
use crate::support::text;
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git").args(args).current_dir(dir).status().expect("git");
    assert!(status.success(), "git {args:?}");
}

/// The workspace mount `read-configuration` reports for `ws` with `envs`.
fn mount(home: &Home, ws: &Path, envs: &[(&str, &Path)]) -> String {
    let mut cmd = home.command("read-configuration", Some(ws), &[]);
    cmd.envs(envs.iter().map(|(k, v)| (k, v.as_os_str())));
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    json(&out)["workspace"]["workspaceMount"].as_str().unwrap().to_string()
}

#[test]
fn core_worktree_and_git_dir_cannot_move_the_workspace_mount() {
    let home = Home::new();
    let ws = home.workspace("repo", &json!({"image": "containai-test/base:bookworm"}));
    let expected = format!("type=bind,source={},target=/workspaces/repo", ws.display());
    // The agent points the workspace's own repository at the folder above it.
    git(&ws, &["init", "-q"]);
    git(&ws, &["config", "core.worktree", &home.dir.path().to_string_lossy()]);
    assert_eq!(mount(&home, &ws, &[]), expected);
    // A repository elsewhere, named by `GIT_DIR`, whose worktree is the folder above.
    std::fs::remove_dir_all(ws.join(".git")).unwrap();
    let other = home.dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    git(&other, &["init", "-q"]);
    git(&other, &["config", "core.worktree", &home.dir.path().to_string_lossy()]);
    assert_eq!(mount(&home, &ws, &[("GIT_DIR", &other.join(".git"))]), expected);
}
