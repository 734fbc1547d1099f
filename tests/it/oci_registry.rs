//! Fixture features published by containai to a real registry (`docker-registry` on 127.0.0.1) → resolved by
//! tag, semver range, digest and `dependsOn`; the lockfile written, pinning, `--frozen-lockfile`, upgrade,
//! the content store with the registry stopped (offline and unreachable), legacy ids.

use crate::support::registry::{Registry, collection, publish, set_version, workspace};
use containai::config::{self, LoadOptions};
use containai::features::oci::{Lockfile, OciError, RemoteOptions};
use containai::features::{self, FeatureError, ResolvedFeature};
use serde_json::json;
use std::path::Path;

fn resolve(dir: &Path, options: &RemoteOptions) -> features::Result<Vec<ResolvedFeature>> {
    let loaded = config::load(&LoadOptions { workspace_folder: dir.to_path_buf(), config_file: None }).unwrap();
    features::resolve_with(&loaded, options)
}

fn version_of(feature: &ResolvedFeature) -> &str {
    feature.model.version.as_deref().unwrap_or_default()
}

fn lockfile(dir: &Path) -> Lockfile {
    Lockfile::read(&dir.join(".devcontainer/devcontainer-lock.json")).unwrap().expect("a lockfile was written")
}

#[test]
fn publish_resolve_lock_and_work_offline() {
    let mut registry = Registry::start();
    let host = registry.host.clone();
    let ns = "test/features";
    let col = collection(&host, ns);
    let first = publish(col.path(), &host, ns);
    assert_eq!(first["published"][1]["tags"], json!(["1.0.0", "1.0", "1", "latest"]), "{first}");
    set_version(col.path(), "hello", "1.1.0");
    publish(col.path(), &host, ns);
    set_version(col.path(), "hello", "2.0.0");
    let third = publish(col.path(), &host, ns);
    let hello_v2_digest = third["published"][1]["digest"].as_str().unwrap().to_string();
    assert_eq!(third["published"][0]["tags"], json!([]), "greeter 0.3.1 was already published: {third}");

    let store = tempfile::tempdir().unwrap();
    let options = RemoteOptions { store: Some(store.path().into()), ..RemoteOptions::default() };
    let hello = format!("{host}/{ns}/hello");
    let ws = workspace(&json!({
        "image": "containai-test/base:bookworm",
        "features": {
            format!("{hello}:1"): {"greeting": "one"},
            format!("{hello}:2.0"): {},
            format!("{hello}@{hello_v2_digest}"): {"greeting": "pinned"},
            format!("{host}/{ns}/greeter:latest"): {},
        }
    }));
    let resolved = resolve(ws.path(), &options).unwrap();
    let summary: Vec<(String, &str)> = resolved.iter().map(|f| (f.reference.clone(), version_of(f))).collect();
    assert!(summary.contains(&(format!("{hello}:1"), "1.1.0")), "{summary:?}");
    assert!(summary.contains(&(format!("{hello}:2.0"), "2.0.0")), "{summary:?}");
    assert!(summary.contains(&(format!("{hello}@{hello_v2_digest}"), "2.0.0")), "{summary:?}");
    let greeter = resolved.iter().position(|f| f.id() == "greeter").unwrap();
    let dependency =
        resolved.iter().position(|f| f.reference == format!("{hello}:1") && f.options["greeting"] == "hello");
    assert!(dependency.unwrap() < greeter, "dependsOn installs hello (default options) first: {summary:?}");
    let user = resolved.iter().find(|f| f.reference == format!("{hello}:1") && f.options["greeting"] == "one").unwrap();
    let install = user.files.iter().find(|f| f.path == "install.sh").unwrap();
    assert_eq!(install.mode & 0o111, 0o111);

    // The lockfile: every remote reference, pinned by manifest digest.
    let lock = lockfile(ws.path());
    let entry = &lock.features[&format!("{hello}@{hello_v2_digest}")];
    assert_eq!((entry.version.as_str(), entry.integrity.as_str()), ("2.0.0", hello_v2_digest.as_str()));
    assert_eq!(entry.resolved, format!("{hello}@{hello_v2_digest}"));
    assert_eq!(lock.features[&format!("{host}/{ns}/greeter:latest")].depends_on, [format!("{hello}:1")]);
    let pinned_one = lock.features[&format!("{hello}:1")].integrity.clone();

    // A newer 1.x is published: the lockfile keeps 1.1.0, frozen or not; upgrade moves it.
    set_version(col.path(), "hello", "1.2.0");
    publish(col.path(), &host, ns);
    let frozen = RemoteOptions { frozen_lockfile: true, ..options.clone() };
    let again = resolve(ws.path(), &frozen).unwrap();
    assert_eq!(again.iter().find(|f| f.reference == format!("{hello}:1")).map(version_of), Some("1.1.0"));
    let upgraded = resolve(ws.path(), &RemoteOptions { ignore_lockfile: true, ..options.clone() }).unwrap();
    let new_one = upgraded.iter().find(|f| f.reference == format!("{hello}:1")).unwrap();
    assert_eq!(version_of(new_one), "1.2.0");
    assert_ne!(lockfile(ws.path()).features[&format!("{hello}:1")].integrity, pinned_one);

    // --frozen-lockfile: a feature the lockfile does not know is an error naming it.
    let grown = workspace(&json!({"image": "x", "features": {format!("{hello}:1"): {}}}));
    std::fs::write(grown.path().join(".devcontainer/devcontainer-lock.json"), "{\"features\": {}}").unwrap();
    let err = resolve(grown.path(), &frozen).unwrap_err().to_string();
    assert!(err.contains("would change") && err.contains(&format!("`{hello}:1` added")), "{err}");

    // Registry stopped: offline (and online, as unreachable) from the warm store; a cold store names all missing.
    registry.stop();
    let offline = RemoteOptions { offline: true, ..options.clone() };
    let from_store = resolve(ws.path(), &offline).unwrap();
    assert_eq!(from_store.len(), resolved.len());
    assert_eq!(from_store.iter().find(|f| f.reference == format!("{hello}:1")).map(version_of), Some("1.2.0"));
    resolve(ws.path(), &options).expect("an unreachable registry falls back to the store");
    let cold = tempfile::tempdir().unwrap();
    let err = resolve(ws.path(), &RemoteOptions { offline: true, store: Some(cold.path().into()), ..options.clone() })
        .unwrap_err();
    match err {
        FeatureError::Oci(OciError::NotInStore { missing, .. }) => assert_eq!(missing.len(), 4, "{missing:?}"),
        other => panic!("expected one not-in-store error, got {other}"),
    }
}

