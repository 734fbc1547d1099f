//! Prebuilds through a real registry (Debian's `docker-registry`) between two engines: machine A (the shared
//! engine) builds with `--cache-to` and `--push`; machine B (a private second dockerd) builds from the registry,
//! then after a change to the last feature, then with the registry stopped. Fails when an engine is missing.

use crate::support::BASE_IMAGE;
use crate::support::daemon::SecondEngine;
use crate::support::registry::Registry;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A workspace with two small local features `a` and `b` (b last), and a Docker config whose credential helper
/// logs the servers it is asked about.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let dc = dir.path().join("ws/.devcontainer");
        for id in ["a", "b"] {
            std::fs::create_dir_all(dc.join(id)).unwrap();
            let feature = json!({"id": id, "version": "1.0.0", "name": id, "containerEnv": {format!("PREBUILD_{}", id.to_uppercase()): id}});
            std::fs::write(dc.join(id).join("devcontainer-feature.json"), feature.to_string()).unwrap();
            write_script(
                &dc.join(id).join("install.sh"),
                &format!("#!/bin/sh\nset -e\necho prebuild-{id} > /etc/prebuild-{id}\n"),
            );
        }
        let config = json!({"image": BASE_IMAGE, "features": {"./a": {}, "./b": {}}, "customizations": {"containai": {"ssh": false}}});
        std::fs::write(dc.join("devcontainer.json"), config.to_string()).unwrap();
        std::fs::create_dir_all(dir.path().join("docker/bin")).unwrap();
        Workspace { dir }
    }

    fn folder(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    /// `credHelpers` for `host` → a helper script that logs and answers with a throwaway login.
    fn use_helper_for(&self, host: &str) {
        let docker = self.dir.path().join("docker");
        std::fs::write(docker.join("config.json"), json!({"credHelpers": {host: "prebuildtest"}}).to_string()).unwrap();
        let log = docker.join("helper.log");
        let script = format!(
            "#!/bin/sh\nread -r server\necho \"$1 $server\" >> {}\necho '{{\"Username\":\"ci\",\"Secret\":\"not-a-real-secret\"}}'\n",
            log.display()
        );
        write_script(&docker.join("bin/docker-credential-prebuildtest"), &script);
    }

    fn helper_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("docker/helper.log")).unwrap_or_default()
    }

    /// Runs `containai build --workspace-folder <ws> ARGS` against `host` (None: the shared engine).
    fn build(&self, host: Option<&str>, args: &[&str]) -> (i32, Value, String) {
        self.json("build", host, args)
    }

    /// Runs `containai COMMAND --workspace-folder <ws> ARGS` and reads the JSON line it prints last.
    fn json(&self, command: &str, host: Option<&str>, args: &[&str]) -> (i32, Value, String) {
        let out = self.command(command, host, args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let line = stdout.lines().last().unwrap_or_else(|| panic!("no JSON on stdout; stderr:\n{stderr}"));
        let json = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}\n{stderr}"));
        (out.status.code().unwrap_or(-1), json, stderr)
    }

    fn command(&self, command: &str, host: Option<&str>, args: &[&str]) -> Command {
        let docker = self.dir.path().join("docker");
        let path = format!("{}:{}", docker.join("bin").display(), std::env::var("PATH").unwrap_or_default());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_containai"));
        cmd.arg(command).arg("--workspace-folder").arg(self.folder()).args(args);
        cmd.env("DOCKER_CONFIG", &docker).env("PATH", path).env("HOME", self.dir.path().join("home"));
        match host {
            Some(host) => cmd.env("DOCKER_HOST", host),
            None => cmd.env_remove("DOCKER_HOST"),
        };
        cmd
    }

    fn change_last_feature(&self, marker: &str) {
        let path = self.folder().join(".devcontainer/b/install.sh");
        write_script(&path, &format!("#!/bin/sh\nset -e\necho {marker} > /etc/prebuild-b\n"));
    }
}

fn write_script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn sources(outcome: &Value) -> Vec<String> {
    outcome["layers"].as_array().unwrap().iter().map(|l| l["source"].as_str().unwrap().to_string()).collect()
}

/// `127.0.0.1:PORT` of a registry (the engine treats loopback registries as plain http).
fn loopback(registry: &Registry) -> String {
    registry.host.replace("localhost", "127.0.0.1")
}

/// Removes every containai layer from machine B, by tag (B is this test's own engine).
fn reset(b: &SecondEngine) {
    let format = "{{.Repository}}:{{.Tag}}";
    let out = b.docker().args(["images", "--filter", "label=containai.key", "--format", format]).output().unwrap();
    let tags: Vec<String> = String::from_utf8_lossy(&out.stdout).split_whitespace().map(String::from).collect();
    if !tags.is_empty() {
        let status = b.docker().arg("rmi").args(&tags).output().unwrap();
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    }
}

