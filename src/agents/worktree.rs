//! A workspace that is a git repository + a branch name → a git worktree of it on that branch under
//! containai's data folder (created or reused), the mounts that let git in its sandbox commit to the
//! repository, and the worktree's removal when it is clean.
//!
//! The mounts come from the host's side only: the repository's own `.git` folder (inside the workspace), at
//! its own path, with its `hooks/` and `config` read-only (so that the sandbox cannot plant a command that the
//! host's git would run). The worktree's `.git` file is the sandbox's to write: it is read only to check that
//! it still points at this repository's worktree record, never to choose a mount.

use super::{AgentError, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A worktree and what its sandbox mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worktree {
    /// The branch (and the name `--worktree` took).
    pub name: String,
    /// The worktree folder: the sandbox's workspace.
    pub path: PathBuf,
    /// The repository's top folder (the main workspace).
    pub repository: PathBuf,
    /// The repository's `.git` folder.
    pub git_dir: PathBuf,
}

/// `$XDG_DATA_HOME/containai/worktrees` (default `~/.local/share/containai/worktrees`).
pub fn worktrees_dir() -> PathBuf {
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".local/share")).join("containai/worktrees")
}

/// A branch name containai accepts: `[A-Za-z0-9._/-]`, no `..`, no empty segment, no leading `-` or `.`.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
        && !name.contains("..")
        && !name.ends_with(".lock")
        && name.split('/').all(|s| !s.is_empty() && !s.starts_with('.') && !s.starts_with('-'));
    if ok { Ok(()) } else { Err(worktree_error(format!("`{name}` is not a branch name containai accepts"))) }
}

fn worktree_error(message: String) -> AgentError {
    AgentError::Worktree { message }
}

/// `git` options that keep the repository's config and hooks (which a sandbox may have written) from running
/// a command on the host.
const SAFE: [&str; 6] = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.sshCommand=false"];

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    git_in(dir, args, &[])
}

