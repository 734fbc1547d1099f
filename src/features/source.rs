//! A feature reference (`containai/sshd`, `./local`) + the config's folder → the feature's source, parsed
//! devcontainer-feature.json and files (sorted by path, with modes).

use super::metadata::{FeatureMetadata, INSTALL_SCRIPT, METADATA_FILE};
use super::oci::OciRef;
use super::{FeatureError, FeatureSource, Result};
use crate::assets::FEATURES;
use crate::context::ContextFile;
use crate::folder::{self, FolderError, FolderFile};
use std::path::{Component, Path, PathBuf};

/// Prefix of the built-in features' references.
pub const BUILTIN_PREFIX: &str = "containai/";

/// Where local references are read from.
#[derive(Debug, Clone, Copy)]
pub struct LocalRoots<'a> {
    /// Folder of devcontainer.json: local references are relative to it.
    pub config_dir: &'a Path,
    /// The workspace folder: a local feature must lie inside it or inside `config_dir` (symlinks resolved), so
    /// that a config cannot copy folders from elsewhere on the host into an image. A config outside the
    /// workspace was chosen by the user (`--config`) or by containai (the built-in default config).
    pub workspace: &'a Path,
}

/// What a reference points to, before anything is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceId {
    Builtin(String),
    /// Absolute, lexically normalised folder.
    Local(PathBuf),
    /// `registry/namespace/id[:tag|@digest]`.
    Oci(OciRef),
    /// `https://…/devcontainer-feature-<id>.tgz`.
    Tarball(String),
}

impl SourceId {
    /// Parses a reference as written in devcontainer.json (or `dependsOn`, `installsAfter`,
    /// `overrideFeatureInstallOrder`); local paths are taken relative to `config_dir`, however deep; a legacy
    /// short id (`git`) is its `ghcr.io/devcontainers/features` reference.
    pub fn parse(reference: &str, config_dir: &Path) -> Result<SourceId> {
        if let Some(id) = reference.strip_prefix(BUILTIN_PREFIX) {
            return Ok(SourceId::Builtin(id.to_string()));
        }
        if reference.starts_with("./") || reference.starts_with("../") {
            return Ok(SourceId::Local(normalise(&config_dir.join(reference))));
        }
        if super::oci::tarball::is_tarball(reference) {
            return Ok(SourceId::Tarball(reference.to_string()));
        }
        if let Some(oci) = OciRef::parse(reference) {
            return Ok(SourceId::Oci(oci));
        }
        if let Some(current) = super::legacy::reference_for(reference) {
            return Ok(SourceId::Oci(OciRef::parse(&current).expect("the legacy table holds OCI references")));
        }
        if looks_remote(reference) {
            return Err(FeatureError::RemoteUnsupported { reference: reference.to_string() });
        }
        Err(FeatureError::UnknownReference { reference: reference.to_string() })
    }

    pub fn to_source(&self) -> FeatureSource {
        match self {
            SourceId::Builtin(id) => FeatureSource::Builtin { id: id.clone() },
            SourceId::Local(path) => FeatureSource::Local { path: path.clone() },
            SourceId::Oci(oci) => FeatureSource::Oci { reference: oci.to_string() },
            SourceId::Tarball(url) => FeatureSource::Tarball { url: url.clone() },
        }
    }

    /// Sort key of the reference CLI's stable tie-break: built-ins sort by id (its "legacy" kind), local
    /// features by resolved path.
    pub fn sort_key(&self) -> String {
        match self {
            SourceId::Builtin(id) => id.clone(),
            SourceId::Local(path) => path.display().to_string(),
            SourceId::Oci(oci) => oci.resource(),
            SourceId::Tarball(url) => url.clone(),
        }
    }

    /// Whether `self` and `other` are the same kind of source, for the tie-break.
    pub fn same_kind_as(&self, other: &SourceId) -> bool {
        matches!(
            (self, other),
            (SourceId::Builtin(_), SourceId::Builtin(_))
                | (SourceId::Local(_), SourceId::Local(_))
                | (SourceId::Oci(_), SourceId::Oci(_))
                | (SourceId::Tarball(_), SourceId::Tarball(_))
        )
    }
}

