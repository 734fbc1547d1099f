//! [`Observations`] → a [`Summary`] in the seed comparison's terms (user namespaces, syscall vetting, procfs
//! virtualisation, Docker-in-Docker, systemd), each yes / partial / no with its evidence; and `up`'s verdict.

use super::probe::{InnerDocker, Observations};
use super::procfs::{self, CAP_SYS_ADMIN};
use crate::policy::{self, SYSBOX};
use serde::Serialize;

/// How far a property holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Yes,
    Partial,
    No,
}

impl Level {
    pub fn word(self) -> &'static str {
        match self {
            Level::Yes => "yes",
            Level::Partial => "partial",
            Level::No => "no",
        }
    }
}

/// One property: its level and what showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: Level,
    pub evidence: Vec<String>,
}

fn finding(level: Level, evidence: Vec<String>) -> Finding {
    Finding { level, evidence }
}

/// The kernel the container sees against its host's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KernelView {
    pub container: String,
    pub host: Option<String>,
    /// The container sees another kernel than its host's (gVisor's user-space kernel says `4.4.0`).
    pub own_kernel: bool,
}

/// The summary `verify` prints and `up` puts in its result as `"isolation"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The runtime as the engine reports it (`HostConfig.Runtime`).
    pub runtime: Option<String>,
    /// What the runtime is: `sysbox`, `gvisor`, `none` (plain runc) or `unknown`.
    pub class: policy::Isolation,
    pub kernel: KernelView,
    pub user_namespaces: Finding,
    pub syscall_vetting: Finding,
    pub procfs_virtualisation: Finding,
    pub docker_in_docker: Finding,
    pub systemd: Finding,
    /// The host's engine can be reached from inside (its socket mounted, or answering with its id).
    pub host_engine_reachable: bool,
}

/// A procfs whose `/proc/uptime` agrees with its PID 1's age (within this many seconds) counts the
/// container's time, not the host's.
const UPTIME_SLACK: f64 = 5.0;

fn host_uid_evidence(o: &Observations) -> String {
    match (o.host_uid, o.engine.pid) {
        (Some(uid), Some(pid)) => format!("its first process (host pid {pid}) runs as uid {uid} on the host"),
        (None, Some(pid)) if !o.engine.local => {
            format!("host uid of pid {pid} unknown: the engine is not on this machine")
        }
        (None, Some(pid)) => format!("host uid of pid {pid} unknown: /proc/{pid}/status is not readable here"),
        _ => "host uid unknown: the engine gives no pid".into(),
    }
}

fn caps_evidence(o: &Observations, in_userns: bool) -> Option<String> {
    let eff = o.status.cap_eff?;
    let count = (0..procfs::CAP_COUNT).filter(|c| procfs::has_cap(eff, *c)).count();
    let admin = procfs::has_cap(eff, CAP_SYS_ADMIN);
    Some(match (in_userns, admin) {
        (true, _) => {
            format!("CapEff {eff:016x} ({count} capabilities) holds only inside the user namespace, not on the host")
        }
        (false, true) => {
            format!("CapEff {eff:016x} ({count} capabilities) includes CAP_SYS_ADMIN in the host's user namespace")
        }
        (false, false) => format!("CapEff {eff:016x} ({count} capabilities), no CAP_SYS_ADMIN"),
    })
}

fn user_namespaces(o: &Observations, own_kernel: bool) -> Finding {
    let map = format!("uid_map {}, gid_map {}", o.uid_map.describe(), o.gid_map.describe());
    let mapped = !o.uid_map.0.is_empty() && !o.uid_map.is_identity() && o.uid_map.root_outside() != Some(0);
    let host_root = o.host_uid == Some(0);
    let level = match (mapped, host_root) {
        (true, false) => Level::Yes,
        (true, true) => Level::Partial,
        (false, _) if own_kernel && o.host_uid.is_some_and(|u| u != 0) => Level::Partial,
        (false, _) => Level::No,
    };
    let mut evidence = vec![map];
    if !mapped && level == Level::No {
        evidence.push("root in the container is root in the host's user namespace".into());
    }
    evidence.push(host_uid_evidence(o));
    evidence.extend(caps_evidence(o, mapped));
    finding(level, evidence)
}

fn syscall_vetting(o: &Observations, kernel: &KernelView) -> Finding {
    let nnp = o.status.no_new_privs.map(|n| format!("NoNewPrivs {}", u8::from(n)));
    let seccomp = match (o.status.seccomp, o.status.seccomp_filters) {
        (Some(2), filters) => {
            format!("seccomp filter mode, {} filter(s)", filters.map_or("?".into(), |f| f.to_string()))
        }
        (Some(1), _) => "seccomp strict mode".into(),
        (Some(_), _) => "seccomp off (Seccomp 0)".into(),
        (None, _) => "seccomp state unreadable".into(),
    };
    let mut evidence = Vec::new();
    let level = if kernel.own_kernel {
        evidence.push(format!("a user-space kernel serves the syscalls (`uname -r` {})", kernel.container));
        Level::Yes
    } else if o.status.seccomp == Some(2) {
        Level::Yes
    } else {
        Level::No
    };
    evidence.push(seccomp);
    evidence.extend(nnp);
    finding(level, evidence)
}

