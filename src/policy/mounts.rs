//! `mounts` entries, `workspaceMount` and `-v` strings → Docker API mounts.

use super::{PolicyError, Result};
use crate::config::model::{MountEntry, MountObject};
use bollard::models::{Mount, MountBindOptions, MountType};

fn invalid(value: &str, reason: &str) -> PolicyError {
    PolicyError::Invalid { what: "mount", value: value.to_string(), reason: reason.to_string() }
}

fn kind(value: &str, kind: &str) -> Result<MountType> {
    Ok(match kind {
        "bind" => MountType::BIND,
        "volume" => MountType::VOLUME,
        "tmpfs" => MountType::TMPFS,
        other => return Err(invalid(value, &format!("unsupported type `{other}`"))),
    })
}

/// Parses the Docker `--mount` form: `type=bind,source=/a,target=/b[,readonly][,consistency=...]`.
pub fn parse_mount(value: &str) -> Result<Mount> {
    let mut mount = Mount { typ: Some(MountType::VOLUME), ..Default::default() };
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, val) = part.split_once('=').unwrap_or((part, ""));
        match key {
            "type" => mount.typ = Some(kind(value, val)?),
            "source" | "src" => mount.source = Some(val.to_string()),
            "target" | "destination" | "dst" => mount.target = Some(val.to_string()),
            "readonly" | "ro" => mount.read_only = Some(val.is_empty() || val == "true" || val == "1"),
            "consistency" | "external" => {}
            "bind-propagation" => {
                let propagation = serde_json::from_value(serde_json::Value::String(val.into()))
                    .map_err(|_| invalid(value, &format!("bad `bind-propagation={val}`")))?;
                mount.bind_options = Some(MountBindOptions { propagation, ..Default::default() });
            }
            other => return Err(invalid(value, &format!("unknown option `{other}`"))),
        }
    }
    if mount.target.as_deref().unwrap_or("").is_empty() {
        return Err(invalid(value, "no `target`"));
    }
    if mount.typ == Some(MountType::BIND) && mount.source.as_deref().unwrap_or("").is_empty() {
        return Err(invalid(value, "a bind mount needs a `source`"));
    }
    Ok(mount)
}

/// Parses the `-v`/`--volume` form: `source:target[:ro|rw|...]` (a source without `/` is a named volume).
pub fn parse_volume(value: &str) -> Result<Mount> {
    let parts: Vec<&str> = value.split(':').collect();
    let (source, target, opts) = match parts.as_slice() {
        [target] => (None, *target, ""),
        [source, target] => (Some(*source), *target, ""),
        [source, target, opts] => (Some(*source), *target, *opts),
        _ => return Err(invalid(value, "expected `source:target[:options]`")),
    };
    if !target.starts_with('/') {
        return Err(invalid(value, "the target must be an absolute path in the container"));
    }
    let typ = match source {
        Some(s) if s.starts_with('/') || s.starts_with('.') || s.starts_with('~') => MountType::BIND,
        _ => MountType::VOLUME,
    };
    Ok(Mount {
        typ: Some(typ),
        source: source.map(str::to_string),
        target: Some(target.to_string()),
        read_only: opts.split(',').any(|o| o == "ro").then_some(true),
        ..Default::default()
    })
}

/// One `mounts` entry, string or object form.
pub fn from_entry(entry: &MountEntry) -> Result<Mount> {
    match entry {
        MountEntry::Text(text) => parse_mount(text),
        MountEntry::Object(MountObject { kind: k, source, target }) => {
            let text = format!("type={k},target={target}");
            let mut mount = Mount { typ: Some(kind(&text, k)?), target: Some(target.clone()), ..Default::default() };
            mount.source = source.clone().filter(|s| !s.is_empty());
            if mount.typ == Some(MountType::BIND) && mount.source.is_none() {
                return Err(invalid(&text, "a bind mount needs a `source`"));
            }
            Ok(mount)
        }
    }
}

/// Engine sockets (Docker, containerd, Podman): whoever can write to one is root on the host.
const ENGINE_SOCKETS: [&str; 4] = ["docker.sock", "containerd.sock", "podman.sock", "dockershim.sock"];
/// Folders whose bind mount carries the usual engine sockets with it (`/var/run` is a link to `/run`).
const SOCKET_FOLDERS: [&str; 4] = ["/", "/run", "/var", "/var/run"];

