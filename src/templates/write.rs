//! Rendered files + a workspace folder → all of them written, or none: each file is staged as a temp sibling,
//! then all are renamed into place; a failure midway puts back what was there before.

use super::render::RenderedFile;
use super::{Result, TemplateError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Files that existed and were replaced (only with `force`).
    pub replaced: Vec<PathBuf>,
}

/// Writes every file under `workspace`. Without `force`, any existing file stops everything before a byte is
/// written; with it, existing files are replaced (and listed in [`Outcome::replaced`]).
pub fn write_all(workspace: &Path, files: &[RenderedFile], force: bool) -> Result<Outcome> {
    let workspace = std::path::absolute(workspace)
        .map_err(|source| TemplateError::Write { path: workspace.to_path_buf(), source })?;
    write_with(&workspace, files, force, &mut |_| Ok(()))
}

/// [`write_all`] with a hook called before each file is moved into place (tests make it fail).
fn write_with(
    workspace: &Path,
    files: &[RenderedFile],
    force: bool,
    before_commit: &mut dyn FnMut(usize) -> std::io::Result<()>,
) -> Result<Outcome> {
    let targets: Vec<PathBuf> = files.iter().map(|f| workspace.join(&f.path)).collect();
    let mut existing = Vec::new();
    for target in &targets {
        match std::fs::symlink_metadata(target) {
            Ok(meta) if meta.is_dir() => return Err(TemplateError::FolderInTheWay(target.clone())),
            Ok(_) => existing.push(target.clone()),
            Err(_) => {}
        }
    }
    if !force && !existing.is_empty() {
        return Err(TemplateError::Exists(existing));
    }
    let mut txn = Transaction::default();
    match stage_and_commit(&mut txn, files, &targets, before_commit) {
        Ok(()) => {
            txn.finish();
            Ok(Outcome { replaced: existing })
        }
        Err((path, source)) => {
            txn.roll_back();
            Err(TemplateError::Write { path, source })
        }
    }
}

type Failure = (PathBuf, std::io::Error);

fn stage_and_commit(
    txn: &mut Transaction,
    files: &[RenderedFile],
    targets: &[PathBuf],
    before_commit: &mut dyn FnMut(usize) -> std::io::Result<()>,
) -> std::result::Result<(), Failure> {
    let mut staged = Vec::with_capacity(files.len());
    for (file, target) in files.iter().zip(targets) {
        let parent = target.parent().unwrap_or(Path::new("/"));
        txn.create_dirs(parent)?;
        staged.push(stage(file, parent).map_err(|e| (target.clone(), e))?);
    }
    for (i, (temp, target)) in staged.into_iter().zip(targets).enumerate() {
        before_commit(i).map_err(|e| (target.clone(), e))?;
        let backup = if target.exists() {
            let backup = backup_name(target);
            std::fs::rename(target, &backup).map_err(|e| (target.clone(), e))?;
            txn.journal.push(Step::Replaced { target: target.clone(), backup: backup.clone() });
            Some(backup)
        } else {
            None
        };
        temp.persist(target).map_err(|e| (target.clone(), e.error))?;
        if backup.is_none() {
            txn.journal.push(Step::Created(target.clone()));
        }
    }
    Ok(())
}

/// Writes the file's bytes and mode into a temp file next to its target.
fn stage(file: &RenderedFile, parent: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    use std::os::unix::fs::PermissionsExt;
    let mut temp = tempfile::Builder::new().prefix(".containai-new-").tempfile_in(parent)?;
    temp.write_all(&file.bytes)?;
    temp.as_file().sync_all()?;
    std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(file.mode))?;
    Ok(temp)
}

fn backup_name(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    target.with_file_name(format!(".{name}.containai-old-{}-{nanos}", std::process::id()))
}

enum Step {
    Created(PathBuf),
    Replaced { target: PathBuf, backup: PathBuf },
}

/// What has been done so far, to undo it.
#[derive(Default)]
struct Transaction {
    /// Folders this write created, parents first.
    dirs: Vec<PathBuf>,
    journal: Vec<Step>,
}

impl Transaction {
    fn create_dirs(&mut self, dir: &Path) -> std::result::Result<(), Failure> {
        let missing: Vec<&Path> = dir.ancestors().take_while(|a| !a.exists()).collect();
        for d in missing.into_iter().rev() {
            std::fs::create_dir(d).map_err(|e| (d.to_path_buf(), e))?;
            self.dirs.push(d.to_path_buf());
        }
        Ok(())
    }

    fn roll_back(self) {
        for step in self.journal.into_iter().rev() {
            match step {
                Step::Created(target) => {
                    let _ = std::fs::remove_file(target);
                }
                Step::Replaced { target, backup } => {
                    let _ = std::fs::rename(backup, target);
                }
            }
        }
        for dir in self.dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }

    fn finish(self) {
        for step in self.journal {
            if let Step::Replaced { backup, .. } = step {
                let _ = std::fs::remove_file(backup);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> RenderedFile {
        RenderedFile { path: path.into(), mode: 0o755, bytes: text.as_bytes().to_vec() }
    }

    /// Every path under `dir` with its content, to compare before and after.
    fn snapshot(dir: &Path) -> Vec<(String, Option<String>)> {
        let mut out: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap())
            .map(|e| (e.path().display().to_string(), std::fs::read_to_string(e.path()).ok()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn writes_files_and_folders_with_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = write_all(dir.path(), &[file("a/b/c.sh", "x"), file("d", "y")], false).unwrap();
        assert_eq!(out, Outcome::default());
        assert_eq!(std::fs::read_to_string(dir.path().join("a/b/c.sh")).unwrap(), "x");
        let mode = std::fs::metadata(dir.path().join("a/b/c.sh")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(std::fs::read_dir(dir.path().join("a/b")).unwrap().count(), 1, "no temp file left");
    }

    #[test]
    fn failure_midway_rolls_back_new_and_replaced_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keep"), "old").unwrap();
        let before = snapshot(dir.path());
        let files = [file("keep", "new"), file("x/new", "n"), file("x/y/z", "z")];
        for fail_at in 0..files.len() {
            let mut hook = |i: usize| if i == fail_at { Err(std::io::Error::other("disk full")) } else { Ok(()) };
            let err = write_with(dir.path(), &files, true, &mut hook).unwrap_err();
            let TemplateError::Write { source, .. } = &err else { panic!("{err}") };
            assert!(source.to_string().contains("disk full") && err.to_string().contains("rolled back"), "{err}");
            assert_eq!(snapshot(dir.path()), before, "fail at {fail_at}");
        }
    }

    #[test]
    fn existing_files_stop_everything_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b"), "old").unwrap();
        let files = [file("a", "1"), file("b", "2")];
        let err = write_all(dir.path(), &files, false).unwrap_err();
        assert!(matches!(&err, TemplateError::Exists(p) if p == &[dir.path().join("b")]), "{err}");
        assert!(!dir.path().join("a").exists());
        let out = write_all(dir.path(), &files, true).unwrap();
        assert_eq!(out.replaced, [dir.path().join("b")]);
        assert_eq!(std::fs::read_to_string(dir.path().join("b")).unwrap(), "2");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no backup left");
        std::fs::create_dir(dir.path().join("c")).unwrap();
        let err = write_all(dir.path(), &[file("c", "")], true).unwrap_err();
        assert!(matches!(err, TemplateError::FolderInTheWay(_)));
    }
}
