//! `containai doctor` on this machine (an engine with runc and runsc, no sysbox): the truthful answer is "not
//! ready", with the engine seen and sysbox missing; an unreachable `DOCKER_HOST` is said as such.

use serde_json::Value;
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

#[test]
fn this_host_has_an_engine_but_no_sysbox_so_doctor_fails() {
    let (report, code) = doctor(None);
    assert_eq!((report["ready"].as_bool(), code), (Some(false), Some(1)), "{report}");
    assert_eq!(check(&report, "engine")["state"], "ok", "{report}");
    let runtimes = check(&report, "runtimes")["detail"].as_str().unwrap();
    assert!(runtimes.contains("runsc") && runtimes.contains("default runc"), "{runtimes}");
    assert!(check(&report, "engine version")["detail"].as_str().unwrap().contains("API 1."), "{report}");
    let sysbox = check(&report, "sysbox-runc");
    assert_eq!(sysbox["state"], "missing");
    assert!(sysbox["remedy"].as_str().unwrap().contains("install sysbox"), "{sysbox}");
    assert_eq!(check(&report, "sysbox services")["state"], "missing", "{report}");
    assert_ne!(check(&report, "kernel")["state"], "warning", "the engine's kernel should parse: {report}");
    assert!(check(&report, "free disk")["detail"].as_str().unwrap().contains("GiB free in /"), "{report}");
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