/// A bind source as the kernel will see it: `.` and `..` resolved lexically, slashes collapsed.
fn lexical(source: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in source.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

fn names_engine_socket(path: &str) -> bool {
    let path = lexical(path);
    ENGINE_SOCKETS.iter().any(|s| path.ends_with(&format!("/{s}")))
        || SOCKET_FOLDERS.contains(&path.as_str())
        || path.starts_with("/run/containerd")
        || path.starts_with("/var/run/containerd")
}

/// Whether a mount hands the host's container engine to the container: a bind of an engine socket, or of a
/// folder that holds one, however the path is spelled (`//var/run/`, `/tmp/../run`) or linked (a workspace
/// symlink to the socket is resolved when it exists on this host).
pub fn is_docker_socket(mount: &Mount) -> bool {
    if mount.typ != Some(MountType::BIND) {
        return false;
    }
    let Some(source) = mount.source.as_deref() else { return false };
    names_engine_socket(source)
        || std::fs::canonicalize(source).is_ok_and(|real| names_engine_socket(&real.to_string_lossy()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mount_string_form_parses_with_aliases() {
        let m = parse_mount("type=bind,src=/a,dst=/b,readonly,consistency=cached").unwrap();
        assert_eq!((m.source.as_deref(), m.target.as_deref(), m.read_only), (Some("/a"), Some("/b"), Some(true)));
        assert_eq!(m.typ, Some(MountType::BIND));
        let v = parse_mount("source=cache,target=/cache,type=volume").unwrap();
        assert_eq!(v.typ, Some(MountType::VOLUME));
    }

    #[test]
    fn bad_mounts_say_why() {
        assert!(parse_mount("type=bind,target=/b").unwrap_err().to_string().contains("needs a `source`"));
        assert!(parse_mount("type=nfs,target=/b").unwrap_err().to_string().contains("unsupported type `nfs`"));
        assert!(parse_mount("source=/a").unwrap_err().to_string().contains("no `target`"));
    }

    #[test]
    fn the_object_form_and_volume_form_parse() {
        let obj = MountObject { kind: "volume".into(), source: Some("data".into()), target: "/data".into() };
        let m = from_entry(&MountEntry::Object(obj)).unwrap();
        assert_eq!((m.source.as_deref(), m.typ), (Some("data"), Some(MountType::VOLUME)));
        let v = parse_volume("/var/run/docker.sock:/var/run/docker.sock:ro").unwrap();
        for bad in ["", "/src:", "/src:relative", "name:"] {
            assert!(parse_volume(bad).is_err(), "{bad:?} has no absolute target"); // fuzz/regressions/mounts/empty
        }
        assert!(is_docker_socket(&v));
        assert_eq!(v.read_only, Some(true));
    }

    #[test]
    fn the_engine_socket_is_found_however_it_is_spelled_or_linked() {
        let bind = |source: &str| parse_mount(&format!("type=bind,source={source},target=/x")).unwrap();
        for source in [
            "/var/run/docker.sock",
            "//var//run/docker.sock",
            "/var/run/./docker.sock",
            "/tmp/../run/docker.sock",
            "/var/run/",
            "/run/",
            "/",
            "/var",
            "/run/containerd/containerd.sock",
            "/run/user/1000/podman/podman.sock",
        ] {
            assert!(is_docker_socket(&bind(source)), "{source}");
        }
        for source in ["/home/u/project", "/var/lib/data", "/run-things", "/srv/docker.socket-notes"] {
            assert!(!is_docker_socket(&bind(source)), "{source}");
        }
        // A named volume called like the socket is no bind of the host's file.
        assert!(!is_docker_socket(&parse_mount("type=volume,source=docker.sock,target=/x").unwrap()));
        // A workspace symlink to the socket (an agent can create one) is resolved.
        let tmp = tempfile::tempdir().unwrap();
        let socket_dir = tmp.path().join("real-run");
        std::fs::create_dir(&socket_dir).unwrap();
        std::fs::write(socket_dir.join("docker.sock"), "").unwrap();
        let link = tmp.path().join("innocent");
        std::os::unix::fs::symlink(socket_dir.join("docker.sock"), &link).unwrap();
        assert!(is_docker_socket(&bind(link.to_str().unwrap())));
    }
}
