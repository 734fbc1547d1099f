//! Legacy short feature ids → `ghcr.io/devcontainers/features/<id>:1` with a deprecation warning: the mapping
//! of each kind (kept id, renamed, folded into an option) against what the reference CLI logs for it, and
//! fixtures/features/legacy-git (grafana's `"git": "os-provided"`) resolved through a `ghcr.io` mirror on a
//! local registry, as tests/it/oci_corpus.rs publishes corpus features there.

use crate::support::reference::require_reference_cli;
use crate::support::registry::{Registry, containai, publish};
use containai::config::{self, LoadOptions};
use containai::features::{self, legacy, oci::Mirror, oci::RemoteOptions};
use indexmap::IndexMap;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// What the reference CLI logs (trace) for a config with `features`: the OCI reference it resolves the first
/// one as (`> input:`) and the documentation URL of its `(!) WARNING`.
fn reference_mapping(features: &Value) -> (String, String) {
    let ws =
        crate::support::registry::workspace(&json!({"image": "containai-test/base:bookworm", "features": features}));
    let out = Command::new("devcontainer")
        .args(["read-configuration", "--include-features-configuration", "--log-level", "trace", "--workspace-folder"])
        .arg(ws.path())
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let input = log.lines().find_map(|l| l.split_once("> input: ").map(|(_, r)| r.trim().to_string()));
    let warning = log.lines().find(|l| l.contains("(!) WARNING"));
    let url = warning.and_then(|w| w.split_whitespace().find(|t| t.starts_with("https://")));
    match (input, url) {
        (Some(input), Some(url)) => (input, url.to_string()),
        _ => panic!("the reference CLI logged no mapping for {features}:\n{log}"),
    }
}

#[test]
fn short_ids_map_as_the_reference_cli_maps_them() {
    require_reference_cli();
    for id in ["git", "golang", "common"] {
        let (reference, url) = reference_mapping(&json!({id: {}}));
        assert_eq!(legacy::reference_for(id).as_deref(), Some(reference.as_str()), "{id}");
        let warning = legacy::warning(id).unwrap();
        assert!(warning.contains(&url) && warning.contains(&format!("`{id}`")), "{id}: {warning} lacks {url}");
    }
    let (reference, url) = reference_mapping(&json!({"maven": true}));
    let (folded, warnings) = legacy::fold(&IndexMap::from([("maven".to_string(), json!(true))]));
    assert_eq!(folded.keys().collect::<Vec<_>>(), [&reference]);
    assert_eq!(folded[0], json!({"installMaven": true}));
    assert!(warnings[0].contains(&url), "{warnings:?} lack {url}");
}

/// A collection with a `git` feature shaped like the published one (a `version` option defaulting to
/// `os-provided`), and the stand-in install.sh.
fn git_collection() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("src/git");
    std::fs::create_dir_all(&folder).unwrap();
    let manifest = serde_json::json!({"id": "git", "version": "1.3.8", "name": "Git (from source)",
        "options": {"version": {"type": "string", "proposals": ["latest", "system", "os-provided"], "default": "os-provided"},
                    "ppa": {"type": "boolean", "default": true}},
        "installsAfter": ["ghcr.io/devcontainers/features/common-utils"]});
    std::fs::write(folder.join("devcontainer-feature.json"), manifest.to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/oci/corpus/install.sh");
    std::fs::copy(script, folder.join("install.sh")).unwrap();
    dir
}

#[test]
fn legacy_git_resolves_through_the_mirror_with_a_warning() {
    let registry = Registry::start();
    let col = git_collection();
    publish(col.path(), &registry.host, "devcontainers/features");
    let home = tempfile::tempdir().unwrap();
    let user_config = home.path().join("containai.json");
    std::fs::write(&user_config, json!({"registryMirrors": {"ghcr.io": registry.host}}).to_string()).unwrap();
    let cache = home.path().join("cache");
    let ws = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/features/legacy-git/.devcontainer");
    std::fs::create_dir_all(ws.path().join(".devcontainer")).unwrap();
    std::fs::copy(fixture.join("devcontainer.json"), ws.path().join(".devcontainer/devcontainer.json")).unwrap();
    let ws_arg = ws.path().to_str().unwrap();
    let envs = [("CONTAINAI_CONFIG", user_config.as_path()), ("XDG_CACHE_HOME", &cache), ("HOME", home.path())];

    // read-configuration prints the warning on stderr and the feature as the reference names it.
    let args = ["read-configuration", "--include-features-configuration", "--workspace-folder", ws_arg];
    let (ok, out, err) = containai(&args, &envs);
    assert!(ok, "read-configuration failed: {err}");
    assert!(err.contains("warning: feature `git` is a deprecated short id"), "{err}");
    assert!(err.contains("`ghcr.io/devcontainers/features/git:1`"), "{err}");
    let printed: Value = serde_json::from_str(out.trim()).unwrap();
    let set = &printed["featuresConfiguration"]["featureSets"][0];
    assert_eq!(set["sourceInformation"]["userFeatureId"], "git");
    assert_eq!(set["sourceInformation"]["userFeatureIdWithoutVersion"], "git");
    assert_eq!(set["sourceInformation"]["featureRef"]["resource"], "ghcr.io/devcontainers/features/git");
    assert_eq!(set["sourceInformation"]["featureRef"]["tag"], "1");
    assert_eq!(
        (set["features"][0]["version"].as_str(), &set["features"][0]["value"]),
        (Some("1.3.8"), &json!("os-provided"))
    );

    // build --plan resolves it, pinned in the lockfile under the name as written.
    let (ok, _, err) = containai(&["build", "--plan", "--workspace-folder", ws_arg], &envs);
    assert!(ok, "build --plan failed: {err}");
    let lock: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join(".devcontainer/devcontainer-lock.json")).unwrap())
            .unwrap();
    let resolved = lock["features"]["git"]["resolved"].as_str().unwrap_or_default();
    assert!(resolved.starts_with("ghcr.io/devcontainers/features/git@sha256:"), "{lock}");

    // In process: the string is the `version` option, and the warning comes with the features.
    let loaded = config::load(&LoadOptions { workspace_folder: ws.path().into(), config_file: None }).unwrap();
    let mirror: Mirror = format!("ghcr.io={}", registry.host).parse().unwrap();
    let options = RemoteOptions { mirrors: vec![mirror], store: Some(cache.join("store")), ..RemoteOptions::default() };
    let resolution = features::resolve_full(&loaded, &options).unwrap();
    assert_eq!(resolution.features[0].options["version"], json!("os-provided"));
    assert_eq!(resolution.features[0].env["VERSION"], "os-provided");
    assert_eq!(resolution.warnings.len(), 1, "{:?}", resolution.warnings);
}
