//! containai's user config (`$CONTAINAI_CONFIG`, else `$XDG_CONFIG_HOME/containai/config.json`) → settings
//! that belong to the user, never to a repository: registry mirrors, CA certificates to trust, agents'
//! credentials and state, the egress policy.

use crate::registry::Mirror;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The line containai puts at the top of the user's `~/.ssh/config` (written by `up`, checked by `doctor`).
pub const SSH_INCLUDE_LINE: &str = "Include ~/.ssh/containai.d/*.conf";

/// `$XDG_CONFIG_HOME/containai` (default `~/.config/containai`): containai's keys, trust store, locks and config.
pub fn config_dir() -> PathBuf {
    dirs::config_dir().unwrap_or_else(|| PathBuf::from(".config")).join("containai")
}

/// Environment variable naming another user config file.
pub const CONFIG_ENV: &str = "CONTAINAI_CONFIG";

/// The user config file (JSON). Unknown keys are an error, so that a misspelt setting is not silently lost.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserConfig {
    /// Registry → `HOST[:PORT][/PREFIX]` to fetch its features and pull its images from (as `--registry-mirror`).
    #[serde(default)]
    pub registry_mirrors: BTreeMap<String, String>,
    /// PEM files of CA certificates that builds and containers trust (a TLS-intercepting proxy's, say).
    #[serde(default)]
    pub ca_certificates: Vec<PathBuf>,
    /// Also trust every `*.crt` in the host's `/usr/local/share/ca-certificates`.
    #[serde(default)]
    pub host_ca_certificates: bool,
    /// Per agent preset: the host variables and files its sessions get (`containai run`).
    #[serde(default)]
    pub agent_credentials: BTreeMap<String, AgentCredentialConfig>,
    /// Whether agents' state (logins, history, settings) is kept per workspace (default) or per user.
    #[serde(default)]
    pub agent_state: AgentStateScope,
    /// Hosts the sandboxes may reach beyond the built-in list, or `"open"` (see docs/egress.md).
    #[serde(default)]
    pub egress: Option<EgressSetting>,
}

/// What one agent's sessions get from the host.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentCredentialConfig {
    /// Names of host environment variables passed through (their values are read when the agent starts).
    #[serde(default)]
    pub env: Vec<String>,
    /// Path under the remote user's home in the container → the host file whose bytes it gets.
    #[serde(default)]
    pub files: BTreeMap<String, PathBuf>,
}

/// Where agents' state volume belongs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentStateScope {
    #[default]
    Workspace,
    User,
}

/// An `egress` setting as written (user config or `customizations.containai.egress`): `"open"`, a list of
/// entries (`host`, `*.domain`, either with `:port`), or `{"allow": [...], "networks": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum EgressSetting {
    Mode(String),
    Allow(Vec<String>),
    Full(EgressSpec),
}

/// The object form of [`EgressSetting`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EgressSpec {
    /// `"open"` or `"allowlist"` (the default).
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub allow: Vec<String>,
    /// Engine networks the proxy joins, so that names on them resolve through the engine's DNS.
    #[serde(default)]
    pub networks: Vec<String>,
}

impl EgressSetting {
    /// The setting in its object form.
    pub fn spec(&self) -> EgressSpec {
        match self {
            EgressSetting::Mode(mode) => EgressSpec { mode: Some(mode.clone()), ..Default::default() },
            EgressSetting::Allow(allow) => EgressSpec { allow: allow.clone(), ..Default::default() },
            EgressSetting::Full(spec) => spec.clone(),
        }
    }
}

/// Errors of reading the user config.
#[derive(Debug, thiserror::Error)]
pub enum UserConfigError {
    #[error("cannot read the user config `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the user config `{}` is not valid: {message}\nhint: it holds e.g. `{{\"registryMirrors\": {{\"ghcr.io\": \"localhost:5000/prefix\"}}}}`", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl UserConfig {
    /// Where the user config is: `$CONTAINAI_CONFIG`, else `containai/config.json` in the user's config dir.
    pub fn path() -> PathBuf {
        match std::env::var_os(CONFIG_ENV) {
            Some(path) if !path.is_empty() => PathBuf::from(path),
            _ => config_dir().join("config.json"),
        }
    }

