//! [`HostFacts`] → `doctor`'s checks, each ok / warning / missing with a one-line remedy (pure).
//!
//! A `missing` check means `up` cannot run under sysbox-runc; `doctor` exits 0 only when there is none.

use super::facts::{EngineFacts, HostFacts};
use super::procfs::kernel_version;
use crate::policy::SYSBOX;
use crate::user_config::SSH_INCLUDE_LINE as INCLUDE_LINE;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Ok,
    Warning,
    Missing,
}

/// One line of `doctor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub state: State,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
}

fn check(name: &'static str, state: State, detail: impl Into<String>, remedy: Option<&str>) -> Check {
    Check { name, state, detail: detail.into(), remedy: remedy.map(str::to_string) }
}

const INSTALL_SYSBOX: &str = "install sysbox (https://github.com/nestybox/sysbox#installation) and restart dockerd; \
     or run `up --allow-insecure-runtime` (no isolation)";
/// Kernel with ID-mapped mounts: sysbox needs no shiftfs from here on.
const IDMAPPED_KERNEL: (u32, u32) = (5, 12);
/// Oldest kernel sysbox supports at all (Debian, with shiftfs).
const OLDEST_KERNEL: (u32, u32) = (5, 5);
const GIB: u64 = 1 << 30;

fn engine_checks(e: &EngineFacts, out: &mut Vec<Check>) {
    let info = &e.info;
    out.push(check("engine version", State::Ok, format!("Docker {}, API {}", info.version, info.api_version), None));
    let default = if info.default_runtime.is_empty() { "?" } else { &info.default_runtime };
    out.push(check("runtimes", State::Ok, format!("{} (default {default})", info.runtimes.join(", ")), None));
    out.push(match info.runtimes.iter().any(|r| r == SYSBOX) {
        true => check("sysbox-runc", State::Ok, "registered with the engine", None),
        false => check("sysbox-runc", State::Missing, "the engine has no `sysbox-runc` runtime", Some(INSTALL_SYSBOX)),
    });
    out.push(match info.cgroup_version.as_deref() {
        Some(v @ ("1" | "2")) => check("cgroup", State::Ok, format!("cgroup v{v}"), None),
        other => check(
            "cgroup",
            State::Warning,
            format!("cgroup version unknown ({})", other.unwrap_or("not reported")),
            Some("use an engine that reports `CgroupVersion` (Docker 20.10+)"),
        ),
    });
    out.push(match e.storage_driver.as_str() {
        "overlay2" => check("storage driver", State::Ok, "overlay2", None),
        other => check(
            "storage driver",
            State::Warning,
            format!("`{other}`: sysbox is built for overlay2"),
            Some("set `\"storage-driver\": \"overlay2\"` in /etc/docker/daemon.json"),
        ),
    });
    out.push(kernel_check(&e.kernel, None));
}

/// The engine host's kernel against sysbox's minimum (5.12+, or 5.5+ with shiftfs).
fn kernel_check(release: &str, shiftfs: Option<bool>) -> Check {
    let name = "kernel";
    match kernel_version(release) {
        None => check(name, State::Warning, format!("cannot read the kernel version `{release}`"), None),
        Some(v) if v >= IDMAPPED_KERNEL => {
            check(name, State::Ok, format!("{release} (≥ 5.12: ID-mapped mounts, no shiftfs needed)"), None)
        }
        Some(v) if v >= OLDEST_KERNEL && shiftfs == Some(true) => {
            check(name, State::Ok, format!("{release} with shiftfs"), None)
        }
        Some(v) if v >= OLDEST_KERNEL => check(
            name,
            State::Missing,
            format!("{release}: below 5.12, sysbox needs the shiftfs module, which is not loaded"),
            Some("load shiftfs (`modprobe shiftfs`) or upgrade the kernel to 5.12+"),
        ),
        Some(_) => check(
            name,
            State::Missing,
            format!("{release}: sysbox needs 5.12+ (5.5+ with shiftfs)"),
            Some("upgrade the kernel to 5.12 or later"),
        ),
    }
}

fn sysbox_services(f: &HostFacts) -> Check {
    let name = "sysbox services";
    if !f.local_engine {
        return check(
            name,
            State::Warning,
            format!("not checked: the engine at `{}` is on another machine", f.endpoint),
            None,
        );
    }
    let said: Vec<String> = f
        .sysbox_daemons
        .iter()
        .map(|d| {
            let process = if d.running { "running" } else { "not running" };
            let socket = if d.answering { "answers" } else { "does not answer" };
            format!("{} {process}, {} {socket}", d.name, d.socket.display())
        })
        .collect();
    let all = !f.sysbox_daemons.is_empty() && f.sysbox_daemons.iter().all(|d| d.running && d.answering);
    match all {
        true => check(name, State::Ok, said.join("; "), None),
        false => check(
            name,
            State::Missing,
            said.join("; "),
            Some("start them: `systemctl start sysbox` (sysbox-mgr and sysbox-fs)"),
        ),
    }
}

