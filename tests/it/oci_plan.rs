//! `containai build --plan` with OCI features from a real registry behind `--registry-mirror` (the config
//! names `ghcr.io/...`, overriding the user config's mirror): the plan has the feature's layer; the lockfile keeps the `ghcr.io` names; an
//! unmoved tag keeps the layer key, an upgrade to new content changes it; `--offline` plans with the
//! registry stopped. Needs the Docker engine (the base image's id).

use crate::support::registry::{Registry, collection, containai, publish, set_version, workspace};
use serde_json::{Value, json};
use std::path::Path;

/// containai's user config for these tests: a `ghcr.io` mirror nobody listens on, which `--registry-mirror`
/// overrides.
fn user_config() -> &'static Path {
    static FILE: std::sync::OnceLock<tempfile::NamedTempFile> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), r#"{"registryMirrors": {"ghcr.io": "localhost:1/nowhere"}}"#).unwrap();
        file
    })
    .path()
}

fn plan(ws: &Path, cache: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["build", "--plan", "--workspace-folder", ws.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (ok, out, err) = containai(&args, &[("XDG_CACHE_HOME", cache), ("CONTAINAI_CONFIG", user_config())]);
    assert!(ok, "build --plan failed: {err}\n{out}");
    serde_json::from_str(out.trim()).unwrap()
}

fn feature_key(plan: &Value) -> String {
    let layers = plan["layers"].as_array().unwrap();
    let layer = layers.iter().find(|l| l["name"].as_str().unwrap().contains("hello")).expect("a hello layer");
    layer["key"].as_str().unwrap().to_string()
}

#[test]
fn mirrored_features_plan_lock_and_plan_offline() {
    let mut registry = Registry::start();
    let host = registry.host.clone();
    let ns = "devcontainers/features";
    let col = collection(&host, ns);
    publish(col.path(), &host, ns);
    let cache = tempfile::tempdir().unwrap();
    let ws = workspace(&json!({
        "image": "containai-test/base:bookworm",
        "features": {"ghcr.io/devcontainers/features/hello:1": {"greeting": "mirrored"}}
    }));
    let mirror = format!("ghcr.io={host}");
    // The user config's mirror is used when the command line names none for `ghcr.io`.
    let ws_arg = ws.path().to_str().unwrap();
    let (ok, _, err) = containai(
        &["build", "--plan", "--workspace-folder", ws_arg],
        &[("XDG_CACHE_HOME", cache.path()), ("CONTAINAI_CONFIG", user_config())],
    );
    assert!(!ok && err.contains("localhost:1/nowhere/devcontainers/features/hello"), "{err}");
    let first = plan(ws.path(), cache.path(), &["--registry-mirror", &mirror]);
    let lock: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join(".devcontainer/devcontainer-lock.json")).unwrap())
            .unwrap();
    let entry = &lock["features"]["ghcr.io/devcontainers/features/hello:1"];
    assert!(entry["resolved"].as_str().unwrap().starts_with("ghcr.io/devcontainers/features/hello@sha256:"), "{lock}");
    assert_eq!(entry["version"], "1.0.0");

    // Frozen, the same plan key: the tag did not move.
    let again = plan(ws.path(), cache.path(), &["--registry-mirror", &mirror, "--frozen-lockfile"]);
    assert_eq!(feature_key(&first), feature_key(&again));

    // A new 1.x with other content: `upgrade` moves the pin and the layer key changes.
    std::fs::write(
        col.path().join("src/hello/install.sh"),
        "#!/bin/sh\necho changed > /usr/local/share/hello-feature.txt\n",
    )
    .unwrap();
    set_version(col.path(), "hello", "1.0.1");
    publish(col.path(), &host, ns);
    let pinned = plan(ws.path(), cache.path(), &["--registry-mirror", &mirror]);
    assert_eq!(feature_key(&first), feature_key(&pinned), "the lockfile pins 1.0.0");
    let (ok, _, err) = containai(
        &["upgrade", "--workspace-folder", ws_arg, "--registry-mirror", &mirror],
        &[("XDG_CACHE_HOME", cache.path()), ("CONTAINAI_CONFIG", user_config())],
    );
    assert!(ok, "{err}");
    let upgraded = plan(ws.path(), cache.path(), &["--registry-mirror", &mirror]);
    assert_ne!(feature_key(&first), feature_key(&upgraded));

    // The registry stopped: `--offline` plans from the store; a cold cache names what is missing.
    registry.stop();
    let offline = plan(ws.path(), cache.path(), &["--offline"]);
    assert_eq!(feature_key(&offline), feature_key(&upgraded));
    let cold = tempfile::tempdir().unwrap();
    let (ok, _, err) =
        containai(&["build", "--plan", "--offline", "--workspace-folder", ws_arg], &[("XDG_CACHE_HOME", cold.path())]);
    assert!(
        !ok && err.contains("not in the local feature store")
            && err.contains("`ghcr.io/devcontainers/features/hello:1`"),
        "{err}"
    );
}