#[test]
fn legacy_ids_are_published_and_resolve() {
    let registry = Registry::start();
    let host = registry.host.clone();
    let ns = "legacy/features";
    let col = collection(&host, ns);
    publish(col.path(), &host, ns);
    let store = tempfile::tempdir().unwrap();
    let options = RemoteOptions { store: Some(store.path().into()), ..RemoteOptions::default() };
    let ws = workspace(&json!({
        "image": "x",
        "features": {format!("{host}/{ns}/hello-old:1"): {}},
        "overrideFeatureInstallOrder": [format!("{host}/{ns}/hello-old")],
    }));
    let resolved = resolve(ws.path(), &options).unwrap();
    assert_eq!(resolved[0].id(), "hello");
}

#[test]
fn tarball_references_are_fetched_locked_and_stored() {
    let mut registry = Registry::start();
    let host = registry.host.clone();
    let ns = "tarball/features";
    let col = collection(&host, ns);
    publish(col.path(), &host, ns);
    // The registry serves the feature's layer blob over plain http: a tarball URL on localhost. Packing is
    // reproducible, so the packaged tarball's digest names that blob.
    let out = tempfile::tempdir().unwrap();
    let hello_dir = col.path().join("src/hello");
    containai::features::oci::publish::package(&hello_dir, out.path()).unwrap();
    let tarball = std::fs::read(out.path().join("devcontainer-feature-hello.tgz")).unwrap();
    let layer = containai::features::oci::store::sha256_digest(&tarball);
    let url = format!("http://{host}/v2/{ns}/hello/blobs/{layer}");
    let store = tempfile::tempdir().unwrap();
    let options = RemoteOptions { store: Some(store.path().into()), ..RemoteOptions::default() };
    let ws = workspace(&json!({"image": "x", "features": {url.clone(): {"greeting": "tar"}}}));
    let resolved = resolve(ws.path(), &options).unwrap();
    assert_eq!((resolved[0].id(), version_of(&resolved[0])), ("hello", "1.0.0"));
    let entry = &lockfile(ws.path()).features[&url];
    assert_eq!((entry.resolved.as_str(), entry.integrity.as_str()), (url.as_str(), layer.as_str()));
    registry.stop();
    let offline = RemoteOptions { offline: true, ..options.clone() };
    assert_eq!(resolve(ws.path(), &offline).unwrap()[0].id(), "hello");
}
