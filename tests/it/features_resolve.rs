//! fixtures/features/<behaviour>/.devcontainer/devcontainer.json → `features::resolve`: sources, options,
//! environment, files and install order, and the errors for what cannot be resolved.

use containai::config::{self, LoadOptions, Loaded};
use containai::features::{
    FeatureError, FeatureSource, FeatureUsers, LocalRoots, ResolvedFeature, resolve, resolve_features,
};
use serde_json::json;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/features").join(name)
}

/// The fixture's config, loaded by the config stage.
fn load(name: &str) -> Loaded {
    let options = LoadOptions { workspace_folder: fixture(name), config_file: None };
    config::load(&options).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn resolved(name: &str) -> Vec<ResolvedFeature> {
    resolve(&load(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ids(features: &[ResolvedFeature]) -> Vec<&str> {
    features.iter().map(|f| f.id()).collect()
}

fn error(name: &str) -> (FeatureError, String) {
    let err = resolve(&load(name)).expect_err(name);
    let text = err.to_string();
    (err, text)
}

#[test]
fn builtins_resolve_with_defaults_and_users() {
    let features = resolved("builtins");
    assert_eq!(ids(&features), ["dockerd", "sshd"]);
    let dockerd = &features[0];
    assert_eq!(dockerd.source, FeatureSource::Builtin { id: "dockerd".into() });
    assert_eq!(dockerd.reference, "containai/dockerd");
    assert_eq!(dockerd.options["compose"], json!(false));
    assert_eq!(dockerd.options["buildx"], json!(true));
    assert_eq!(dockerd.env["COMPOSE"], "false");
    assert_eq!(dockerd.env["ADDREMOTEUSERTODOCKERGROUP"], "true");
    assert_eq!(dockerd.env["_REMOTE_USER"], "dev");
    assert_eq!(dockerd.env["_REMOTE_USER_HOME"], "/home/dev");
    assert_eq!(dockerd.env["_CONTAINER_USER"], "root");
    assert_eq!(dockerd.env["_CONTAINER_USER_HOME"], "/root");
    assert_eq!(dockerd.metadata["id"], json!("dockerd"));
    let paths: Vec<_> = dockerd.files.iter().map(|f| (f.path.as_str(), f.mode)).collect();
    assert_eq!(paths, [("devcontainer-feature.json", 0o644), ("install.sh", 0o755)]);
}

#[test]
fn no_features_resolve_to_nothing() {
    assert!(resolved("no-features").is_empty());
}

#[test]
fn local_feature_options_env_and_files() {
    let features = resolved("local-options");
    let hello = &features[0];
    let folder = fixture("local-options/.devcontainer/hello");
    assert_eq!(hello.source, FeatureSource::Local { path: folder });
    assert_eq!(hello.options["greeting"], json!("hi there"));
    assert_eq!(hello.options["with-emoji"], json!(true));
    assert_eq!(hello.options["version"], json!("latest"));
    let env: Vec<_> = hello.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(
        env,
        [
            "GREETING=hi there",
            "MODE=loud",
            "VERSION=latest",
            "WITH_EMOJI=true",
            "_CONTAINER_USER=app",
            "_CONTAINER_USER_HOME=/home/app",
            "_FA=true",
            "_REMOTE_USER=app",
            "_REMOTE_USER_HOME=/home/app",
        ]
    );
    let files: Vec<_> = hello.files.iter().map(|f| (f.path.as_str(), f.mode)).collect();
    assert_eq!(
        files,
        [("README.md", 0o644), ("devcontainer-feature.json", 0o644), ("install.sh", 0o755), ("lib/helper.sh", 0o755),]
    );
    let install = hello.files.iter().find(|f| f.path == "install.sh").unwrap();
    assert!(install.bytes.starts_with(b"#!/bin/sh"));
}

#[test]
fn version_shorthand_and_true() {
    let features = resolved("version-shorthand");
    assert_eq!(ids(&features), ["flag", "tool"]);
    assert_eq!(features[1].options["version"], json!("2.1"));
    assert_eq!(features[0].options["on"], json!(true));
}

#[test]
fn depends_on_is_recursive_and_adds_features_with_their_options() {
    let features = resolved("depends-on");
    assert_eq!(ids(&features), ["base", "lib", "app"]);
    assert_eq!(features[1].options["level"], json!("high"));
    assert_eq!(features[1].reference, "./lib");
}

#[test]
fn equal_dependencies_install_once() {
    let features = resolved("depends-on-dedup");
    assert_eq!(ids(&features), ["shared", "a", "b"]);
}

#[test]
fn dependencies_with_other_options_are_other_features() {
    let features = resolved("depends-on-options-differ");
    assert_eq!(ids(&features), ["shared", "shared", "a"]);
    // Same folder: the tie-break puts fewer user options first (`{}` before `{"level": "high"}`).
    assert_eq!(features[0].options["level"], json!("low"));
    assert_eq!(features[1].options["level"], json!("high"));
}

#[test]
fn a_local_feature_can_depend_on_a_builtin() {
    let features = resolved("depends-on-builtin");
    assert_eq!(ids(&features), ["dockerd", "needs-docker"]);
    assert_eq!(features[0].options["compose"], json!(false));
}

#[test]
fn installs_after_orders_only_present_features() {
    let features = resolved("installs-after");
    assert_eq!(ids(&features), ["third", "second", "first"]);
}

#[test]
fn override_order_pulls_features_forward() {
    assert_eq!(ids(&resolved("override-order")), ["d", "c", "a", "b"]);
}

#[test]
fn parent_paths_are_relative_to_the_config_folder() {
    let features = resolved("parent-path");
    let expected = fixture("parent-path/shared-features/greet");
    assert_eq!(features[0].source, FeatureSource::Local { path: expected });
}

#[test]
fn a_cycle_names_its_features() {
    let (err, text) = error("cycle");
    assert!(matches!(err, FeatureError::Cycle { .. }), "{text}");
    assert!(text.contains("`./x` → `./y` → `./x`"), "{text}");
    assert!(!text.contains("free"), "{text}");
}

#[test]
fn errors_name_what_is_wrong() {
    let cases: &[(&str, &[&str])] = &[
        (
            "oci-reference",
            // Nothing listens on port 1: the registry cannot be reached and the store does not have it.
            &["`localhost:1/devcontainers/features/node:1`", "cannot be reached", "hint:"],
        ),
        ("unknown-reference", &["`fish`", "hint:"]),
        ("unknown-builtin", &["`containai/podman`", "`containai/dockerd`", "`containai/sshd`"]),
        ("missing-local", &["`./nowhere`", "devcontainer-feature.json", "hint:"]),
        ("bad-enum", &["`containai/sshd`", "`gatewayPorts`", "\"sometimes\"", "`no`, `yes`, `clientspecified`"]),
        ("bad-type", &["`containai/dockerd`", "`compose`", "\"maybe\"", "`true` or `false`"]),
        ("unknown-option", &["`containai/sshd`", "`port`", "`allowTcpForwarding`, `gatewayPorts`"]),
        ("bad-dependency", &["`./b`", "`nope`", "`dependsOn` of `./a`"]),
        ("invalid-metadata", &["`./broken`", "option `x`"]),
        ("missing-install", &["`./noscript`", "`install.sh`"]),
        ("override-absent", &["`./b`", "overrideFeatureInstallOrder"]),
        ("outside-workspace", &["`../../depends-on/.devcontainer/base`", "outside the workspace", "hint:"]),
    ];
    for (name, parts) in cases {
        let (_, text) = error(name);
        for part in *parts {
            assert!(text.contains(part), "{name}: `{part}` missing in: {text}");
        }
        let first = text.chars().next().unwrap();
        assert!(!first.is_uppercase(), "{name}: messages start lower-case: {text}");
    }
}

/// A workspace in a temporary folder with one local feature `.devcontainer/f` (plus what `extra` adds).
fn temp_workspace(extra: impl FnOnce(&Path)) -> (tempfile::TempDir, Result<Vec<ResolvedFeature>, FeatureError>) {
    let workspace = tempfile::tempdir().unwrap();
    let config_dir = workspace.path().join(".devcontainer");
    let feature = config_dir.join("f");
    std::fs::create_dir_all(&feature).unwrap();
    std::fs::write(feature.join("devcontainer-feature.json"), r#"{"id": "f", "version": "1.0.0"}"#).unwrap();
    std::fs::write(feature.join("install.sh"), "#!/bin/sh\n").unwrap();
    extra(&feature);
    let features = indexmap::IndexMap::from([("./f".to_string(), json!({}))]);
    let roots = LocalRoots { config_dir: &config_dir, workspace: workspace.path() };
    let result = resolve_features(&features, &[], roots, &FeatureUsers::new(None, None));
    (workspace, result)
}

#[test]
fn symlinks_inside_a_local_feature_are_refused() {
    let (_keep, result) = temp_workspace(|f| std::os::unix::fs::symlink("/etc/passwd", f.join("passwd")).unwrap());
    let text = result.unwrap_err().to_string();
    assert!(text.contains("`./f`") && text.contains("passwd") && text.contains("symlinks"), "{text}");
    let (_keep, result) = temp_workspace(|_| {});
    assert_eq!(result.unwrap().len(), 1);
}

#[test]
fn a_symlinked_feature_folder_pointing_outside_the_workspace_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("devcontainer-feature.json"), r#"{"id": "o", "version": "1"}"#).unwrap();
    std::fs::write(outside.path().join("install.sh"), "#!/bin/sh\n").unwrap();
    let target = outside.path().to_path_buf();
    let (_keep, result) = temp_workspace(|f| {
        std::fs::remove_dir_all(f).unwrap();
        std::os::unix::fs::symlink(&target, f).unwrap();
    });
    let text = result.unwrap_err().to_string();
    assert!(text.contains("outside the workspace"), "{text}");
}
