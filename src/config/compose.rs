//! A Compose config → its Compose files (paths resolved from the config's folder) and what the policy must see
//! of them before Compose resolves them: each service's `env_file`s, as the repository wrote them.
//!
//! Compose itself merges and interpolates the files (`compose config`, in the Compose stage); only `env_file`
//! needs the sources, because the resolved form has the files' contents inlined and their paths gone.

use super::Loaded;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Errors reading the repository's Compose files.
#[derive(Debug, thiserror::Error)]
pub enum ComposeFileError {
    #[error(
        "cannot read the Compose file `{path}`: {source}\nhint: `dockerComposeFile` is relative to the folder of devcontainer.json"
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the Compose file `{path}` is not valid YAML: {reason}\nhint: check it with `docker compose config`")]
    Parse { path: PathBuf, reason: String },
}

/// `dockerComposeFile`, each resolved from the folder of devcontainer.json and normalized (`a/../b` is `b`, as
/// the reference resolves them: the project is named after the first one's folder). Empty when there is none.
pub fn files(loaded: &Loaded) -> Vec<PathBuf> {
    let dir = loaded.config_dir();
    let names = loaded.model.docker_compose_file.as_ref().map(|f| f.to_vec()).unwrap_or_default();
    names.iter().map(|name| normalized(&dir.join(name))).collect()
}

/// `path` with `.` and `..` taken out lexically (symlinks are not followed).
fn normalized(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// One Compose file parsed from YAML into JSON.
pub fn read(path: &Path) -> Result<Value, ComposeFileError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ComposeFileError::Read { path: path.to_path_buf(), source })?;
    parse(path, &text)
}

/// Compose YAML text → JSON (an empty file is an empty object).
pub fn parse(path: &Path, text: &str) -> Result<Value, ComposeFileError> {
    let value: Value = serde_yaml_ng::from_str(text)
        .map_err(|e| ComposeFileError::Parse { path: path.to_path_buf(), reason: e.to_string() })?;
    Ok(if value.is_null() { Value::Object(Default::default()) } else { value })
}

/// Every `env_file` of every service of `files`: `(service, path)`, the path resolved from the folder of the
/// file that names it.
pub fn env_files(files: &[PathBuf]) -> Result<Vec<(String, PathBuf)>, ComposeFileError> {
    let mut out = Vec::new();
    for file in files {
        let value = read(file)?;
        let dir = file.parent().unwrap_or(Path::new("/"));
        let services = value.get("services").and_then(Value::as_object).into_iter().flatten();
        for (name, service) in services {
            let entries = match service.get("env_file") {
                Some(Value::String(one)) => vec![Value::String(one.clone())],
                Some(Value::Array(many)) => many.clone(),
                _ => Vec::new(),
            };
            for entry in entries {
                // The long form (Compose v2) is `{path, required}`.
                let path = entry.as_str().or_else(|| entry.get("path").and_then(Value::as_str));
                if let Some(path) = path {
                    out.push((name.clone(), dir.join(path)));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files_are_read_from_the_sources_relative_to_their_file() {
        let tmp = tempfile::tempdir().unwrap();
        let sub = tmp.path().join(".devcontainer");
        std::fs::create_dir_all(&sub).unwrap();
        let file = sub.join("docker-compose.yml");
        let yaml = "services:\n  app:\n    env_file: ../app.env\n  db:\n    env_file: [/etc/db.env, {path: x.env}]\n";
        std::fs::write(&file, yaml).unwrap();
        let found = env_files(&[file]).unwrap();
        assert_eq!(
            found,
            vec![
                ("app".to_string(), sub.join("../app.env")),
                ("db".to_string(), PathBuf::from("/etc/db.env")),
                ("db".to_string(), sub.join("x.env")),
            ]
        );
    }

    #[test]
    fn files_are_resolved_from_the_config_folder_and_normalized() {
        let value =
            serde_json::json!({"dockerComposeFile": ["../docker-compose.yml", "./docker-compose.yml"], "service": "a"});
        let loaded = crate::config::load_in_memory(Path::new("/w/proj"), &value.to_string()).unwrap();
        assert_eq!(
            files(&loaded),
            vec![
                PathBuf::from("/w/proj/docker-compose.yml"),
                PathBuf::from("/w/proj/.devcontainer/docker-compose.yml")
            ]
        );
    }

    #[test]
    fn bad_yaml_names_the_file() {
        let err = parse(Path::new("/w/c.yml"), "services: [").unwrap_err().to_string();
        assert!(err.contains("`/w/c.yml`") && err.contains("hint:"), "{err}");
        assert_eq!(parse(Path::new("/w/c.yml"), "").unwrap(), serde_json::json!({}));
    }
}
