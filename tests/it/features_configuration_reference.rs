//! `read-configuration --include-features-configuration`, containai against the reference CLI, key by key: a
//! local feature with options and OCI features on a local registry (one pulled in again by another's
//! `dependsOn` with other options): the same `featureSets`, in the same order, with the same
//! `sourceInformation` (manifest, digest, `featureRef`), metadata and values; only the reference's staging
//! folder (`dstFolder`, `cachePath`) is not printed by containai, which stages nothing.

use crate::support::reference::assert_same_features_configuration;
use crate::support::registry::{Registry, collection, publish, workspace};
use serde_json::json;
use std::path::Path;

#[test]
fn features_configuration_matches_the_reference_cli() {
    let registry = Registry::start();
    let ns = "featcfg/features";
    let col = collection(&registry.host, ns);
    publish(col.path(), &registry.host, ns);
    let hello = format!("{}/{ns}/hello:1", registry.host);
    let greeter = format!("{}/{ns}/greeter", registry.host);
    let ws = workspace(&json!({
        "image": "containai-test/base:bookworm",
        "features": {
            greeter.clone(): {},
            "./local-hello": {"greeting": "hi there", "mode": "loud"},
            hello.clone(): {"greeting": "from-config"},
        }
    }));
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/features/local-options/.devcontainer/hello");
    let to = ws.path().join(".devcontainer/local-hello");
    std::fs::create_dir_all(&to).unwrap();
    for file in ["devcontainer-feature.json", "install.sh"] {
        std::fs::copy(local.join(file), to.join(file)).unwrap();
    }
    let cache = tempfile::tempdir().unwrap();
    let ours = assert_same_features_configuration(ws.path(), &[], &[("XDG_CACHE_HOME", cache.path())]);

    let sets = ours["featuresConfiguration"]["featureSets"].as_array().unwrap();
    let ids: Vec<&str> = sets.iter().map(|s| s["sourceInformation"]["userFeatureId"].as_str().unwrap()).collect();
    assert_eq!(sets.len(), 4, "{ids:?}");
    assert!(ids.contains(&greeter.as_str()) && ids.contains(&"./local-hello"), "{ids:?}");
    let greeter_set = sets.iter().find(|s| s["sourceInformation"]["userFeatureId"] == greeter.as_str()).unwrap();
    assert_eq!(greeter_set["sourceInformation"]["featureRef"]["tag"], "latest");
    assert!(greeter_set["computedDigest"].as_str().unwrap().starts_with("sha256:"), "{greeter_set}");
    assert!(!ws.path().join(".devcontainer/devcontainer-lock.json").exists(), "read-configuration wrote a lockfile");
}
