//! A Dev Container Template (built-in id or local folder) + option values → files written into a workspace.
//!
//! Follows the Dev Container Templates spec: a folder with `devcontainer-template.json` and the files to write,
//! in which every `${templateOption:NAME}` is replaced. Built-ins are the folders of `templates/` that hold a
//! `devcontainer-template.json`, embedded in the binary.

mod default;
mod error;
pub mod metadata;
pub mod options;
pub mod prompt;
pub mod render;
pub mod source;
pub mod write;

pub use default::{BASE_IMAGE_ENV, DEFAULT_TEMPLATE, DefaultConfig, default_workspace_config};
pub use error::{Result, TemplateError};
pub use metadata::{OptionType, TemplateMetadata, TemplateOption};
pub use options::OptionValues;
pub use render::RenderedFile;
pub use source::{Template, TemplateFile, TemplateRef};

use std::path::{Path, PathBuf};

/// What `apply` should do.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// `-a '{"opt": "value"}'`: option values by id (defaults fill the rest).
    pub args: serde_json::Map<String, serde_json::Value>,
    /// `--omit-paths`: files (`a/b.txt`) or folders (`dir/`, `dir/*`) of the template not to write.
    pub omit_paths: Vec<String>,
    /// Replace existing files.
    pub force: bool,
}

/// What `apply` did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    /// Written files, relative to the workspace, as the reference CLI prints them (`./.devcontainer/...`).
    pub files: Vec<String>,
    /// Of those, the files that existed before and were replaced (`--force`).
    #[serde(skip)]
    pub replaced: Vec<PathBuf>,
}

/// Loads, resolves the options, renders, and writes a template into `workspace`: all files or none.
pub fn apply(template: &Template, workspace: &Path, opts: &ApplyOptions) -> Result<Applied> {
    let values = options::resolve(template, &opts.args)?;
    let files = render::render(template, &values, &opts.omit_paths)?;
    let outcome = write::write_all(workspace, &files, opts.force)?;
    Ok(Applied { files: files.iter().map(|f| format!("./{}", f.path)).collect(), replaced: outcome.replaced })
}