/// OCI references (`ghcr.io/x/y:1`, `registry:5000/x`) and tarball URLs.
fn looks_remote(reference: &str) -> bool {
    if reference.starts_with("https://") || reference.starts_with("http://") {
        return true;
    }
    match reference.split_once('/') {
        Some((host, rest)) => !rest.is_empty() && (host.contains('.') || host.contains(':') || host == "localhost"),
        None => false,
    }
}

/// Removes `.` and resolves `..` without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A feature read from its source.
#[derive(Debug, Clone)]
pub struct LoadedFeature {
    pub metadata: FeatureMetadata,
    pub raw: serde_json::Value,
    pub files: Vec<ContextFile>,
}

/// Reads a built-in or local feature (OCI features come through [`super::oci::Remote`] and [`from_files`]).
pub fn load(reference: &str, source: &SourceId, roots: &LocalRoots) -> Result<LoadedFeature> {
    let files = match source {
        SourceId::Builtin(id) => builtin_files(reference, id)?,
        SourceId::Local(path) => local_files(reference, path, roots)?,
        SourceId::Oci(_) | SourceId::Tarball(_) => {
            return Err(FeatureError::RemoteUnsupported { reference: reference.to_string() });
        }
    };
    from_files(reference, files)
}

/// A feature's files → its parsed devcontainer-feature.json; both it and install.sh must be there.
pub fn from_files(reference: &str, files: Vec<ContextFile>) -> Result<LoadedFeature> {
    let text = files.iter().find(|f| f.path == METADATA_FILE).map(|f| &f.bytes);
    let Some(text) = text else {
        return Err(FeatureError::MissingFile { reference: reference.to_string(), file: METADATA_FILE });
    };
    if !files.iter().any(|f| f.path == INSTALL_SCRIPT) {
        return Err(FeatureError::MissingFile { reference: reference.to_string(), file: INSTALL_SCRIPT });
    }
    let text = String::from_utf8_lossy(text);
    let (metadata, raw) = FeatureMetadata::parse(&text)
        .map_err(|message| FeatureError::InvalidMetadata { reference: reference.to_string(), message })?;
    Ok(LoadedFeature { metadata, raw, files })
}

/// Ids of the built-in features, sorted.
pub fn builtin_ids() -> Vec<String> {
    folder::subfolders_with(&FEATURES, METADATA_FILE)
}

