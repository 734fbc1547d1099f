//! Features published by containai to a real registry → the reference `devcontainer` CLI (which must be on PATH)
//! reads their manifest, builds an image with one installed, and writes the same lockfile containai writes.

use crate::support::reference_cli;
use crate::support::registry::{Registry, collection, publish, workspace};
use containai::config::{self, LoadOptions};
use containai::features::{self, oci::RemoteOptions};
use serde_json::{Value, json};
use std::process::Command;

fn devcontainer(args: &[&str], dir: &std::path::Path) -> (bool, String) {
    let out = Command::new("devcontainer").args(args).current_dir(dir).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

/// The last line of stdout that parses as JSON.
fn json_line(text: &str) -> Value {
    text.lines().rev().find_map(|l| serde_json::from_str(l).ok()).unwrap_or(Value::Null)
}

#[test]
fn reference_cli_consumes_what_containai_publishes() {
    reference_cli();
    let registry = Registry::start();
    let host = registry.host.clone();
    let ns = "refcli/features";
    let col = collection(&host, ns);
    publish(col.path(), &host, ns);
    let reference = format!("{host}/{ns}/hello:1");
    let ws = workspace(&json!({
        "image": "containai-test/base:bookworm",
        "features": {reference.clone(): {"greeting": "from-containai"}}
    }));
    let store = tempfile::tempdir().unwrap();
    let loaded = config::load(&LoadOptions { workspace_folder: ws.path().into(), config_file: None }).unwrap();
    let options = RemoteOptions { store: Some(store.path().into()), ..RemoteOptions::default() };
    features::resolve_with(&loaded, &options).unwrap();
    let lock_path = ws.path().join(".devcontainer/devcontainer-lock.json");
    let ours: Value = serde_json::from_str(&std::fs::read_to_string(&lock_path).unwrap()).unwrap();

    // The lockfile: the reference's `upgrade --dry-run` prints the same one.
    let (ok, out) = devcontainer(&["upgrade", "--workspace-folder", ".", "--dry-run"], ws.path());
    assert!(ok, "{out}");
    let start = out.find('{').unwrap();
    let theirs: Value = serde_json::Deserializer::from_str(&out[start..]).into_iter().next().unwrap().unwrap();
    assert_eq!(theirs, ours);
    let (ok, out) = devcontainer(&["outdated", "--workspace-folder", ".", "--output-format", "json"], ws.path());
    assert!(ok, "{out}");
    assert_eq!(json_line(&out)["features"][&reference]["current"], "1.0.0", "{out}");

    // The reference CLI installs the published feature into an image.
    let image = format!("containai-oci-refcli:{}", std::process::id());
    let (ok, out) = devcontainer(&["build", "--workspace-folder", ".", "--image-name", &image], ws.path());
    let contents = Command::new("docker")
        .args(["run", "--rm", &image, "cat", "/usr/local/share/hello-feature.txt"])
        .output()
        .unwrap();
    let _ = Command::new("docker").args(["rmi", &image]).output();
    assert!(ok, "{out}");
    assert_eq!(String::from_utf8_lossy(&contents.stdout).trim(), "from-containai");
}
