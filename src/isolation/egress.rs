//! A running container → its egress measured from inside: a raw TCP connection to a public address and to the
//! metadata address (no route: refused or timed out), and a name off any allowlist asked of its proxy (`403`)
//! → one finding beside the other isolation findings of `verify`.

use super::summary::{Finding, Level};
use crate::engine::{ContainerEngine, ExecRequest, Result};
use serde::Serialize;

/// A name no allowlist holds (`.invalid` is reserved).
pub const DENIED_NAME: &str = "containai-egress-probe.invalid";
/// A public address, connected to directly.
pub const PUBLIC_ADDRESS: (&str, u16) = ("1.1.1.1", 443);
/// The cloud metadata address.
pub const METADATA_ADDRESS: (&str, u16) = ("169.254.169.254", 80);

/// The probe, run as root with the container's environment: one `key=value` line per measurement.
pub const SCRIPT: &str = r#"connect() { timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null && echo open || echo closed; }
command -v bash >/dev/null || { echo "tools=missing"; exit 0; }
echo "public=$(connect "$1" "$2")"
echo "metadata=$(connect "$3" "$4")"
proxy=${HTTP_PROXY:-$http_proxy}
if [ -z "$proxy" ]; then echo "proxy=none"; exit 0; fi
hostport=${proxy#http://}; hostport=${hostport%/}
echo "proxy=$hostport"
status=$(timeout 5 bash -c "exec 3<>/dev/tcp/${hostport%:*}/${hostport##*:}; printf 'CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n' '$5' '$5' >&3; head -n 1 <&3" 2>/dev/null)
echo "denied_name=$(echo "$status" | cut -d' ' -f2)"
"#;

/// What the probe printed, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EgressObservations {
    /// `open` or `closed`.
    pub public: Option<String>,
    pub metadata: Option<String>,
    /// `host:port` of the proxy the environment names, `none`.
    pub proxy: Option<String>,
    /// The proxy's status for [`DENIED_NAME`].
    pub denied_name: Option<String>,
    /// The container lacks `bash` (the probe's tool).
    pub tools_missing: bool,
}

/// Parses the probe's output.
pub fn observe(output: &str) -> EgressObservations {
    let mut o = EgressObservations::default();
    for (key, value) in output.lines().filter_map(|l| l.split_once('=')) {
        let value = Some(value.trim().to_string());
        match key {
            "public" => o.public = value,
            "metadata" => o.metadata = value,
            "proxy" => o.proxy = value,
            "denied_name" => o.denied_name = value,
            "tools" => o.tools_missing = true,
            _ => {}
        }
    }
    o
}

/// yes: no direct route (public, metadata) and the proxy refuses a name off the list; no: a direct route or no
/// proxy; partial: no direct route, the proxy's refusal not seen.
pub fn judge(o: &EgressObservations) -> Finding {
    if o.tools_missing {
        return Finding { level: Level::Partial, evidence: vec!["no `bash` in the container to probe with".into()] };
    }
    let mut evidence = Vec::new();
    let (public, metadata) = (o.public.as_deref(), o.metadata.as_deref());
    evidence.push(format!("{}:{} direct: {}", PUBLIC_ADDRESS.0, PUBLIC_ADDRESS.1, public.unwrap_or("?")));
    evidence.push(format!("{}:{} direct: {}", METADATA_ADDRESS.0, METADATA_ADDRESS.1, metadata.unwrap_or("?")));
    let routed = public == Some("open") || metadata == Some("open");
    let proxy = o.proxy.as_deref().filter(|p| *p != "none");
    match proxy {
        None => evidence.push("no egress proxy: egress is open".into()),
        Some(p) => evidence.push(format!("`{DENIED_NAME}` through {p}: {}", o.denied_name.as_deref().unwrap_or("?"))),
    }
    let refused = o.denied_name.as_deref() == Some("403");
    let level = match (routed || proxy.is_none(), refused, public == Some("closed") && metadata == Some("closed")) {
        (true, _, _) => Level::No,
        (false, true, true) => Level::Yes,
        _ => Level::Partial,
    };
    Finding { level, evidence }
}

/// Runs the probe in container `id` and judges it.
pub async fn probe(engine: &dyn ContainerEngine, id: &str) -> Result<(EgressObservations, Finding)> {
    let args = [
        PUBLIC_ADDRESS.0.to_string(),
        PUBLIC_ADDRESS.1.to_string(),
        METADATA_ADDRESS.0.to_string(),
        METADATA_ADDRESS.1.to_string(),
        DENIED_NAME.to_string(),
    ];
    let mut cmd = vec!["/bin/sh".to_string(), "-c".into(), SCRIPT.into(), "containai-egress-probe".into()];
    cmd.extend(args);
    let request = ExecRequest { cmd, user: Some("root".into()), ..Default::default() };
    let out = engine.exec(id, &request).await?;
    let observations = observe(&out.stdout);
    let finding = judge(&observations);
    Ok((observations, finding))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_route_and_a_refusing_proxy_is_yes_a_route_or_no_proxy_is_no() {
        let behind = observe("public=closed\nmetadata=closed\nproxy=ws-egress:3128\ndenied_name=403\n");
        assert_eq!(judge(&behind).level, Level::Yes, "{:?}", judge(&behind));
        let open = observe("public=closed\nmetadata=closed\nproxy=none\n");
        assert_eq!(judge(&open).level, Level::No);
        let routed = observe("public=open\nmetadata=closed\nproxy=ws-egress:3128\ndenied_name=403\n");
        assert_eq!(judge(&routed).level, Level::No);
        let unseen = observe("public=closed\nmetadata=closed\nproxy=ws-egress:3128\ndenied_name=\n");
        assert_eq!(judge(&unseen).level, Level::Partial);
        assert!(judge(&unseen).evidence.iter().any(|e| e.contains("169.254.169.254:80 direct: closed")));
        assert_eq!(judge(&observe("tools=missing\n")).level, Level::Partial);
    }
}
