//! The exact create request for sysbox-runc and for plain runc, snapshot-tested; refusals of unsafe config.

use super::*;
use crate::config::model::{AppPort, MountEntry, MountObject};
use crate::policy::{Isolation, Policy, PolicyError};

fn workspace() -> WorkspaceInfo {
    WorkspaceInfo {
        local_workspace_folder: "/home/dev/web".into(),
        config_file: "/home/dev/web/.devcontainer/devcontainer.json".into(),
        workspace_folder: "/workspaces/web".into(),
        workspace_mount: Some("type=bind,source=/home/dev/web,target=/workspaces/web,consistency=cached".into()),
        devcontainer_id: "abcdef123456".into(),
    }
}

fn config() -> DevContainer {
    serde_json::from_value(serde_json::json!({
        "image": "debian:bookworm",
        "containerEnv": {"EDITOR": "vim"},
        "mounts": [
            "type=volume,source=web-cache,target=/home/dev/.cache",
            {"type": "bind", "source": "/home/dev/.gitconfig", "target": "/home/dev/.gitconfig"}
        ],
        "runArgs": ["--cap-add=SYS_PTRACE", "--memory", "4g", "-e", "FROM_RUN_ARGS=1", "--add-host=db:10.0.0.5"],
        "appPort": [8080, "9000:9001"],
        "forwardPorts": [3000],
        "capAdd": ["NET_RAW"],
        "securityOpt": ["no-new-privileges"]
    }))
    .unwrap()
}

fn policy(runtime: &str, isolation: Isolation) -> Policy {
    Policy {
        runtime: runtime.into(),
        isolation,
        insecure_additions: isolation == Isolation::None,
        allow_unsafe_config: false,
        allow_insecure_runtime: isolation == Isolation::None,
    }
}

fn request(config: &DevContainer, policy: &Policy) -> Result<CreateRequest> {
    let ws = workspace();
    create_request(&RequestInput {
        config,
        workspace: &ws,
        image: "containai-cache:0123abcd",
        image_key: "0123abcd",
        name: "web-abcdef",
        metadata: &[],
        egress: None,
        remote_user: "dev",
        policy,
        ssh: true,
        extra_mounts: &[],
    })
}

fn snapshot(name: &str, request: &CreateRequest) {
    insta::with_settings!({sort_maps => true}, {
        insta::assert_json_snapshot!(name, request);
    });
}

#[test]
fn sysbox_request_adds_nothing_to_the_config() {
    let req = request(&config(), &policy("sysbox-runc", Isolation::Sysbox)).unwrap();
    snapshot("create_request_sysbox", &req);
    let host = req.body.host_config.as_ref().unwrap();
    assert_eq!(host.privileged, None);
    assert_eq!(host.cgroupns_mode, None);
    assert_eq!(host.cap_add.as_deref(), Some(&["NET_RAW".to_string(), "SYS_PTRACE".to_string()][..]));
    assert_eq!(host.security_opt.as_deref(), Some(&["no-new-privileges".to_string()][..]));
    assert!(host.tmpfs.is_none());
    assert!(!host.mounts.as_ref().unwrap().iter().any(|m| m.target.as_deref() == Some("/sys/fs/cgroup")));
    assert_eq!(req.body.entrypoint.as_deref(), Some(&["/sbin/init".to_string()][..]));
}

#[test]
fn runc_request_adds_what_systemd_and_dockerd_need_but_not_privileged() {
    let req = request(&config(), &policy("runc", Isolation::None)).unwrap();
    snapshot("create_request_runc", &req);
    let host = req.body.host_config.as_ref().unwrap();
    assert_eq!(host.privileged, None);
    assert!(host.cap_add.as_ref().unwrap().contains(&"SYS_ADMIN".to_string()));
    assert!(host.security_opt.as_ref().unwrap().contains(&"seccomp=unconfined".to_string()));
    assert_eq!(host.cgroupns_mode, Some(HostConfigCgroupnsModeEnum::PRIVATE));
    let tmpfs = host.tmpfs.as_ref().unwrap();
    assert!(tmpfs.contains_key("/run") && tmpfs.contains_key("/run/lock"));
    assert!(req.body.entrypoint.as_ref().unwrap()[2].ends_with("exec /sbin/init"));
}

