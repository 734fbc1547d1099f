//! `appPort` and `forwardPorts` → the host:container pairs to publish on 127.0.0.1; a create request → the same
//! request with each busy `forwardPorts` host port left to the engine to choose; a started container → the
//! `forwardedPorts` of `up`'s result.
//!
//! A `forwardPorts` entry asks for the same port on the host when it is free. Two workspaces forwarding one
//! port (say 3000) both come up: the second gets an ephemeral port, says so, and the result tells which.
//! `appPort` and `runArgs` `-p` keep the engine's behaviour: a busy port is an error.

use crate::config::DevContainer;
use crate::config::model::PortRef;
use crate::engine::{ContainerInfo, CreateRequest};
use crate::report::Reporter;
use serde::Serialize;

/// One published port of the result: the container's port and the 127.0.0.1 port it answers on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ForwardedPort {
    pub container: u16,
    pub host: u16,
}

/// A port entry as `(host, container)`: `3000` → both 3000, `"8080:80"` → 8080 and 80; `None` for
/// `"service:port"` (a Compose service: nothing to publish here); an error text for anything else.
pub fn pair(port: &PortRef) -> Result<Option<(u16, u16)>, String> {
    let number = |s: &str| s.parse::<u16>().map_err(|_| "not a port".to_string());
    match port {
        PortRef::Number(p) => Ok(Some((*p, *p))),
        PortRef::Label(text) => match text.split_once(':') {
            Some((h, c)) if h.parse::<u16>().is_ok() && c.parse::<u16>().is_ok() => Ok(Some((number(h)?, number(c)?))),
            Some(_) => Ok(None),
            None => number(text).map(|p| Some((p, p))),
        },
    }
}

fn forward_pairs(config: &DevContainer) -> Vec<(u16, u16)> {
    config.forward_ports.iter().flatten().filter_map(|p| pair(p).ok().flatten()).collect()
}

/// Whether nothing listens on 127.0.0.1:`port` (a listener, the engine's proxy, another workspace's port).
pub fn is_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// `request` with every `forwardPorts` host port that `is_free` says is taken replaced by an ephemeral one.
pub fn avoid_busy(
    mut request: CreateRequest,
    config: &DevContainer,
    is_free: &dyn Fn(u16) -> bool,
    reporter: &dyn Reporter,
) -> CreateRequest {
    let Some(bindings) = request.body.host_config.as_mut().and_then(|h| h.port_bindings.as_mut()) else {
        return request;
    };
    for (host, container) in forward_pairs(config) {
        if is_free(host) {
            continue;
        }
        let wanted = host.to_string();
        let listed = bindings.get_mut(&format!("{container}/tcp")).and_then(Option::as_mut);
        for binding in listed.into_iter().flatten().filter(|b| b.host_port.as_deref() == Some(wanted.as_str())) {
            binding.host_port = Some(String::new());
            reporter.warn(&format!(
                "port {host} is in use on 127.0.0.1: container port {container} gets another host port\n\
                 hint: `forwardedPorts` in the result says which"
            ));
        }
    }
    request
}

/// The container ports of `appPort` and `forwardPorts` with the host ports the engine published them on.
pub fn forwarded(config: &DevContainer, container: &ContainerInfo) -> Vec<ForwardedPort> {
    let app = config.app_port.as_ref().map(|a| a.to_vec()).unwrap_or_default();
    let mut out: Vec<ForwardedPort> = app
        .iter()
        .filter_map(|p| pair(p).ok().flatten())
        .chain(forward_pairs(config))
        .filter_map(|(_, c)| container.ports.get(&format!("{c}/tcp")).map(|h| ForwardedPort { container: c, host: *h }))
        .collect();
    out.sort_by_key(|p| p.container);
    out.dedup();
    out
}

#[cfg(test)]
#[path = "ports_tests.rs"]
mod tests;
