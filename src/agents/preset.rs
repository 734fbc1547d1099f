//! The embedded `agents/<name>.json` manifests → typed [`Preset`]s: how each agent is installed (an npm or
//! PyPI package at a pinned version), its command, the hosts it talks to, its state folders and the
//! credentials it reads; and the built-in features that install it.

use super::{AgentError, Result};
use crate::assets::AGENTS;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// The built-in feature that installs Node.js and npm for npm agents.
pub const NODE_FEATURE: &str = "containai/node-runtime";
/// The built-in feature that installs one agent.
pub const AGENT_FEATURE: &str = "containai/agent";

/// Where an agent comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Manager {
    Npm,
    Pypi,
}

/// The package of an agent, at an exact version (`npm view PKG version` / PyPI's latest when upgraded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Install {
    pub manager: Manager,
    pub package: String,
    pub version: String,
}

/// What an agent reads to log in: environment variables and files (paths under the remote user's home).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Credentials {
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(default)]
    pub files: Vec<String>,
}

/// One agent preset, as `agents/<name>.json` has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Preset {
    pub name: String,
    pub description: String,
    pub install: Install,
    /// The command it installs and `containai run` starts.
    pub command: String,
    /// The host names it needs at run time (for an egress allowlist).
    pub hosts: Vec<String>,
    /// Folders under the remote user's home where it keeps its login, history and settings.
    pub state: Vec<String>,
    /// Variables set to a state folder (a path under the home) so that all its state lands in one.
    #[serde(default)]
    pub state_env: BTreeMap<String, String>,
    pub credentials: Credentials,
}

impl Preset {
    /// The features that install it, as devcontainer.json's `features` entries.
    pub fn features(&self) -> Vec<(String, serde_json::Value)> {
        let mut features = Vec::new();
        if self.install.manager == Manager::Npm {
            features.push((NODE_FEATURE.to_string(), json!({})));
        }
        let manager = match self.install.manager {
            Manager::Npm => "npm",
            Manager::Pypi => "pypi",
        };
        features.push((
            AGENT_FEATURE.to_string(),
            json!({
                "name": self.name,
                "manager": manager,
                "package": self.install.package,
                "version": self.install.version,
                "command": self.command,
            }),
        ));
        features
    }
}

