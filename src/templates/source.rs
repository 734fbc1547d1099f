//! A template reference (`agent-sandbox`, `./my-template`) → the template: parsed metadata and the files to write.

use super::metadata::{METADATA_FILE, TemplateMetadata};
use super::{Result, TemplateError};
use crate::assets::TEMPLATES;
use crate::folder::{self, FolderError, FolderFile};
use std::path::{Path, PathBuf};

/// Files of a template folder that are about it, never written (as the reference CLI omits them).
pub const RESERVED_FILES: [&str; 3] = [METADATA_FILE, "README.md", "NOTES.md"];

/// Where a template comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateRef {
    /// A folder of `templates/` embedded in the binary.
    Builtin(String),
    /// A folder on disk.
    Local(PathBuf),
}

impl TemplateRef {
    /// A path (`./x`, `../x`, `/x`, or any `a/b` that exists) is local; a bare name is a built-in id.
    pub fn parse(reference: &str) -> Result<TemplateRef> {
        let path = Path::new(reference);
        if reference.starts_with('.') || reference.starts_with('/') || (reference.contains('/') && path.exists()) {
            return Ok(TemplateRef::Local(path.to_path_buf()));
        }
        if reference.contains('/') || reference.contains(':') {
            return Err(TemplateError::UnknownTemplate {
                reference: reference.to_string(),
                available: builtin_ids().join("`, `"),
            });
        }
        Ok(TemplateRef::Builtin(reference.to_string()))
    }
}

/// One file to write, its path relative to the template folder (`/`-separated).
pub type TemplateFile = FolderFile;

/// A loaded template.
#[derive(Debug, Clone)]
pub struct Template {
    pub source: TemplateRef,
    pub metadata: TemplateMetadata,
    /// Every file except the [`RESERVED_FILES`] at the top, sorted by path.
    pub files: Vec<TemplateFile>,
}

impl Template {
    /// Loads a built-in by id or a local folder.
    pub fn load(reference: &TemplateRef) -> Result<Template> {
        let (metadata_text, mut files) = match reference {
            TemplateRef::Builtin(id) => builtin_files(id)?,
            TemplateRef::Local(path) => local_files(path)?,
        };
        let name = match reference {
            TemplateRef::Builtin(id) => id.clone(),
            TemplateRef::Local(path) => path.display().to_string(),
        };
        let metadata = TemplateMetadata::parse(&metadata_text)
            .map_err(|message| TemplateError::InvalidMetadata { template: name, message })?;
        files.retain(|f| !RESERVED_FILES.contains(&f.path.as_str()));
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Template { source: reference.clone(), metadata, files })
    }

    /// Parses and loads `-t ID|PATH`.
    pub fn find(reference: &str) -> Result<Template> {
        Template::load(&TemplateRef::parse(reference)?)
    }

    /// The template's `id`.
    pub fn id(&self) -> &str {
        &self.metadata.id
    }
}

/// Ids of the built-in templates, sorted.
pub fn builtin_ids() -> Vec<String> {
    folder::subfolders_with(&TEMPLATES, METADATA_FILE)
}

/// Every built-in template, sorted by id.
pub fn builtins() -> Result<Vec<Template>> {
    builtin_ids().iter().map(|id| Template::load(&TemplateRef::Builtin(id.clone()))).collect()
}

fn builtin_files(id: &str) -> Result<(String, Vec<TemplateFile>)> {
    let dir = (!id.is_empty() && !id.contains(['/', '\\']) && id != "." && id != "..")
        .then(|| TEMPLATES.get_dir(id))
        .flatten();
    let metadata = dir.and_then(|d| d.get_file(d.path().join(METADATA_FILE)));
    let (Some(dir), Some(metadata)) = (dir, metadata) else {
        return Err(TemplateError::UnknownTemplate {
            reference: id.to_string(),
            available: builtin_ids().join("`, `"),
        });
    };
    let text = String::from_utf8_lossy(metadata.contents()).into_owned();
    Ok((text, folder::read_embedded(dir)))
}

fn local_files(root: &Path) -> Result<(String, Vec<TemplateFile>)> {
    let metadata_path = root.join(METADATA_FILE);
    if !metadata_path.is_file() {
        return Err(TemplateError::NotATemplate(root.to_path_buf()));
    }
    let io = |path: &Path, source: std::io::Error| TemplateError::Io { path: path.to_path_buf(), source };
    let text = std::fs::read_to_string(&metadata_path).map_err(|e| io(&metadata_path, e))?;
    let mut files = folder::read_disk(root).map_err(|e| match e {
        FolderError::Io { path, source } => TemplateError::Io { path, source },
        FolderError::Unsupported { path } => {
            TemplateError::UnsupportedFile { template: root.display().to_string(), path }
        }
    })?;
    for file in &mut files {
        file.mode &= 0o777;
    }
    Ok((text, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_classified() {
        assert_eq!(TemplateRef::parse("rust").unwrap(), TemplateRef::Builtin("rust".into()));
        assert_eq!(TemplateRef::parse("./t").unwrap(), TemplateRef::Local("./t".into()));
        assert_eq!(TemplateRef::parse("/abs/t").unwrap(), TemplateRef::Local("/abs/t".into()));
        let err = TemplateRef::parse("ghcr.io/devcontainers/templates/debian:1").unwrap_err();
        assert!(matches!(err, TemplateError::UnknownTemplate { .. }), "{err}");
    }

    #[test]
    fn unknown_builtin_lists_the_builtins() {
        let err = Template::find("nope").unwrap_err().to_string();
        assert!(err.contains("`nope`") && err.contains("`agent-sandbox`"), "{err}");
        assert!(Template::find("..").is_err());
    }

    #[test]
    fn builtins_embed_hidden_folders_and_skip_reserved_files() {
        let t = Template::find("agent-sandbox").unwrap();
        let paths: Vec<&str> = t.files.iter().map(|f| f.path.as_str()).collect();
        assert!(paths.contains(&".devcontainer/devcontainer.json"), "{paths:?}");
        assert!(!paths.iter().any(|p| RESERVED_FILES.contains(p)), "{paths:?}");
    }
}
