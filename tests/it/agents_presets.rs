//! Every agent preset (`agents/*.json`) → `containai build --agent NAME` over one shared parent (base, system,
//! the host's CA layer), from npm or PyPI through this machine's TLS-intercepting proxy → `<command> --version`
//! runs in the image as the remote user. Prints how long each preset's layers took.

use crate::support::sandbox::{Home, json};
use crate::support::{BASE_IMAGE, Images, docker_output, text};
use serde_json::json;
use std::time::Instant;

/// The user config that trusts the host's extra CAs (the proxy's), as a user behind one writes it.
pub fn trust_host_cas(home: &Home) {
    let dir = home.path().join(".config/containai");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), json!({"hostCaCertificates": true}).to_string()).unwrap();
}

#[test]
fn every_preset_builds_and_its_command_runs_as_the_remote_user() {
    let images = Images::new();
    let home = Home::new();
    trust_host_cas(&home);
    let marker = crate::support::unique("agents-presets");
    let ws = home.workspace(&marker, &json!({"image": BASE_IMAGE, "remoteUser": "agent"}));
    let presets = containai::agents::all().unwrap();
    assert!(presets.len() >= 5);
    let mut system_parents = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for preset in &presets {
        let name = format!("containai-test/{marker}-{}:1", preset.name);
        images.add(name.clone());
        let started = Instant::now();
        let out = home.run("build", Some(&ws), &["--agent", &preset.name, "--image-name", &name]);
        assert!(out.status.success(), "{}: {}", preset.name, crate::support::last_lines(&text(&out), 40));
        let result = json(&out);
        let layers = result["layers"].as_array().unwrap();
        let built: Vec<&str> =
            layers.iter().filter(|l| l["source"] == "built").map(|l| l["name"].as_str().unwrap_or("")).collect();
        eprintln!("{}: {:.0?}, layers built: {built:?}", preset.name, started.elapsed());
        // One parent for all: base, system, ca are the same for every preset.
        let keys: Vec<&str> = layers.iter().take(3).map(|l| l["key"].as_str().unwrap_or("")).collect();
        system_parents.insert(keys.join(" "));
        let check = docker_output(&[
            "run",
            "--rm",
            "--user",
            "agent",
            "--entrypoint",
            "/bin/sh",
            &name,
            "-c",
            &format!("id -un; {} --version", preset.command),
        ]);
        let said = text(&check);
        if !check.status.success() || !said.starts_with("agent\n") || said.lines().count() < 2 {
            failures.push(format!("{}: `{} --version` as `agent`: {said}", preset.name, preset.command));
        }
    }
    assert_eq!(system_parents.len(), 1, "{system_parents:?}");
    assert!(failures.is_empty(), "{failures:#?}");
}
