//! The corpus's Compose templates (`CONTAINAI_CORPUS`), rendered with their defaults. The corpus keeps only their
//! devcontainer.json, so each gets stand-in Compose files shaped like the upstream templates' (an `app` service
//! built from a Dockerfile on the test base, in the network of a `db` service on the test base; the "extend an
//! existing file" template gets a base file and an override) under the names its `dockerComposeFile` gives.
//! Every one: `read-configuration` identical to the reference CLI's, `build --plan` succeeds (the features
//! through a local registry mirroring `ghcr.io`, as in oci_corpus); three come up to ssh-ready and go down.

use crate::oci_corpus::{corpus, published_features, rendered};
use crate::support::compose::{BASE, DB_COMMAND, Projects, containers, folder_project_name, project_name};
use crate::support::reference::{differences, require_reference_cli};
use crate::support::registry::containai;
use serde_json::{Value, json};
use std::path::Path;

/// The stand-in files of a template whose primary service is `service`, under the names of `files`.
fn stand_ins(workspace: &Path, files: &[String], service: &str) {
    let name = workspace.file_name().unwrap().to_string_lossy().to_string();
    let dev = workspace.join(".devcontainer");
    std::fs::write(dev.join("Dockerfile"), format!("FROM {BASE}\nRUN echo stand-in > /etc/stand-in\n")).unwrap();
    let full = format!(
        "version: '3.8'\nservices:\n  {service}:\n    build:\n      context: .\n      dockerfile: Dockerfile\n    \
         volumes:\n      - ..:/workspaces/{name}:cached\n    command: sleep infinity\n    network_mode: service:db\n  \
         db:\n    image: {BASE}\n    command: {DB_COMMAND}\n"
    );
    if let [base, over] = files {
        // An existing project's file, and the dev container's override of it.
        let existing =
            format!("version: '3.8'\nservices:\n  {service}:\n    image: {BASE}\n    command: sleep infinity\n");
        std::fs::write(dev.join(base), existing).unwrap();
        // Compose resolves the override's paths from the folder of the first file: the workspace.
        let override_text =
            format!("version: '3.8'\nservices:\n  {service}:\n    volumes:\n      - .:/workspaces/{name}:cached\n");
        std::fs::write(dev.join(over), override_text).unwrap();
    } else {
        std::fs::write(dev.join(&files[0]), full).unwrap();
    }
}

/// `program read-configuration --workspace-folder WS`: success, the last JSON line, stderr.
fn read_configuration(program: &Path, workspace: &Path) -> (bool, Value, String) {
    let out = std::process::Command::new(program)
        .args(["read-configuration", "--workspace-folder"])
        .arg(workspace)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = stdout.lines().rev().find_map(|l| serde_json::from_str(l).ok()).unwrap_or(Value::Null);
    (out.status.success(), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
#[ignore = "needs CONTAINAI_CORPUS; run by .ci/run's conformance step"]
fn corpus_compose_templates_read_like_the_reference_plan_and_three_come_up() {
    require_reference_cli();
    let configs: Vec<(std::path::PathBuf, Value)> =
        corpus().into_iter().filter(|(_, c)| c.get("dockerComposeFile").is_some()).collect();
    assert!(configs.len() >= 15, "the corpus has {} Compose templates", configs.len());
    let (registry, _col, _wanted, _uses) = published_features(&configs);
    let home = tempfile::tempdir().unwrap();
    let user_config = home.path().join("containai.json");
    std::fs::write(&user_config, json!({"registryMirrors": {"ghcr.io": registry.host}}).to_string()).unwrap();
    let envs = [
        ("CONTAINAI_CONFIG", user_config.as_path()),
        ("XDG_CACHE_HOME", &home.path().join("cache")),
        ("XDG_CONFIG_HOME", &home.path().join("config")),
        ("HOME", home.path()),
    ];
    let (mut planned, mut up) = (Vec::new(), Vec::new());
    let mut projects = Projects(Vec::new());
    let mut workspaces = Vec::new();
    for (dir, raw) in &configs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let config = rendered(dir);
        let ws = crate::support::registry::workspace(&config);
        let files: Vec<String> = match &config["dockerComposeFile"] {
            Value::String(one) => vec![one.clone()],
            many => many.as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect(),
        };
        stand_ins(ws.path(), &files, config["service"].as_str().unwrap());
        let ws_arg = ws.path().to_str().unwrap();

        // Without `--include-features-configuration`: the reference cannot reach ghcr.io here (no mirror).
        let (ok_ours, ours, err) = read_configuration(&crate::support::binary(), ws.path());
        let (ok_ref, theirs, ref_err) = read_configuration(Path::new("devcontainer"), ws.path());
        assert!(ok_ours && ok_ref, "{name}: read-configuration failed: {err} / {ref_err}");
        let diffs = differences(&ours, &theirs);
        assert!(diffs.is_empty(), "{name}: read-configuration differs from the reference:\n{}", diffs.join("\n"));

        let (ok, out, err) = containai(&["build", "--plan", "--workspace-folder", ws_arg], &envs);
        assert!(ok, "{name}: build --plan failed: {err}");
        let plan: Value = serde_json::from_str(out.trim()).unwrap();
        let layers = plan["layers"].as_array().unwrap();
        assert!(!layers.is_empty(), "{name}: {plan}");
        planned.push(name.clone());

        if up.len() < 3 && raw.get("features").is_none() {
            // The reference names the project after the folder of the first file: `.devcontainer` → the workspace's.
            let project = match files[0].starts_with("../") {
                true => folder_project_name(ws.path()),
                false => project_name(ws.path()),
            };
            projects.0.push(project.clone());
            let args = ["up", "--allow-insecure-runtime", "--egress", "open", "--workspace-folder", ws_arg];
            let (ok, out, err) = containai(&args, &envs);
            assert!(ok, "{name}: up failed: {err}");
            let result: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
            assert!(result["ssh"]["port"].as_u64().is_some(), "{name}: not ssh-ready: {result}");
            // The stand-ins have app and db, or one service extended by an override.
            let services = if files.len() == 2 { 1 } else { 2 };
            assert_eq!(containers(&project, false).len(), services, "{name}: services of `{project}`");
            let (ok, _, err) = containai(&["down", "--remove", "--workspace-folder", ws_arg], &envs);
            assert!(ok, "{name}: down --remove failed: {err}");
            assert_eq!(containers(&project, true), Vec::<String>::new(), "{name}");
            up.push(name.clone());
        }
        workspaces.push(ws);
    }
    eprintln!("corpus Compose templates planned: {} ({}); up and down: {up:?}", planned.len(), planned.join(", "));
    assert_eq!(planned.len(), configs.len());
    assert_eq!(up.len(), 3, "three templates came up: {up:?}");
}
