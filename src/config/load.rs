//! [`LoadOptions`] → [`Loaded`]: discover, read, parse, substitute, validate, type; the config stage end to end.

use super::discover::{self, Found};
use super::model::id_labels;
use super::substitute::{self, Context};
use super::{ConfigError, DevContainer, LoadOptions, Loaded, Result, WorkspaceInfo};
use super::{jsonc, legacy, output, user_name, validate, workspace};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Finds, parses, substitutes and validates the devcontainer.json of a workspace.
pub fn load(opts: &LoadOptions) -> Result<Loaded> {
    let cwd = std::env::current_dir().map_err(|source| ConfigError::Io { path: PathBuf::from("."), source })?;
    let workspace_folder = discover::resolve(&cwd, &opts.workspace_folder);
    let config_file = opts.config_file.as_deref().map(|c| discover::resolve(&cwd, c));
    let found = discover::find(&workspace_folder, config_file.as_deref())?;
    let text = jsonc::read(&found.path)?;
    load_text(&workspace_folder, &found, &text, &substitute::host_env, workspace::git_root)
}

/// [`load`] for a config that is not on disk: `text` stands for the workspace's `.devcontainer/devcontainer.json`
/// (a template rendered in memory) and is loaded exactly as that file would be.
pub fn load_in_memory(workspace_folder: &Path, text: &str) -> Result<Loaded> {
    let cwd = std::env::current_dir().map_err(|source| ConfigError::Io { path: PathBuf::from("."), source })?;
    let workspace_folder = discover::resolve(&cwd, workspace_folder);
    let found = Found { path: workspace_folder.join(".devcontainer").join("devcontainer.json"), explicit: false };
    load_text(&workspace_folder, &found, text, &substitute::host_env, workspace::git_root)
}

/// The pure part of [`load`]: everything after the file is read. `env` and `git_root` are the host lookups.
pub fn load_text(
    workspace_folder: &Path,
    found: &Found,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
    git_root: impl FnOnce(&Path) -> Option<PathBuf>,
) -> Result<Loaded> {
    let path = &found.path;
    let raw = jsonc::parse(path, text)?;
    let Value::Object(raw_map) = &raw else {
        return Err(ConfigError::NotAnObject { path: path.clone(), found: describe(&raw) });
    };
    let defaults = workspace::defaults(workspace_folder, raw_map, git_root);
    // Every host variable the config reads is recorded: reading one is a host-affecting setting (its value may
    // be a token), which the user must trust.
    let read = std::cell::RefCell::new(Vec::<String>::new());
    let recording = |name: &str| {
        let mut names = read.borrow_mut();
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
        env(name)
    };
    let env: &dyn Fn(&str) -> Option<String> = &recording;
    let local_folder = workspace_folder.to_string_lossy();
    let context = Context {
        local_workspace_folder: Some(&local_folder),
        container_workspace_folder: defaults.workspace_folder.clone(),
        env,
    }
    .resolve_container_folder()
    .map_err(|e| missing_name(path, text, e))?;
    let substituted = context.apply(&raw).map_err(|e| missing_name(path, text, e))?;
    let warnings = validate::validate(path, text, &substituted)?;
    let Value::Object(map) = substituted else {
        return Err(ConfigError::NotAnObject { path: path.clone(), found: describe(&substituted) });
    };
    let mut value = legacy::update_from_old_properties(map);
    value.insert("configFilePath".into(), output::config_file_uri(path, found.explicit));
    let value = Value::Object(value);

    let mut info = WorkspaceInfo {
        local_workspace_folder: workspace_folder.to_path_buf(),
        config_file: path.clone(),
        workspace_folder: String::new(),
        workspace_mount: None,
        devcontainer_id: String::new(),
    };
    info.devcontainer_id = substitute::devcontainer_id(&id_labels(&info));
    let resolved = substitute::devcontainer_id_pass(&value, &info.devcontainer_id);
    let model: DevContainer = serde_json::from_value(resolved.clone())
        .map_err(|e| ConfigError::Model { path: path.clone(), message: e.to_string() })?;
    for (property, user) in [("remoteUser", &model.remote_user), ("containerUser", &model.container_user)] {
        if let Some(user) = user {
            user_name::check(property, user).map_err(|source| ConfigError::UserName { path: path.clone(), source })?;
        }
    }
    // A `workspaceFolder` of "" falls back to the default, as for the substitution above.
    info.workspace_folder = match model.workspace_folder.as_deref() {
        Some(folder) if !folder.is_empty() => folder.to_string(),
        _ => context.container_workspace_folder.clone().unwrap_or_else(|| "/".into()),
    };
    info.workspace_mount = match resolved.get("workspaceMount") {
        Some(Value::String(mount)) if !mount.is_empty() => Some(mount.clone()),
        Some(_) => None,
        None => defaults.workspace_mount.clone(),
    };
    let local_env = read.take();
    Ok(Loaded { value, model, workspace: info, warnings, local_env })
}

/// Points at the first place the variable is written (it sits in a string, so the text has it verbatim).
fn missing_name(path: &Path, text: &str, e: substitute::MissingName) -> ConfigError {
    let (line, column) = text.find(&e.0).map(|o| jsonc::line_col(text, o)).unwrap_or((0, 0));
    let excerpt = jsonc::excerpt(text, line, column);
    ConfigError::Substitution { path: path.to_path_buf(), line, column, variable: e.0, excerpt }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "`null`".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}
