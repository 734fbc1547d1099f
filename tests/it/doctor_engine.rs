//! `containai doctor` on this machine → its report against what the host has (the engine's version, runtimes,
//! kernel and data root from the docker CLI; sysbox registered, its services running, its subordinate ids), ready
//! exactly when nothing is missing; an unreachable `DOCKER_HOST` is said as such.

use crate::support::{docker_output, text};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn doctor(docker_host: Option<&str>) -> (Value, Option<i32>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_containai"));
    cmd.args(["doctor", "--json"]);
    if let Some(host) = docker_host {
        cmd.env("DOCKER_HOST", host);
    }
    let out = cmd.output().unwrap();
    let json =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (json, out.status.code())
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no `{name}` in {report}"))
}

/// `docker ARGS` must succeed here: its stdout, trimmed.
fn docker_says(args: &[&str]) -> String {
    let out = docker_output(args);
    assert!(
        out.status.success(),
        "docker {args:?}: {}\nhint: this test needs the engine (bash scripts/setup)",
        text(&out)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Whether a process named exactly `name` runs on this host.
fn running(name: &str) -> bool {
    Command::new("pgrep").args(["-x", name]).output().expect("pgrep runs").status.success()
}

/// Whether `/etc/<file>` has a `sysbox:` line.
fn has_sysbox_ids(file: &str) -> bool {
    std::fs::read_to_string(format!("/etc/{file}")).unwrap_or_default().lines().any(|l| l.starts_with("sysbox:"))
}

#[test]
fn doctor_reports_what_this_host_has() {
    let (report, code) = doctor(None);
    assert_eq!(check(&report, "engine")["state"], "ok", "{report}");

    // The engine's own answers: version, runtimes and the default, kernel, data root.
    let version = docker_says(&["version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}"]);
    let (version, api) = version.split_once(' ').unwrap();
    assert_eq!(check(&report, "engine version")["detail"], format!("Docker {version}, API {api}"), "{report}");
    let runtimes: Value = serde_json::from_str(&docker_says(&["info", "--format", "{{json .Runtimes}}"])).unwrap();
    let mut runtimes: Vec<&str> = runtimes.as_object().unwrap().keys().map(String::as_str).collect();
    runtimes.sort();
    let default = docker_says(&["info", "--format", "{{.DefaultRuntime}}"]);
    let detail = check(&report, "runtimes")["detail"].as_str().unwrap();
    let (listed, said_default) = detail.strip_suffix(')').and_then(|d| d.split_once(" (default ")).unwrap();
    let mut listed: Vec<&str> = listed.split(", ").collect();
    listed.sort();
    assert_eq!((listed, said_default), (runtimes.clone(), default.as_str()), "{detail}");
    let kernel = docker_says(&["info", "--format", "{{.KernelVersion}}"]);
    assert!(check(&report, "kernel")["detail"].as_str().unwrap().starts_with(&kernel), "{report}");
    let data_root = docker_says(&["info", "--format", "{{.DockerRootDir}}"]);
    assert!(check(&report, "free disk")["detail"].as_str().unwrap().ends_with(&format!(" GiB free in {data_root}")));

    // sysbox: registered, its services running, its subordinate ids, each as the host has them.
    let sysbox = check(&report, "sysbox-runc");
    if runtimes.contains(&"sysbox-runc") {
        assert_eq!(sysbox["state"], "ok", "{sysbox}");
    } else {
        assert_eq!(sysbox["state"], "missing", "{sysbox}");
        assert!(sysbox["remedy"].as_str().unwrap().contains("install sysbox"), "{sysbox}");
    }
    let services = check(&report, "sysbox services");
    let sockets = ["/run/sysbox/sysmgr.sock", "/run/sysbox/sysfs.sock"].iter().all(|s| Path::new(s).exists());
    let up = running("sysbox-mgr") && running("sysbox-fs") && sockets;
    assert_eq!(services["state"], if up { "ok" } else { "missing" }, "{services}");
    for file in ["subuid", "subgid"] {
        let said = check(&report, file);
        assert_eq!(said["detail"].as_str().unwrap().contains("has no entry"), !has_sysbox_ids(file), "{said}");
    }

    // Ready exactly when nothing is missing, and the exit code says so.
    let checks = report["checks"].as_array().unwrap();
    let ready = checks.iter().all(|c| c["state"] != "missing");
    assert_eq!((report["ready"].as_bool(), code), (Some(ready), Some(if ready { 0 } else { 1 })), "{report}");
}

#[test]
fn an_unreachable_engine_is_missing_with_a_remedy() {
    let dir = tempfile::tempdir().unwrap();
    let host = format!("unix://{}/none.sock", dir.path().display());
    let (report, code) = doctor(Some(&host));
    assert_eq!(code, Some(1));
    let engine = check(&report, "engine");
    assert_eq!(engine["state"], "missing", "{report}");
    assert!(engine["detail"].as_str().unwrap().contains("none.sock"), "{engine}");
    assert!(engine["remedy"].as_str().unwrap().contains("DOCKER_HOST"), "{engine}");
}
