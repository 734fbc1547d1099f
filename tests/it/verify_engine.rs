//! `containai verify` against real containers: plain runc from `up --allow-insecure-runtime` (no user namespace),
//! gVisor (`runsc`: its own kernel and procfs), and a userns-remap engine (a non-identity map). Fails when no
//! engine answers.

use crate::support::daemon::SecondEngine;
use crate::support::{BASE_IMAGE, unique};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn containai(args: &[&str], home: &Path, docker_host: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_containai"));
    cmd.args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env_remove("CONTAINAI_ALLOW_INSECURE_RUNTIME");
    if let Some(host) = docker_host {
        cmd.env("DOCKER_HOST", host);
    }
    cmd.output().unwrap()
}

fn json_of(out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line =
        stdout.lines().last().unwrap_or_else(|| panic!("no stdout; stderr:\n{}", String::from_utf8_lossy(&out.stderr)));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}\n{}", String::from_utf8_lossy(&out.stderr)))
}

/// Removes the containers it holds (by id or name) when dropped.
struct Containers(Vec<String>);

impl Drop for Containers {
    fn drop(&mut self) {
        for id in &self.0 {
            let workspace = crate::support::egress::workspace_of(id);
            let _ = Command::new("docker").args(["rm", "-f", "-v", id]).output();
            if let Some(folder) = workspace {
                crate::support::egress::remove_for(&folder);
            }
        }
    }
}

fn level(summary: &Value, property: &str) -> String {
    summary[property]["level"].as_str().unwrap_or_else(|| panic!("no {property} in {summary}")).to_string()
}

#[test]
fn a_runc_container_from_insecure_up_is_reported_without_a_user_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let workspace = dir.path().join(unique("cai-verify"));
    std::fs::create_dir_all(workspace.join(".devcontainer")).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(workspace.join(".devcontainer/devcontainer.json"), format!(r#"{{"image": "{BASE_IMAGE}"}}"#))
        .unwrap();
    let folder = workspace.to_str().unwrap();
    let up = containai(&["up", "--workspace-folder", folder, "--allow-insecure-runtime"], &home, None);
    let up_json = json_of(&up);
    let _guard = Containers(up_json["containerId"].as_str().map(str::to_string).into_iter().collect());
    assert!(up.status.success(), "{up_json}\n{}", String::from_utf8_lossy(&up.stderr));

    // up's own probes, in its result.
    let isolation = &up_json["isolation"];
    assert_eq!(
        (isolation["class"].as_str(), isolation["runtime"].as_str()),
        (Some("none"), Some("runc")),
        "{isolation}"
    );
    assert_eq!(level(isolation, "userNamespaces"), "no", "{isolation}");

    // verify, found through the workspace.
    let out = containai(&["verify", "--workspace-folder", folder, "--json"], &home, None);
    assert!(out.status.success(), "runc is not held to sysbox's standard: {}", String::from_utf8_lossy(&out.stderr));
    let report = json_of(&out);
    let summary = &report["summary"];
    assert_eq!(level(summary, "userNamespaces"), "no", "{summary}");
    assert_eq!(level(summary, "syscallVetting"), "no", "insecure mode is seccomp=unconfined: {summary}");
    assert_eq!(level(summary, "procfsVirtualisation"), "partial", "{summary}");
    assert_eq!(level(summary, "systemd"), "yes", "{summary}");
    assert_eq!(summary["kernel"]["ownKernel"], false, "{summary}");
    assert_eq!(summary["hostEngineReachable"], false, "{summary}");
    let evidence = summary["userNamespaces"]["evidence"].to_string();
    assert!(
        evidence.contains("0 0 4294967295 (identity)") && evidence.contains("runs as uid 0 on the host"),
        "{evidence}"
    );
    assert_eq!(report["observations"]["hostUid"], 0);

    // The text form says the same.
    let text = containai(&["verify", "--workspace-folder", folder], &home, None);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.lines().any(|l| l.starts_with("user namespaces") && l.contains(" no ")), "{text}");
}

#[test]
fn a_gvisor_container_is_reported_with_its_own_kernel() {
    let name = unique("cai-verify-runsc");
    let run = Command::new("docker")
        .args(["run", "-d", "--runtime", "runsc", "--name", &name, BASE_IMAGE, "sleep", "infinity"])
        .output()
        .expect("docker CLI");
    let _guard = Containers(vec![name.clone()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let dir = tempfile::tempdir().unwrap();
    let out = containai(&["verify", "--container", &name, "--json"], dir.path(), None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = json_of(&out)["summary"].clone();
    assert_eq!((summary["class"].as_str(), summary["runtime"].as_str()), (Some("gvisor"), Some("runsc")), "{summary}");
    let host_kernel = String::from_utf8(Command::new("uname").arg("-r").output().unwrap().stdout).unwrap();
    assert_eq!(summary["kernel"]["ownKernel"], true, "{summary}");
    assert_ne!(summary["kernel"]["container"].as_str(), Some(host_kernel.trim()), "{summary}");
    assert_eq!(level(&summary, "syscallVetting"), "yes", "{summary}");
    assert_eq!(level(&summary, "procfsVirtualisation"), "yes", "{summary}");
    // The map inside the sandbox is the identity, but the sandbox process is unprivileged on the host.
    assert_eq!(level(&summary, "userNamespaces"), "partial", "{summary}");
    assert_eq!(level(&summary, "systemd"), "no", "{summary}");
    assert!(summary["dockerInDocker"]["evidence"].to_string().contains("no inner engine"), "{summary}");
}

#[test]
fn a_container_of_a_userns_remap_engine_shows_a_non_identity_map() {
    let engine = SecondEngine::start(&["--userns-remap=default"]);
    engine.load_image(BASE_IMAGE);
    let name = unique("cai-verify-remap");
    let run = engine
        .docker()
        .args(["run", "-d", "--network", "none", "--name", &name, BASE_IMAGE, "sleep", "infinity"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let dir = tempfile::tempdir().unwrap();
    let host = engine.host();
    let out = containai(&["verify", "--container", &name, "--json"], dir.path(), Some(&host));
    let _ = engine.docker().args(["rm", "-f", &name]).output();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json_of(&out);
    let summary = &report["summary"];
    assert_eq!(level(summary, "userNamespaces"), "yes", "{summary}");
    let outside = report["observations"]["uidMap"][0]["outside"].as_u64().unwrap();
    assert!(outside > 0, "root maps to uid {outside}: {report}");
    assert_eq!(
        report["observations"]["hostUid"].as_u64(),
        Some(outside),
        "the engine's view agrees with the map: {report}"
    );
    assert_eq!(summary["class"], "none", "runc under userns-remap is still runc: {summary}");
}
