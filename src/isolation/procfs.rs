//! Texts read from a container's procfs (`uid_map`, `mountinfo`, `status`, `uptime`, `stat`) → typed values.
//!
//! Pure functions: the probes collect the texts, these read them, the summary judges them.

use serde::Serialize;

/// One line of `/proc/<pid>/uid_map` or `gid_map`: ids `inside..inside+count` map to `outside..`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IdRange {
    pub inside: u64,
    pub outside: u64,
    pub count: u64,
}

/// A whole id map.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IdMap(pub Vec<IdRange>);

/// The map of the initial user namespace: every 32-bit id maps to itself.
const FULL_RANGE: u64 = 4_294_967_295;

impl IdMap {
    pub fn parse(text: &str) -> IdMap {
        let range = |line: &str| {
            let mut n = line.split_whitespace().map(|f| f.parse::<u64>().ok());
            Some(IdRange { inside: n.next()??, outside: n.next()??, count: n.next()?? })
        };
        IdMap(text.lines().filter_map(range).collect())
    }

    /// Every id maps to itself (the host's own namespace, or a runtime that maps nothing).
    pub fn is_identity(&self) -> bool {
        !self.0.is_empty() && self.0.iter().all(|r| r.inside == r.outside)
    }

    /// The id that root (0) has outside the namespace, if root is mapped.
    pub fn root_outside(&self) -> Option<u64> {
        self.0.iter().find(|r| r.inside == 0 && r.count > 0).map(|r| r.outside)
    }

    /// How many ids are mapped.
    pub fn size(&self) -> u64 {
        self.0.iter().map(|r| r.count).sum()
    }

    /// `0 165536 65536` style, lines joined with `; `.
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            return "unreadable".into();
        }
        let full = self.0.len() == 1 && self.0[0].count == FULL_RANGE;
        let lines: Vec<String> = self.0.iter().map(|r| format!("{} {} {}", r.inside, r.outside, r.count)).collect();
        format!("{}{}", lines.join("; "), if full && self.is_identity() { " (identity)" } else { "" })
    }
}

/// One line of `/proc/<pid>/mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mount {
    pub mount_point: String,
    pub options: String,
    pub fs_type: String,
    pub source: String,
}

impl Mount {
    pub fn read_only(&self) -> bool {
        self.options.split(',').any(|o| o == "ro")
    }

    /// A mount served by sysbox-fs (FUSE, source `sysboxfs`).
    pub fn is_sysboxfs(&self) -> bool {
        self.source == "sysboxfs" || self.fs_type.ends_with("sysboxfs")
    }
}

/// Parses mountinfo: `ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS`.
pub fn parse_mountinfo(text: &str) -> Vec<Mount> {
    let mount = |line: &str| {
        let (left, right) = line.split_once(" - ")?;
        let left: Vec<&str> = left.split_whitespace().collect();
        let mut right = right.split_whitespace();
        Some(Mount {
            mount_point: unescape(left.get(4)?),
            options: left.get(5)?.to_string(),
            fs_type: right.next()?.to_string(),
            source: right.next().unwrap_or("").to_string(),
        })
    };
    text.lines().filter_map(mount).collect()
}

/// mountinfo writes space, tab, newline and backslash as `\ooo`.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 8).ok());
        match (bytes[i], octal) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The fields of `/proc/<pid>/status` the probes judge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Real uid.
    pub uid: Option<u64>,
    /// 0 off, 1 strict, 2 filter.
    pub seccomp: Option<u8>,
    pub seccomp_filters: Option<u32>,
    pub no_new_privs: Option<bool>,
    pub cap_eff: Option<u64>,
    pub cap_bnd: Option<u64>,
}

impl Status {
    pub fn parse(text: &str) -> Status {
        let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(':').map(str::trim));
        let first = |name: &str| field(name).and_then(|v| v.split_whitespace().next());
        let hex = |name: &str| first(name).and_then(|v| u64::from_str_radix(v, 16).ok());
        Status {
            uid: first("Uid").and_then(|v| v.parse().ok()),
            seccomp: first("Seccomp").and_then(|v| v.parse().ok()),
            seccomp_filters: first("Seccomp_filters").and_then(|v| v.parse().ok()),
            no_new_privs: first("NoNewPrivs").map(|v| v == "1"),
            cap_eff: hex("CapEff"),
            cap_bnd: hex("CapBnd"),
        }
    }
}

/// Capability bit of CAP_SYS_ADMIN.
pub const CAP_SYS_ADMIN: u32 = 21;
/// Capabilities Linux 5.9+ defines (0..=40).
pub const CAP_COUNT: u32 = 41;

/// Whether a capability mask holds `cap`.
pub fn has_cap(mask: u64, cap: u32) -> bool {
    mask & (1u64 << cap) != 0
}

/// Whether a mask holds every capability the kernel defines (what `--privileged` or a sysbox root gets).
pub fn all_caps(mask: u64) -> bool {
    let all = (1u64 << CAP_COUNT) - 1;
    mask & all == all
}

/// First number of `/proc/uptime`: seconds since that procfs's notion of boot.
pub fn parse_uptime(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// Field 22 of `/proc/<pid>/stat`: the process's start, in clock ticks after boot (`comm` may hold spaces).
pub fn parse_start_ticks(stat: &str) -> Option<u64> {
    let after_comm = &stat[stat.rfind(')')? + 1..];
    // Fields after comm start at field 3 (state); starttime is field 22.
    after_comm.split_whitespace().nth(22 - 3)?.parse().ok()
}

/// `major.minor` of a kernel release (`6.1.0-18-amd64` → (6, 1)).
pub fn kernel_version(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.trim().split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[cfg(test)]
#[path = "procfs_tests.rs"]
mod tests;
