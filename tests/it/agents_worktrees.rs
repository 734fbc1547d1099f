//! `up --worktree NAME` (engine-backed, runc insecure mode): three in parallel on one repository give three
//! containers on three branches from the image already built (no layer built); a commit made inside one lands
//! on its branch in the repository; `list` shows the worktrees; a `.git` file the sandbox pointed elsewhere is
//! refused and widens no mount; `down --remove --worktree` removes a clean worktree and keeps a changed one.

use crate::support::sandbox::{Home, SandboxesUnder, git, json};
use crate::support::{BASE_IMAGE, docker, text};
use serde_json::json;
use std::path::PathBuf;

#[test]
fn parallel_worktree_sandboxes_share_the_image_and_commit_to_the_repository() {
    let home = Home::new();
    let config = json!({
        "image": BASE_IMAGE,
        "features": {"containai/apt-packages": {"packages": "git"}},
        "customizations": {"containai": {"ssh": false}},
    });
    let repo = home.workspace(&crate::support::unique("agents-wt"), &config);
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "config"]);
    let _sandboxes = SandboxesUnder(home.dir.path().to_path_buf());
    let up = |extra: &[&str]| {
        let mut cmd = home.command("up", Some(&repo), &["--allow-insecure-runtime"]);
        cmd.args(extra);
        cmd
    };
    // The first build (the main workspace's own `up`) makes the image.
    let first = up(&[]).output().unwrap();
    assert!(first.status.success(), "{}", crate::support::last_lines(&text(&first), 30));

    let names = ["agent-a", "agent-b", "feature/agent-c"];
    let children: Vec<_> = names
        .iter()
        .map(|n| {
            up(&["--worktree", n])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let results: Vec<serde_json::Value> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", crate::support::last_lines(&text(&out), 30));
            json(&out)
        })
        .collect();
    let ids: std::collections::BTreeSet<&str> = results.iter().map(|r| r["containerId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3);
    for (name, result) in names.iter().zip(&results) {
        assert_eq!(result["layersBuilt"], 0, "{name}: {result}");
        let id = result["containerId"].as_str().unwrap();
        let folder = result["remoteWorkspaceFolder"].as_str().unwrap();
        let branch = docker(&["exec", "-w", folder, id, "git", "branch", "--show-current"]);
        assert_eq!(branch, *name);
    }
    // A commit inside the first lands on its branch in the repository.
    let (id, folder) =
        (results[0]["containerId"].as_str().unwrap(), results[0]["remoteWorkspaceFolder"].as_str().unwrap());
    let commit = crate::support::docker_output(&[
        "exec",
        "-w",
        folder,
        id,
        "sh",
        "-c",
        "echo inside > inside.txt && git add inside.txt && git -c user.name=a -c user.email=a@a commit -q -m from-inside",
    ]);
    assert!(commit.status.success(), "{}", text(&commit));
    assert_eq!(git(&repo, &["log", "-1", "--format=%s", "agent-a"]), "from-inside");
    assert_eq!(git(&repo, &["log", "-1", "--format=%s", "main"]), "config");

    // `list` shows the worktrees.
    let list = home.run("list", None, &["--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let worktrees: Vec<&str> = listed.as_array().unwrap().iter().filter_map(|e| e["worktree"].as_str()).collect();
    for name in names {
        assert!(worktrees.contains(&name), "{name} in {listed}");
    }

    // Bind mounts: the worktree, the repository's `.git`, its hooks and config read-only, and containai's own
    // egress drop-in for systemd, read-only — nothing else.
    let git_dir = repo.canonicalize().unwrap().join(".git");
    let mounts = docker(&["inspect", "--format", "{{json .Mounts}}", results[1]["containerId"].as_str().unwrap()]);
    let mounts: serde_json::Value = serde_json::from_str(&mounts).unwrap();
    for m in mounts.as_array().unwrap().iter().filter(|m| m["Type"] == "bind") {
        let source = m["Source"].as_str().unwrap();
        let ok = source.contains("/containai/worktrees/") || source == git_dir.to_str().unwrap();
        let read_only =
            source == git_dir.join("hooks").to_str().unwrap() || source == git_dir.join("config").to_str().unwrap();
        let egress = source.contains("/containai/egress/") && source.ends_with("/systemd.conf");
        assert!(ok || ((read_only || egress) && m["RW"] == false), "unexpected mount {m}");
    }

    // The sandbox points its `.git` file elsewhere: refused, nothing more mounted.
    let wt_b = PathBuf::from(
        git(&repo, &["worktree", "list", "--porcelain"])
            .lines()
            .filter_map(|l| l.strip_prefix("worktree "))
            .find(|p| p.ends_with("agent-b"))
            .unwrap()
            .to_string(),
    );
    let good = std::fs::read_to_string(wt_b.join(".git")).unwrap();
    std::fs::write(wt_b.join(".git"), "gitdir: /etc\n").unwrap();
    let refused = up(&["--worktree", "agent-b"]).output().unwrap();
    assert!(!refused.status.success() && text(&refused).contains("no longer points"), "{}", text(&refused));
    std::fs::write(wt_b.join(".git"), good).unwrap();

    // Removal: a clean worktree goes, a changed one stays unless forced.
    let down = |name: &str, force: bool| {
        let mut args = vec!["--remove", "--worktree", name];
        if force {
            args.push("--force-worktree");
        }
        home.run("down", Some(&repo), &args)
    };
    let clean = down("agent-a", false);
    assert!(clean.status.success(), "{}", text(&clean));
    assert!(!git(&repo, &["worktree", "list"]).contains("agent-a"));
    std::fs::write(wt_b.join("dirty.txt"), "x").unwrap();
    let kept = down("agent-b", false);
    assert!(!kept.status.success() && text(&kept).contains("has changes"), "{}", text(&kept));
    assert!(wt_b.exists());
    assert!(down("agent-b", true).status.success());
    assert!(!wt_b.exists());
    assert!(down("feature/agent-c", false).status.success());
}
