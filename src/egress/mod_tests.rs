use super::*;
use crate::engine::fake_containers::{Call, FakeContainers};
use crate::engine::fake_images::FakeImages;
use crate::engine::{NetworkInfo, containers::ContainerEngine};
use crate::policy::egress::{UserEgress, resolve};
use crate::report::Silent;

const BASE_ID: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000001";

fn policy(networks: &[&str]) -> EgressPolicy {
    let user = UserEgress {
        command_line: vec!["allowed.test".into()],
        networks: networks.iter().map(|n| n.to_string()).collect(),
        config: None,
    };
    resolve(None, &user).unwrap()
}

fn workspace(config_dir: &std::path::Path) -> Workspace<'_> {
    Workspace {
        devcontainer_id: "0123456789abcdef0123",
        folder: "/nonexistent-but-not-checked",
        container_name: "containai-ws-1",
        base_image: "base:1",
        runtime: "sysbox-runc",
        config_dir,
    }
}

#[tokio::test]
async fn an_allowlist_gets_an_internal_network_a_built_proxy_image_and_a_systemd_dropin() {
    let dir = tempfile::tempdir().unwrap();
    let (images, engine) = (FakeImages::new(), FakeContainers::with_runtimes(&["runc", "sysbox-runc"]));
    images.add_image("base:1", BASE_ID, &[]);
    engine.insert_network(NetworkInfo {
        name: "lab".into(),
        subnets: vec!["172.29.0.0/16".into()],
        ..Default::default()
    });
    let ws = workspace(dir.path());
    let a = prepare(&images, &engine, &ws, &policy(&["lab"]), &Silent).await.unwrap().unwrap();
    assert_eq!(a.network, "containai-egress-0123456789abcdef");
    assert_eq!(a.proxy_name, "containai-ws-1-egress");
    assert_eq!(a.runtime, "sysbox-runc", "the proxy runs under the sandbox's runtime");
    assert!(a.squid_conf.contains("acl exempt_dst dst 172.29.0.0/16"), "{}", a.squid_conf);
    assert!(engine.inspect_network(&a.network).await.unwrap().is_none(), "made with the proxy, under the lock");
    assert_eq!(images.builds().len(), 1);
    assert!(images.has_image(&a.proxy_image));
    let dropin = std::fs::read_to_string(&a.systemd_dropin).unwrap();
    assert!(dropin.contains("[Manager]\nDefaultEnvironment=\"HTTP_PROXY=http://containai-ws-1-egress:3128\""));
    assert!(dropin.contains("\"no_proxy=localhost,127.0.0.1,::1\""), "{dropin}");
    assert!(a.env().contains(&"https_proxy=http://containai-ws-1-egress:3128".to_string()));
    // A second prepare finds the image and the network.
    prepare(&images, &engine, &ws, &policy(&["lab"]), &Silent).await.unwrap().unwrap();
    assert_eq!(images.builds().len(), 1);
}

#[tokio::test]
async fn open_needs_nothing_and_a_missing_network_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let (images, engine) = (FakeImages::new(), FakeContainers::with_runtimes(&["runc"]));
    images.add_image("base:1", BASE_ID, &[]);
    let ws = workspace(dir.path());
    let mut open = policy(&[]);
    open.mode = Mode::Open;
    assert!(prepare(&images, &engine, &ws, &open, &Silent).await.unwrap().is_none());
    assert!(engine.calls().is_empty() && images.builds().is_empty());
    let err = prepare(&images, &engine, &ws, &policy(&["nope"]), &Silent).await.unwrap_err().to_string();
    assert!(err.contains("`nope`") && err.contains("hint:"), "{err}");
    let no_base = Workspace { base_image: "missing:1", ..workspace(dir.path()) };
    let err = prepare(&images, &engine, &no_base, &policy(&[]), &Silent).await.unwrap_err().to_string();
    assert!(err.contains("cannot set up egress") && err.contains("CONTAINAI_EGRESS_BASE"), "{err}");
}

#[tokio::test]
async fn the_proxy_publishes_the_sandboxes_ports_joins_its_networks_and_is_reused_when_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (images, engine) = (FakeImages::new(), FakeContainers::with_runtimes(&["runc"]));
    images.add_image("base:1", BASE_ID, &[]);
    engine.insert_network(NetworkInfo { name: "bridge".into(), ..Default::default() });
    engine.insert_network(NetworkInfo { name: "lab".into(), ..Default::default() });
    engine.on_exec(|r| {
        r.cmd.join(" ").contains("curl").then(|| crate::engine::ExecOutput {
            exit_code: 0,
            stdout: "400".into(),
            stderr: String::new(),
        })
    });
    let ws = workspace(dir.path());
    let a = prepare(&images, &engine, &ws, &policy(&["lab"]), &Silent).await.unwrap().unwrap();
    let bindings: proxy::Bindings = HashMap::from([(
        "22/tcp".to_string(),
        Some(vec![bollard::models::PortBinding { host_ip: Some("127.0.0.1".into()), host_port: Some(String::new()) }]),
    )]);
    let ports = proxy::ensure(&engine, &a, &bindings, &Silent).await.unwrap();
    assert!(ports.contains_key("22/tcp"), "{ports:?}");
    let made = engine.inspect_network(&a.network).await.unwrap().unwrap();
    assert!(made.internal);
    assert_eq!(made.labels.get(LABEL_WORKSPACE).map(String::as_str), Some("0123456789abcdef0123"));
    let create = engine.creates().pop().unwrap();
    let host = create.body.host_config.clone().unwrap();
    assert_eq!(host.network_mode.as_deref(), Some(a.network.as_str()));
    assert_eq!(host.runtime.as_deref(), Some("sysbox-runc"));
    let env = create.body.env.clone().unwrap();
    assert!(
        env.contains(&"CONTAINAI_FORWARDS=22".to_string())
            && env.contains(&"CONTAINAI_SANDBOX=containai-ws-1".to_string())
    );
    let connects: Vec<String> = engine
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            Call::Connect { network, .. } => Some(network),
            _ => None,
        })
        .collect();
    assert_eq!(connects, ["bridge", "lab"]);
    proxy::ensure(&engine, &a, &bindings, &Silent).await.unwrap();
    assert_eq!(engine.creates().len(), 1, "an unchanged running proxy is reused");
    let networks = engine.calls().into_iter().filter(|c| matches!(c, Call::CreateNetwork(_))).count();
    assert_eq!(networks, 1);
    assert!(proxy::remove(&engine, &a.proxy_name, &a.network).await.unwrap());
    assert!(engine.inspect_network(&a.network).await.unwrap().is_none());
    assert!(!proxy::running(&engine, &a.proxy_name).await.unwrap());
}

use std::collections::HashMap;