fn procfs_virtualisation(o: &Observations) -> Finding {
    let sysboxfs: Vec<&str> =
        o.proc_mounts.iter().filter(|m| m.is_sysboxfs()).map(|m| m.mount_point.as_str()).collect();
    let proc_sys = o.proc_mounts.iter().rev().find(|m| m.mount_point == "/proc/sys");
    let sys_text = match proc_sys {
        Some(m) => format!("/proc/sys is {} {} ({})", m.fs_type, m.source, if m.read_only() { "ro" } else { "rw" }),
        None => "/proc/sys is part of /proc".into(),
    };
    let own_uptime = o.uptime.zip(o.pid1_age).is_some_and(|(u, a)| (u - a).abs() <= UPTIME_SLACK);
    let uptime_text = match (o.uptime, o.pid1_age) {
        (Some(u), Some(a)) if own_uptime => format!("/proc/uptime {u:.0}s ≈ PID 1's age {a:.0}s: the container's own"),
        (Some(u), Some(a)) => format!("/proc/uptime {u:.0}s while PID 1 is {a:.0}s old: the host's"),
        _ => "/proc/uptime unreadable".into(),
    };
    let masked = o.proc_mounts.iter().any(|m| m.read_only() || m.fs_type == "tmpfs");
    let level = match (sysboxfs.is_empty(), own_uptime) {
        (false, _) | (true, true) => Level::Yes,
        _ if masked => Level::Partial,
        _ => Level::No,
    };
    let mut evidence = Vec::new();
    if !sysboxfs.is_empty() {
        evidence.push(format!("sysboxfs serves {}", sysboxfs.join(", ")));
    } else if masked {
        evidence.push("the host's procfs, with parts read-only or masked".into());
    }
    evidence.push(sys_text);
    evidence.push(uptime_text);
    finding(level, evidence)
}

/// The host engine's socket mounted into the container, as the engine lists the mounts.
fn host_socket_mounts(o: &Observations) -> Vec<String> {
    let socket = |p: &str| p.ends_with("docker.sock") || p.ends_with("containerd.sock");
    o.engine
        .mounts
        .iter()
        .filter(|m| socket(&m.source) || socket(&m.destination))
        .map(|m| format!("{} → {}", m.source, m.destination))
        .collect()
}

fn docker_in_docker(o: &Observations, userns: Level) -> (Finding, bool) {
    let mounted = host_socket_mounts(o);
    let host_id = o.engine.engine_id.as_deref();
    let same = matches!(&o.inner_docker, InnerDocker::Answering(id) if Some(id.as_str()) == host_id);
    let reachable = !mounted.is_empty() || same;
    let mut evidence: Vec<String> =
        mounted.iter().map(|m| format!("the host's engine socket is mounted: {m}")).collect();
    if mounted.is_empty() {
        evidence.push("no docker or containerd socket is bind-mounted from the host".into());
    }
    let level = match &o.inner_docker {
        _ if reachable => {
            if same {
                evidence.push(format!(
                    "the docker socket inside answers as the host's engine (id {})",
                    host_id.unwrap_or("?")
                ));
            }
            Level::No
        }
        InnerDocker::Answering(id) => {
            evidence
                .push(format!("an inner dockerd answers with id {id} (host engine {})", host_id.unwrap_or("unknown")));
            if userns == Level::Yes {
                Level::Yes
            } else {
                evidence.push("it runs without a user namespace: with host-level privileges".into());
                Level::Partial
            }
        }
        InnerDocker::NotAnswering(message) => {
            evidence.push(format!("the docker CLI is there but no inner engine answers: {message}"));
            Level::No
        }
        InnerDocker::NoCli => {
            evidence.push("no inner engine (no docker CLI in the container)".into());
            Level::No
        }
    };
    (finding(level, evidence), reachable)
}

fn systemd(o: &Observations) -> Finding {
    let state = o.systemd_state.as_deref().unwrap_or("no systemctl");
    let level = match (o.pid1.as_str(), state) {
        ("systemd", "running" | "degraded") => Level::Yes,
        ("systemd", _) => Level::Partial,
        _ => Level::No,
    };
    finding(level, vec![format!("PID 1 is `{}`", o.pid1), format!("systemctl is-system-running: {state}")])
}

/// Judges what the probes saw.
pub fn summarize(o: &Observations) -> Summary {
    let host = o.engine.host_kernel.clone();
    let own_kernel = host.as_deref().is_some_and(|h| !o.kernel.is_empty() && h.trim() != o.kernel);
    let kernel = KernelView { container: o.kernel.clone(), host, own_kernel };
    let user_namespaces = user_namespaces(o, own_kernel);
    let (docker_in_docker, host_engine_reachable) = docker_in_docker(o, user_namespaces.level);
    Summary {
        runtime: o.engine.runtime.clone(),
        class: policy::runtime::isolation_of(o.engine.runtime.as_deref().unwrap_or("")),
        syscall_vetting: syscall_vetting(o, &kernel),
        procfs_virtualisation: procfs_virtualisation(o),
        systemd: systemd(o),
        kernel,
        user_namespaces,
        docker_in_docker,
        host_engine_reachable,
    }
}

/// What a container under sysbox-runc must show; empty when it does (or when it runs under another runtime).
pub fn sysbox_shortfalls(summary: &Summary) -> Vec<String> {
    if summary.runtime.as_deref() != Some(SYSBOX) {
        return Vec::new();
    }
    let checks =
        [("user namespace", &summary.user_namespaces), ("procfs virtualisation", &summary.procfs_virtualisation)];
    let mut out: Vec<String> = checks
        .iter()
        .filter(|(_, f)| f.level != Level::Yes)
        .map(|(name, f)| format!("{name}: {}: {}", f.level.word(), f.evidence.join("; ")))
        .collect();
    if summary.host_engine_reachable {
        out.push(format!("the host's engine is reachable: {}", summary.docker_in_docker.evidence.join("; ")));
    }
    out
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
