//! The project file for sysbox-runc and for plain runc, from the same create request a single container gets.

use super::*;
use crate::config::{DevContainer, WorkspaceInfo};
use crate::policy::{Isolation, Policy};
use crate::run::request::{RequestInput, create_request};

fn workspace() -> WorkspaceInfo {
    WorkspaceInfo {
        local_workspace_folder: "/home/dev/shop".into(),
        config_file: "/home/dev/shop/.devcontainer/devcontainer.json".into(),
        workspace_folder: "/workspaces/shop".into(),
        workspace_mount: None,
        devcontainer_id: "abcdef123456".into(),
    }
}

fn request(runtime: &str, isolation: Isolation) -> CreateRequest {
    let config: DevContainer = serde_json::from_value(json!({
        "image": "x", "containerEnv": {"EDITOR": "vim"},
        "mounts": ["type=volume,source=cache-abcdef123456,target=/cache"]
    }))
    .unwrap();
    let policy = Policy {
        runtime: runtime.into(),
        isolation,
        insecure_additions: isolation == Isolation::None,
        allow_unsafe_config: false,
        allow_insecure_runtime: isolation == Isolation::None,
    };
    let ws = workspace();
    create_request(&RequestInput {
        config: &config,
        workspace: &ws,
        image: "containai-cache:0123abcd",
        image_key: "0123abcd",
        name: "shop-abcdef",
        remote_user: "dev",
        policy: &policy,
        ssh: true,
        extra_mounts: &[],
        metadata: &[],
        egress: None,
    })
    .unwrap()
}

fn project() -> Value {
    json!({"version": "3.8", "services": {
        "app": {"build": {"context": "/home/dev/shop", "dockerfile": ".devcontainer/Dockerfile"},
                "command": "sleep infinity", "environment": {"DB": "db"}, "labels": ["team=web"],
                "volumes": ["/home/dev/shop:/workspaces/shop:cached"], "ports": ["3000"]},
        "db": {"image": "postgres", "ports": ["0.0.0.0:5432:5432", {"target": 6000, "published": 6001, "protocol": "udp"}]}}})
}

#[test]
fn every_service_runs_under_the_runtime_and_every_port_on_loopback() {
    let file = project_file(&project(), "app", &request("sysbox-runc", Isolation::Sysbox), false);
    for name in ["app", "db"] {
        assert_eq!(file["services"][name]["runtime"], "sysbox-runc", "{name}");
    }
    assert_eq!(file["services"]["db"]["ports"], json!(["127.0.0.1:5432:5432", "127.0.0.1:6001:6000/udp"]));
    assert_eq!(file["services"]["app"]["ports"], json!(["127.0.0.1::3000", "127.0.0.1::22/tcp"]));
}

#[test]
fn the_primary_service_is_the_system_container_of_the_request() {
    let file = project_file(&project(), "app", &request("sysbox-runc", Isolation::Sysbox), false);
    let app = &file["services"]["app"];
    assert!(app.get("build").is_none() && app.get("command").is_none(), "{app:#}");
    assert_eq!(app["image"], "containai-cache:0123abcd");
    assert_eq!(app["container_name"], "shop-abcdef");
    assert_eq!(app["entrypoint"], json!(["/sbin/init"]));
    assert_eq!(app["user"], "root");
    assert_eq!(app["stop_signal"], "SIGRTMIN+3");
    assert_eq!(app["environment"]["DB"], "db");
    assert_eq!(app["environment"]["EDITOR"], "vim");
    assert_eq!(app["environment"]["container"], "docker");
    assert_eq!(app["labels"]["team"], "web");
    assert_eq!(app["labels"]["devcontainer.local_folder"], "/home/dev/shop");
    assert_eq!(app["labels"]["devcontainer.config_file"], "/home/dev/shop/.devcontainer/devcontainer.json");
    assert_eq!(app["labels"]["containai.key"], "0123abcd");
    assert_eq!(app["volumes"], json!(["/home/dev/shop:/workspaces/shop:cached", "cache-abcdef123456:/cache"]));
    assert_eq!(file["volumes"]["cache-abcdef123456"], json!({"name": "cache-abcdef123456"}));
    assert!(app.get("privileged").is_none() && app.get("cap_add").is_none(), "{app:#}");
    assert!(file["services"]["db"].get("entrypoint").is_none());
}

#[test]
fn under_runc_the_primary_gets_what_systemd_and_dockerd_need() {
    let file = project_file(&project(), "app", &request("runc", Isolation::None), true);
    let app = &file["services"]["app"];
    assert_eq!(file["services"]["db"]["runtime"], "runc");
    for cap in ["SYS_ADMIN", "NET_ADMIN"] {
        assert!(app["cap_add"].as_array().unwrap().contains(&json!(cap)), "{app:#}");
    }
    assert!(app["security_opt"].as_array().unwrap().contains(&json!("seccomp=unconfined")));
    assert_eq!(app["tmpfs"][0], "/run:rw,nosuid,nodev,exec,mode=755");
    assert!(app["volumes"].as_array().unwrap().contains(&json!("/var/lib/docker")), "{app:#}");
    assert_eq!(app["entrypoint"][0], "/bin/sh");
    assert_eq!(app["cgroup"], "private");
    // Compose v1 has no `cgroup:`: the container unshares its own cgroup namespace before init.
    let v1 = project_file(&project(), "app", &request("runc", Isolation::None), false);
    assert!(v1["services"]["app"].get("cgroup").is_none());
    assert_eq!(
        v1["services"]["app"]["entrypoint"].as_array().unwrap()[..3],
        [json!("unshare"), json!("--cgroup"), json!("/bin/sh")]
    );
    let sysbox = project_file(&project(), "app", &request("sysbox-runc", Isolation::Sysbox), false);
    assert_eq!(sysbox["services"]["app"]["entrypoint"], json!(["/sbin/init"]));
}

#[test]
fn a_primary_in_another_services_network_publishes_through_it() {
    let mut project = project();
    project["services"]["app"]["network_mode"] = json!("service:db");
    let file = project_file(&project, "app", &request("sysbox-runc", Isolation::Sysbox), false);
    let app = &file["services"]["app"];
    assert!(app.get("ports").is_none() && app.get("hostname").is_none(), "{app:#}");
    assert_eq!(
        file["services"]["db"]["ports"],
        json!(["127.0.0.1:5432:5432", "127.0.0.1:6001:6000/udp", "127.0.0.1::22/tcp", "127.0.0.1::3000"])
    );
}

#[test]
fn ports_of_every_form_land_on_loopback() {
    for (entry, want) in [
        (json!("3000"), "127.0.0.1::3000"),
        (json!("8000:8000"), "127.0.0.1:8000:8000"),
        (json!("0.0.0.0:5432:5432/tcp"), "127.0.0.1:5432:5432/tcp"),
        (json!("[::]:53:53/udp"), "127.0.0.1:53:53/udp"),
        (json!("9090-9091:8080-8081"), "127.0.0.1:9090-9091:8080-8081"),
        (json!(80), "127.0.0.1::80"),
        (json!({"target": 80, "host_ip": "0.0.0.0", "published": "8080"}), "127.0.0.1:8080:80"),
    ] {
        assert_eq!(loopback_port(&entry).as_deref(), Some(want), "{entry}");
    }
    assert_eq!(loopback_port(&json!(true)), None);
}
