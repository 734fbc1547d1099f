//! The user config's `agentCredentials.<agent>` + the host's environment and files → the credentials one
//! session passes into the container. Nothing here comes from a repository: the workspace's config is never
//! asked.

use super::{AgentError, Result};
use crate::user_config::AgentCredentialConfig;
use std::collections::BTreeMap;

/// What one session carries in: variables (name → value) and files (home-relative target → bytes).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SessionCredentials {
    pub env: BTreeMap<String, String>,
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Never printed: a `{:?}` shows the names only.
impl std::fmt::Debug for SessionCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCredentials")
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl SessionCredentials {
    /// The credentials `config` names for `agent`: each variable read from `host_env` (a variable the host does
    /// not set is left out, with a note in the returned list), each file read from the host.
    pub fn gather(
        agent: &str,
        config: Option<&AgentCredentialConfig>,
        host_env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(SessionCredentials, Vec<String>)> {
        let mut out = SessionCredentials::default();
        let mut notes = Vec::new();
        let Some(config) = config else { return Ok((out, notes)) };
        let bad = |message: String| AgentError::CredentialName { agent: agent.to_string(), message };
        for name in &config.env {
            if !env_name(name) {
                return Err(bad(format!("`{name}` is not an environment variable name")));
            }
            match host_env(name) {
                Some(value) if !value.contains('\0') => {
                    out.env.insert(name.clone(), value);
                }
                _ => notes.push(format!("`{name}` is not set on the host: not passed to `{agent}`")),
            }
        }
        for (target, source) in &config.files {
            if !super::preset::home_relative(target) {
                return Err(bad(format!("`{target}` is not a path under the home")));
            }
            let bytes = std::fs::read(source).map_err(|e| AgentError::CredentialFile {
                agent: agent.to_string(),
                path: source.clone(),
                source: e,
            })?;
            out.files.insert(target.clone(), bytes);
        }
        Ok((out, notes))
    }

    pub fn is_empty(&self) -> bool {
        self.env.is_empty() && self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_only_what_the_user_config_names() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("auth.json");
        std::fs::write(&file, "{\"token\":\"t\"}").unwrap();
        let config = AgentCredentialConfig {
            env: vec!["A_KEY".into(), "MISSING".into()],
            files: BTreeMap::from([(".codex/auth.json".to_string(), file.clone())]),
        };
        let host = |name: &str| (name == "A_KEY" || name == "OTHER").then(|| format!("v-{name}"));
        let (creds, notes) = SessionCredentials::gather("codex", Some(&config), &host).unwrap();
        assert_eq!(creds.env, BTreeMap::from([("A_KEY".to_string(), "v-A_KEY".to_string())]));
        assert_eq!(creds.files[".codex/auth.json"], b"{\"token\":\"t\"}");
        assert!(notes[0].contains("MISSING"));
        assert!(!format!("{creds:?}").contains("v-A_KEY"));
        let (none, _) = SessionCredentials::gather("codex", None, &host).unwrap();
        assert!(none.is_empty());
        let escape = AgentCredentialConfig { env: vec![], files: BTreeMap::from([("../x".to_string(), file)]) };
        assert!(SessionCredentials::gather("codex", Some(&escape), &host).is_err());
        let bad = AgentCredentialConfig { env: vec!["A B".into()], files: BTreeMap::new() };
        assert!(SessionCredentials::gather("codex", Some(&bad), &host).is_err());
    }
}
