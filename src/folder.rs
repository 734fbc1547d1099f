//! A folder on disk or embedded in the binary → its regular files: `/`-separated relative path, mode, bytes.
//!
//! Shared by the built-in and local features and templates, which are both folders of files to copy.

use include_dir::Dir;
use std::path::{Path, PathBuf};

/// One file of a folder, its path relative to the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderFile {
    pub path: String,
    pub mode: u32,
    pub bytes: Vec<u8>,
}

/// Why a folder on disk could not be read.
#[derive(Debug)]
pub enum FolderError {
    /// Reading `path` failed.
    Io { path: PathBuf, source: std::io::Error },
    /// `path` is neither a regular file nor a folder (a symlink, a socket, …).
    Unsupported { path: PathBuf },
}

/// The files of a folder on disk, in walk order (each folder's entries by name), symlinks not followed;
/// `mode` is the file's permission bits (`& 0o7777`).
pub fn read_disk(root: &Path) -> Result<Vec<FolderFile>, FolderError> {
    use std::os::unix::fs::PermissionsExt;
    let io = |path: &Path, source: std::io::Error| FolderError::Io { path: path.to_path_buf(), source };
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            io(&path, e.into())
        })?;
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(FolderError::Unsupported { path: entry.path().to_path_buf() });
        }
        let meta = entry.metadata().map_err(|e| io(entry.path(), e.into()))?;
        let bytes = std::fs::read(entry.path()).map_err(|e| io(entry.path(), e))?;
        let path = relative(entry.path(), root);
        files.push(FolderFile { path, mode: meta.permissions().mode() & 0o7777, bytes });
    }
    Ok(files)
}

/// The files of an embedded folder, each folder's files before its subfolders; embedded files carry no
/// mode, so a `.sh` script is `0o755` and anything else `0o644`.
pub fn read_embedded(dir: &Dir<'static>) -> Vec<FolderFile> {
    let mut files = Vec::new();
    collect_embedded(dir, dir.path(), &mut files);
    files
}

fn collect_embedded(dir: &Dir<'static>, root: &Path, out: &mut Vec<FolderFile>) {
    for file in dir.files() {
        let path = relative(file.path(), root);
        let mode = if path.ends_with(".sh") { 0o755 } else { 0o644 };
        out.push(FolderFile { path, mode, bytes: file.contents().to_vec() });
    }
    for sub in dir.dirs() {
        collect_embedded(sub, root, out);
    }
}

/// Names of the subfolders of `dir` that hold a file named `marker` (the built-ins of a catalogue), sorted.
pub fn subfolders_with(dir: &Dir<'static>, marker: &str) -> Vec<String> {
    let mut names: Vec<String> = dir
        .dirs()
        .filter(|d| d.get_file(d.path().join(marker)).is_some())
        .filter_map(|d| d.path().file_name()?.to_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_disk_folder_gives_relative_paths_and_modes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/b.txt"), "b").unwrap();
        std::fs::set_permissions(dir.path().join("sub/b.txt"), std::fs::Permissions::from_mode(0o640)).unwrap();
        std::fs::write(dir.path().join("a.sh"), "a").unwrap();
        std::fs::set_permissions(dir.path().join("a.sh"), std::fs::Permissions::from_mode(0o4750)).unwrap();
        let files = read_disk(dir.path()).unwrap();
        let got: Vec<_> = files.iter().map(|f| (f.path.as_str(), f.mode, f.bytes.as_slice())).collect();
        assert_eq!(got, [("a.sh", 0o4750, &b"a"[..]), ("sub/b.txt", 0o640, &b"b"[..])]);
    }

    #[test]
    fn a_symlink_is_unsupported() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("link")).unwrap();
        match read_disk(dir.path()) {
            Err(FolderError::Unsupported { path }) => assert_eq!(path, dir.path().join("link")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_subfolders_with_the_marker_count() {
        assert_eq!(
            subfolders_with(&crate::assets::TEMPLATES, "devcontainer-template.json")[..2],
            ["agent-sandbox", "minimal"]
        );
        assert!(subfolders_with(&crate::assets::FEATURES, "devcontainer-template.json").is_empty());
    }

    #[test]
    fn embedded_scripts_are_executable() {
        let files = read_embedded(crate::assets::FEATURES.get_dir("sshd").unwrap());
        let script = files.iter().find(|f| f.path == "install.sh").unwrap();
        assert_eq!(script.mode, 0o755);
        assert!(files.iter().any(|f| f.path == "devcontainer-feature.json" && f.mode == 0o644));
    }
}
