//! The host → [`HostFacts`] for `doctor`: one `docker info`, a few files and sockets. Thin: no judgement here.

use crate::engine::{Docker, EngineInfo};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

/// What the engine says about itself: what every stage reads, and what only `doctor` needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineFacts {
    pub info: EngineInfo,
    pub storage_driver: String,
    /// `DockerRootDir`.
    pub data_root: String,
    /// The kernel of the engine's host.
    pub kernel: String,
}

/// A sysbox daemon: whether its process runs and whether its socket accepts a connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Daemon {
    pub name: String,
    pub running: bool,
    pub socket: PathBuf,
    pub answering: bool,
}

/// Everything `doctor` judges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    /// `DOCKER_HOST`, or the default socket.
    pub endpoint: String,
    /// The engine's facts, or why it could not be asked.
    pub engine: Result<EngineFacts, String>,
    /// The engine's host is this machine (a unix socket): files below describe its host.
    pub local_engine: bool,
    /// sysbox-mgr and sysbox-fs.
    pub sysbox_daemons: Vec<Daemon>,
    /// The `shiftfs` module is loaded.
    pub shiftfs: bool,
    /// `/etc/subuid` and `/etc/subgid` texts (`None`: unreadable).
    pub subuid: Option<String>,
    pub subgid: Option<String>,
    /// The `ssh` found on `PATH`.
    pub ssh_client: Option<PathBuf>,
    /// `~/.ssh/config` text (`None`: no file).
    pub ssh_config: Option<String>,
    /// Bytes free for unprivileged users in the data root.
    pub data_root_free: Option<u64>,
}

/// The daemons sysbox runs, with the sockets they listen on (`/run/sysbox`, fixed in sysbox).
pub const SYSBOX_DAEMONS: [(&str, &str); 2] =
    [("sysbox-mgr", "/run/sysbox/sysmgr.sock"), ("sysbox-fs", "/run/sysbox/sysfs.sock")];

async fn engine_facts() -> (String, Result<EngineFacts, String>) {
    let docker = match Docker::connect().await {
        Ok(d) => d,
        Err(e) => {
            let endpoint = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
            return (endpoint, Err(e.to_string().lines().next().unwrap_or_default().to_string()));
        }
    };
    let endpoint = docker.endpoint().to_string();
    let info = match docker.client().info().await {
        Ok(info) => info,
        Err(e) => return (endpoint, Err(e.to_string())),
    };
    let facts = EngineFacts {
        info: EngineInfo::from_system_info(&info, &docker.client().client_version()),
        storage_driver: info.driver.unwrap_or_default(),
        data_root: info.docker_root_dir.unwrap_or_default(),
        kernel: info.kernel_version.unwrap_or_default(),
    };
    (endpoint, Ok(facts))
}

/// Names of processes running on this machine (`/proc/*/comm`).
fn process_names() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|e| std::fs::read_to_string(e.path().join("comm")).ok())
        .map(|c| c.trim().to_string())
        .collect()
}

fn answering(socket: &Path) -> bool {
    let is_socket = std::fs::metadata(socket).is_ok_and(|m| m.file_type().is_socket());
    is_socket && std::os::unix::net::UnixStream::connect(socket).is_ok()
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Bytes available to unprivileged users on the filesystem holding `path`.
fn free_bytes(path: &Path) -> Option<u64> {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `stat` a writable statvfs.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut stat) };
    (rc == 0).then(|| stat.f_bavail as u64 * stat.f_frsize as u64)
}

/// Gathers the facts; `ssh_dir` is `~/.ssh`.
pub async fn gather(ssh_dir: &Path) -> HostFacts {
    let (endpoint, engine) = engine_facts().await;
    let local_engine = endpoint.starts_with("unix://") || endpoint.starts_with('/');
    let names = process_names();
    let sysbox_daemons = SYSBOX_DAEMONS
        .iter()
        .map(|(name, socket)| Daemon {
            name: name.to_string(),
            running: names.iter().any(|n| n == name),
            socket: PathBuf::from(socket),
            answering: answering(Path::new(socket)),
        })
        .collect();
    let data_root_free = match (&engine, local_engine) {
        (Ok(e), true) if !e.data_root.is_empty() => free_bytes(Path::new(&e.data_root)),
        _ => None,
    };
    HostFacts {
        endpoint,
        engine,
        local_engine,
        sysbox_daemons,
        shiftfs: Path::new("/sys/module/shiftfs").exists(),
        subuid: std::fs::read_to_string("/etc/subuid").ok(),
        subgid: std::fs::read_to_string("/etc/subgid").ok(),
        ssh_client: on_path("ssh"),
        ssh_config: std::fs::read_to_string(ssh_dir.join("config")).ok(),
        data_root_free,
    }
}
