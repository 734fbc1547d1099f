//! fixtures/config/* → the reference CLI's `devcontainer read-configuration` and containai's, compared exactly.
//!
//! Needs `devcontainer` (npm `@devcontainers/cli`, installed by scripts/setup) on PATH: without it these tests fail.

use crate::support::config::{Workspace, both, command, containai, fixtures, is_valid, prepare, prepare_at};
use crate::support::reference_cli;
use std::process::Command;

/// Fixtures the reference CLI also refuses (it does not validate against a schema, so not all `bad-*` ones).
const REFUSED_BY_BOTH: &[&str] = &[
    "bad-config-missing",
    "bad-localenv-without-name",
    "bad-no-config",
    "bad-not-an-object",
    "bad-several-configs",
    "bad-empty-file",
];

#[test]
fn read_configuration_matches_the_reference_cli() {
    reference_cli();
    let workspaces: Vec<(String, Workspace)> =
        fixtures().into_iter().filter(|n| is_valid(n)).map(|n| (n.clone(), prepare(&n))).collect();
    assert!(workspaces.len() >= 15, "only {} valid fixtures", workspaces.len());
    compare_all(workspaces);
}

/// Runs both CLIs on each workspace; fails listing every difference (key order counts: text is compared).
fn compare_all(workspaces: Vec<(String, Workspace)>) {
    let mut mismatches = Vec::new();
    for (name, ws) in &workspaces {
        match both(ws) {
            (Ok(a), Ok(b)) if a == b => {}
            (a, b) => mismatches.push(format!("== {name}\n-- containai\n{a:?}\n-- devcontainer\n{b:?}")),
        }
    }
    let n = workspaces.len();
    assert!(mismatches.is_empty(), "{} of {n} differ:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
#[ignore = "needs CONTAINAI_CORPUS; run by .ci/run's conformance step"]
fn corpus_templates_read_the_same() {
    reference_cli();
    let templates = crate::support::corpus::templates();
    let mut workspaces = Vec::new();
    for entry in std::fs::read_dir(templates).unwrap().filter_map(|e| e.ok()) {
        let file = entry.path().join("devcontainer.json");
        if file.is_file() {
            let mut ws = prepare_at("image-basic", "workspace");
            ws.args = vec!["--config".into(), file.to_string_lossy().into_owned()];
            workspaces.push((entry.file_name().to_string_lossy().into_owned(), ws));
        }
    }
    assert!(workspaces.len() >= 30, "corpus looks empty");
    compare_all(workspaces);
}

#[test]
fn git_root_and_odd_paths_read_the_same() {
    reference_cli();
    let mut workspaces = Vec::new();
    // A workspace deep inside a Git repository: the reference mounts the repository's root.
    let ws = prepare_at("substitution", "repo/sub dir/ws");
    let git = Command::new("git").args(["init", "-q"]).current_dir(ws.tmp.path().join("repo")).status();
    assert!(git.is_ok_and(|s| s.success()), "git init");
    workspaces.push(("inside a git repository".to_string(), ws));
    for rel in ["with,comma", "with space", "ünïcödé", "with\"quote"] {
        workspaces.push((rel.to_string(), prepare_at("workspace-folder-custom", rel)));
        workspaces.push((format!("{rel} (defaults)"), prepare_at("image-basic", rel)));
    }
    compare_all(workspaces);
}

#[test]
fn both_refuse_the_same_broken_workspaces() {
    reference_cli();
    for name in REFUSED_BY_BOTH {
        let ws = prepare(name);
        let ours = containai(&ws);
        let theirs = command("devcontainer", &ws).output().expect("run devcontainer");
        assert!(!ours.status.success(), "{name}: containai accepted it");
        assert!(!theirs.status.success(), "{name}: the reference accepted it; drop it from REFUSED_BY_BOTH");
    }
}

/// Removes the container when dropped.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rm", "-f", &self.0]).output();
    }
}

#[test]
fn devcontainer_id_agrees_with_the_reference_cli() {
    reference_cli();
    // The reference fills in `${devcontainerId}` only once a container with the id labels exists: create one
    // (never started) on the local engine. A missing engine fails this test.
    let ws = prepare("mounts");
    let loaded = containai::config::load(&containai::config::LoadOptions {
        workspace_folder: ws.path.clone(),
        config_file: None,
    })
    .expect("mounts loads");
    let info = &loaded.workspace;
    let name = format!("containai-test-devcontainer-id-{}", std::process::id());
    let created = Command::new("docker")
        .args(["create", "--name", &name, "--label", "containai.test=config-conformance"])
        .arg("--label")
        .arg(format!("devcontainer.local_folder={}", info.local_workspace_folder.display()))
        .arg("--label")
        .arg(format!("devcontainer.config_file={}", info.config_file.display()))
        .args(["containai-test/base:bookworm", "true"])
        .output()
        .expect("docker CLI");
    assert!(created.status.success(), "docker create: {}", String::from_utf8_lossy(&created.stderr));
    let _container = Container(name);
    let out = command("devcontainer", &ws).output().expect("run devcontainer");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mount = theirs["configuration"]["mounts"][0].as_str().unwrap();
    assert_eq!(mount, format!("source=containai-{}-cache,target=/cache,type=volume", info.devcontainer_id));
}
