//! An [`Attachment`] + the sandbox's port bindings → the workspace's internal network and its running proxy
//! (created, reused or replaced, then checked to answer), and their removal. Fails closed: an error here stops
//! `up` before the sandbox exists.

use super::{Attachment, EgressError, LABEL_CONFIG, LABEL_FOLDER, LABEL_MANAGED, Result, squid};
use crate::engine::containers::ContainerCreateBody;
use crate::engine::{ContainerEngine, CreateRequest, ExecRequest, NetworkRequest};
use bollard::models::{HostConfig, PortBinding};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Published ports: container port (`22/tcp`) → bindings, as in a create request.
pub type Bindings = HashMap<String, Option<Vec<PortBinding>>>;

/// How long the proxy has to answer after its start.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// The normal network the proxy reaches the world through.
pub const OUTSIDE_NETWORK: &str = "bridge";

fn setup(message: String, hint: &str) -> EgressError {
    EgressError::Setup { message, hint: hint.into() }
}

/// The internal network `name`, made when missing; an error when a network of that name is not internal.
pub async fn ensure_network(engine: &dyn ContainerEngine, name: &str, labels: &BTreeMap<String, String>) -> Result<()> {
    match engine.inspect_network(name).await? {
        Some(n) if n.internal => Ok(()),
        Some(_) => Err(setup(
            format!("engine network `{name}` exists and has a route out"),
            &format!("remove it (`docker network rm {name}`); containai makes it internal"),
        )),
        None => {
            let request = NetworkRequest { name: name.into(), internal: true, labels: labels.clone() };
            engine.create_network(&request).await?;
            Ok(())
        }
    }
}

/// The create request of the proxy: squid's configuration and the ports to forward in its environment, on
/// the internal network, publishing the sandbox's ports on 127.0.0.1.
pub fn create_request(attachment: &Attachment, bindings: &Bindings) -> Result<CreateRequest> {
    let mut ports: Vec<u16> = Vec::new();
    for key in bindings.keys() {
        let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
        let port: u16 =
            port.parse().map_err(|_| setup(format!("port `{key}` is not a number"), "fix `forwardPorts`"))?;
        if proto != "tcp" || port == squid::PROXY_PORT {
            return Err(setup(
                format!("port `{key}` cannot be forwarded through the egress proxy"),
                "forward tcp ports other than 3128, or run with `--egress open`",
            ));
        }
        ports.push(port);
    }
    ports.sort_unstable();
    let forwards = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(" ");
    let env = vec![
        format!("CONTAINAI_SQUID_CONF={}", attachment.squid_conf),
        format!("CONTAINAI_FORWARDS={forwards}"),
        format!("CONTAINAI_SANDBOX={}", attachment.sandbox_name),
    ];
    let mut exposed: Vec<String> = bindings.keys().cloned().collect();
    exposed.sort();
    let host_config = HostConfig {
        runtime: Some(attachment.runtime.clone()),
        network_mode: Some(attachment.network.clone()),
        port_bindings: (!bindings.is_empty()).then(|| bindings.clone()),
        ..Default::default()
    };
    let mut body = ContainerCreateBody {
        image: Some(attachment.proxy_image.clone()),
        user: Some("root".into()),
        env: Some(env),
        entrypoint: Some(vec!["/bin/sh".into(), "-c".into(), squid::start_script()]),
        cmd: Some(Vec::new()),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        host_config: Some(host_config),
        ..Default::default()
    };
    // What makes it another proxy; not the host ports a kept proxy was given (busy ones are avoided).
    let hashed = serde_json::to_string(&(&body.image, &body.env, &body.entrypoint, &attachment.runtime))
        .unwrap_or_default()
        + &format!("{:?} {:?}", attachment.network, attachment.policy.networks);
    let mut labels = attachment.labels.clone();
    labels.insert(LABEL_CONFIG.into(), blake3::hash(hashed.as_bytes()).to_hex()[..16].to_string());
    body.labels = Some(labels.into_iter().collect());
    Ok(CreateRequest { name: attachment.proxy_name.clone(), body })
}

