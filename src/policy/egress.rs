//! The egress settings of the user (command line, user config) and of the repository (devcontainer.json) →
//! the policy the workspace's proxy enforces: open, or an allowlist of names (built-in + the user's + the
//! repository's trusted ones) and the engine networks the proxy joins. docs/egress.md says it in words.

use super::classify::Class;
use super::{PolicyError, Result};
use crate::user_config::{EgressSetting, EgressSpec};
use std::fmt;

/// The names every sandbox may reach on ports 80 and 443: the common package registries and source hosts.
/// docs/egress.md lists them; the user adds to them, `"open"` drops the filter.
pub const BUILTIN: &[&str] = &[
    // Debian, Ubuntu, Alpine packages.
    "deb.debian.org",
    "security.debian.org",
    "archive.ubuntu.com",
    "security.ubuntu.com",
    "ports.ubuntu.com",
    "dl-cdn.alpinelinux.org",
    // Language registries.
    "registry.npmjs.org",
    "registry.yarnpkg.com",
    "pypi.org",
    "files.pythonhosted.org",
    "crates.io",
    "index.crates.io",
    "static.crates.io",
    "static.rust-lang.org",
    "proxy.golang.org",
    "sum.golang.org",
    "rubygems.org",
    "repo.maven.apache.org",
    "repo1.maven.org",
    // Source hosts.
    "github.com",
    "api.github.com",
    "codeload.github.com",
    "objects.githubusercontent.com",
    "raw.githubusercontent.com",
    "gitlab.com",
    "bitbucket.org",
    // Container registries (the inner engine's pulls).
    "registry-1.docker.io",
    "auth.docker.io",
    "production.cloudflare.docker.com",
    "ghcr.io",
    "pkg-containers.githubusercontent.com",
    "mcr.microsoft.com",
    "*.data.mcr.microsoft.com",
];

/// One allowlist entry: a host name, a `*.` wildcard (its subdomains, not the domain itself) or an IPv4
/// address, and a port (none: 80 and 443).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Entry {
    pub host: String,
    pub port: Option<u16>,
}

impl Entry {
    /// `*.example.com`.
    pub fn is_wildcard(&self) -> bool {
        self.host.starts_with("*.")
    }

    /// An address rather than a name.
    pub fn is_address(&self) -> bool {
        self.host.parse::<std::net::Ipv4Addr>().is_ok()
    }

    /// The ports it opens.
    pub fn ports(&self) -> Vec<u16> {
        match self.port {
            Some(p) => vec![p],
            None => vec![80, 443],
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(p) => write!(f, "{}:{p}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

impl std::str::FromStr for Entry {
    type Err = PolicyError;

    fn from_str(text: &str) -> Result<Entry> {
        let invalid = |reason: &str| PolicyError::Invalid {
            what: "egress entry",
            value: text.into(),
            reason: format!(
                "{reason}\nhint: write `host`, `*.domain` or `host:port`, e.g. `registry.example.com:5000`"
            ),
        };
        let lower = text.trim().to_ascii_lowercase();
        let (host, port) = match lower.rsplit_once(':') {
            Some((host, port)) => {
                let port: u16 = port.parse().map_err(|_| invalid("the port is not a number from 1 to 65535"))?;
                if port == 0 {
                    return Err(invalid("the port is not a number from 1 to 65535"));
                }
                (host.to_string(), Some(port))
            }
            None => (lower, None),
        };
        let name = host.strip_prefix("*.").unwrap_or(&host);
        if name.is_empty() || name.len() > 253 {
            return Err(invalid("no host name"));
        }
        for label in name.split('.') {
            let ok_chars = label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if label.is_empty() || label.len() > 63 || !ok_chars || label.starts_with('-') || label.ends_with('-') {
                return Err(invalid("not a host name (letters, digits, `-` and `.`; `*.` only in front)"));
            }
        }
        if host.starts_with("*.") && !name.contains('.') {
            return Err(invalid("a wildcard must name a domain with a dot, not a top-level domain"));
        }
        Ok(Entry { host, port })
    }
}

/// `open`: no filter; `allowlist`: only the entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Open,
    Allowlist,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Open => "open",
            Mode::Allowlist => "allowlist",
        }
    }
}

/// What the workspace's proxy enforces.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EgressPolicy {
    pub mode: Mode,
    /// Built-in entries first, then the user's, then the repository's; no duplicates.
    pub entries: Vec<Entry>,
    /// Engine networks the proxy joins.
    pub networks: Vec<String>,
}

