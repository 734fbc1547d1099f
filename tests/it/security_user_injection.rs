//! A `remoteUser` that would add a line to the ssh client's config (`ProxyCommand`, `Match exec`: commands the
//! host runs), set by the repository's devcontainer.json or by its base image's `devcontainer.metadata` label: `up`
//! fails naming `remoteUser`, writes no ssh entry, creates no container, and nothing runs on the host. Fails when no
//! engine answers.

use crate::support::sandbox::{Home, Workspaces, workspace_containers};
use crate::support::{Images, docker, text, token};
use serde_json::json;
use std::path::Path;

/// Runs `up` and checks that it was refused for `remoteUser` and left nothing behind.
fn assert_refused(home: &Home, ws: &Path, marker: &Path) {
    let _cleanup = Workspaces(vec![ws.to_path_buf()]);
    let up = home.run("up", Some(ws), &["--allow-insecure-runtime"]);
    let out = text(&up);
    assert!(!up.status.success(), "{out}");
    assert!(out.contains("`remoteUser` is \"root"), "the error names `remoteUser`: {out}");
    assert!(out.contains("\\n"), "the value is escaped, its newline shown as `\\n`: {out}");
    assert!(!marker.exists(), "a command ran on the host");
    let conf = home.path().join(".ssh/containai.d");
    assert!(std::fs::read_dir(&conf).map_or(true, |mut d| d.next().is_none()), "an ssh entry was written");
    assert!(workspace_containers(ws).is_empty(), "a container was created");
}

#[test]
fn a_remote_user_from_the_config_cannot_add_ssh_options() {
    let home = Home::new();
    let name = token("userinj");
    let marker = std::env::temp_dir().join(format!("cai-marker-{name}"));
    let user = format!("root\nProxyCommand touch {}", marker.display());
    let config = json!({"image": "containai-test/base:bookworm", "remoteUser": user});
    let ws = home.workspace(&name, &config);
    assert_refused(&home, &ws, &marker);
}

#[test]
fn a_remote_user_from_the_base_image_label_cannot_add_ssh_options() {
    let home = Home::new();
    let name = token("labelinj");
    let marker = std::env::temp_dir().join(format!("cai-marker-{name}"));
    let image = format!("containai-test/userinj:{name}");
    let images = Images::new();
    images.add(&image);
    // Single quotes: the Dockerfile keeps `\n` as two characters, which the JSON turns into a newline.
    let label = format!(r#"[{{"remoteUser": "root:x\nMatch exec \"touch {}\""}}]"#, marker.display());
    let dir = tempfile::tempdir().unwrap();
    let dockerfile = format!("FROM containai-test/base:bookworm\nLABEL devcontainer.metadata='{label}'\n");
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    let built = std::process::Command::new("docker")
        .args(["build", "-q", "-t", &image])
        .arg(dir.path())
        .output()
        .expect("the docker CLI");
    assert!(built.status.success(), "{}", text(&built));
    let stored =
        docker(&["image", "inspect", "--format", "{{index .Config.Labels \"devcontainer.metadata\"}}", &image]);
    let entries: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert!(entries[0]["remoteUser"].as_str().unwrap().contains("\nMatch exec"), "the label carries the attack");
    let ws = home.workspace(&name, &json!({"image": image}));
    assert_refused(&home, &ws, &marker);
}
