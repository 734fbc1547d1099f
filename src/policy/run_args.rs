//! `runArgs` (docker run flags) → typed create options; flags with no mapping → an error listing them all.

use super::mounts;
use super::{PolicyError, Result};
use bollard::models::{Mount, MountType, ResourcesUlimits};

/// What `runArgs` asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunArgs {
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub security_opt: Vec<String>,
    pub privileged: bool,
    pub init: Option<bool>,
    pub network: Option<String>,
    pub pid: Option<String>,
    pub userns: Option<String>,
    pub ipc: Option<String>,
    pub uts: Option<String>,
    pub cgroupns: Option<String>,
    pub env: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub add_hosts: Vec<String>,
    pub devices: Vec<String>,
    pub dns: Vec<String>,
    pub hostname: Option<String>,
    pub memory: Option<i64>,
    pub nano_cpus: Option<i64>,
    pub shm_size: Option<i64>,
    pub pids_limit: Option<i64>,
    pub ulimits: Vec<ResourcesUlimits>,
    pub mounts: Vec<Mount>,
    pub tmpfs: Vec<(String, String)>,
    pub sysctls: Vec<(String, String)>,
    pub publish: Vec<String>,
    pub group_add: Vec<String>,
    pub read_only: bool,
    pub runtime: Option<String>,
    pub name: Option<String>,
}

const BOOL_FLAGS: &[&str] =
    &["--privileged", "--init", "--read-only", "--rm", "-d", "--detach", "-t", "--tty", "-i", "--interactive"];

fn bytes(flag: &str, value: &str) -> Result<i64> {
    let lower = value.to_ascii_lowercase();
    let (num, unit) = lower.trim_end_matches('b').split_at(
        lower
            .trim_end_matches('b')
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(lower.trim_end_matches('b').len()),
    );
    let mult: f64 = match unit {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(PolicyError::Invalid {
                what: "size",
                value: format!("{flag}={value}"),
                reason: "unknown unit".into(),
            });
        }
    };
    let n: f64 = num.parse().map_err(|_| PolicyError::Invalid {
        what: "size",
        value: format!("{flag}={value}"),
        reason: "not a number".into(),
    })?;
    Ok((n * mult) as i64)
}

/// Go's `strconv.ParseBool`, which Docker's flag parser uses for `--privileged=1` and the like.
fn parse_bool(flag: &str, value: &str) -> Result<bool> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(PolicyError::Invalid {
            what: "flag value",
            value: format!("{flag}={value}"),
            reason: "expected true or false".into(),
        }),
    }
}

fn pair(value: &str) -> (String, String) {
    let (k, v) = value.split_once('=').unwrap_or((value, ""));
    (k.to_string(), v.to_string())
}

fn ulimit(value: &str) -> Result<ResourcesUlimits> {
    let bad =
        || PolicyError::Invalid { what: "ulimit", value: value.into(), reason: "expected `name=soft[:hard]`".into() };
    let (name, limits) = value.split_once('=').ok_or_else(bad)?;
    let (soft, hard) = limits.split_once(':').unwrap_or((limits, limits));
    Ok(ResourcesUlimits {
        name: Some(name.into()),
        soft: Some(soft.parse().map_err(|_| bad())?),
        hard: Some(hard.parse().map_err(|_| bad())?),
    })
}