/// `git -C dir ARGS` with [`SAFE`] and `env` (the repository's own `GIT_*` paths, when given).
fn git_in(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(SAFE)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_COMMON_DIR")
        .envs(env.iter().copied())
        .output()
        .map_err(|e| worktree_error(format!("cannot run `git`: {e}")))?;
    if !out.status.success() {
        return Err(worktree_error(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}

fn canonical(path: &Path) -> Result<PathBuf> {
    path.canonicalize().map_err(|e| worktree_error(format!("cannot resolve `{}`: {e}", path.display())))
}

/// The repository whose top folder is `workspace`, with its `.git` folder (a real folder inside it: a
/// workspace that is itself a worktree or a submodule is refused).
pub fn repository_of(workspace: &Path) -> Result<(PathBuf, PathBuf)> {
    let workspace = canonical(workspace)?;
    let top = canonical(Path::new(&git(&workspace, &["rev-parse", "--show-toplevel"])?))?;
    if top != workspace {
        return Err(worktree_error(format!(
            "`{}` is not the top folder of its repository (`{}`)",
            workspace.display(),
            top.display()
        )));
    }
    let git_dir = top.join(".git");
    let meta = std::fs::symlink_metadata(&git_dir).map_err(|e| worktree_error(format!("no `.git` folder: {e}")))?;
    if !meta.is_dir() {
        return Err(worktree_error(format!("`{}` is not a folder (a worktree or submodule?)", git_dir.display())));
    }
    Ok((top, git_dir))
}

/// Where the worktree NAME of `repository` lives: `<dir>/<first 12 hex of blake3(repository)>/<name, / as __>`.
pub fn path_for(dir: &Path, repository: &Path, name: &str) -> PathBuf {
    let hash = blake3::hash(repository.as_os_str().as_encoded_bytes()).to_hex();
    dir.join(&hash[..12]).join(name.replace('/', "__"))
}

/// The worktree record the `.git` file of `path` must point at: `<git_dir>/worktrees/<id>`, with `id` a plain
/// name whose record's `gitdir` is `path/.git`. Anything else (a path elsewhere, `..`, a symlink) is refused.
/// Returns the record.
fn check_git_file(path: &Path, git_dir: &Path) -> Result<PathBuf> {
    let file = path.join(".git");
    let meta = std::fs::symlink_metadata(&file).map_err(|e| worktree_error(format!("no `.git` file: {e}")))?;
    let text = if meta.is_file() { std::fs::read_to_string(&file).unwrap_or_default() } else { String::new() };
    let pointed = text.trim().strip_prefix("gitdir: ").map(PathBuf::from);
    let records = git_dir.join("worktrees");
    let id = pointed.as_deref().and_then(|p| p.strip_prefix(&records).ok()).and_then(|rest| rest.to_str());
    let plain = id.is_some_and(|id| {
        !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) && id != ".."
    });
    let record = records.join(id.unwrap_or(""));
    let back = std::fs::read_to_string(record.join("gitdir")).unwrap_or_default();
    if !plain || Path::new(back.trim()) != file {
        return Err(worktree_error(format!(
            "the worktree's `{}` no longer points at its record in `{}`\nhint: the sandbox can write this file; \
             check it, then run `git worktree repair` in the repository",
            file.display(),
            records.display()
        )));
    }
    Ok(record)
}

/// Creates the worktree NAME of the repository at `workspace` (on branch NAME, made from `HEAD` when it does
/// not exist), or reuses it; its `.git` file checked.
pub fn ensure(dir: &Path, workspace: &Path, name: &str) -> Result<Worktree> {
    check_name(name)?;
    let (repository, git_dir) = repository_of(workspace)?;
    let path = path_for(dir, &repository, name);
    if !path.exists() {
        std::fs::create_dir_all(path.parent().expect("a parent"))
            .map_err(|e| worktree_error(format!("cannot create `{}`: {e}", dir.display())))?;
        let exists = git(&repository, &["rev-parse", "--verify", "--quiet", &format!("refs/heads/{name}")]).is_ok();
        let target = path.to_string_lossy().to_string();
        if exists {
            git(&repository, &["worktree", "add", &target, name])?;
        } else {
            git(&repository, &["worktree", "add", "-b", name, &target])?;
        }
    }
    check_git_file(&path, &git_dir)?;
    Ok(Worktree { name: name.to_string(), path, repository, git_dir })
}

impl Worktree {
    /// The `--mount`s of its sandbox: the repository's `.git` at its own path, its hooks and config read-only.
    pub fn mounts(&self) -> Vec<String> {
        let git = self.git_dir.display();
        let mut mounts = vec![format!("type=bind,source={git},target={git}")];
        for part in ["hooks", "config"] {
            let p = self.git_dir.join(part);
            if p.exists() {
                mounts.push(format!("type=bind,source={},target={},readonly", p.display(), p.display()));
            }
        }
        mounts
    }

    /// Removes the worktree (its branch stays): only when `git status` shows nothing, unless `force`.
    /// `git status` runs with the repository's paths given (`GIT_DIR`, `GIT_COMMON_DIR`, `GIT_WORK_TREE`):
    /// neither the worktree's `.git` file nor its record's `commondir`, both writable by the sandbox, is read.
    pub fn remove(&self, force: bool) -> Result<()> {
        let record = check_git_file(&self.path, &self.git_dir)?;
        let env = [
            ("GIT_DIR", record.as_path()),
            ("GIT_COMMON_DIR", self.git_dir.as_path()),
            ("GIT_WORK_TREE", self.path.as_path()),
        ];
        let status = git_in(&self.path, &["status", "--porcelain"], &env)?;
        if !status.is_empty() && !force {
            return Err(worktree_error(format!(
                "the worktree `{}` has changes:\n{status}\nhint: commit them, or pass `--force-worktree` to remove it anyway",
                self.path.display()
            )));
        }
        // Checked above: `--force` keeps git from checking again by the sandbox's files.
        let target = self.path.to_string_lossy().to_string();
        git(&self.repository, &["worktree", "remove", "--force", &target])?;
        Ok(())
    }
}

/// The worktree NAME of the repository at `workspace`, when it exists (nothing is created).
pub fn existing(dir: &Path, workspace: &Path, name: &str) -> Result<Option<Worktree>> {
    check_name(name)?;
    let (repository, git_dir) = repository_of(workspace)?;
    let path = path_for(dir, &repository, name);
    Ok(path.exists().then(|| Worktree { name: name.to_string(), path, repository, git_dir }))
}

/// The branch of the worktree at `workspace` when it lies under `dir` (a sandbox `up --worktree` made), from
/// the folder's name (`/` was written `__`).
pub fn name_of(dir: &Path, workspace: &Path) -> Option<String> {
    let rest = workspace.strip_prefix(dir).ok()?;
    let mut parts = rest.components();
    let (_repo, name) = (parts.next()?, parts.next()?);
    parts.next().is_none().then(|| name.as_os_str().to_string_lossy().replace("__", "/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            assert!(Command::new("git").arg("-C").arg(dir.path()).args(args).status().unwrap().success())
        };
        run(&["init", "-q", "-b", "main"]);
        run(&["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "first"]);
        dir
    }

    #[test]
    fn names_are_checked() {
        for ok in ["feature/x", "agent-1", "a.b_c"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-x", "a..b", "/a", "a/", ".hidden", "a b", "x.lock", "a/-b", "a;b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn creates_reuses_refuses_a_moved_git_file_and_removes_only_when_clean() {
        let repository = repo();
        let data = tempfile::tempdir().unwrap();
        let wt = ensure(data.path(), repository.path(), "agent-1").unwrap();
        assert!(wt.path.join(".git").is_file());
        assert_eq!(git(&wt.path, &["branch", "--show-current"]).unwrap(), "agent-1");
        assert_eq!(ensure(data.path(), repository.path(), "agent-1").unwrap(), wt);
        let mounts = wt.mounts();
        assert!(mounts[0].starts_with("type=bind,source=") && mounts[0].ends_with("/.git"), "{mounts:?}");
        assert!(mounts.iter().skip(1).all(|m| m.ends_with(",readonly")));
        // A `.git` file pointed elsewhere is refused.
        std::fs::write(wt.path.join(".git"), "gitdir: /etc\n").unwrap();
        assert!(
            ensure(data.path(), repository.path(), "agent-1").unwrap_err().to_string().contains("no longer points")
        );
        let record = wt.git_dir.join("worktrees/agent-1");
        std::fs::write(wt.path.join(".git"), format!("gitdir: {}\n", record.display())).unwrap();
        ensure(data.path(), repository.path(), "agent-1").unwrap();
        // The sandbox redirects the record's `commondir` to a config of its own: the host's git never reads it.
        let evil = wt.path.join("evil");
        assert!(Command::new("cp").arg("-r").arg(&wt.git_dir).arg(&evil).status().unwrap().success());
        let marker = data.path().join("ran");
        let hook = format!("[core]\n\trepositoryformatversion = 0\n\tfsmonitor = \"touch {}\"\n", marker.display());
        std::fs::write(evil.join("config"), hook).unwrap();
        std::fs::write(record.join("commondir"), evil.display().to_string()).unwrap();
        std::fs::write(wt.path.join("new.txt"), "x").unwrap();
        assert!(wt.remove(false).unwrap_err().to_string().contains("has changes"));
        assert!(!marker.exists(), "the sandbox's config ran a command on the host");
        std::fs::write(record.join("commondir"), "../..\n").unwrap();
        wt.remove(true).unwrap();
        assert!(!wt.path.exists());
        assert!(existing(data.path(), repository.path(), "agent-1").unwrap().is_none());
    }
}
