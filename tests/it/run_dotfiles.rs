//! `up --dotfiles-repository` for real (engine-backed, runc insecure mode): a bare repository on the host, mounted
//! into a container that has git (a local feature installs it), is cloned as the remote user after
//! postCreateCommand; its `setup.sh` runs in the clone; a second `up` does not run it again. Fails when no
//! engine answers.

use crate::support::sandbox::{Home, Workspaces, json};
use crate::support::{docker, text, token};
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().expect("git on the host");
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
}

#[test]
fn a_dotfiles_repository_is_cloned_and_installed_once() {
    let home = Home::new();
    let marker = token("dots");
    // The same feature id and files in every run, so the layer with git is built once per engine.
    let ws = home.workspace(
        &marker,
        &json!({
            "image": "containai-test/base:bookworm",
            "features": {"./cai-test-git": {}},
            "postCreateCommand": "echo post-create > /root/order",
            "customizations": {"containai": {"ssh": false}}
        }),
    );
    let _images = Workspaces(vec![ws.clone()]);
    let feature = ws.join(".devcontainer/cai-test-git");
    std::fs::create_dir_all(&feature).unwrap();
    std::fs::write(feature.join("devcontainer-feature.json"), r#"{"id": "cai-test-git", "version": "1.0.0"}"#).unwrap();
    std::fs::write(feature.join("install.sh"), "#!/bin/sh\nset -e\napt-get update -qq\napt-get install -y -qq --no-install-recommends git >/dev/null\nrm -rf /var/lib/apt/lists/*\n").unwrap();

    // The dotfiles: a setup.sh that records where it ran and what ran before it.
    let repos = home.dir.path().join("repos");
    let (bare, work) = (repos.join("dots.git"), repos.join("work"));
    std::fs::create_dir_all(&work).unwrap();
    git(&repos, &["init", "-q", "--bare", bare.to_str().unwrap()]);
    git(&work, &["init", "-q"]);
    std::fs::write(
        work.join("setup.sh"),
        format!("#!/bin/sh\necho \"{marker} $PWD $(cat /root/order)\" >> /root/dotfiles-ran\n"),
    )
    .unwrap();
    std::fs::write(work.join(".cai_rc"), "# a dotfile\n").unwrap();
    git(&work, &["add", "."]);
    git(&work, &["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "dots"]);
    git(&work, &["push", "-q", bare.to_str().unwrap(), "HEAD:refs/heads/main"]);
    git(&bare, &["symbolic-ref", "HEAD", "refs/heads/main"]);

    let mount = format!("type=bind,source={},target=/srv/dots.git,readonly", bare.display());
    let args = ["--allow-insecure-runtime", "--mount", &mount, "--dotfiles-repository", "/srv/dots.git"];
    let up = home.run("up", Some(&ws), &args);
    assert!(up.status.success(), "{}", text(&up));
    let id = json(&up)["containerId"].as_str().unwrap().to_string();
    assert_eq!(docker(&["exec", &id, "cat", "/root/dotfiles-ran"]), format!("{marker} /root/dotfiles post-create"));
    assert_eq!(docker(&["exec", &id, "cat", "/root/dotfiles/.cai_rc"]), "# a dotfile");

    let again = home.run("up", Some(&ws), &args);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(docker(&["exec", &id, "cat", "/root/dotfiles-ran"]).lines().count(), 1, "the dotfiles ran twice");
}
