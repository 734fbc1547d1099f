//! `containai up` with an OCI feature named `ghcr.io/...`, fetched from a real registry (`docker-registry` on
//! 127.0.0.1) through a mirror from containai's user config (`CONTAINAI_CONFIG`): the feature is installed and
//! locked under its `ghcr.io` name; with the registry stopped, `up --offline --frozen-lockfile` creates the
//! container again from the warm store; a cold store names what is missing. Needs the Docker engine (runc, in
//! the explicit insecure mode; no ssh, so that the layers stay small).

use crate::support::registry::{Registry, collection, publish, workspace};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const FEATURE: &str = "ghcr.io/devcontainers/features/hello:1";

/// Temp HOME, config and cache dirs for the binary; removes the workspace's containers when dropped.
struct Env {
    dir: tempfile::TempDir,
    workspace: PathBuf,
}

impl Env {
    fn run(&self, cache: &Path, args: &[&str]) -> (bool, Value, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_containai"))
            .args(args)
            .arg("--workspace-folder")
            .arg(&self.workspace)
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_CACHE_HOME", cache)
            .env("CONTAINAI_CONFIG", self.dir.path().join("containai.json"))
            .env_remove("CONTAINAI_ALLOW_INSECURE_RUNTIME")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let line = stdout.lines().last().unwrap_or("null");
        let value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
        (out.status.success(), value, stderr)
    }

    fn containers(&self) -> Vec<String> {
        let folder = self.workspace.canonicalize().unwrap_or(self.workspace.clone());
        let out = Command::new("docker")
            .args(["ps", "-aq", "--filter"])
            .arg(format!("label=devcontainer.local_folder={}", folder.display()))
            .output()
            .expect("docker CLI");
        String::from_utf8_lossy(&out.stdout).split_whitespace().map(str::to_string).collect()
    }

    fn remove_containers(&self) {
        for id in self.containers() {
            let _ = Command::new("docker").args(["rm", "-f", "-v", &id]).output();
        }
    }

    fn greeting(&self, container: &str) -> String {
        let out = Command::new("docker")
            .args(["exec", container, "cat", "/usr/local/share/hello-feature.txt"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.remove_containers();
    }
}

#[test]
fn up_resolves_through_the_user_config_mirror_and_comes_up_offline() {
    let mut registry = Registry::start();
    let host = registry.host.clone();
    let col = collection(&host, "devcontainers/features");
    publish(col.path(), &host, "devcontainers/features");
    let ws = workspace(&json!({
        "image": "containai-test/base:bookworm",
        "features": {FEATURE: {"greeting": "up-offline"}},
        "customizations": {"containai": {"ssh": false}},
    }));
    let env = Env { dir: tempfile::tempdir().unwrap(), workspace: ws.path().to_path_buf() };
    let config = json!({"registryMirrors": {"ghcr.io": host}});
    std::fs::write(env.dir.path().join("containai.json"), config.to_string()).unwrap();
    let cache = tempfile::tempdir().unwrap();

    // Online, through the user config's mirror: installed, and locked under the `ghcr.io` name.
    let (ok, first, stderr) = env.run(cache.path(), &["up", "--allow-insecure-runtime"]);
    assert!(ok, "{first}\n{stderr}");
    let container = first["containerId"].as_str().expect("a container id").to_string();
    assert_eq!(env.greeting(&container), "up-offline");
    let lock: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join(".devcontainer/devcontainer-lock.json")).unwrap())
            .unwrap();
    let resolved = lock["features"][FEATURE]["resolved"].as_str().unwrap_or_default();
    assert!(resolved.starts_with("ghcr.io/devcontainers/features/hello@sha256:"), "{lock}");

    // The registry stopped, the container gone: `up --offline --frozen-lockfile` creates it again from the store.
    registry.stop();
    env.remove_containers();
    let (ok, second, stderr) =
        env.run(cache.path(), &["up", "--allow-insecure-runtime", "--offline", "--frozen-lockfile"]);
    assert!(ok, "{second}\n{stderr}");
    assert_eq!(second["imageKey"], first["imageKey"], "same layers: {second}");
    assert_eq!(second["layersBuilt"], 0, "{second}");
    let again = second["containerId"].as_str().unwrap();
    assert_ne!(again, container);
    assert_eq!(env.greeting(again), "up-offline");

    // A cold store: one error naming the feature, and nothing created.
    env.remove_containers();
    let cold = tempfile::tempdir().unwrap();
    let (ok, error, _) = env.run(cold.path(), &["up", "--allow-insecure-runtime", "--offline"]);
    assert!(!ok && error["outcome"] == "error", "{error}");
    let message = format!("{}\n{}", error["message"], error["description"]);
    assert!(message.contains("not in the local feature store") && message.contains(FEATURE), "{message}");
    assert!(env.containers().is_empty());
}
