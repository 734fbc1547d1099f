//! The built-ins as local features of a workspace → the reference `devcontainer build` (that CLI must be on
//! PATH) → an image with sshd and dockerd installed: proof that they are valid Dev Container Features.

use crate::support::docker_cli::{Docker, SSHD_IMAGE_CHECKS};
use crate::support::{docker, last_lines, reference_cli, unique};
use containai::assets::FEATURES;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

/// Now, in UTC, as the engine writes image `Created` times (they compare as strings; same machine).
fn utc_now() -> String {
    let out = Command::new("date").args(["-u", "+%Y-%m-%dT%H:%M:%S"]).output().expect("`date` runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The reference CLI's legacy-builder stages stay behind as untagged images, plus its fixed
/// `dev_container_feature_content_temp` tag: the untagged ones holding this run's feature content (the same
/// `COPY dir:` digest, i.e. the built-ins) or made by this run's feature stages are removed with the test's
/// images, then the temp image.
fn adopt_reference_leftovers(owner: &Docker, started: &str) {
    const TEMP: &str = "dev_container_feature_content_temp:latest";
    let history = docker(&["history", "--no-trunc", "--format", "{{.CreatedBy}}", TEMP]);
    let Some(digest) = history.split_whitespace().find(|w| w.starts_with("dir:")).map(str::to_string) else {
        return;
    };
    let temp_id = docker(&["image", "inspect", "--format", "{{.Id}}", TEMP]);
    for id in docker(&["images", "-a", "-q", "--no-trunc", "-f", "dangling=true"]).lines() {
        let history = docker(&["history", "--no-trunc", "--format", "{{.CreatedBy}}", id]);
        let created = docker(&["image", "inspect", "--format", "{{.Created}}", id]);
        let stage_of_this_run = created.as_str() >= started && history.contains("/tmp/build-features/");
        if history.contains(&digest) || stage_of_this_run {
            owner.adopt_image(id);
        }
    }
    owner.adopt_image(&temp_id);
}

#[test]
fn the_reference_cli_builds_the_builtins_as_local_features() {
    let version = reference_cli();
    eprintln!("reference CLI {version}");
    let docker = Docker::connect();
    let workspace = tempfile::tempdir().unwrap();
    let config_dir = workspace.path().join(".devcontainer");
    for dir in FEATURES.dirs() {
        for file in dir.files() {
            let path = config_dir.join(file.path());
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, file.contents()).unwrap();
            let mode = if path.extension().is_some_and(|e| e == "sh") { 0o755 } else { 0o644 };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
    let config = serde_json::json!({
        "image": "containai-test/base:bookworm",
        "features": {"./sshd": {}, "./dockerd": {"compose": false}},
    });
    std::fs::write(config_dir.join("devcontainer.json"), config.to_string()).unwrap();

    let tag = format!("containai-test/features-reference:{}", unique("t"));
    docker.adopt_image(&tag);
    let started = utc_now();
    let out = Command::new("devcontainer")
        .args(["build", "--workspace-folder"])
        .arg(workspace.path())
        .args(["--image-name", &tag])
        .output()
        .expect("`devcontainer build` runs");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "`devcontainer build` failed:\n{}", last_lines(&log, 40));
    assert!(log.contains("\"outcome\":\"success\""), "{log}");
    adopt_reference_leftovers(&docker, &started);

    // No systemd in this base: the units are enabled by their wants/ symlinks.
    let checks = SSHD_IMAGE_CHECKS.to_string()
        + r#"
        test -L /etc/systemd/system/multi-user.target.wants/ssh.service
        test -L /etc/systemd/system/multi-user.target.wants/docker.service
        test -L /etc/systemd/system/multi-user.target.wants/containerd.service
        for tool in dockerd docker containerd; do command -v "$tool"; done
        echo checks-passed
    "#;
    let result = docker.run_sh(&tag, &checks);
    assert!(result.lines().any(|l| l == "checks-passed"), "{result}");
    assert!(result.contains("/usr/sbin/dockerd"), "{result}");
}
