//! An interrupted `--cache-to` push (the registry killed while a large layer uploads) → no key tag in the
//! registry names an incomplete image: each tag is absent or every blob of its manifest is there; a second
//! push completes it. Real registry, real engine; fails when either is missing.

use crate::support::registry::Registry;
use crate::support::{BASE_IMAGE, Images};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

const MANIFEST_TYPES: &str =
    "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

/// A workspace whose one feature writes 64 MB of random bytes (slow to compress and push).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let feature = dir.path().join(".devcontainer/big");
    std::fs::create_dir_all(&feature).unwrap();
    std::fs::write(feature.join("devcontainer-feature.json"), json!({"id": "big", "version": "1.0.0"}).to_string())
        .unwrap();
    let install = feature.join("install.sh");
    std::fs::write(&install, "#!/bin/sh\nset -e\nhead -c 64000000 /dev/urandom > /var/prebuild-big\n").unwrap();
    std::fs::set_permissions(&install, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config =
        json!({"image": BASE_IMAGE, "features": {"./big": {}}, "customizations": {"containai": {"ssh": false}}});
    std::fs::write(dir.path().join(".devcontainer/devcontainer.json"), config.to_string()).unwrap();
    dir
}

fn containai(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_containai"));
    cmd.args(args).env_remove("DOCKER_HOST");
    cmd
}

/// Whether `repo:tag` is in the registry, and if so, that its config and every layer blob are too.
async fn tag_state(host: &str, path: &str, tag: &str) -> Option<bool> {
    let client = reqwest::Client::new();
    let base = format!("http://{host}/v2/{path}");
    let manifest = client.get(format!("{base}/manifests/{tag}")).header("Accept", MANIFEST_TYPES).send().await.unwrap();
    if manifest.status() == reqwest::StatusCode::NOT_FOUND {
        return None;
    }
    let manifest: Value = serde_json::from_slice(&manifest.error_for_status().unwrap().bytes().await.unwrap()).unwrap();
    let mut digests = vec![manifest["config"]["digest"].as_str().unwrap().to_string()];
    digests.extend(manifest["layers"].as_array().unwrap().iter().map(|l| l["digest"].as_str().unwrap().to_string()));
    for digest in digests {
        let blob = client.head(format!("{base}/blobs/{digest}")).send().await.unwrap();
        if !blob.status().is_success() {
            return Some(false);
        }
    }
    Some(true)
}

#[tokio::test]
async fn a_push_cut_short_leaves_no_tag_on_an_incomplete_image() {
    let mut registry = Registry::start();
    let host = registry.host.replace("localhost", "127.0.0.1");
    let repo = format!("{host}/prebuild/interrupted");
    let ws = workspace();
    let folder = ws.path().to_str().unwrap();
    let plan: Value =
        serde_json::from_slice(&containai(&["build", "--plan", "--workspace-folder", folder]).output().unwrap().stdout)
            .unwrap();
    let keys: Vec<String> =
        plan["layers"].as_array().unwrap().iter().map(|l| l["key"].as_str().unwrap().to_string()).collect();
    let big =
        plan["layers"].as_array().unwrap().iter().position(|l| l["name"].as_str().unwrap().contains("big")).unwrap();
    let images = Images::new();
    for key in &keys[big..] {
        images.add(format!("containai-cache:{key}"));
    }

    let mut child = containai(&["build", "--workspace-folder", folder, "--cache-to", &repo])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let wanted = format!("pushing `{repo}:{}`", keys[big]);
    let mut seen = Vec::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        let hit = line.contains(&wanted);
        seen.push(line);
        if hit {
            break;
        }
    }
    assert!(seen.last().is_some_and(|l| l.contains(&wanted)), "the big layer's push never started: {seen:#?}");
    std::thread::sleep(Duration::from_millis(400));
    registry.stop();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the push was cut short, so the build fails");

    registry.resume();
    let path = repo.split_once('/').unwrap().1;
    assert_eq!(tag_state(&host, path, &keys[big]).await, None, "the interrupted layer has no tag");
    for key in &keys {
        assert_ne!(tag_state(&host, path, key).await, Some(false), "a tag names an incomplete image: {key}");
    }
    let (code, check) = {
        let out = containai(&["build", "--check-cache", "--workspace-folder", folder, "--cache-from", &repo])
            .output()
            .unwrap();
        (out.status.code(), serde_json::from_slice::<Value>(&out.stdout).unwrap())
    };
    assert_eq!((code, &check["layers"][big]["inRegistry"]), (Some(1), &json!(false)), "{check}");

    let again = containai(&["build", "--workspace-folder", folder, "--cache-to", &repo]).output().unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    for key in &keys {
        assert_eq!(tag_state(&host, path, key).await, Some(true), "{key} is pushed completely");
    }
}