fn builtin_files(reference: &str, id: &str) -> Result<Vec<ContextFile>> {
    let dir = (!id.is_empty() && !id.contains(['/', '\\', ':', '@']) && id != "." && id != "..")
        .then(|| FEATURES.get_dir(id))
        .flatten()
        .filter(|d| d.get_file(d.path().join(METADATA_FILE)).is_some());
    let Some(dir) = dir else {
        let mut hint = format!("the built-ins are `containai/{}`", builtin_ids().join("`, `containai/"));
        if id.contains([':', '@']) {
            hint.push_str("; they take no version: each is the one shipped with this containai");
        }
        return Err(FeatureError::UnknownBuiltin { reference: reference.to_string(), hint });
    };
    let mut files: Vec<ContextFile> = folder::read_embedded(dir).into_iter().map(context_file).collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn context_file(file: FolderFile) -> ContextFile {
    ContextFile { path: file.path, mode: file.mode, bytes: file.bytes }
}

fn local_files(reference: &str, root: &Path, roots: &LocalRoots) -> Result<Vec<ContextFile>> {
    if !root.join(METADATA_FILE).is_file() {
        return Err(FeatureError::LocalNotFound { reference: reference.to_string(), path: root.to_path_buf() });
    }
    let real = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let (real_root, real_workspace) = (real(root), real(roots.workspace));
    if !real_root.starts_with(&real_workspace) && !real_root.starts_with(real(roots.config_dir)) {
        return Err(FeatureError::LocalOutsideWorkspace {
            reference: reference.to_string(),
            path: real_root,
            workspace: real_workspace,
        });
    }
    let files = folder::read_disk(root).map_err(|e| match e {
        FolderError::Io { path, source } => FeatureError::Io { path, source },
        FolderError::Unsupported { path } => FeatureError::UnsupportedFile { reference: reference.to_string(), path },
    })?;
    let mut files: Vec<ContextFile> = files.into_iter().map(context_file).collect();
    for script in files.iter_mut().filter(|f| f.path == INSTALL_SCRIPT) {
        script.mode |= 0o755;
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_classified() {
        let dir = Path::new("/w/.devcontainer");
        assert_eq!(SourceId::parse("containai/sshd", dir).unwrap(), SourceId::Builtin("sshd".into()));
        assert_eq!(SourceId::parse("./a/./b", dir).unwrap(), SourceId::Local("/w/.devcontainer/a/b".into()));
        assert_eq!(SourceId::parse("../f", dir).unwrap(), SourceId::Local("/w/f".into()));
        assert!(matches!(
            SourceId::parse("ghcr.io/devcontainers/features/node:1", dir).unwrap(),
            SourceId::Oci(r) if r.id == "node"
        ));
        assert!(matches!(SourceId::parse("localhost:5000/x/y", dir).unwrap(), SourceId::Oci(_)));
        assert!(matches!(SourceId::parse("https://e.com/f.tgz", dir).unwrap(), SourceId::Tarball(_)));
        {
            let remote = "http://e.com/f.tgz";
            let err = SourceId::parse(remote, dir).unwrap_err().to_string();
            assert!(err.contains(&format!("`{remote}`")) && err.contains("OCI"), "{err}");
        }
        let git = SourceId::parse("git", dir).unwrap();
        assert_eq!(git.to_source(), FeatureSource::Oci { reference: "ghcr.io/devcontainers/features/git:1".into() });
        let nested = SourceId::parse("./local-features/lf", dir).unwrap();
        assert_eq!(nested, SourceId::Local("/w/.devcontainer/local-features/lf".into()));
        for unknown in ["fish", "maven", "/abs/path", "foo/bar"] {
            let err = SourceId::parse(unknown, dir).unwrap_err();
            assert!(matches!(err, FeatureError::UnknownReference { .. }), "{unknown}: {err}");
        }
    }

    fn roots() -> LocalRoots<'static> {
        LocalRoots { config_dir: Path::new("/"), workspace: Path::new("/") }
    }

    #[test]
    fn unknown_builtin_lists_the_available_ones() {
        let err = load("containai/nope", &SourceId::Builtin("nope".into()), &roots()).unwrap_err().to_string();
        assert!(err.contains("`containai/nope`") && err.contains("`containai/sshd`"), "{err}");
        let err = load("containai/../x", &SourceId::Builtin("../x".into()), &roots()).unwrap_err();
        assert!(matches!(err, FeatureError::UnknownBuiltin { .. }));
        let tagged = SourceId::Builtin("sshd:1".into());
        let err = load("containai/sshd:1", &tagged, &roots()).unwrap_err().to_string();
        assert!(err.contains("`containai/sshd:1`") && err.contains("no version"), "{err}");
    }

    #[test]
    fn builtins_load_with_executable_install_script() {
        assert_eq!(builtin_ids(), ["agent", "apt-packages", "dockerd", "node-runtime", "sshd"]);
        for id in builtin_ids() {
            let loaded = load(&format!("containai/{id}"), &SourceId::Builtin(id.clone()), &roots()).unwrap();
            assert_eq!(loaded.metadata.id, id);
            let install = loaded.files.iter().find(|f| f.path == INSTALL_SCRIPT).unwrap();
            assert_eq!(install.mode, 0o755);
            let paths: Vec<_> = loaded.files.iter().map(|f| f.path.clone()).collect();
            let mut sorted = paths.clone();
            sorted.sort();
            assert_eq!(paths, sorted);
        }
    }
}
