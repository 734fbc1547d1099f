//! A running container → [`Observations`]: one `sh` exec of `cat`/`grep`-level commands inside it, the engine's
//! view of it (runtime, host pid, mounts, daemon id), and the host uid of its first process.

use super::procfs::{self, IdMap, Mount, Status};
use crate::engine::{ContainerEngine, EngineView, ExecRequest, Result};
use serde::Serialize;

/// Marks the start of a section in the probe's output.
const MARK: &str = "@@containai-probe ";

/// The probe: only what a minimal Debian has (sh, cat, uname; the docker CLI and systemctl when present).
pub const SCRIPT: &str = r#"exec 2>/dev/null
s() { printf '\n@@containai-probe %s\n' "$1"; }
s uid_map; cat /proc/self/uid_map
s gid_map; cat /proc/self/gid_map
s status; cat /proc/self/status
s mountinfo; cat /proc/self/mountinfo
s uptime; cat /proc/uptime
s stat1; cat /proc/1/stat
s comm1; cat /proc/1/comm
s kernel; uname -r || cat /proc/sys/kernel/osrelease
s systemd; command -v systemctl >/dev/null && systemctl is-system-running
s sockets; for f in /var/run/docker.sock /run/docker.sock /run/containerd/containerd.sock; do [ -S "$f" ] && echo "$f"; done
s docker; if command -v docker >/dev/null; then timeout 10 docker info --format '{{.ID}}' 2>&1; echo "exit=$?"; else echo no-cli; fi
true
"#;

/// What the inner docker CLI said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state", content = "detail")]
pub enum InnerDocker {
    /// No `docker` CLI in the container.
    NoCli,
    /// The CLI is there, no daemon answered (its message).
    NotAnswering(String),
    /// A daemon answered with this id.
    Answering(String),
}

/// Everything the probes saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observations {
    pub uid_map: IdMap,
    pub gid_map: IdMap,
    pub status: Status,
    /// Mounts on and under /proc and /sys.
    pub proc_mounts: Vec<Mount>,
    /// `/proc/uptime` in the container.
    pub uptime: Option<f64>,
    /// How long the container's PID 1 has run, by the same procfs (uptime minus its start).
    pub pid1_age: Option<f64>,
    /// `/proc/1/comm`.
    pub pid1: String,
    /// `uname -r` in the container.
    pub kernel: String,
    /// `systemctl is-system-running`, when systemctl is there.
    pub systemd_state: Option<String>,
    /// docker/containerd sockets present in the container.
    pub sockets: Vec<String>,
    pub inner_docker: InnerDocker,
    pub engine: EngineView,
    /// Uid of the container's first process on the engine's host (`/proc/<pid>/status`), when readable here.
    pub host_uid: Option<u64>,
}

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on every Linux architecture containai runs on).
const USER_HZ: f64 = 100.0;

