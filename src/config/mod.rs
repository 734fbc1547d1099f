//! Workspace folder (+ optional `--config`) → a found, parsed, substituted and validated devcontainer.json.

pub mod model;

pub use model::{DevContainer, WorkspaceInfo};

use std::path::{Path, PathBuf};

/// Errors of the config stage.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no devcontainer.json found in `{0}`\nhint: run `containai init`, or pass `--config`")]
    NotFound(PathBuf),
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

pub type Result<T, E = ConfigError> = std::result::Result<T, E>;

/// Where to look.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--workspace-folder` (default: the current directory).
    pub workspace_folder: PathBuf,
    /// `--config`.
    pub config_file: Option<PathBuf>,
}

/// A loaded configuration: the substituted JSON (for printing), its typed model, where it lives.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub value: serde_json::Value,
    pub model: DevContainer,
    pub workspace: WorkspaceInfo,
    /// Non-fatal findings (unknown properties, ...).
    pub warnings: Vec<String>,
}

impl Loaded {
    /// Folder that holds the config file (feature paths `./x` are relative to it).
    pub fn config_dir(&self) -> &Path {
        self.workspace
            .config_file
            .parent()
            .unwrap_or_else(|| Path::new("/"))
    }
}
