//! Capabilities, security options, devices, namespaces and labels asked for by a config, a feature or an image
//! label → kept (on containai's short lists) or a reason to refuse. Allowlists: what is not named here is refused.

/// Capabilities a repository may add: Docker's default set (asking for one is a no-op) and three that debuggers,
/// profilers and real-time tools need and that widen nothing beyond the container's own processes.
pub const SAFE_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_NICE",
    "IPC_LOCK",
];

/// Security options a repository may set: only ones that tighten.
pub const SAFE_SECURITY_OPTS: &[&str] = &["no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"];

/// Label prefixes that only containai writes: they say which workspace a container belongs to.
pub const RESERVED_LABEL_PREFIXES: &[&str] = &["devcontainer.", "containai."];

/// Networks a repository may put the container on (a named network could join it to other containers).
pub const SAFE_NETWORKS: &[&str] = &["bridge", "default", "none"];

/// `CAP_SYS_PTRACE`, `sys_ptrace` → `SYS_PTRACE`.
pub fn normalize_cap(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").map(str::to_string).unwrap_or(upper)
}

/// `None` when the capability may be added, else why not.
pub fn check_cap(cap: &str) -> Option<String> {
    let name = normalize_cap(cap);
    (!SAFE_CAPS.contains(&name.as_str())).then(|| match name.as_str() {
        "ALL" => "`ALL` capabilities: every one the host's root has".into(),
        "SYS_ADMIN" | "SYS_MODULE" | "SYS_RAWIO" | "SYS_BOOT" | "DAC_READ_SEARCH" | "SYS_TIME" | "MAC_ADMIN"
        | "BPF" | "PERFMON" => format!("capability `{name}` reaches the host's kernel"),
        _ => format!("capability `{name}` is not on containai's list ({})", SAFE_CAPS.join(", ")),
    })
}

/// `None` when the security option may be set, else why not.
pub fn check_security_opt(opt: &str) -> Option<String> {
    let trimmed = opt.trim();
    (!SAFE_SECURITY_OPTS.contains(&trimmed)).then(|| {
        format!(
            "security option `{trimmed}` would loosen the container's confinement (only `no-new-privileges` is allowed)"
        )
    })
}

/// `None` for a label containai does not reserve.
pub fn check_label(key: &str) -> Option<String> {
    RESERVED_LABEL_PREFIXES
        .iter()
        .any(|p| key.starts_with(p))
        .then(|| format!("label `{key}`: the `devcontainer.` and `containai.` labels are containai's alone"))
}

/// `None` for a namespace setting that keeps the container's own namespace (`--pid`, `--ipc`, `--uts`,
/// `--userns`, `--cgroupns`, `--network`), else why not.
pub fn check_namespace(flag: &str, value: &str) -> Option<String> {
    let ok = match flag {
        "network" => SAFE_NETWORKS.contains(&value),
        "ipc" => matches!(value, "private" | "shareable" | "none" | ""),
        "cgroupns" => matches!(value, "private" | ""),
        _ => value.is_empty(),
    };
    (!ok).then(|| format!("`--{flag}={value}` joins a namespace outside the container"))
}

/// `None` for a sysctl that is namespaced per container (`net.*`, the IPC ones), else why not.
pub fn check_sysctl(key: &str) -> Option<String> {
    let namespaced = key.starts_with("net.")
        || key.starts_with("fs.mqueue.")
        || matches!(key, "kernel.msgmax" | "kernel.msgmnb" | "kernel.msgmni" | "kernel.sem")
        || key.starts_with("kernel.shm");
    (!namespaced).then(|| format!("sysctl `{key}` is not namespaced: it would set the host's kernel"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_are_allowlisted_in_every_spelling() {
        for ok in ["SYS_PTRACE", "cap_sys_ptrace", " NET_RAW "] {
            assert_eq!(check_cap(ok), None, "{ok}");
        }
        for bad in ["ALL", "all", "SYS_ADMIN", "CAP_SYS_MODULE", "NET_ADMIN", "sys_rawio", "DAC_READ_SEARCH"] {
            assert!(check_cap(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn only_tightening_security_options_pass() {
        assert_eq!(check_security_opt("no-new-privileges"), None);
        for bad in [
            "seccomp=unconfined",
            "apparmor=unconfined",
            "label=disable",
            "seccomp=/etc/x.json",
            "systempaths=unconfined",
        ] {
            assert!(check_security_opt(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn labels_namespaces_and_sysctls() {
        assert!(check_label("devcontainer.local_folder").is_some());
        assert!(check_label("containai.managed").is_some());
        assert_eq!(check_label("org.example.team"), None);
        assert!(check_namespace("network", "container:abc").is_some());
        assert!(check_namespace("network", "host").is_some());
        assert!(check_namespace("uts", "host").is_some());
        assert!(check_namespace("pid", "container:x").is_some());
        assert!(check_namespace("userns", "host").is_some());
        assert_eq!(check_namespace("network", "none"), None);
        assert_eq!(check_namespace("ipc", "private"), None);
        assert_eq!(check_sysctl("net.ipv6.conf.all.disable_ipv6"), None);
        assert!(check_sysctl("kernel.core_pattern").is_some());
        assert!(check_sysctl("vm.overcommit_memory").is_some());
    }
}
