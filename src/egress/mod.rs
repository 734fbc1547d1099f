//! The egress policy of a workspace → its enforcement: an internal engine network for the sandbox (no route
//! out), a proxy sidecar (squid, built from the workspace's base image) on it and on a normal network that
//! allows only the policy's names, the sandbox's proxy settings, and the proxy's access log.
//! docs/egress.md says why and how.

pub mod image;
pub mod log;
pub mod proxy;
pub mod squid;

use crate::policy::egress::{EgressPolicy, Mode};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Label on every egress network and proxy.
pub const LABEL_MANAGED: &str = "containai.egress.managed";
/// Label on the egress networks and proxies: the `devcontainerId` of their workspace.
pub const LABEL_WORKSPACE: &str = "containai.egress.workspace";
/// Label on the egress networks and proxies: the workspace's folder (an orphan's is gone).
pub const LABEL_FOLDER: &str = "containai.egress.folder";
/// Label on the egress proxies: the hash of what they were created with.
pub const LABEL_CONFIG: &str = "containai.egress.config";
/// Label on the sandbox: its egress mode (`allowlist` or `open`).
pub const LABEL_MODE: &str = "containai.egress";

/// Errors of setting up or reading the egress enforcement.
#[derive(Debug, thiserror::Error)]
pub enum EgressError {
    #[error("cannot set up egress: {message}\nhint: {hint}")]
    Setup { message: String, hint: String },
    #[error(
        "engine network `{0}` (in `egress.networks`) does not exist\nhint: create it, or remove it from `egress.networks`"
    )]
    NoNetwork(String),
    #[error(
        "the workspace has no egress proxy\nhint: its container runs with `egress` `open`, or `containai up` has not run"
    )]
    NoProxy,
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
}

pub type Result<T, E = EgressError> = std::result::Result<T, E>;

/// The engine network of a workspace's sandbox.
pub fn network_name(devcontainer_id: &str) -> String {
    format!("containai-egress-{}", &devcontainer_id[..devcontainer_id.len().min(16)])
}

/// The proxy of a workspace whose sandbox is `container_name`.
pub fn proxy_name(container_name: &str) -> String {
    format!("{container_name}-egress")
}

/// The labels of the network and the proxy of a workspace.
pub fn labels(devcontainer_id: &str, folder: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (LABEL_MANAGED.to_string(), "true".to_string()),
        (LABEL_WORKSPACE.to_string(), devcontainer_id.to_string()),
        // Not `devcontainer.local_folder`: the proxy is no container of the workspace's to `find` or count.
        (LABEL_FOLDER.to_string(), folder.to_string()),
    ])
}

/// Everything the run stage needs to put a sandbox behind its proxy: made by [`prepare`], the proxy itself
/// is created (with the sandbox's published ports) by [`proxy::ensure`] just before the sandbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub policy: EgressPolicy,
    /// The sandbox's internal network.
    pub network: String,
    pub proxy_name: String,
    pub proxy_image: String,
    /// The sandbox's container name (the proxy forwards published ports to it).
    pub sandbox_name: String,
    pub squid_conf: String,
    /// The runtime the proxy runs under (the sandbox's).
    pub runtime: String,
    pub labels: BTreeMap<String, String>,
    /// Host file mounted as a systemd `system.conf` drop-in: every unit (dockerd too) gets the proxy.
    pub systemd_dropin: PathBuf,
}

/// Where the systemd drop-in is mounted in the sandbox.
pub const DROPIN_TARGET: &str = "/etc/systemd/system.conf.d/containai-egress.conf";

impl Attachment {
    /// The proxy's URL as the sandbox reaches it.
    pub fn proxy_url(&self) -> String {
        format!("http://{}:{}", self.proxy_name, squid::PROXY_PORT)
    }

    /// `HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY` in both cases, as `NAME=value`.
    pub fn env(&self) -> Vec<String> {
        proxy_env(&self.proxy_url())
    }
}

fn proxy_env(url: &str) -> Vec<String> {
    let no_proxy = "localhost,127.0.0.1,::1";
    let mut out = Vec::new();
    for (name, value) in [("HTTP_PROXY", url), ("HTTPS_PROXY", url), ("NO_PROXY", no_proxy)] {
        out.push(format!("{name}={value}"));
        out.push(format!("{}={value}", name.to_ascii_lowercase()));
    }
    out
}

/// The systemd drop-in: `DefaultEnvironment` with the proxy settings.
pub fn dropin_text(env: &[String]) -> String {
    let quoted: Vec<String> = env.iter().map(|e| format!("\"{e}\"")).collect();
    format!(
        "# written by containai: every unit reaches out through the egress proxy\n[Manager]\nDefaultEnvironment={}\n",
        quoted.join(" ")
    )
}

/// What [`prepare`] needs to know of the workspace.
#[derive(Debug, Clone)]
pub struct Workspace<'a> {
    pub devcontainer_id: &'a str,
    pub folder: &'a str,
    /// The sandbox's container name.
    pub container_name: &'a str,
    /// The image the proxy is built from (Debian-based: `apt-get` installs squid).
    pub base_image: &'a str,
    pub runtime: &'a str,
    /// containai's config folder (the drop-in is written under it).
    pub config_dir: &'a std::path::Path,
}

/// For an allowlist: the proxy image built (or found), the joined networks' subnets read, squid's
/// configuration and the systemd drop-in written. `None` for `open`. The internal network is made with the
/// proxy, under the workspace's lock ([`proxy::ensure`]).
/// Orphans of removed workspaces (networks with nothing attached whose folder is gone) are removed first.
pub async fn prepare(
    images: &dyn crate::engine::ImageEngine,
    engine: &dyn crate::engine::ContainerEngine,
    ws: &Workspace<'_>,
    policy: &EgressPolicy,
    reporter: &dyn crate::report::Reporter,
) -> Result<Option<Attachment>> {
    if policy.mode == Mode::Open {
        return Ok(None);
    }
    proxy::remove_orphans(engine).await?;
    let proxy_image = image::ensure(images, ws.base_image, reporter).await?;
    let labels = labels(ws.devcontainer_id, ws.folder);
    let network = network_name(ws.devcontainer_id);
    let mut subnets = Vec::new();
    for name in &policy.networks {
        let info = engine.inspect_network(name).await?.ok_or_else(|| EgressError::NoNetwork(name.clone()))?;
        subnets.extend(info.subnets);
    }
    let proxy_name = proxy_name(ws.container_name);
    let dir = ws.config_dir.join("egress").join(ws.devcontainer_id);
    let systemd_dropin = dir.join("systemd.conf");
    // Folders 0700 as all of containai's; the file 0644, since the sandbox's systemd reads it through a bind
    // mount (the engine resolves the path as root on the host).
    let text = dropin_text(&proxy_env(&format!("http://{proxy_name}:{}", squid::PROXY_PORT)));
    crate::lock::write_private(&systemd_dropin, text.as_bytes(), 0o644)
        .map_err(|e| EgressError::Io { path: e.path, source: e.source })?;
    Ok(Some(Attachment {
        squid_conf: squid::config(policy, &subnets),
        policy: policy.clone(),
        network,
        proxy_name,
        proxy_image,
        sandbox_name: ws.container_name.to_string(),
        runtime: ws.runtime.to_string(),
        labels,
        systemd_dropin,
    }))
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