/// The first `sysbox:START:COUNT` line of a subordinate-id file.
fn sysbox_range(text: Option<&str>) -> Option<(u64, u64)> {
    text?.lines().find_map(|l| {
        let mut f = l.trim().split(':');
        (f.next()? == "sysbox").then_some(())?;
        Some((f.next()?.parse().ok()?, f.next()?.parse().ok()?))
    })
}

fn subids(file: &'static str, name: &'static str, text: Option<&str>) -> Check {
    match sysbox_range(text) {
        Some((start, count)) if count >= 65536 => {
            check(name, State::Ok, format!("{file}: sysbox:{start}:{count}"), None)
        }
        Some((start, count)) => check(
            name,
            State::Missing,
            format!("{file}: sysbox:{start}:{count} is under 65536 ids"),
            Some("give `sysbox` at least 65536 ids (the installer writes sysbox:165536:268435456)"),
        ),
        None => check(
            name,
            State::Missing,
            format!("{file} has no entry for `sysbox`"),
            Some("reinstall sysbox, or add `sysbox:165536:268435456` and restart sysbox"),
        ),
    }
}

fn disk(f: &HostFacts, data_root: &str) -> Check {
    let name = "free disk";
    match f.data_root_free {
        None => check(
            name,
            State::Warning,
            format!("free space in `{data_root}` unknown (remote engine or unreadable)"),
            None,
        ),
        Some(b) if b < GIB => check(
            name,
            State::Missing,
            format!("{:.1} GiB free in {data_root}", b as f64 / GIB as f64),
            Some("free disk space in the engine's data root (`docker system df`)"),
        ),
        Some(b) if b < 10 * GIB => check(
            name,
            State::Warning,
            format!("{:.1} GiB free in {data_root}", b as f64 / GIB as f64),
            Some("images and an inner docker need room: free some (`docker system df`)"),
        ),
        Some(b) => check(name, State::Ok, format!("{:.1} GiB free in {data_root}", b as f64 / GIB as f64), None),
    }
}

/// Whether `~/.ssh/config` has the `Include` before any `Host`/`Match` block (inside one it applies to that host only).
fn include_check(config: Option<&str>) -> Check {
    let name = "ssh include";
    let Some(text) = config else {
        return check(
            name,
            State::Warning,
            "~/.ssh/config does not exist yet",
            Some("`containai up` creates it with the `Include` line"),
        );
    };
    let mut in_block = false;
    for line in text.lines().map(str::trim) {
        if line == INCLUDE_LINE {
            return match in_block {
                false => check(name, State::Ok, format!("~/.ssh/config: `{INCLUDE_LINE}`"), None),
                true => check(
                    name,
                    State::Warning,
                    "the `Include` sits inside a `Host`/`Match` block",
                    Some("move the `Include` line to the top of ~/.ssh/config"),
                ),
            };
        }
        let keyword = line.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
        in_block |= keyword == "host" || keyword == "match";
    }
    check(
        name,
        State::Warning,
        "~/.ssh/config has no `Include` for containai's hosts",
        Some("`containai up` adds it at the top"),
    )
}

/// Every check, in the order `doctor` prints them.
pub fn checks(f: &HostFacts) -> Vec<Check> {
    let mut out = Vec::new();
    match &f.engine {
        Ok(e) => {
            out.push(check("engine", State::Ok, format!("reachable at `{}`", f.endpoint), None));
            engine_checks(e, &mut out);
            if let Some(k) = out.iter_mut().find(|c| c.name == "kernel") {
                *k = kernel_check(&e.kernel, f.local_engine.then_some(f.shiftfs));
            }
            out.push(disk(f, &e.data_root));
        }
        Err(message) => {
            let remedy = Some("start dockerd, or set `DOCKER_HOST` to the engine's socket");
            out.push(check("engine", State::Missing, format!("cannot reach `{}`: {message}", f.endpoint), remedy));
            out.push(check("sysbox-runc", State::Missing, "unknown: the engine does not answer", Some(INSTALL_SYSBOX)));
        }
    }
    out.push(sysbox_services(f));
    out.push(subids("/etc/subuid", "subuid", f.subuid.as_deref()));
    out.push(subids("/etc/subgid", "subgid", f.subgid.as_deref()));
    out.push(match &f.ssh_client {
        Some(path) => check("ssh client", State::Ok, path.display().to_string(), None),
        None => check(
            "ssh client",
            State::Warning,
            "no `ssh` on PATH: `containai ssh` and VS Code Remote-SSH need one",
            Some("install openssh-client"),
        ),
    });
    out.push(include_check(f.ssh_config.as_deref()));
    out
}

/// `up` can run under sysbox-runc: nothing is missing.
pub fn ready(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.state != State::Missing)
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
