//! fixtures/config/<name> → a private copy outside any Git repository, and runs of a CLI on it with a fixed env.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config")
}

/// Fixture names, sorted.
pub fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/config exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Valid fixtures load; `bad-*` ones must fail.
pub fn is_valid(name: &str) -> bool {
    !name.starts_with("bad-")
}

/// A copy of a fixture at `<tmp>/<name>` (the basename matters to the substitution).
pub struct Workspace {
    pub tmp: tempfile::TempDir,
    pub path: PathBuf,
    /// Extra arguments from the fixture's `args` file.
    pub args: Vec<String>,
}

pub fn prepare(name: &str) -> Workspace {
    prepare_at(name, name)
}

/// A copy of a fixture at `<tmp>/<rel>`.
pub fn prepare_at(name: &str, rel: &str) -> Workspace {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join(rel);
    copy_dir(&fixtures_dir().join(name), &path);
    let args = std::fs::read_to_string(path.join("args"))
        .map(|a| a.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    Workspace { tmp, path, args }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Runs both CLIs on the workspace; returns their stdout as pretty JSON, or a description of the failure.
pub fn both(ws: &Workspace) -> (Result<String, String>, Result<String, String>) {
    let run = |program: &Path| {
        let name = program.display();
        let out = command(program, ws).output().map_err(|e| format!("{name}: {e}"))?;
        if !out.status.success() {
            return Err(format!("{name} failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("{name}: {e}"))?;
        Ok(serde_json::to_string_pretty(&v).unwrap_or_default())
    };
    (run(&super::binary()), run(Path::new("devcontainer")))
}

/// The environment both CLIs see: nothing from the host but `PATH`.
pub fn command(program: impl AsRef<std::ffi::OsStr>, ws: &Workspace) -> Command {
    let mut cmd = Command::new(program);
    cmd.arg("read-configuration")
        .args(["--workspace-folder", "."])
        .args(&ws.args)
        .current_dir(&ws.path)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", ws.tmp.path())
        .env("CONTAINAI_TEST_VAR", "value-from-env")
        .env("CONTAINAI_TEST_EMPTY", "")
        .env("CONTAINAI_TEST_HOME", "/home/tester");
    cmd
}

pub fn containai(ws: &Workspace) -> Output {
    command(super::binary(), ws).output().expect("run containai")
}

/// Paths of the temporary copy replaced by `[TMP]`.
pub fn redact(text: &str, ws: &Workspace) -> String {
    let tmp = ws.tmp.path().to_string_lossy().into_owned();
    let canonical = ws.tmp.path().canonicalize().map(|p| p.to_string_lossy().into_owned()).unwrap_or(tmp.clone());
    text.replace(&canonical, "[TMP]").replace(&tmp, "[TMP]")
}
