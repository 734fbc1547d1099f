//! Compose workspaces for the engine tests: files written into a workspace, the project's containers and
//! networks read from the engine by Compose's labels, and their removal when a test ends.
#![allow(dead_code)]

use super::docker_output;
use std::path::{Path, PathBuf};

/// The test base image: the stand-in for every service's image.
pub const BASE: &str = "containai-test/base:bookworm";

/// A stand-in database: a perl listener on `5432` answering `db-ok` to each connection (the base image has perl),
/// as a Compose `command` (`$$` is Compose's escape of `$`).
pub const DB_COMMAND: &str = r#"["perl", "-MIO::Socket::INET", "-e", "$$s = IO::Socket::INET->new(LocalPort => 5432, Listen => 5, ReuseAddr => 1) or die $$!; while ($$c = $$s->accept) { print $$c qq(db-ok\n); close $$c }"]"#;

/// Writes `text` to `workspace/path`, making its folders.
pub fn write(workspace: &Path, path: &str, text: &str) {
    let path = workspace.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The project name the reference CLI gives Compose files in `<workspace>/.devcontainer`.
pub fn project_name(workspace: &Path) -> String {
    let base = workspace.file_name().unwrap().to_string_lossy().to_lowercase();
    folder_project_name(Path::new(&format!("{base}_devcontainer")))
}

/// The project name the reference CLI gives Compose files whose first one is directly in `folder`.
pub fn folder_project_name(folder: &Path) -> String {
    let base = folder.file_name().unwrap().to_string_lossy().to_lowercase();
    base.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect()
}

fn lines(args: &[&str]) -> Vec<String> {
    let out = docker_output(args);
    String::from_utf8_lossy(&out.stdout).split_whitespace().map(str::to_string).collect()
}

/// The ids of the project's containers (`all`: stopped ones too).
pub fn containers(project: &str, all: bool) -> Vec<String> {
    let filter = format!("label=com.docker.compose.project={project}");
    let flags = if all { "-aq" } else { "-q" };
    lines(&["ps", flags, "--filter", &filter])
}

/// The id of the project's container for `service`.
pub fn service_container(project: &str, service: &str) -> Option<String> {
    let (p, s) =
        (format!("label=com.docker.compose.project={project}"), format!("label=com.docker.compose.service={service}"));
    lines(&["ps", "-aq", "--filter", &p, "--filter", &s]).into_iter().next()
}

/// The names of the project's networks.
pub fn networks(project: &str) -> Vec<String> {
    let filter = format!("label=com.docker.compose.project={project}");
    lines(&["network", "ls", "-q", "--filter", &filter])
}

/// `docker inspect --format FORMAT ID`.
pub fn inspect(id: &str, format: &str) -> String {
    let out = docker_output(&["inspect", "--format", format, id]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Removes the projects' containers (with their anonymous volumes) and networks when dropped.
pub struct Projects(pub Vec<String>);

impl Drop for Projects {
    fn drop(&mut self) {
        for project in &self.0 {
            for id in containers(project, true) {
                let _ = docker_output(&["rm", "-f", "-v", &id]);
            }
            for id in networks(project) {
                let _ = docker_output(&["network", "rm", &id]);
            }
        }
    }
}

/// A free TCP port on 127.0.0.1 (for a service to publish).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The folder holding `workspace` as the engine sees it (symlinks resolved).
pub fn real(workspace: &Path) -> PathBuf {
    workspace.canonicalize().unwrap_or(workspace.to_path_buf())
}