fn plain(s: &str, extra: &[char]) -> bool {
    !s.is_empty() && !s.starts_with('-') && s.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

/// A home-relative folder: plain segments, no `..`, not absolute.
pub fn home_relative(path: &str) -> bool {
    plain(path, &['.', '_', '-', '/'])
        && !path.starts_with('/')
        && path.split('/').all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

/// A preset's fields checked: what install.sh and the run take as words and paths.
fn check(preset: &Preset, file: &str) -> Result<()> {
    let bad = |what: String| AgentError::BadPreset { file: file.to_string(), message: what };
    if !plain(&preset.name, &['-']) || format!("{}.json", preset.name) != file {
        return Err(bad(format!("`{}` is not the file's name", preset.name)));
    }
    if !plain(&preset.install.package, &['@', '/', '.', '_', '-']) || !plain(&preset.install.version, &['.', '+', '-'])
    {
        return Err(bad("the package or its version has characters other than a name's".into()));
    }
    if !plain(&preset.command, &['.', '_', '-']) {
        return Err(bad(format!("`{}` is not a command name", preset.command)));
    }
    let paths = preset.state.iter().chain(&preset.credentials.files).chain(preset.state_env.values());
    if let Some(path) = paths.into_iter().find(|p| !home_relative(p)) {
        return Err(bad(format!("`{path}` is not a folder under the home")));
    }
    let names = preset.credentials.env.iter().chain(preset.state_env.keys());
    if let Some(name) = names.into_iter().find(|n| !plain(n, &['_']) || n.starts_with(|c: char| c.is_ascii_digit())) {
        return Err(bad(format!("`{name}` is not an environment variable name")));
    }
    Ok(())
}

/// Adds the preset's features to the loaded config (its typed model and the JSON the warm key reads), after
/// the config's own; an id the config has already is replaced (one agent per `containai/agent` entry).
pub fn add_to(loaded: &mut crate::config::Loaded, preset: &Preset) {
    for (id, options) in preset.features() {
        let features = loaded.model.features.get_or_insert_with(Default::default);
        if id == NODE_FEATURE && features.contains_key(&id) {
            continue;
        }
        features.insert(id.clone(), options.clone());
        if let Some(object) = loaded.value.as_object_mut() {
            let entry = object.entry("features").or_insert_with(|| json!({}));
            if let Some(map) = entry.as_object_mut() {
                map.insert(id, options);
            }
        }
    }
}

/// Every embedded preset, by name.
pub fn all() -> Result<Vec<Preset>> {
    let mut presets = Vec::new();
    for file in AGENTS.files() {
        let name = file.path().to_string_lossy().to_string();
        if !name.ends_with(".json") {
            continue;
        }
        let text = file.contents_utf8().unwrap_or_default();
        let preset: Preset = serde_json::from_str(text)
            .map_err(|e| AgentError::BadPreset { file: name.clone(), message: e.to_string() })?;
        check(&preset, &name)?;
        presets.push(preset);
    }
    presets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(presets)
}

/// The preset called `name`.
pub fn find(name: &str) -> Result<Preset> {
    let presets = all()?;
    let names: Vec<String> = presets.iter().map(|p| p.name.clone()).collect();
    presets
        .into_iter()
        .find(|p| p.name == name)
        .ok_or_else(|| AgentError::UnknownAgent { name: name.to_string(), known: names.join("`, `") })
}

/// The host names an agent needs (for the egress allowlist).
pub fn hosts(name: &str) -> Result<Vec<String>> {
    Ok(find(name)?.hosts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_preset_is_valid_and_pinned() {
        let presets = all().unwrap();
        let names: Vec<&str> = presets.iter().map(|p| p.name.as_str()).collect();
        for wanted in ["aider", "claude-code", "codex", "gemini-cli", "opencode"] {
            assert!(names.contains(&wanted), "{names:?}");
        }
        for p in &presets {
            assert!(p.install.version.chars().next().unwrap().is_ascii_digit(), "{} is pinned", p.name);
            assert!(!p.hosts.is_empty() && !p.state.is_empty(), "{}", p.name);
        }
        assert_eq!(find("aider").unwrap().install.manager, Manager::Pypi);
        assert!(hosts("claude-code").unwrap().contains(&"api.anthropic.com".to_string()));
    }

    #[test]
    fn an_unknown_agent_names_the_known_ones() {
        let err = find("nope").unwrap_err().to_string();
        assert!(err.contains("`nope`") && err.contains("claude-code") && err.contains("hint:"), "{err}");
    }

    #[test]
    fn npm_agents_bring_the_node_runtime_and_pypi_ones_do_not() {
        let claude = find("claude-code").unwrap().features();
        assert_eq!(claude[0].0, NODE_FEATURE);
        assert_eq!(claude[1].1["package"], "@anthropic-ai/claude-code");
        let aider = find("aider").unwrap().features();
        assert_eq!(aider.len(), 1);
        assert_eq!(aider[0].1["manager"], "pypi");
    }

    #[test]
    fn paths_and_names_are_checked() {
        for ok in [".claude", ".local/share/opencode"] {
            assert!(home_relative(ok), "{ok}");
        }
        for bad in ["", "/etc", "../x", "a/../b", "a//b", "a b", "-x", "./a"] {
            assert!(!home_relative(bad), "{bad}");
        }
        let mut p = find("codex").unwrap();
        p.state.push("../../etc".into());
        assert!(check(&p, "codex.json").is_err());
        let mut p = find("codex").unwrap();
        p.credentials.env.push("1X".into());
        assert!(check(&p, "codex.json").is_err());
        assert!(check(&find("codex").unwrap(), "other.json").is_err());
    }
}
