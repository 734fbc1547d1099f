//! Workspace folder (+ optional `--config`) → a found, parsed, substituted and validated devcontainer.json.

pub mod compose;
pub mod discover;
pub mod jsonc;
pub mod legacy;
mod lex;
mod load;
pub mod locate;
pub mod model;
pub mod output;
pub mod substitute;
mod syntax;
pub mod user_name;
pub mod validate;
pub mod workspace;

pub use load::{load, load_in_memory, load_text};
pub use model::{DevContainer, WorkspaceInfo};

use std::path::{Path, PathBuf};

/// Errors of the config stage.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no devcontainer.json found: `{}` does not exist\nhint: run `containai init`, or pass `--config`", .0.display())]
    NotFound(PathBuf),
    #[error("several dev container configs in `{}/.devcontainer` and none chosen:\n{}\nhint: pick one with `--config`", .folder.display(), list(.candidates))]
    Ambiguous { folder: PathBuf, candidates: Vec<PathBuf> },
    #[error("cannot read `{}`: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is a directory, not a devcontainer.json\nhint: pass the file itself, e.g. `--config {}/devcontainer.json`", .0.display(), .0.display())]
    IsDirectory(PathBuf),
    #[error("`{}` is {size} bytes, more than the {limit} a devcontainer.json may have", .path.display())]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error("{}:{line}:{column}: not valid UTF-8\nhint: save the file as UTF-8", .path.display())]
    NotUtf8 { path: PathBuf, line: usize, column: usize },
    #[error("{}:{line}:{column}: nesting deeper than {limit} levels", .path.display())]
    TooDeep { path: PathBuf, line: usize, column: usize, limit: usize },
    #[error("{}:{line}:{column}: syntax error: {message}\n{excerpt}", .path.display())]
    Syntax { path: PathBuf, line: usize, column: usize, message: String, excerpt: String },
    #[error("{}: must contain a JSON object (`{{ ... }}`), found {found}", .path.display())]
    NotAnObject { path: PathBuf, found: String },
    #[error("{}:{line}:{column}: `{pointer}`: {message}\n{excerpt}{}", .path.display(), more_errors(*.more))]
    Invalid {
        path: PathBuf,
        /// JSON pointer of the offending value, e.g. `/forwardPorts/0`.
        pointer: String,
        line: usize,
        column: usize,
        message: String,
        excerpt: String,
        /// How many further schema errors there are.
        more: usize,
    },
    #[error("{}:{line}:{column}: `{variable}` can not be resolved: no environment variable name is given\n{excerpt}\nhint: write `${{localEnv:NAME}}` or `${{localEnv:NAME:default}}`", .path.display())]
    Substitution { path: PathBuf, line: usize, column: usize, variable: String, excerpt: String },
    #[error("containai's schema is broken: {0}")]
    Schema(String),
    #[error("{}: {message}", .path.display())]
    Model { path: PathBuf, message: String },
    #[error("{}: {source}", .path.display())]
    UserName { path: PathBuf, source: user_name::InvalidUser },
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| format!("  {}", p.display())).collect::<Vec<_>>().join("\n")
}

fn more_errors(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => "\n(and 1 more error)".into(),
        n => format!("\n(and {n} more errors)"),
    }
}

pub type Result<T, E = ConfigError> = std::result::Result<T, E>;

/// Where to look.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--workspace-folder` (empty: the current directory). Relative paths are taken from the current directory.
    pub workspace_folder: PathBuf,
    /// `--config`, relative to the current directory.
    pub config_file: Option<PathBuf>,
}

/// A loaded configuration: the substituted JSON (for printing), its typed model, where it lives.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The configuration as the reference CLI's `read-configuration` prints it: substituted, legacy properties
    /// moved, plus `configFilePath`. `${devcontainerId}` is left as written (the reference only fills it in
    /// once a container exists); [`Loaded::model`] has it filled in.
    pub value: serde_json::Value,
    /// The typed model, every variable known before run time substituted (`${devcontainerId}` included).
    pub model: DevContainer,
    pub workspace: WorkspaceInfo,
    /// Non-fatal findings (unknown properties, ...).
    pub warnings: Vec<String>,
    /// The host variables the config reads through `${localEnv:…}` / `${env:…}`, by name, in first-use order.
    pub local_env: Vec<String>,
}

impl Loaded {
    /// Folder that holds the config file (feature paths `./x` are relative to it).
    pub fn config_dir(&self) -> &Path {
        self.workspace.config_file.parent().unwrap_or_else(|| Path::new("/"))
    }
}