    /// Reads [`UserConfig::path`]; the defaults when the file does not exist.
    pub fn load() -> Result<UserConfig, UserConfigError> {
        UserConfig::read(&UserConfig::path())
    }

    /// Reads one file; the defaults when it does not exist.
    pub fn read(path: &Path) -> Result<UserConfig, UserConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(UserConfig::default()),
            Err(source) => return Err(UserConfigError::Read { path: path.to_path_buf(), source }),
        };
        let invalid = |message: String| UserConfigError::Invalid { path: path.to_path_buf(), message };
        let config: UserConfig = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        config.mirrors().map_err(invalid)?;
        Ok(config)
    }

    /// The configured mirrors, parsed as `--registry-mirror` values.
    pub fn mirrors(&self) -> Result<Vec<Mirror>, String> {
        self.registry_mirrors.iter().map(|(registry, target)| format!("{registry}={target}").parse()).collect()
    }
}

/// The mirrors in effect: the command line's, then the config's for every registry the command line leaves out.
pub fn merge_mirrors(command_line: &[Mirror], config: &[Mirror]) -> Vec<Mirror> {
    let mut merged = command_line.to_vec();
    merged.extend(config.iter().filter(|m| !command_line.iter().any(|c| c.registry == m.registry)).cloned());
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mirrors_and_refuses_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        assert_eq!(UserConfig::read(&path).unwrap(), UserConfig::default());
        std::fs::write(&path, r#"{"registryMirrors": {"ghcr.io": "localhost:5000/prefix"}}"#).unwrap();
        let mirrors = UserConfig::read(&path).unwrap().mirrors().unwrap();
        assert_eq!(mirrors, vec!["ghcr.io=localhost:5000/prefix".parse::<Mirror>().unwrap()]);
        std::fs::write(&path, r#"{"registryMirror": {}}"#).unwrap();
        let err = UserConfig::read(&path).unwrap_err().to_string();
        assert!(err.contains("registryMirror") && err.contains("not valid"), "{err}");
        std::fs::write(&path, r#"{"registryMirrors": {"ghcr.io": ""}}"#).unwrap();
        assert!(UserConfig::read(&path).is_err());
    }

    #[test]
    fn reads_egress_in_each_form() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"egress": "open"}"#).unwrap();
        assert_eq!(UserConfig::read(&path).unwrap().egress.unwrap().spec().mode.as_deref(), Some("open"));
        std::fs::write(&path, r#"{"egress": ["a.example", "*.b.example:8443"]}"#).unwrap();
        assert_eq!(UserConfig::read(&path).unwrap().egress.unwrap().spec().allow, ["a.example", "*.b.example:8443"]);
        std::fs::write(&path, r#"{"egress": {"allow": ["a.example"], "networks": ["lab"]}}"#).unwrap();
        let spec = UserConfig::read(&path).unwrap().egress.unwrap().spec();
        assert_eq!((spec.allow.len(), spec.networks.as_slice()), (1, &["lab".to_string()][..]));
        std::fs::write(&path, r#"{"egress": {"allow": [], "hosts": []}}"#).unwrap();
        assert!(UserConfig::read(&path).is_err(), "an unknown key in the object form");
    }

    #[test]
    fn command_line_mirrors_win_per_registry() {
        let parse = |s: &str| s.parse::<Mirror>().unwrap();
        let cli = [parse("ghcr.io=localhost:1")];
        let config = [parse("ghcr.io=localhost:2"), parse("mcr.microsoft.com=localhost:3/mcr")];
        let merged = merge_mirrors(&cli, &config);
        assert_eq!(merged, vec![parse("ghcr.io=localhost:1"), parse("mcr.microsoft.com=localhost:3/mcr")]);
        assert_eq!(merge_mirrors(&[], &config), config.to_vec());
    }
}
