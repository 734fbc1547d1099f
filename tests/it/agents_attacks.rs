//! Attacks through git on the worktree sandboxes: the repository's `.git` (which a sandbox on the workspace can
//! write) plants a hook and an fsmonitor command, a worktree sandbox rewrites its `.git` file and its record's
//! `commondir` to point at a git folder of its own whose config runs a command. Proof: no marker file appears
//! on the host, the refusal names the `.git` file, nothing is mounted from where it points.

use crate::support::sandbox::{Home, SandboxesUnder, git, json};
use crate::support::{BASE_IMAGE, docker, text};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A git config that runs `touch MARKER` whenever git refreshes the index.
fn fsmonitor_config(marker: &Path) -> String {
    format!("[core]\n\trepositoryformatversion = 0\n\tfsmonitor = \"touch {}\"\n", marker.display())
}

#[test]
fn git_state_a_sandbox_can_write_never_runs_on_the_host_nor_widens_mounts() {
    let home = Home::new();
    let config = json!({"image": BASE_IMAGE, "customizations": {"containai": {"ssh": false}}});
    let repo = home.workspace(&crate::support::unique("agents-attack"), &config);
    let _sandboxes = SandboxesUnder(home.dir.path().to_path_buf());
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "config"]);
    let marker = home.dir.path().join("MARKER");
    // What a sandbox on the main workspace could have written into the repository's `.git`.
    let hook = repo.join(".git/hooks/post-checkout");
    std::fs::write(&hook, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    git(&repo, &["config", "core.fsmonitor", &format!("touch {}", marker.display())]);

    let up = |name: &str| home.run("up", Some(&repo), &["--allow-insecure-runtime", "--worktree", name]);
    let first = up("agent-x");
    assert!(first.status.success(), "{}", crate::support::last_lines(&text(&first), 30));
    assert!(!marker.exists(), "the repository's hook or fsmonitor ran on the host at `up --worktree`");
    let container = json(&first)["containerId"].as_str().unwrap().to_string();

    // The sandbox points its `.git` file, and its record's `commondir`, at a git folder of its own.
    let worktree = PathBuf::from(
        git(&repo, &["worktree", "list", "--porcelain"])
            .lines()
            .filter_map(|l| l.strip_prefix("worktree "))
            .find(|p| p.ends_with("agent-x"))
            .unwrap(),
    );
    let evil = worktree.join("evil-git");
    assert!(Command::new("cp").arg("-r").arg(repo.join(".git")).arg(&evil).status().unwrap().success());
    std::fs::write(evil.join("config"), fsmonitor_config(&marker)).unwrap();
    let record = repo.canonicalize().unwrap().join(".git/worktrees/agent-x");
    std::fs::write(record.join("commondir"), format!("{}\n", evil.display())).unwrap();
    let good = std::fs::read_to_string(worktree.join(".git")).unwrap();
    std::fs::write(worktree.join(".git"), format!("gitdir: {}\n", evil.display())).unwrap();

    let again = up("agent-x");
    assert!(!again.status.success() && text(&again).contains("no longer points"), "{}", text(&again));
    // Nothing is mounted from where the sandbox pointed: the container is the one made before.
    let mounts = docker(&["inspect", "--format", "{{json .Mounts}}", &container]);
    assert!(mounts.contains("/.git") && !mounts.contains("evil-git"), "{mounts}");
    let down = home.run("down", Some(&repo), &["--remove", "--worktree", "agent-x"]);
    assert!(!down.status.success(), "{}", text(&down));
    assert!(!marker.exists(), "a command the sandbox wrote ran on the host");

    // With the `.git` file restored but `commondir` still redirected: `down` checks the worktree with the
    // repository's own paths, so the redirected config never runs.
    std::fs::write(worktree.join(".git"), good).unwrap();
    let down = home.run("down", Some(&repo), &["--remove", "--worktree", "agent-x", "--force-worktree"]);
    assert!(down.status.success(), "{}", text(&down));
    assert!(!marker.exists(), "the sandbox's redirected config ran on the host at `down`");
    assert!(!worktree.exists());
}
