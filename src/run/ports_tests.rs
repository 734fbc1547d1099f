//! Tests of [`super`]: port entries, busy forwarded ports left to the engine, the result's forwarded ports.

use super::*;
use crate::config::WorkspaceInfo;
use crate::policy::{Isolation, Policy};
use crate::run::request::{RequestInput, create_request};
use std::sync::Mutex;

fn config(value: serde_json::Value) -> DevContainer {
    serde_json::from_value(value).unwrap()
}

fn request(config: &DevContainer) -> CreateRequest {
    let workspace = WorkspaceInfo {
        local_workspace_folder: "/home/dev/web".into(),
        config_file: "/home/dev/web/.devcontainer/devcontainer.json".into(),
        workspace_folder: "/workspaces/web".into(),
        workspace_mount: None,
        devcontainer_id: "abcdef".into(),
    };
    let policy = Policy {
        runtime: "sysbox-runc".into(),
        isolation: Isolation::Sysbox,
        insecure_additions: false,
        allow_unsafe_config: false,
        allow_insecure_runtime: false,
    };
    let input = RequestInput {
        config,
        workspace: &workspace,
        image: "i",
        image_key: "k",
        name: "web",
        remote_user: "dev",
        policy: &policy,
        ssh: true,
        metadata: &[],
        egress: None,
        extra_mounts: &[],
    };
    create_request(&input).unwrap()
}

/// `container/tcp` → the host ports asked for, sorted.
fn host_ports(request: &CreateRequest) -> Vec<(String, String)> {
    let bindings = request.body.host_config.as_ref().unwrap().port_bindings.as_ref().unwrap();
    let mut out: Vec<(String, String)> = bindings
        .iter()
        .flat_map(|(k, v)| v.iter().flatten().map(move |b| (k.clone(), b.host_port.clone().unwrap_or_default())))
        .collect();
    out.sort();
    out
}

#[derive(Default)]
struct Warnings(Mutex<Vec<String>>);

impl Reporter for Warnings {
    fn warn(&self, message: &str) {
        self.0.lock().unwrap().push(message.to_string());
    }
}

#[test]
fn port_entries_read_as_host_and_container() {
    assert_eq!(pair(&PortRef::Number(3000)), Ok(Some((3000, 3000))));
    assert_eq!(pair(&PortRef::Label("8080:80".into())), Ok(Some((8080, 80))));
    assert_eq!(pair(&PortRef::Label("5432".into())), Ok(Some((5432, 5432))));
    assert_eq!(pair(&PortRef::Label("db:5432".into())), Ok(None));
    assert!(pair(&PortRef::Label("http".into())).is_err());
    assert!(pair(&PortRef::Label("70000".into())).is_err());
}

#[test]
fn a_busy_forwarded_port_is_left_to_the_engine_and_an_app_port_is_kept() {
    let config = config(serde_json::json!({"image": "x", "appPort": [8080], "forwardPorts": [3000, "9000:90", 4000]}));
    let original = request(&config);
    // 4000 and 8080 are taken: the forwarded one moves, the appPort stays (the engine will refuse it).
    let warnings = Warnings::default();
    let changed = avoid_busy(original.clone(), &config, &|p| p != 4000 && p != 8080, &warnings);
    assert_eq!(
        host_ports(&original),
        [("22/tcp", ""), ("3000/tcp", "3000"), ("4000/tcp", "4000"), ("8080/tcp", "8080"), ("90/tcp", "9000")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(
        host_ports(&changed),
        [("22/tcp", ""), ("3000/tcp", "3000"), ("4000/tcp", ""), ("8080/tcp", "8080"), ("90/tcp", "9000")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let warnings = warnings.0.into_inner().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("port 4000 is in use on 127.0.0.1: container port 4000"), "{warnings:?}");

    // Only the busy one changed: the rest of the request is the same.
    let mut again = changed.clone();
    again.body.host_config.as_mut().unwrap().port_bindings =
        original.body.host_config.as_ref().unwrap().port_bindings.clone();
    assert_eq!(serde_json::to_value(&again.body).unwrap(), serde_json::to_value(&original.body).unwrap());
}

#[test]
fn the_result_lists_app_and_forwarded_ports_with_their_host_ports() {
    let config =
        config(serde_json::json!({"image": "x", "appPort": "8080:80", "forwardPorts": [3000, "db:5432", 3000]}));
    let ports = [("22/tcp", 32768), ("80/tcp", 8080), ("3000/tcp", 49200)].map(|(k, v)| (k.to_string(), v));
    let container = ContainerInfo { ports: ports.into(), ..Default::default() };
    let listed = forwarded(&config, &container);
    assert_eq!(listed, [ForwardedPort { container: 80, host: 8080 }, ForwardedPort { container: 3000, host: 49200 }]);
}

#[test]
fn a_port_something_listens_on_is_not_free() {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    assert!(!is_free(port));
    drop(listener);
    assert!(is_free(port));
}
