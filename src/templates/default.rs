//! A workspace without devcontainer.json (+ an optional base image) → the `agent-sandbox` template with its
//! defaults as a loaded config, for `containai up`. Nothing is written anywhere.
//!
//! The template is rendered in memory and its devcontainer.json is loaded by the config stage as the workspace's
//! `.devcontainer/devcontainer.json`, the file `containai init` would write (same path, same devcontainer id).
//! The one difference: the `containai/apt-packages` feature, which installs nothing with its default empty list,
//! is left out (no empty layer).

use super::{ApplyOptions, Result, Template, TemplateError, options, render};
use crate::config::{self, Loaded, jsonc};
use serde_json::Value;
use std::path::Path;

/// The template `containai init` and `containai up` (with no devcontainer.json) use.
pub const DEFAULT_TEMPLATE: &str = "agent-sandbox";
/// Environment variable that sets the default config's base image (`--base-image`).
pub const BASE_IMAGE_ENV: &str = "CONTAINAI_BASE_IMAGE";
/// The option of the built-in templates that holds the base image.
const BASE_IMAGE_OPTION: &str = "baseImage";
/// The built-in feature for extra apt packages that the templates use, and its option.
const PACKAGES_FEATURE: (&str, &str) = ("containai/apt-packages", "packages");
/// Where a template's config is written.
const CONFIG_PATH: &str = ".devcontainer/devcontainer.json";

/// Which default config to make.
#[derive(Debug, Clone)]
pub struct DefaultConfig {
    /// Built-in template id (default [`DEFAULT_TEMPLATE`]).
    pub template: String,
    /// Overrides the template's `baseImage` option (e.g. `containai-test/base:bookworm` with no registry).
    pub base_image: Option<String>,
}

impl Default for DefaultConfig {
    fn default() -> DefaultConfig {
        DefaultConfig { template: DEFAULT_TEMPLATE.into(), base_image: None }
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
            "no devcontainer.json in `{}`: using the built-in `{}` template with its defaults (image `{image}`), \
             nothing written\nhint: run `containai init` to write it into the workspace and edit it",
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
/// workspace mount) as the written `.devcontainer/devcontainer.json` would be.
pub fn default_workspace_config(workspace_folder: &Path, opts: &DefaultConfig) -> Result<Loaded> {
    let template = Template::find(&opts.template)?;
    let values = options::resolve(&template, &opts.apply_options().args)?;
    let files = render::render(&template, &values, &[])?;
    let Some(config) = files.iter().find(|f| f.path == CONFIG_PATH) else {
        return Err(TemplateError::NeedsFiles { template: template.id().to_string(), path: CONFIG_PATH.into() });
    };
    let text = String::from_utf8_lossy(&config.bytes);
    let text = without_empty_packages(&template, &text)?;
    Ok(config::load_in_memory(workspace_folder, &text)?)
}

/// Drops `containai/apt-packages` when its list is empty; a local feature needs its folder: an error.
fn without_empty_packages(template: &Template, text: &str) -> Result<String> {
    let mut value = jsonc::parse(Path::new(CONFIG_PATH), text)?;
    let Some(features) = value.get_mut("features").and_then(Value::as_object_mut) else {
        return Ok(text.to_string());
    };
    let (feature, option) = PACKAGES_FEATURE;
    let empty = |v: &Value| v.get(option).and_then(Value::as_str).is_some_and(|s| s.trim().is_empty());
    if features.get(feature).is_some_and(empty) {
        features.shift_remove(feature);
    }
    if let Some(local) = features.keys().find(|k| k.starts_with("./") || k.starts_with("../")) {
        return Err(TemplateError::NeedsFiles { template: template.id().to_string(), path: local.clone() });
    }
    if let Some(order) = value.get_mut("overrideFeatureInstallOrder").and_then(Value::as_array_mut) {
        order.retain(|r| r.as_str() != Some(feature));
    }
    Ok(serde_json::to_string_pretty(&value).expect("a JSON value serialises"))
}