/// Splits the probe's output into `(section, text)`.
fn sections(output: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for line in output.lines() {
        match line.strip_prefix(MARK) {
            Some(name) => out.push((name.trim(), String::new())),
            None => {
                if let Some((_, text)) = out.last_mut() {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    out
}

/// The probe's output and the engine's view → observations (pure).
pub fn observe(output: &str, engine: EngineView, host_status: Option<&str>) -> Observations {
    let parts = sections(output);
    let get = |name: &str| parts.iter().find(|(n, _)| *n == name).map(|(_, t)| t.as_str()).unwrap_or("");
    let word = |name: &str| get(name).trim().to_string();
    let uptime = procfs::parse_uptime(get("uptime"));
    let start = procfs::parse_start_ticks(get("stat1"));
    let docker = get("docker").trim();
    let inner_docker = match docker.rsplit_once("exit=") {
        None if docker == "no-cli" || docker.is_empty() => InnerDocker::NoCli,
        Some((id, "0")) if !id.trim().is_empty() => InnerDocker::Answering(id.trim().to_string()),
        Some((message, _)) => InnerDocker::NotAnswering(message.trim().to_string()),
        None => InnerDocker::NotAnswering(docker.to_string()),
    };
    let under = |p: &str, root: &str| p == root || p.starts_with(&format!("{root}/"));
    Observations {
        uid_map: IdMap::parse(get("uid_map")),
        gid_map: IdMap::parse(get("gid_map")),
        status: Status::parse(get("status")),
        proc_mounts: procfs::parse_mountinfo(get("mountinfo"))
            .into_iter()
            .filter(|m| under(&m.mount_point, "/proc") || under(&m.mount_point, "/sys"))
            .collect(),
        uptime,
        pid1_age: uptime.zip(start).map(|(u, s)| u - s as f64 / USER_HZ),
        pid1: word("comm1"),
        kernel: word("kernel"),
        systemd_state: Some(word("systemd")).filter(|s| !s.is_empty()),
        sockets: get("sockets").lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect(),
        inner_docker,
        host_uid: host_status.and_then(|t| Status::parse(t).uid),
        engine,
    }
}

/// Runs the probes in container `id` (`None` when there is no such container).
pub async fn probe(engine: &dyn ContainerEngine, id: &str) -> Result<Option<Observations>> {
    let Some(view) = engine.isolation_view(id).await? else { return Ok(None) };
    let request = ExecRequest {
        cmd: vec!["/bin/sh".into(), "-c".into(), SCRIPT.into(), "containai-probe".into()],
        user: Some("root".into()),
        ..Default::default()
    };
    let out = engine.exec(id, &request).await?;
    let host_status = match (view.local, view.pid) {
        (true, Some(pid)) => std::fs::read_to_string(format!("/proc/{pid}/status")).ok(),
        _ => None,
    };
    Ok(Some(observe(&out.stdout, view, host_status.as_deref())))
}

/// Whether an exec request is the probe (for fakes that answer it).
pub fn is_probe(request: &ExecRequest) -> bool {
    request.cmd.get(2).map(String::as_str) == Some(SCRIPT)
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Probe outputs of fabricated containers, section by section.

    fn render(sections: &[(&str, &str)]) -> String {
        sections.iter().map(|(n, t)| format!("\n{}{n}\n{t}\n", super::MARK)).collect()
    }

    /// What a sysbox system container with systemd and an inner dockerd shows.
    pub fn sysbox() -> String {
        render(&[
            ("uid_map", "         0     165536      65536"),
            ("gid_map", "         0     165536      65536"),
            (
                "status",
                "Uid:\t0\t0\t0\t0\nNoNewPrivs:\t0\nSeccomp:\t2\nSeccomp_filters:\t1\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff",
            ),
            (
                "mountinfo",
                "1530 1529 0:132 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n\
                1531 1530 0:133 / /proc/sys rw,nosuid,nodev,relatime - fuse sysboxfs rw,user_id=0,group_id=0\n\
                1532 1530 0:133 /uptime /proc/uptime rw,nosuid,nodev,relatime - fuse sysboxfs rw,user_id=0,group_id=0",
            ),
            ("uptime", "42.50 80.00"),
            ("stat1", "1 (systemd) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 50 2330624 200 0"),
            ("comm1", "systemd"),
            ("kernel", "6.1.0-18-amd64"),
            ("systemd", "running"),
            ("sockets", "/var/run/docker.sock"),
            ("docker", "INNER:ID\nexit=0"),
        ])
    }

    /// What a plain runc container (seccomp unconfined, systemd, no inner engine) shows.
    pub fn runc_insecure() -> String {
        render(&[
            ("uid_map", "         0          0 4294967295"),
            ("gid_map", "         0          0 4294967295"),
            (
                "status",
                "Uid:\t0\t0\t0\t0\nNoNewPrivs:\t0\nSeccomp:\t0\nCapEff:\t00000000a82425fb\nCapBnd:\t00000000a82425fb",
            ),
            (
                "mountinfo",
                "81 80 0:44 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n\
                56 81 0:44 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - proc proc rw",
            ),
            ("uptime", "11926.38 2331.23"),
            ("stat1", "1 (systemd) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 1192532 2330624 200 0"),
            ("comm1", "systemd"),
            ("kernel", "6.1.0-18-amd64"),
            ("systemd", "running"),
            ("sockets", ""),
            ("docker", "no-cli"),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_output_splits_into_observations() {
        let host = EngineView { runtime: Some("sysbox-runc".into()), local: true, pid: Some(7), ..Default::default() };
        let o = observe(&fixtures::sysbox(), host, Some("Name:\tsystemd\nUid:\t165536\t165536\t165536\t165536\n"));
        assert_eq!((o.uid_map.root_outside(), o.host_uid), (Some(165536), Some(165536)));
        assert_eq!(o.proc_mounts.len(), 3);
        assert_eq!(
            (o.pid1.as_str(), o.kernel.as_str(), o.systemd_state.as_deref()),
            ("systemd", "6.1.0-18-amd64", Some("running"))
        );
        assert!((o.pid1_age.unwrap() - 42.0).abs() < 0.01);
        assert_eq!(o.inner_docker, InnerDocker::Answering("INNER:ID".into()));
        assert_eq!(o.sockets, ["/var/run/docker.sock"]);
        assert_eq!(o.status.seccomp_filters, Some(1));
    }

    #[test]
    fn an_inner_cli_without_a_daemon_and_no_cli_are_told_apart() {
        let text = format!("\n{MARK}docker\nCannot connect to the Docker daemon\nexit=1\n");
        assert!(
            matches!(observe(&text, EngineView::default(), None).inner_docker, InnerDocker::NotAnswering(m) if m.contains("Cannot connect"))
        );
        let none = observe(&fixtures::runc_insecure(), EngineView::default(), None);
        assert_eq!(
            (none.inner_docker, none.host_uid, none.systemd_state.as_deref()),
            (InnerDocker::NoCli, None, Some("running"))
        );
        let empty = observe("", EngineView::default(), None);
        assert_eq!((empty.uptime, empty.pid1.as_str()), (None, ""));
    }
}
