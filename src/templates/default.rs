//! A workspace without devcontainer.json (+ an optional base image) → the `agent-sandbox` template with its
//! defaults as a loaded config, for `containai up`. Nothing is written into the workspace.
//!
//! The rendered template is kept in a content-addressed folder of the user's cache (written once, atomically),
//! because its devcontainer.json references a local feature folder that the features stage reads from disk;
//! the config is then loaded by the config stage exactly as if it had been written with `containai init`.

use super::{ApplyOptions, Result, Template, TemplateError, options, render, write};
use crate::config::{self, LoadOptions, Loaded};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The template `containai init` and `containai up` (with no devcontainer.json) use.
pub const DEFAULT_TEMPLATE: &str = "agent-sandbox";
/// Environment variable that sets the default config's base image (`--base-image`).
pub const BASE_IMAGE_ENV: &str = "CONTAINAI_BASE_IMAGE";
/// The option of the default template that holds the base image.
const BASE_IMAGE_OPTION: &str = "baseImage";

/// Which default config to make.
#[derive(Debug, Clone)]
pub struct DefaultConfig {
    /// Built-in template id (default [`DEFAULT_TEMPLATE`]).
    pub template: String,
    /// Overrides the template's `baseImage` option (e.g. `containai-test/base:bookworm` with no registry).
    pub base_image: Option<String>,
    /// Where rendered templates are kept (default: the user's cache folder, `containai/default-config`).
    pub cache_dir: Option<PathBuf>,
}

impl Default for DefaultConfig {
    fn default() -> DefaultConfig {
        DefaultConfig { template: DEFAULT_TEMPLATE.into(), base_image: None, cache_dir: None }
    }
}

impl DefaultConfig {
    /// The default config with the base image from `--base-image`, else [`BASE_IMAGE_ENV`].
    pub fn with_base_image(flag: Option<String>) -> DefaultConfig {
        let base_image = flag.or_else(|| std::env::var(BASE_IMAGE_ENV).ok()).filter(|s| !s.is_empty());
        DefaultConfig { base_image, ..DefaultConfig::default() }
    }

    /// The line `up` prints on stderr when it uses this config.
    pub fn notice(&self, workspace_folder: &Path, loaded: &Loaded) -> String {
        let image = loaded.model.image.as_deref().unwrap_or("?");
        format!(
            "no devcontainer.json in `{}`: using the built-in `{}` template with its defaults (image `{image}`)\n\
             hint: run `containai init` to write it into the workspace and edit it",
            workspace_folder.display(),
            self.template
        )
    }

    fn apply_options(&self) -> ApplyOptions {
        let mut opts = ApplyOptions::default();
        if let Some(image) = &self.base_image {
            opts.args.insert(BASE_IMAGE_OPTION.into(), Value::String(image.clone()));
        }
        opts
    }
}

/// The default template's config for `workspace_folder`, loaded by the config stage (schema, substitution,
/// workspace mount) as a written `.devcontainer/devcontainer.json` would be.
pub fn default_workspace_config(workspace_folder: &Path, opts: &DefaultConfig) -> Result<Loaded> {
    let folder = materialise(opts)?;
    let config_file = folder.join(".devcontainer").join("devcontainer.json");
    if !config_file.is_file() {
        return Err(TemplateError::NotATemplate(folder));
    }
    let load = LoadOptions { workspace_folder: workspace_folder.to_path_buf(), config_file: Some(config_file) };
    Ok(config::load(&load)?)
}

/// Renders the template into `<cache>/<id>-<hash of the files>` unless it is already there; returns that folder.
pub fn materialise(opts: &DefaultConfig) -> Result<PathBuf> {
    let template = Template::find(&opts.template)?;
    let apply = opts.apply_options();
    let values = options::resolve(&template, &apply.args)?;
    let files = render::render(&template, &values, &[])?;
    let mut hasher = blake3::Hasher::new();
    for file in &files {
        hasher.update(file.path.as_bytes()).update(&[0]).update(&file.mode.to_le_bytes());
        hasher.update(&(file.bytes.len() as u64).to_le_bytes()).update(&file.bytes);
    }
    let hash = hasher.finalize().to_hex();
    let root = opts.cache_dir.clone().unwrap_or_else(|| {
        dirs::cache_dir().unwrap_or_else(std::env::temp_dir).join("containai").join("default-config")
    });
    let folder = root.join(format!("{}-{}", template.id(), &hash[..16]));
    if folder.is_dir() {
        return Ok(folder);
    }
    let io = |path: &Path, source| TemplateError::Write { path: path.to_path_buf(), source };
    std::fs::create_dir_all(&root).map_err(|e| io(&root, e))?;
    let staging = tempfile::Builder::new().prefix(".staging-").tempdir_in(&root).map_err(|e| io(&root, e))?;
    write::write_all(staging.path(), &files, false)?;
    // Another `up` may have made the same folder meanwhile: its content is the same, keep it.
    if let Err(e) = std::fs::rename(staging.path(), &folder)
        && !folder.is_dir()
    {
        return Err(io(&folder, e));
    }
    Ok(folder)
}
