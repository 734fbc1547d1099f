//! An egress policy + the subnets of the networks the proxy joins → squid's configuration and the sidecar's
//! start script (pure functions): names allowed by `dstdomain`, ports by `port`, and the address every name
//! resolves to checked by `dst` (loopback, link-local, private and reserved ranges refused, but for the
//! joined networks' subnets and the addresses an entry names); IP literals in requests refused unless named.

use crate::policy::egress::{EgressPolicy, Entry};
use std::fmt::Write;

/// The port squid listens on, on the workspace's internal network.
pub const PROXY_PORT: u16 = 3128;
/// Where squid writes the access log, in the sidecar.
pub const ACCESS_LOG: &str = "/var/log/squid/access.log";
/// Where the start script writes the configuration.
const CONF_PATH: &str = "/etc/squid/containai.conf";

/// Addresses no name may lead to unless an entry or a joined network says so.
const REFUSED_RANGES: &str = "0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 \
                              192.0.0.0/24 192.168.0.0/16 198.18.0.0/15 224.0.0.0/3 ::/128 ::1 fc00::/7 fe80::/10";

/// One access-log line: `time method host port status bytes squid-result`.
pub const LOG_FORMAT: &str = "%ts.%03tu %rm %>rd %>rP %>Hs %st %Ss";

fn regex_escape(text: &str) -> String {
    text.chars().fold(String::new(), |mut out, c| {
        if c == '.' || c == '-' {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

/// squid.conf for `policy`; `joined_subnets` are the subnets of `egress.networks`, reachable by allowed names.
pub fn config(policy: &EgressPolicy, joined_subnets: &[String]) -> String {
    let mut c = String::new();
    let _ = writeln!(c, "# written by containai for one workspace; see docs/egress.md");
    let _ = writeln!(c, "http_port {PROXY_PORT}");
    for line in [
        "visible_hostname containai-egress",
        "pid_filename none",
        "cache deny all",
        "cache_mem 0 MB",
        "coredump_dir /tmp",
        "shutdown_lifetime 1 seconds",
        "via off",
        "forwarded_for delete",
        "httpd_suppress_version_string on",
    ] {
        let _ = writeln!(c, "{line}");
    }
    let _ = writeln!(c, "logformat containai {LOG_FORMAT}");
    let _ = writeln!(c, "access_log stdio:{ACCESS_LOG} logformat=containai");
    let _ = writeln!(c, "cache_log stdio:/dev/stderr");
    let _ = writeln!(c, "acl ip_literal dstdom_regex -n ^[0-9.]+$ ^\\[.*\\]$ ^[0-9a-f:]+$");
    let _ = writeln!(c, "acl refused_dst dst {REFUSED_RANGES}");
    let addresses: Vec<&Entry> = policy.entries.iter().filter(|e| e.is_address()).collect();
    let mut exempt: Vec<String> = joined_subnets.to_vec();
    exempt.extend(addresses.iter().map(|e| format!("{}/32", e.host)));
    if !exempt.is_empty() {
        let _ = writeln!(c, "acl exempt_dst dst {}", exempt.join(" "));
    }
    if !addresses.is_empty() {
        let names: Vec<&str> = addresses.iter().map(|e| e.host.as_str()).collect();
        let _ = writeln!(c, "acl named_literal dstdomain -n {}", names.join(" "));
        let _ = writeln!(c, "http_access deny ip_literal !named_literal");
    } else {
        let _ = writeln!(c, "http_access deny ip_literal");
    }
    match exempt.is_empty() {
        true => {
            let _ = writeln!(c, "http_access deny refused_dst");
        }
        false => {
            let _ = writeln!(c, "http_access deny refused_dst !exempt_dst");
        }
    }
    for (i, entry) in policy.entries.iter().enumerate() {
        // `*.example.com`: its subdomains, not example.com itself.
        let name = match entry.is_wildcard() {
            true => format!("dstdom_regex -i \\.{}$", regex_escape(&entry.host[2..])),
            false => format!("dstdomain -n {}", entry.host),
        };
        let ports: Vec<String> = entry.ports().iter().map(u16::to_string).collect();
        let _ = writeln!(c, "acl e{i}_name {name}");
        let _ = writeln!(c, "acl e{i}_port port {}", ports.join(" "));
        let _ = writeln!(c, "http_access allow e{i}_name e{i}_port");
    }
    let _ = writeln!(c, "http_access deny all");
    c
}

/// The sidecar's command: writes the configuration from `CONTAINAI_SQUID_CONF`, forwards each port of
/// `CONTAINAI_FORWARDS` to the same port of `CONTAINAI_SANDBOX` (the sandbox publishes nothing itself: an
/// internal network cannot), then runs squid in the foreground: when squid ends, the sidecar ends.
pub fn start_script() -> String {
    format!(
        "set -e\nprintf '%s\\n' \"$CONTAINAI_SQUID_CONF\" > {CONF_PATH}\n: > {ACCESS_LOG}\nchown proxy: {ACCESS_LOG} 2>/dev/null || true\n\
         for port in $CONTAINAI_FORWARDS; do\n  socat TCP-LISTEN:\"$port\",fork,reuseaddr TCP:\"$CONTAINAI_SANDBOX\":\"$port\" &\ndone\n\
         exec squid -N -f {CONF_PATH}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::egress::Mode;

    fn policy(entries: &[&str]) -> EgressPolicy {
        EgressPolicy {
            mode: Mode::Allowlist,
            entries: entries.iter().map(|e| e.parse().unwrap()).collect(),
            networks: vec![],
        }
    }

    #[test]
    fn names_ports_and_ranges_become_acls_in_order() {
        let conf = config(&policy(&["allowed.test", "*.example.com", "reg.example.org:5000"]), &[]);
        let lines: Vec<&str> = conf.lines().collect();
        let at = |needle: &str| lines.iter().position(|l| *l == needle).unwrap_or_else(|| panic!("{needle}\n{conf}"));
        let literal = at("http_access deny ip_literal");
        let refused = at("http_access deny refused_dst");
        assert!(at("acl e0_name dstdomain -n allowed.test") < at("http_access allow e0_name e0_port"));
        assert!(literal < refused && refused < at("http_access allow e0_name e0_port"));
        at("acl e0_port port 80 443");
        at("acl e1_name dstdom_regex -i \\.example\\.com$");
        at("acl e2_port port 5000");
        assert_eq!(lines.last(), Some(&"http_access deny all"));
        assert!(conf.contains("169.254.0.0/16") && conf.contains("127.0.0.0/8") && conf.contains("10.0.0.0/8"));
        assert!(!conf.contains("exempt_dst"));
    }

    #[test]
    fn joined_networks_and_named_addresses_are_exempt_from_the_refused_ranges() {
        let conf = config(&policy(&["allowed.test", "10.1.2.3:8080"]), &["172.29.0.0/16".into()]);
        assert!(conf.contains("acl exempt_dst dst 172.29.0.0/16 10.1.2.3/32\n"), "{conf}");
        assert!(conf.contains("http_access deny refused_dst !exempt_dst\n"), "{conf}");
        assert!(conf.contains("acl named_literal dstdomain -n 10.1.2.3\nhttp_access deny ip_literal !named_literal\n"));
    }

    #[test]
    fn the_start_script_forwards_ports_and_ends_with_squid() {
        let script = start_script();
        assert!(script.contains("TCP:\"$CONTAINAI_SANDBOX\":\"$port\""));
        assert!(script.trim_end().ends_with("exec squid -N -f /etc/squid/containai.conf"), "{script}");
    }
}