impl RunArgs {
    fn apply(&mut self, flag: &str, value: &str) -> Result<bool> {
        let v = value.to_string();
        match flag {
            "--cap-add" => self.cap_add.push(v),
            "--cap-drop" => self.cap_drop.push(v),
            "--security-opt" => self.security_opt.push(v),
            "--network" | "--net" => self.network = Some(v),
            "--pid" => self.pid = Some(v),
            "--userns" => self.userns = Some(v),
            "--ipc" => self.ipc = Some(v),
            "--uts" => self.uts = Some(v),
            "--cgroupns" => self.cgroupns = Some(v),
            "-e" | "--env" => self.env.push(v),
            "-l" | "--label" => self.labels.push(pair(value)),
            "--add-host" => self.add_hosts.push(v),
            "--device" => self.devices.push(v),
            "--dns" => self.dns.push(v),
            "-h" | "--hostname" => self.hostname = Some(v),
            "-m" | "--memory" => self.memory = Some(bytes(flag, value)?),
            "--shm-size" => self.shm_size = Some(bytes(flag, value)?),
            "--pids-limit" => self.pids_limit = value.parse().ok(),
            "--cpus" => {
                let cpus: f64 = value.parse().map_err(|_| PolicyError::Invalid {
                    what: "cpus",
                    value: v.clone(),
                    reason: "not a number".into(),
                })?;
                self.nano_cpus = Some((cpus * 1e9) as i64);
            }
            "--ulimit" => self.ulimits.push(ulimit(value)?),
            "--mount" => self.mounts.push(mounts::parse_mount(value)?),
            "-v" | "--volume" => self.mounts.push(mounts::parse_volume(value)?),
            "--tmpfs" => {
                let (path, opts) = value.split_once(':').unwrap_or((value, ""));
                self.tmpfs.push((path.into(), opts.into()));
            }
            "--sysctl" => self.sysctls.push(pair(value)),
            "-p" | "--publish" => self.publish.push(v),
            "--group-add" => self.group_add.push(v),
            "--runtime" => self.runtime = Some(v),
            "--name" => self.name = Some(v),
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn apply_bool(&mut self, flag: &str, on: bool) {
        match flag {
            "--privileged" => self.privileged = on,
            "--init" => self.init = Some(on),
            "--read-only" => self.read_only = on,
            _ => {} // --rm, -d, -t, -i: how containai runs the container anyway
        }
    }

    /// Whether a bind mount of the docker socket is among the mounts.
    pub fn mounts_docker_socket(&self) -> bool {
        self.mounts.iter().any(mounts::is_docker_socket)
            || self
                .mounts
                .iter()
                .any(|m| m.typ == Some(MountType::BIND) && m.target.as_deref() == Some("/var/run/docker.sock"))
    }
}

/// Parses `runArgs`. Every flag that has no mapping is collected and reported at once.
pub fn parse(args: &[String]) -> Result<RunArgs> {
    let mut out = RunArgs::default();
    let mut unknown = Vec::new();
    let mut iter = args.iter().peekable();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f, Some(v)),
            _ => (arg.as_str(), None),
        };
        if BOOL_FLAGS.contains(&flag) {
            out.apply_bool(flag, inline.map_or(Ok(true), |v| parse_bool(flag, v))?);
            continue;
        }
        let value = match inline {
            Some(v) => v.to_string(),
            None if flag.starts_with('-') => match iter.peek() {
                Some(next) if !next.starts_with('-') => iter.next().unwrap().clone(),
                _ => {
                    unknown.push(arg.clone());
                    continue;
                }
            },
            None => {
                unknown.push(arg.clone());
                continue;
            }
        };
        if !out.apply(flag, &value)? {
            unknown.push(format!("{flag} {value}"));
        }
    }
    if unknown.is_empty() { Ok(out) } else { Err(PolicyError::UnknownRunArgs(unknown)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn both_spellings_of_a_flag_map_to_options() {
        let r = parse(&args(&[
            "--cap-add=SYS_PTRACE",
            "--cap-add",
            "NET_RAW",
            "-e",
            "A=1",
            "--memory=2g",
            "--cpus",
            "1.5",
        ]))
        .unwrap();
        assert_eq!(r.cap_add, vec!["SYS_PTRACE", "NET_RAW"]);
        assert_eq!(r.env, vec!["A=1"]);
        assert_eq!(r.memory, Some(2 * 1024 * 1024 * 1024));
        assert_eq!(r.nano_cpus, Some(1_500_000_000));
    }

    #[test]
    fn unknown_flags_are_all_listed() {
        let err = parse(&args(&["--gpus", "all", "--frobnicate", "--init", "--platform=linux/amd64"])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`--gpus all`")
                && text.contains("`--frobnicate`")
                && text.contains("`--platform linux/amd64`"),
            "{text}"
        );
    }

    #[test]
    fn boolean_flags_take_every_spelling_docker_takes() {
        for on in ["--privileged", "--privileged=1", "--privileged=True", "--privileged=t"] {
            assert!(parse(&args(&[on])).unwrap().privileged, "{on}");
        }
        assert!(!parse(&args(&["--privileged", "--privileged=0"])).unwrap().privileged);
        assert_eq!(parse(&args(&["--init=FALSE"])).unwrap().init, Some(false));
        let err = parse(&args(&["--privileged=yes"])).unwrap_err().to_string();
        assert!(err.contains("--privileged=yes"), "{err}");
    }

    #[test]
    fn host_namespaces_privileged_and_the_socket_are_visible() {
        let r = parse(&args(&[
            "--privileged",
            "--net=host",
            "--pid",
            "host",
            "-v",
            "/var/run/docker.sock:/var/run/docker.sock",
        ]))
        .unwrap();
        assert!(r.privileged && r.mounts_docker_socket());
        assert_eq!((r.network.as_deref(), r.pid.as_deref()), (Some("host"), Some("host")));
    }
}