#[test]
fn machine_b_builds_from_the_registry_then_only_what_changed_then_locally_when_it_is_down() {
    let mut registry = Registry::start();
    let host = loopback(&registry);
    let repo = format!("{host}/prebuild/cache");
    let image = format!("{host}/prebuild/app:1");
    let ws = Workspace::new();
    ws.use_helper_for(&host);

    // Machine A: build (layers shared with earlier runs through the engine's cache), push layers and image.
    let (code, a, stderr) = ws.build(None, &["--cache-to", &repo, "--image-name", &image, "--push"]);
    assert_eq!(code, 0, "{a}\n{stderr}");
    let n = a["layers"].as_array().unwrap().len();
    assert!(n >= 3, "{a}");
    assert!(ws.helper_log().contains(&format!("get {host}")), "the credential helper was asked: {:?}", ws.helper_log());
    assert!(!stderr.contains("not-a-real-secret"), "no credential in the logs");
    let (code, check, _) = ws.build(None, &["--check-cache", "--cache-from", &repo]);
    assert_eq!((code, &check["complete"]), (0, &json!(true)), "{check}");

    // Machine B: every layer from the registry, the very same image.
    let b = SecondEngine::start(&[]);
    b.load_image(BASE_IMAGE);
    let (code, from_registry, stderr) = ws.build(Some(&b.host()), &["--cache-from", &repo]);
    assert_eq!(code, 0, "{from_registry}\n{stderr}");
    assert_eq!(from_registry["layersBuilt"], 0, "{from_registry}");
    assert!(sources(&from_registry).iter().all(|s| s == "registry"), "{from_registry}");
    assert_eq!(from_registry["imageId"], a["imageId"]);

    // `up --cache-from` on B with none of those layers: all pulled, none built, and the container runs.
    reset(&b);
    // Egress open, by the user's choice: machine B has no NAT (`--iptables=false`) to build a proxy with.
    let args = ["--cache-from", &repo, "--allow-insecure-runtime", "--egress", "open"];
    let (code, up, stderr) = ws.json("up", Some(&b.host()), &args);
    assert_eq!(code, 0, "{up}\n{stderr}");
    assert_eq!(up["layersBuilt"], 0, "{up}\n{stderr}");
    let seen = b
        .docker()
        .args(["exec", up["containerId"].as_str().unwrap(), "cat", "/etc/prebuild-a", "/etc/prebuild-b"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&seen.stdout), "prebuild-a\nprebuild-b\n");
    let down = ws.command("down", Some(&b.host()), &["--remove"]).output().unwrap();
    assert!(down.status.success(), "{}", String::from_utf8_lossy(&down.stderr));

    // `"image": REF` on B: the pushed image's label gives the same metadata as the build's plan on A.
    let pulled = b.docker().args(["pull", &image]).output().unwrap();
    assert!(pulled.status.success(), "{}", String::from_utf8_lossy(&pulled.stderr));
    let (_, plan_a, _) = ws.build(None, &["--plan"]);
    let by_ref = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(by_ref.path().join(".devcontainer")).unwrap();
    std::fs::write(by_ref.path().join(".devcontainer/devcontainer.json"), json!({"image": image}).to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_containai"))
        .args(["build", "--plan", "--workspace-folder"])
        .arg(by_ref.path())
        .env("DOCKER_HOST", b.host())
        .output()
        .unwrap();
    let plan_ref: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let (entries_a, entries_ref) = (plan_a["metadata"].as_array().unwrap(), plan_ref["metadata"].as_array().unwrap());
    assert_eq!(&entries_ref[..entries_a.len()], &entries_a[..], "the label carries every entry of the build");
    // The reference CLI reads the same label from the image on A: the config's own entry is in its merge.
    let reference = Command::new("devcontainer")
        .args(["read-configuration", "--include-merged-configuration", "--workspace-folder"])
        .arg(by_ref.path())
        .env_remove("DOCKER_HOST")
        .output()
        .expect("the reference CLI `devcontainer` (scripts/setup installs it)");
    let merged: Value = serde_json::from_slice(&reference.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&reference.stderr)));
    let containai = &merged["mergedConfiguration"]["customizations"]["containai"];
    assert!(containai.as_array().is_some_and(|all| all.contains(&json!({"ssh": false}))), "{merged}");

    // A change to the last feature: B pulls every layer before it and builds from it on.
    ws.change_last_feature("changed-b");
    let (code, check, _) = ws.build(None, &["--check-cache", "--cache-from", &repo]);
    assert_eq!((code, &check["complete"]), (1, &json!(false)), "{check}");
    let present: Vec<bool> =
        check["layers"].as_array().unwrap().iter().map(|l| l["inRegistry"].as_bool().unwrap()).collect();
    let b_index =
        check["layers"].as_array().unwrap().iter().position(|l| l["name"] == "feature:./b").expect("a layer for ./b");
    assert!(present[..b_index].iter().all(|p| *p) && present[b_index..].iter().all(|p| !*p), "{check}");
    reset(&b);
    let (code, changed, stderr) = ws.build(Some(&b.host()), &["--cache-from", &repo]);
    assert_eq!(code, 0, "{changed}\n{stderr}");
    let expected: Vec<&str> = (0..n).map(|i| if i < b_index { "registry" } else { "built" }).collect();
    assert_eq!(sources(&changed), expected, "{changed}");

    // The registry stopped (B, with no network, keeps the layers it has; the last feature changes again):
    // a warning and a correct local build of what is missing; with `--require-cache`, an error.
    registry.stop();
    ws.change_last_feature("down-b");
    let (code, out, _) = ws.build(Some(&b.host()), &["--cache-from", &repo, "--require-cache"]);
    assert_ne!(code, 0, "{out}");
    assert_eq!(out["outcome"], "error");
    let (code, local, stderr) = ws.build(Some(&b.host()), &["--cache-from", &repo]);
    assert_eq!(code, 0, "{local}\n{stderr}");
    assert!(stderr.contains("warning: cannot look layers up"), "{stderr}");
    let expected: Vec<&str> = (0..n).map(|i| if i < b_index { "cached" } else { "built" }).collect();
    assert_eq!(sources(&local), expected, "{local}");
    let image_b = local["imageName"][0].as_str().unwrap();
    let ran = b
        .docker()
        .args([
            "run",
            "--rm",
            "--network",
            "none",
            "--entrypoint",
            "cat",
            image_b,
            "/etc/prebuild-a",
            "/etc/prebuild-b",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "prebuild-a\ndown-b\n",
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
}