/// The user's egress choices: `--egress` values (`open` or entries), `--egress-network`s, the user config's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserEgress {
    pub command_line: Vec<String>,
    pub networks: Vec<String>,
    pub config: Option<EgressSetting>,
}

fn mode_of(spec: &EgressSpec, whose: &str) -> Result<Mode> {
    match spec.mode.as_deref() {
        None | Some("allowlist") => Ok(Mode::Allowlist),
        Some("open") => Ok(Mode::Open),
        Some(other) => Err(PolicyError::Invalid {
            what: "egress mode",
            value: other.into(),
            reason: format!("{whose} may say `open` or `allowlist`, or list hosts"),
        }),
    }
}

fn network_name(name: &str) -> Result<String> {
    let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !ok {
        return Err(PolicyError::Invalid {
            what: "egress network",
            value: name.into(),
            reason: "not an engine network name\nhint: `docker network ls` lists them".into(),
        });
    }
    Ok(name.to_string())
}

fn push_unique<T: PartialEq>(out: &mut Vec<T>, item: T) {
    if !out.contains(&item) {
        out.push(item);
    }
}

/// The policy of a workspace: the user's choices over the repository's `customizations.containai.egress`
/// (whose `open` is never followed: only the user opens egress; its entries and networks count once trusted,
/// which [`findings`] makes the trust store ask for).
pub fn resolve(repository: Option<&EgressSetting>, user: &UserEgress) -> Result<EgressPolicy> {
    let user_spec = user.config.as_ref().map(EgressSetting::spec).unwrap_or_default();
    let mut mode = mode_of(&user_spec, "the user config's `egress`")?;
    let mut entries: Vec<Entry> = BUILTIN.iter().map(|b| b.parse()).collect::<Result<_>>()?;
    let mut networks = Vec::new();
    for value in &user.command_line {
        match value.as_str() {
            "open" => mode = Mode::Open,
            "allowlist" => {}
            entry => push_unique(&mut entries, entry.parse()?),
        }
    }
    for entry in &user_spec.allow {
        push_unique(&mut entries, entry.parse()?);
    }
    for name in user.networks.iter().chain(&user_spec.networks) {
        push_unique(&mut networks, network_name(name)?);
    }
    if let Some(repository) = repository {
        let spec = repository.spec();
        mode_of(&spec, "`customizations.containai.egress`")?;
        for entry in &spec.allow {
            push_unique(&mut entries, entry.parse()?);
        }
        for name in &spec.networks {
            push_unique(&mut networks, network_name(name)?);
        }
    }
    Ok(EgressPolicy { mode, entries, networks })
}

/// The host-affecting settings of a repository's `customizations.containai.egress`: `open` is refused (only
/// the user opens egress), every entry and network needs the user's trust. `(class, detail)` pairs.
pub fn findings(repository: &EgressSetting) -> Vec<(Class, String)> {
    let spec = repository.spec();
    let mut out = Vec::new();
    if spec.mode.as_deref() == Some("open") {
        out.push((
            Class::Refused,
            "`open` would let the sandbox reach any host; only you can open egress (`containai up --egress open` \
             or `\"egress\": \"open\"` in containai's user config)"
                .to_string(),
        ));
    }
    for entry in &spec.allow {
        out.push((Class::NeedsTrust, format!("lets the sandbox reach `{entry}` through its egress proxy")));
    }
    for name in &spec.networks {
        out.push((Class::NeedsTrust, format!("the egress proxy joins engine network `{name}`")));
    }
    out
}

#[cfg(test)]
#[path = "egress_tests.rs"]
mod tests;
