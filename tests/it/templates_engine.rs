//! Engine-backed: built-in templates applied with the local base image → `containai build --plan` for each, and the
//! `agent-sandbox` image built for real: the `agent` user with sudo and docker, the extra packages, the hook output.

use crate::support::{BASE_IMAGE, unique};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

fn containai(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_containai")).args(args).current_dir(cwd).output().unwrap()
}

fn stdout_json(out: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "containai failed:\n{stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stderr}"))
}

fn apply(id: &str, args: Value, cwd: &Path) {
    let out = containai(&["templates", "apply", "-t", id, "-a", &args.to_string(), "-w", "ws"], cwd);
    stdout_json(&out);
}

fn layer_key(plan: &Value, name: &str) -> String {
    let layers = plan["layers"].as_array().unwrap();
    let layer = layers.iter().find(|l| l["name"] == name).unwrap_or_else(|| panic!("no layer `{name}`: {plan}"));
    layer["key"].as_str().unwrap().to_string()
}

#[test]
fn every_builtin_passes_build_plan_and_shares_the_feature_layers() {
    let mut shared = Vec::new();
    for id in ["agent-sandbox", "minimal", "node", "python", "rust"] {
        let dir = tempfile::tempdir().unwrap();
        apply(id, json!({"baseImage": BASE_IMAGE}), dir.path());
        let plan = stdout_json(&containai(&["build", "--plan", "--workspace-folder", "ws"], dir.path()));
        let names: Vec<&str> = plan["layers"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
        if id == "minimal" {
            assert_eq!(names, ["base", "system", "feature:containai/sshd", "user"]);
            continue;
        }
        assert_eq!(
            names,
            [
                "base",
                "system",
                "feature:containai/sshd",
                "feature:containai/dockerd",
                "feature:containai/apt-packages",
                "user"
            ],
            "{id}"
        );
        shared.push((
            id,
            layer_key(&plan, "feature:containai/sshd"),
            layer_key(&plan, "feature:containai/dockerd"),
            layer_key(&plan, "feature:containai/apt-packages"),
        ));
    }
    let (_, sshd, dockerd, packages) = &shared[0];
    for (id, s, d, p) in &shared[1..] {
        assert_eq!((s, d), (sshd, dockerd), "{id} reuses agent-sandbox's sshd and dockerd layers");
        assert_ne!(p, packages, "{id} installs its toolchain in its own layer");
    }
}

/// Runs `script` in `image` as `user` with `sh` as the entrypoint; stdout and stderr together.
fn run_sh(image: &str, user: &str, script: &str) -> String {
    let out = Command::new("docker")
        .args([
            "run",
            "--rm",
            "--name",
            &unique("containai-templatetest"),
            "--user",
            user,
            "--entrypoint",
            "sh",
            image,
            "-c",
            script,
        ])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "`{script}` failed in {image}:\n{text}");
    text
}

#[test]
fn agent_sandbox_builds_with_the_agent_user_extra_packages_and_a_working_hook() {
    let dir = tempfile::tempdir().unwrap();
    apply("agent-sandbox", json!({"baseImage": BASE_IMAGE, "packages": "jq"}), dir.path());
    let built = stdout_json(&containai(&["build", "--workspace-folder", "ws"], dir.path()));
    let image = built["imageName"][0].as_str().unwrap().to_string();

    let groups = run_sh(&image, "root", "id -nG agent");
    assert!(groups.split_whitespace().any(|g| g == "docker"), "agent is in the docker group: {groups}");
    run_sh(&image, "agent", "sudo -n true && command -v jq && command -v dockerd && test -x /usr/sbin/sshd");

    let config = std::fs::read_to_string(dir.path().join("ws/.devcontainer/devcontainer.json")).unwrap();
    let value: Value = serde_json5::from_str(&config).unwrap();
    let hook = value["postCreateCommand"].as_str().unwrap();
    let printed = run_sh(&image, "agent", hook);
    assert!(printed.contains("agent-sandbox on Debian GNU/Linux 12 (bookworm), user agent in groups:"), "{printed}");
    for package in ["systemd", "openssh-server", "docker.io", "sudo", "jq"] {
        assert!(printed.lines().any(|l| l.starts_with(&format!("  {package} "))), "`{package}` is listed:\n{printed}");
    }
    assert!(printed.contains("Docker version"), "{printed}");
}

#[tokio::test]
async fn the_in_memory_default_plans_on_the_local_base_and_shares_agent_sandbox_layers() {
    use containai::plan::{self, HostUser};
    use containai::templates::{DefaultConfig, default_workspace_config};
    let engine = crate::support::engine().await;
    let dir = tempfile::tempdir().unwrap();
    let config = DefaultConfig { base_image: Some(BASE_IMAGE.into()), ..DefaultConfig::default() };
    let loaded = default_workspace_config(dir.path(), &config).unwrap();
    let features = containai::features::resolve(&loaded).unwrap();
    let base = plan::base::resolve(&loaded, &engine, false).await.unwrap();
    let host = HostUser::current().unwrap();
    let planned = plan::plan(&loaded, &features, &base, &host, &containai::report::Silent).unwrap();
    let planned = serde_json::to_value(&planned).unwrap();
    let names: Vec<&str> = planned["layers"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["base", "system", "feature:containai/sshd", "feature:containai/dockerd", "user"]);

    apply("agent-sandbox", json!({"baseImage": BASE_IMAGE}), dir.path());
    let written = stdout_json(&containai(&["build", "--plan", "--workspace-folder", "ws"], dir.path()));
    for layer in ["feature:containai/sshd", "feature:containai/dockerd"] {
        assert_eq!(
            layer_key(&planned, layer),
            layer_key(&written, layer),
            "{layer} is shared with the written template"
        );
    }
}
