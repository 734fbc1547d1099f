//! A registry that wants a login (htpasswd) + the user's Docker config naming a credential helper → features
//! publish and resolve with those credentials, and are refused without them; no credential reaches the output.

use crate::support::registry::{Registry, collection, containai, workspace};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const USER: &str = "robot";
const PASSWORD: &str = "pw-4c1f9e-not-printed";

/// `$DOCKER_CONFIG` whose `credHelpers` sends `host` to `docker-credential-caitest`, a script (put on `PATH`)
/// that answers with the registry's login and logs the server it was asked for.
fn docker_config(dir: &Path, host: &str) {
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(dir.join("config.json"), json!({"credHelpers": {host: "caitest"}}).to_string()).unwrap();
    let helper = dir.join("bin/docker-credential-caitest");
    let script = format!(
        "#!/bin/sh\nread -r server\necho \"$1 $server\" >> {}\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\n",
        dir.join("helper.log").display()
    );
    std::fs::write(&helper, script).unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
}

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
    docker_config(docker.path(), &host);
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
