//! A feature's `entrypoint` → a systemd unit (and its wrapper script) that runs it at boot, for the feature layer.
//!
//! Under the reference CLI a feature's entrypoint (`/usr/local/share/docker-init.sh`, say) wraps the
//! container's command. In a system container systemd is PID 1, so containai runs each entrypoint as a
//! service instead: `ExecStart` is the entrypoint followed by `/bin/sleep infinity`, the command such scripts
//! `exec` at their end once their daemons are started. The wrapper gives it the container's environment
//! (what the engine gave PID 1: `containerEnv`, the image's `ENV`), which systemd does not pass to services.

use super::{PlanError, Result};
use crate::plan::model::ContextFile;
use serde_json::Value;

/// Name of the unit file in the build context (installed under its unit name).
pub const UNIT_FILE: &str = "containai-entrypoint.service";
/// Name of the wrapper script in the build context.
pub const WRAPPER_FILE: &str = "containai-entrypoint.sh";
/// Where wrapper scripts are installed.
pub const WRAPPER_DIR: &str = "/usr/local/share/containai/entrypoints";

/// What the feature layer installs for an entrypoint.
#[derive(Debug, Clone, PartialEq)]
pub struct EntrypointUnit {
    /// `containai-feature-<id>.service`.
    pub unit: String,
    /// Where the wrapper script goes.
    pub wrapper: String,
    /// The unit and the wrapper, for the build context.
    pub files: Vec<ContextFile>,
}

/// The unit for the entrypoint of the feature `reference` (its devcontainer-feature.json: `metadata`), if it
/// declares one: an absolute path with no whitespace, quotes or shell characters.
pub fn unit(reference: &str, metadata: &Value) -> Result<Option<EntrypointUnit>> {
    let Some(entrypoint) = metadata.get("entrypoint").and_then(|e| e.as_str()).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let plain = |c: char| !c.is_whitespace() && !c.is_control() && !"'\"\\$`;&|<>%".contains(c);
    if !entrypoint.starts_with('/') || !entrypoint.chars().all(plain) {
        return Err(PlanError::Entrypoint { feature: reference.to_string(), entrypoint: entrypoint.to_string() });
    }
    let id = metadata.get("id").and_then(|v| v.as_str()).unwrap_or(reference);
    let safe: String = id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    let unit = format!("containai-feature-{safe}.service");
    let wrapper = format!("{WRAPPER_DIR}/{safe}.sh");
    let service = format!(
        "# Written by containai: the entrypoint of the Dev Container Feature `{reference}`, run by systemd.\n\
         [Unit]\nDescription=Entrypoint of the feature {id}\nAfter=network.target\n\n\
         [Service]\nType=simple\nExecStart={wrapper}\nRestart=no\n\n[Install]\nWantedBy=multi-user.target\n",
    );
    let script = format!(
        "#!/bin/sh\n# Written by containai: runs {entrypoint} (feature `{reference}`) with the container's environment,\n\
         # then keeps it running as the entrypoint's command would.\n\
         exec xargs -0 -a /proc/1/environ sh -c 'exec env -- \"$@\" {entrypoint} /bin/sleep infinity' sh\n",
    );
    let files = vec![
        ContextFile { path: UNIT_FILE.into(), mode: 0o644, bytes: service.into_bytes() },
        ContextFile { path: WRAPPER_FILE.into(), mode: 0o755, bytes: script.into_bytes() },
    ];
    Ok(Some(EntrypointUnit { unit, wrapper, files }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_of(metadata: serde_json::Value) -> Result<Option<EntrypointUnit>> {
        unit("./x", &metadata)
    }

    #[test]
    fn an_entrypoint_becomes_a_unit_that_runs_it_with_the_container_env() {
        let unit =
            unit_of(serde_json::json!({"id": "docker-in-docker", "entrypoint": "/usr/local/share/docker-init.sh"}))
                .unwrap()
                .unwrap();
        assert_eq!(unit.unit, "containai-feature-docker-in-docker.service");
        let text =
            |name: &str| String::from_utf8(unit.files.iter().find(|c| c.path == name).unwrap().bytes.clone()).unwrap();
        assert!(
            text(UNIT_FILE).contains("ExecStart=/usr/local/share/containai/entrypoints/docker-in-docker.sh\n"),
            "{}",
            text(UNIT_FILE)
        );
        assert!(text(UNIT_FILE).contains("WantedBy=multi-user.target"));
        assert!(
            text(WRAPPER_FILE).contains("/proc/1/environ")
                && text(WRAPPER_FILE).contains("/usr/local/share/docker-init.sh /bin/sleep infinity")
        );
    }

    #[test]
    fn no_entrypoint_no_unit_and_odd_ones_are_refused() {
        assert_eq!(unit_of(serde_json::json!({"id": "x"})).unwrap(), None);
        assert_eq!(unit_of(serde_json::json!({"id": "x", "entrypoint": ""})).unwrap(), None);
        for bad in ["relative.sh", "/a b.sh", "/a';rm -rf /;'.sh", "/x\n/y", "/$(id)"] {
            let err = unit_of(serde_json::json!({"id": "x", "entrypoint": bad})).unwrap_err();
            assert!(matches!(err, PlanError::Entrypoint { .. }), "{bad}: {err}");
        }
    }
}
