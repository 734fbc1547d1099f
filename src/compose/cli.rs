//! The host's Compose tool → found (`docker compose` v2 plugin, else `docker-compose` v1) and run with a project
//! name and files: the output, or an error carrying its stderr.

use super::{ComposeError, Result};
use std::path::{Path, PathBuf};
use tokio::process::Command;

/// The Compose implementation containai drives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    /// `docker` (v2, with `compose` first) or `docker-compose` (v1).
    pub program: String,
    pub v2: bool,
    /// `--short` version, e.g. `1.29.2`.
    pub version: String,
}

async fn version_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().await.ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().trim_start_matches('v').to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// `docker compose` when the plugin answers, else `docker-compose`.
pub async fn detect() -> Result<Tool> {
    if let Some(version) = version_of("docker", &["compose", "version", "--short"]).await {
        return Ok(Tool { program: "docker".into(), v2: true, version });
    }
    if let Some(version) = version_of("docker-compose", &["version", "--short"]).await {
        return Ok(Tool { program: "docker-compose".into(), v2: false, version });
    }
    Err(ComposeError::NoTool)
}

/// Where and as what a command runs: the project's name, its files, the folder relative paths start from.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    /// `None` for commands that need no name (`config`).
    pub project: Option<&'a str>,
    pub files: &'a [PathBuf],
    pub project_dir: &'a Path,
}

impl Tool {
    /// Compose names projects as the reference computes them; v1 before 1.21 knew only `[a-z0-9]`.
    pub fn keeps_dash_and_underscore(&self) -> bool {
        if self.v2 {
            return true;
        }
        let mut parts = self.version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        (major, minor) >= (1, 21)
    }

    /// The argument list of `args` run under `at`.
    pub fn arguments(&self, at: &Invocation, args: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if self.v2 {
            out.push("compose".into());
        }
        if let Some(project) = at.project {
            out.extend(["--project-name".into(), project.to_string()]);
        }
        out.extend(["--project-directory".into(), at.project_dir.display().to_string()]);
        for file in at.files {
            out.extend(["--file".into(), file.display().to_string()]);
        }
        out.extend(args.iter().map(|a| a.to_string()));
        out
    }

    /// Runs Compose and returns its stdout; a failure carries the command and its stderr.
    pub async fn run(&self, at: &Invocation<'_>, args: &[&str]) -> Result<String> {
        let arguments = self.arguments(at, args);
        let out = Command::new(&self.program)
            .args(&arguments)
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .map_err(|source| ComposeError::Spawn { program: self.program.clone(), source })?;
        if !out.status.success() {
            return Err(ComposeError::Failed {
                command: format!("{} {}", self.program, args.join(" ")),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_name_the_project_its_folder_and_files_in_order() {
        let files = [PathBuf::from("/w/a.yml"), PathBuf::from("/w/.devcontainer/b.yml")];
        let at = Invocation { project: Some("p_devcontainer"), files: &files, project_dir: Path::new("/w") };
        let v1 = Tool { program: "docker-compose".into(), v2: false, version: "1.29.2".into() };
        assert_eq!(
            v1.arguments(&at, &["config"]).join(" "),
            "--project-name p_devcontainer --project-directory /w --file /w/a.yml --file /w/.devcontainer/b.yml config"
        );
        let v2 = Tool { program: "docker".into(), v2: true, version: "2.24.0".into() };
        assert_eq!(v2.arguments(&at, &["up", "-d"])[0], "compose");
        assert!(v1.keeps_dash_and_underscore() && v2.keeps_dash_and_underscore());
        assert!(!Tool { version: "1.20.1".into(), ..v1 }.keeps_dash_and_underscore());
    }
}
