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

fn attachment() -> crate::egress::Attachment {
    let user = crate::policy::egress::UserEgress { command_line: vec!["allowed.test".into()], ..Default::default() };
    crate::egress::Attachment {
        policy: crate::policy::egress::resolve(None, &user).unwrap(),
        network: "containai-egress-abcdef123456".into(),
        proxy_name: "web-abcdef-egress".into(),
        proxy_image: "containai-egress:0011".into(),
        sandbox_name: "web-abcdef".into(),
        squid_conf: "http_port 3128\n".into(),
        runtime: "sysbox-runc".into(),
        labels: Default::default(),
        systemd_dropin: "/home/dev/.config/containai/egress/abcdef123456/systemd.conf".into(),
    }
}

#[test]
fn behind_egress_the_sysbox_request_is_on_the_internal_network_with_the_proxy_in_env_and_systemd() {
    let (ws, config, policy, egress) = (workspace(), config(), policy("sysbox-runc", Isolation::Sysbox), attachment());
    let with = |egress| RequestInput {
        config: &config,
        workspace: &ws,
        image: "containai-cache:0123abcd",
        image_key: "0123abcd",
        name: "web-abcdef",
        metadata: &[],
        egress,
        remote_user: "dev",
        policy: &policy,
        ssh: true,
        extra_mounts: &[],
    };
    let open = create_request(&with(None)).unwrap();
    let req = create_request(&with(Some(&egress))).unwrap();
    let host = req.body.host_config.as_ref().unwrap();
    assert_eq!(host.runtime.as_deref(), Some("sysbox-runc"));
    assert_eq!(host.network_mode.as_deref(), Some("containai-egress-abcdef123456"));
    let env = req.body.env.as_ref().unwrap();
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] {
        assert!(env.contains(&format!("{name}=http://web-abcdef-egress:3128")), "{name}: {env:?}");
    }
    assert!(env.contains(&"NO_PROXY=localhost,127.0.0.1,::1".to_string()));
    // The proxy settings come after containerEnv's and runArgs' variables.
    let last_user = env.iter().position(|e| e == "FROM_RUN_ARGS=1").unwrap();
    assert!(env.iter().position(|e| e.starts_with("HTTP_PROXY=")).unwrap() > last_user);
    let dropin = host.mounts.iter().flatten().find(|m| m.target.as_deref() == Some(crate::egress::DROPIN_TARGET));
    let dropin = dropin.expect("the systemd drop-in is mounted");
    assert_eq!((dropin.typ, dropin.read_only), (Some(MountType::BIND), Some(true)));
    assert_eq!(req.body.labels.as_ref().unwrap().get(crate::egress::LABEL_MODE).map(String::as_str), Some("allowlist"));
    // Another network, environment and mount: another container config.
    let hash = |r: &CreateRequest| r.body.labels.as_ref().unwrap()[LABEL_CONFIG].clone();
    assert_ne!(hash(&req), hash(&open));
    assert_eq!(open.body.host_config.as_ref().unwrap().network_mode, None);
    assert!(!open.body.labels.as_ref().unwrap().contains_key(crate::egress::LABEL_MODE));

    // A repository's `--network` would take the sandbox off its internal network: refused behind egress.
    let mut networked = config.clone();
    networked.run_args = Some(vec!["--network=bridge".into()]);
    let input = RequestInput { config: &networked, ..with(Some(&egress)) };
    let err = create_request(&input).unwrap_err().to_string();
    assert!(err.contains("--network=bridge") && err.contains("egress network"), "{err}");
}
