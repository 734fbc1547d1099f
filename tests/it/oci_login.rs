//! A registry that wants a login (htpasswd) + the user's Docker config naming a credential helper → features
//! publish and resolve with those credentials, and are refused without them; no credential reaches the output.

use crate::support::registry::{Registry, collection, containai, credential_helper, workspace};
use serde_json::json;
use std::path::Path;

const USER: &str = "robot";
const PASSWORD: &str = "pw-4c1f9e-not-printed";

#[test]
fn features_publish_and_resolve_with_credentials_from_a_credential_helper() {
    let registry = Registry::start_with_login(USER, PASSWORD);
    let host = registry.host.clone();
    let ns = "private/features";
    let col = collection(&host, ns);
    let col_arg = col.path().to_str().unwrap();
    let publish = ["features", "publish", col_arg, "--registry", &host, "--namespace", ns];
    let home = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let env_without = [("HOME", home.path()), ("XDG_CACHE_HOME", cache.path())];

    let (ok, _, err) = containai(&publish, &env_without);
    assert!(!ok, "publishing without credentials must be refused by the registry");

    let docker = tempfile::tempdir().unwrap();
    credential_helper(docker.path(), &host, USER, PASSWORD);
    let path = format!("{}:{}", docker.path().join("bin").display(), std::env::var("PATH").unwrap());
    let env_with = [
        ("HOME", home.path()),
        ("XDG_CACHE_HOME", cache.path()),
        ("DOCKER_CONFIG", docker.path()),
        ("PATH", Path::new(&path)),
    ];
    let (ok, out, err2) = containai(&publish, &env_with);
    assert!(ok, "publish with the helper's login failed: {err2}\n(without it: {err})");
    let log = std::fs::read_to_string(docker.path().join("helper.log")).unwrap();
    assert!(log.lines().all(|l| l == format!("get {host}")) && !log.is_empty(), "helper asked: {log}");

    let ws = workspace(&json!({
        "image": "containai-test/base:bookworm",
        "features": {format!("{host}/{ns}/hello:1"): {}}
    }));
    let ws_arg = ws.path().to_str().unwrap();
    let (ok, plan, err3) = containai(&["build", "--plan", "--workspace-folder", ws_arg], &env_with);
    assert!(ok, "resolving through the login failed: {err3}");
    assert!(plan.contains(&format!("{host}/{ns}/hello")), "{plan}");
    for text in [&out, &err2, &plan, &err3] {
        assert!(!text.contains(PASSWORD), "the password appeared in the output");
    }

    // The same feature from an empty store without credentials: refused, and the error names the feature.
    let cold = tempfile::tempdir().unwrap();
    let (ok, _, err4) = containai(
        &["build", "--plan", "--workspace-folder", ws_arg],
        &[("HOME", home.path()), ("XDG_CACHE_HOME", cold.path())],
    );
    assert!(!ok && err4.contains("hello"), "{err4}");
}