#[test]
fn every_published_port_is_on_loopback_and_sshd_gets_an_engine_chosen_port() {
    let req = request(&config(), &policy("sysbox-runc", Isolation::Sysbox)).unwrap();
    let bindings = req.body.host_config.unwrap().port_bindings.unwrap();
    for binding in bindings.values().flatten().flatten() {
        assert_eq!(binding.host_ip.as_deref(), Some("127.0.0.1"));
    }
    assert_eq!(bindings["22/tcp"].as_ref().unwrap()[0].host_port.as_deref(), Some(""));
    assert_eq!(bindings["9001/tcp"].as_ref().unwrap()[0].host_port.as_deref(), Some("9000"));
    assert_eq!(bindings["3000/tcp"].as_ref().unwrap()[0].host_port.as_deref(), Some("3000"));
}

#[test]
fn labels_let_the_reference_cli_find_the_container() {
    let req = request(&config(), &policy("sysbox-runc", Isolation::Sysbox)).unwrap();
    let labels = req.body.labels.unwrap();
    assert_eq!(labels["devcontainer.local_folder"], "/home/dev/web");
    assert_eq!(labels["devcontainer.config_file"], "/home/dev/web/.devcontainer/devcontainer.json");
    assert_eq!(labels["containai.key"], "0123abcd");
    assert_eq!(labels["containai.managed"], "true");
}

#[test]
fn equal_inputs_give_equal_config_hashes() {
    let p = policy("sysbox-runc", Isolation::Sysbox);
    let a = request(&config(), &p).unwrap().body.labels.unwrap()[LABEL_CONFIG].clone();
    let b = request(&config(), &p).unwrap().body.labels.unwrap()[LABEL_CONFIG].clone();
    assert_eq!(a, b);
    let mut changed = config();
    changed.container_env = Some([("EDITOR".to_string(), "nano".to_string())].into_iter().collect());
    assert_ne!(a, request(&changed, &p).unwrap().body.labels.unwrap()[LABEL_CONFIG]);
}

#[test]
fn isolation_defeating_config_is_refused_unless_allowed() {
    let mut bad = config();
    bad.privileged = Some(true);
    bad.run_args = Some(vec!["--pid=host".into(), "--network".into(), "host".into(), "--userns=host".into()]);
    bad.mounts = Some(vec![MountEntry::Object(MountObject {
        kind: "bind".into(),
        source: Some("/var/run/docker.sock".into()),
        target: "/var/run/docker.sock".into(),
    })]);
    let err = request(&bad, &policy("sysbox-runc", Isolation::Sysbox)).unwrap_err().to_string();
    for needle in [
        "`privileged`",
        "--pid=host",
        "--network=host",
        "--userns=host",
        "/var/run/docker.sock",
        "--allow-unsafe-config",
    ] {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
    let mut allowed = policy("sysbox-runc", Isolation::Sysbox);
    allowed.allow_unsafe_config = true;
    assert_eq!(request(&bad, &allowed).unwrap().body.host_config.unwrap().privileged, Some(true));
}

#[test]
fn unknown_run_args_and_bad_ports_are_errors() {
    let mut c = config();
    c.run_args = Some(vec!["--gpus=all".into()]);
    assert!(matches!(
        request(&c, &policy("sysbox-runc", Isolation::Sysbox)),
        Err(RunError::Policy(PolicyError::UnknownRunArgs(_)))
    ));
    let mut c = config();
    c.app_port = Some(AppPort::One(crate::config::model::PortRef::Label("http".into())));
    assert!(
        request(&c, &policy("sysbox-runc", Isolation::Sysbox)).unwrap_err().to_string().contains("invalid port `http`")
    );
}
