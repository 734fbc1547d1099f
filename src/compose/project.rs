//! A loaded Compose config + the Compose tool → the project: its name (computed as the reference CLI does, so
//! that `docker compose ps` and the reference find the same project), its files, and the project as Compose
//! resolves it (`compose config`, merged and interpolated, as JSON).

use super::cli::{Invocation, Tool};
use super::{ComposeError, Result};
use crate::config::Loaded;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A Compose project of a workspace.
#[derive(Debug, Clone)]
pub struct Project {
    pub name: String,
    /// The repository's Compose files, in `dockerComposeFile` order.
    pub files: Vec<PathBuf>,
    /// The folder of the first file: Compose resolves relative paths from it.
    pub dir: PathBuf,
    /// `compose config` of the files, as JSON.
    pub config: Value,
    /// `service`: the primary service.
    pub service: String,
    /// `runServices` (every service when unset).
    pub run_services: Option<Vec<String>>,
}

impl Project {
    pub fn invocation(&self) -> Invocation<'_> {
        Invocation { project: Some(&self.name), files: &self.files, project_dir: &self.dir }
    }

    /// The primary service as Compose resolved it.
    pub fn primary(&self) -> &Value {
        &self.config["services"][&self.service]
    }
}

/// Compose's project name rule: lower case, then only `[-_a-z0-9]` (only `[a-z0-9]` before Compose 1.21).
pub fn to_project_name(name: &str, keep_dash_and_underscore: bool) -> String {
    name.to_lowercase()
        .chars()
        .filter(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || (keep_dash_and_underscore && matches!(c, '-' | '_'))
        })
        .collect()
}

/// What the project name is computed from, in the reference's order of precedence.
#[derive(Debug, Clone)]
pub struct NameInputs<'a> {
    /// `COMPOSE_PROJECT_NAME` of the environment.
    pub env: Option<&'a str>,
    /// `.env` of the current folder (its `COMPOSE_PROJECT_NAME=` line).
    pub dot_env: Option<&'a str>,
    /// `name` of the resolved project, and whether a file declares it (Compose v2 fills it in itself).
    pub config_name: Option<&'a str>,
    pub declared: bool,
    pub workspace_folder: &'a Path,
    pub first_file: Option<&'a Path>,
}

/// The project name the reference CLI gives the workspace.
pub fn project_name(inputs: &NameInputs, keep: bool) -> String {
    let named = |text: &str| Some(to_project_name(text, keep)).filter(|n| !n.is_empty());
    if let Some(name) = inputs.env.and_then(named) {
        return name;
    }
    let from_dot_env = inputs.dot_env.and_then(|text| {
        text.lines().find_map(|l| l.strip_prefix("COMPOSE_PROJECT_NAME=")).map(str::trim).filter(|v| !v.is_empty())
    });
    if let Some(name) = from_dot_env.and_then(named) {
        return name;
    }
    if let Some(name) = inputs.config_name
        && (name != "devcontainer" || inputs.declared)
    {
        return to_project_name(name, keep);
    }
    let dir = inputs.first_file.and_then(Path::parent).unwrap_or(inputs.workspace_folder);
    let base = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name = if dir == inputs.workspace_folder.join(".devcontainer") {
        to_project_name(&format!("{}_devcontainer", base(inputs.workspace_folder)), keep)
    } else {
        to_project_name(&base(dir), keep)
    };
    // A folder named only of other characters (or `/`) leaves nothing: Compose needs a name.
    if name.is_empty() { "devcontainer".to_string() } else { name }
}