/// The workspace's proxy running with this configuration and these ports: reused when it already is,
/// started when stopped, replaced when it differs. Returns its published ports (`22/tcp` → host port).
pub async fn ensure(
    engine: &dyn ContainerEngine,
    attachment: &Attachment,
    bindings: &Bindings,
    reporter: &dyn crate::report::Reporter,
) -> Result<BTreeMap<String, u16>> {
    ensure_network(engine, &attachment.network, &attachment.labels).await?;
    let request = create_request(attachment, bindings)?;
    let wanted = request.body.labels.as_ref().and_then(|l| l.get(LABEL_CONFIG)).cloned();
    let existing = engine.inspect_container(&attachment.proxy_name).await?;
    let id = match existing {
        Some(c) if c.labels.get(LABEL_CONFIG) == wanted.as_ref() => {
            if !c.running {
                reporter.info(&format!("starting egress proxy `{}`", c.name));
                engine.start_container(&c.id).await?;
            }
            c.id
        }
        old => {
            if let Some(old) = old {
                reporter.info(&format!("replacing egress proxy `{}` (its settings changed)", old.name));
                engine.remove_container(&old.id).await?;
            }
            reporter.info(&format!("creating egress proxy `{}` under `{}`", request.name, attachment.runtime));
            let id = engine.create_container(&request).await?;
            engine.connect_network(OUTSIDE_NETWORK, &id, &[]).await?;
            for network in &attachment.policy.networks {
                engine.connect_network(network, &id, &[]).await?;
            }
            engine.start_container(&id).await?;
            id
        }
    };
    wait_ready(engine, &id, &attachment.proxy_name).await?;
    let info = engine.inspect_container(&id).await?.ok_or(EgressError::NoProxy)?;
    Ok(info.ports)
}

/// Until squid answers on its port inside the proxy (any HTTP status), or the proxy ended, or the timeout.
async fn wait_ready(engine: &dyn ContainerEngine, id: &str, name: &str) -> Result<()> {
    let probe = format!("curl -s -o /dev/null -w '%{{http_code}}' http://127.0.0.1:{}/", squid::PROXY_PORT);
    let request = ExecRequest { cmd: vec!["/bin/sh".into(), "-c".into(), probe], ..Default::default() };
    let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
    loop {
        let running = engine.inspect_container(id).await?.is_some_and(|c| c.running);
        if running && let Ok(out) = engine.exec(id, &request).await {
            let code = out.stdout.trim();
            if out.success() && !code.is_empty() && code != "000" {
                return Ok(());
            }
        }
        if !running || tokio::time::Instant::now() >= deadline {
            let logs = engine.logs(id, 20).await.unwrap_or_default();
            return Err(setup(
                format!("egress proxy `{name}` did not start:\n{}", logs.trim_end()),
                "the sandbox is not created without its proxy; `docker logs` of the proxy says more",
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether the workspace's proxy is running.
pub async fn running(engine: &dyn ContainerEngine, proxy_name: &str) -> Result<bool> {
    Ok(engine.inspect_container(proxy_name).await?.is_some_and(|c| c.running))
}

/// Removes the proxy `proxy_name` and the network `network`; says whether there was anything to remove.
pub async fn remove(engine: &dyn ContainerEngine, proxy_name: &str, network: &str) -> Result<bool> {
    let mut removed = false;
    if let Some(c) = engine.inspect_container(proxy_name).await? {
        engine.remove_container(&c.id).await?;
        removed = true;
    }
    Ok(engine.remove_network(network).await? || removed)
}

/// Removes the proxies and networks of workspaces whose folder no longer exists (a test's, a deleted
/// clone's), once nothing else is attached to the network.
pub async fn remove_orphans(engine: &dyn ContainerEngine) -> Result<()> {
    let managed = BTreeMap::from([(LABEL_MANAGED.to_string(), "true".to_string())]);
    let gone = |labels: &BTreeMap<String, String>| {
        labels.get(LABEL_FOLDER).is_some_and(|f| !f.is_empty() && !std::path::Path::new(f).exists())
    };
    for c in engine.list_containers(&managed).await? {
        if gone(&c.labels) {
            let _ = engine.remove_container(&c.id).await;
        }
    }
    for n in engine.list_networks(&managed).await? {
        if gone(&n.labels) && n.containers.is_empty() {
            let _ = engine.remove_network(&n.name).await;
        }
    }
    Ok(())
}
