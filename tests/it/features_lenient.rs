//! Local features the reference CLI accepts (fixtures/features/<case>) → containai resolves them as it does: a
//! devcontainer-feature.json without `version`, a version string given to a feature with no `version` option
//! (ignored), a nested local path with `--offline`; each compared with the reference's `featuresConfiguration`,
//! the second also with what the reference's `devcontainer build` hands install.sh.

use crate::support::docker_cli::Docker;
use crate::support::reference::assert_same_features_configuration;
use crate::support::unique;
use containai::config::{self, LoadOptions};
use containai::features::{ResolvedFeature, resolve};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/features").join(name)
}

/// The fixture copied into a temp dir (the tools may write a lockfile or build files beside the config).
fn copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("cp").arg("-a").arg(fixture(name).join(".")).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "cp: {}", String::from_utf8_lossy(&out.stderr));
    dir
}

fn resolved(workspace: &Path) -> Vec<ResolvedFeature> {
    let loaded = config::load(&LoadOptions { workspace_folder: workspace.into(), config_file: None }).unwrap();
    resolve(&loaded).unwrap_or_else(|e| panic!("{}: {e}", workspace.display()))
}

#[test]
fn a_local_feature_without_version_resolves_as_in_the_reference() {
    let ws = copy("local-no-version");
    let features = resolved(ws.path());
    assert_eq!(features[0].model.version, None);
    assert_eq!(features[0].options, [("colour".to_string(), json!("blue"))].into());
    let ours = assert_same_features_configuration(ws.path(), &[], &[]);
    let feature = &ours["featuresConfiguration"]["featureSets"][0]["features"][0];
    assert_eq!((feature["id"].as_str(), feature.get("version")), (Some("nv"), None), "{feature}");
}

#[test]
fn a_version_string_without_a_version_option_is_ignored_as_by_the_reference() {
    let ws = copy("string-without-version-option");
    let features = resolved(ws.path());
    assert_eq!(features[0].options, [("flag".to_string(), json!(true))].into());
    assert!(!features[0].env.contains_key("VERSION"), "{:?}", features[0].env);
    let ours = assert_same_features_configuration(ws.path(), &[], &[]);
    assert_eq!(ours["featuresConfiguration"]["featureSets"][0]["features"][0]["value"], "latest");

    // What the reference's build gives install.sh: the defaults, no VERSION.
    let docker = Docker::connect();
    let tag = unique("containai-test/lenient-reference");
    docker.adopt_image(&tag);
    let out = Command::new("devcontainer")
        .args(["build", "--workspace-folder"])
        .arg(ws.path())
        .args(["--image-name", &tag])
        .output()
        .expect("`devcontainer build` runs");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "devcontainer build failed:\n{log}");
    let written = docker.run_sh(&tag, "cat /usr/local/share/nvs.txt");
    let ours =
        format!("flag={} version={}", features[0].env["FLAG"], features[0].env.get("VERSION").map_or("unset", |v| v));
    assert_eq!(written.trim(), ours);
}

#[test]
fn nested_local_paths_stay_local_offline() {
    let ws = copy("offline-nested-local");
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_containai"))
        .args(["build", "--plan", "--offline", "--workspace-folder"])
        .arg(ws.path())
        .env("XDG_CACHE_HOME", empty.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "build --plan --offline failed: {stderr}");
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["features"], json!(["./local-features/lf"]));
    let ours = assert_same_features_configuration(ws.path(), &["--offline"], &[("XDG_CACHE_HOME", empty.path())]);
    assert_eq!(ours["featuresConfiguration"]["featureSets"][0]["sourceInformation"]["type"], "file-path");
}