/// Resolves the workspace's Compose project with the tool (nothing is created).
pub async fn load(loaded: &Loaded, tool: &Tool) -> Result<Project> {
    let files = crate::config::compose::files(loaded);
    let Some(first) = files.first() else { return Err(ComposeError::NoFiles) };
    for file in &files {
        if !file.is_file() {
            return Err(ComposeError::MissingFile(file.clone()));
        }
    }
    let dir = first.parent().unwrap_or(Path::new("/")).to_path_buf();
    let at = Invocation { project: None, files: &files, project_dir: &dir };
    let text = tool.run(&at, &["config"]).await?;
    let config = crate::config::compose::parse(Path::new("compose config"), &text)?;
    let config_name = config.get("name").and_then(Value::as_str);
    let declared = files
        .iter()
        .any(|f| crate::config::compose::read(f).ok().is_some_and(|v| v.get("name").and_then(Value::as_str).is_some()));
    let dot_env = std::env::current_dir().ok().and_then(|d| std::fs::read_to_string(d.join(".env")).ok());
    let env = std::env::var("COMPOSE_PROJECT_NAME").ok();
    let inputs = NameInputs {
        env: env.as_deref(),
        dot_env: dot_env.as_deref(),
        config_name,
        declared,
        workspace_folder: &loaded.workspace.local_workspace_folder,
        first_file: Some(first),
    };
    let name = project_name(&inputs, tool.keeps_dash_and_underscore());
    let service = loaded.model.service.clone().ok_or(ComposeError::NoService)?;
    let services = config.get("services").and_then(Value::as_object);
    if !services.is_some_and(|s| s.contains_key(&service)) {
        let known = services.map(|s| s.keys().cloned().collect::<Vec<_>>().join("`, `")).unwrap_or_default();
        return Err(ComposeError::UnknownService { service, known });
    }
    Ok(Project { name, files, dir, config, service, run_services: loaded.model.run_services.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs<'a>(ws: &'a Path, first: &'a Path) -> NameInputs<'a> {
        NameInputs {
            env: None,
            dot_env: None,
            config_name: None,
            declared: false,
            workspace_folder: ws,
            first_file: Some(first),
        }
    }

    #[test]
    fn files_in_dot_devcontainer_name_the_project_after_the_workspace() {
        let ws = Path::new("/home/me/My App.v2");
        let first = ws.join(".devcontainer/docker-compose.yml");
        assert_eq!(project_name(&inputs(ws, &first), true), "myappv2_devcontainer");
        assert_eq!(project_name(&inputs(ws, &first), false), "myappv2devcontainer");
        // Compose v2 names the project after the folder itself; the reference takes that as unset.
        let v2 = NameInputs { config_name: Some("devcontainer"), ..inputs(ws, &first) };
        assert_eq!(project_name(&v2, true), "myappv2_devcontainer");
    }

    #[test]
    fn elsewhere_the_folder_of_the_first_file_names_it() {
        let ws = Path::new("/w/proj");
        let first = Path::new("/w/proj/docker-compose.yml");
        assert_eq!(project_name(&inputs(ws, first), true), "proj");
        let first = Path::new("/w/proj/deploy/Compose-Files/a.yml");
        assert_eq!(project_name(&inputs(ws, first), true), "compose-files");
        assert_eq!(project_name(&inputs(ws, Path::new("/!!/a.yml")), true), "devcontainer");
    }

    #[test]
    fn the_environment_then_dot_env_then_a_declared_name_win() {
        let ws = Path::new("/w/proj");
        let first = ws.join(".devcontainer/c.yml");
        let all = NameInputs {
            env: Some("From_Env"),
            dot_env: Some("A=1\nCOMPOSE_PROJECT_NAME=dotenv\n"),
            config_name: Some("devcontainer"),
            declared: true,
            ..inputs(ws, &first)
        };
        assert_eq!(project_name(&all, true), "from_env");
        assert_eq!(project_name(&NameInputs { env: Some("!!"), ..all.clone() }, true), "dotenv");
        assert_eq!(project_name(&NameInputs { env: None, dot_env: None, ..all.clone() }, true), "devcontainer");
        let named = NameInputs { env: None, dot_env: None, config_name: Some("Shop"), declared: false, ..all };
        assert_eq!(project_name(&named, true), "shop");
    }
}
