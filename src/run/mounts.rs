//! `mounts` entries, `workspaceMount` and `-v` strings → Docker API mounts.

use super::{Result, RunError};
use crate::config::model::{MountEntry, MountObject};
use bollard::models::{Mount, MountBindOptions, MountType};

fn invalid(value: &str, reason: &str) -> RunError {
    RunError::Invalid { what: "mount", value: value.to_string(), reason: reason.to_string() }
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

/// Whether a mount hands the host's Docker engine to the container.
pub fn is_docker_socket(mount: &Mount) -> bool {
    mount.typ == Some(MountType::BIND)
        && mount.source.as_deref().is_some_and(|s| s.ends_with("docker.sock") || s == "/var/run" || s == "/run")
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
        assert!(is_docker_socket(&v));
        assert_eq!(v.read_only, Some(true));
    }
}
