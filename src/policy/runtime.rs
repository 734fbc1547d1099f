//! Command-line opt-ins + config + the engine's runtimes → the runtime to use, or a refusal (fails closed).
//!
//! Only the user picks the runtime: a config may name `sysbox-runc` (or the runtime the command line chose),
//! nothing weaker; with sysbox-runc installed, `--allow-insecure-runtime` alone never selects runc.

use super::{PolicyError, Result};
use crate::engine::EngineInfo;
use serde::Serialize;

/// The runtime containai wants by default.
pub const SYSBOX: &str = "sysbox-runc";

/// What the container's isolation from the host is, as reported in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Isolation {
    /// sysbox-runc: root in the container is an unprivileged user on the host.
    Sysbox,
    /// gVisor: a user-space kernel.
    Gvisor,
    /// Another runtime containai knows nothing about.
    Unknown,
    /// Plain runc with the extra rights systemd and dockerd need: none to speak of.
    None,
}

/// Opt-ins, all from the command line or the environment (never from devcontainer.json).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyOptions {
    /// `--runtime NAME`.
    pub runtime: Option<String>,
    /// `--allow-insecure-runtime` / `CONTAINAI_ALLOW_INSECURE_RUNTIME=1`.
    pub allow_insecure_runtime: bool,
    /// `--allow-unsafe-config`: keep `privileged`, host namespaces, the docker socket.
    pub allow_unsafe_config: bool,
}

/// The decided runtime and what it implies for the create request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub runtime: String,
    pub isolation: Isolation,
    /// Plain runc: add what systemd and dockerd need (SYS_ADMIN, NET_ADMIN, seccomp unconfined,
    /// rw cgroup fs, tmpfs on /run), and warn.
    pub insecure_additions: bool,
    pub allow_unsafe_config: bool,
    /// The user accepted an insecure runtime (`--allow-insecure-runtime`).
    pub allow_insecure_runtime: bool,
}

impl Policy {
    /// The warning printed on stderr when the container runs without isolation.
    pub fn warning(&self) -> Option<String> {
        (self.isolation == Isolation::None).then(|| {
            format!(
                "INSECURE: running under `{}` without sysbox-runc; the container gets SYS_ADMIN, NET_ADMIN, \
                 seccomp=unconfined and a writable cgroup fs, and root in it (and in its build steps) is root on \
                 the host. Install sysbox-runc to isolate it.",
                self.runtime
            )
        })
    }
}

fn is_runc(name: &str) -> bool {
    matches!(name, "runc" | "io.containerd.runc.v2" | "io.containerd.runtime.v1.linux" | "crun")
}

/// What a runtime's name says about its isolation.
pub fn isolation_of(runtime: &str) -> Isolation {
    match runtime {
        SYSBOX => Isolation::Sysbox,
        "runsc" | "gvisor" => Isolation::Gvisor,
        r if is_runc(r) => Isolation::None,
        _ => Isolation::Unknown,
    }
}

/// Decides the runtime. `from_config` is `customizations.containai.runtime`.
pub fn decide(options: &PolicyOptions, from_config: Option<&str>, engine: &EngineInfo) -> Result<Policy> {
    let offered = || engine.runtimes.join(", ");
    let has = |name: &str| engine.runtimes.iter().any(|r| r == name);
    let runtime = match (&options.runtime, from_config) {
        (Some(cli), _) => cli.clone(),
        (None, Some(cfg)) if cfg != SYSBOX => {
            return Err(PolicyError::RuntimeFromConfig(cfg.to_string()));
        }
        (None, Some(cfg)) => cfg.to_string(),
        (None, None) if !has(SYSBOX) && options.allow_insecure_runtime => "runc".to_string(),
        (None, None) => SYSBOX.to_string(),
    };
    if !has(&runtime) {
        return Err(if runtime == SYSBOX {
            PolicyError::SysboxMissing { wanted: runtime, offered: offered() }
        } else {
            PolicyError::RuntimeMissing { wanted: runtime, offered: offered() }
        });
    }
    let isolation = isolation_of(&runtime);
    if isolation == Isolation::None && !options.allow_insecure_runtime {
        return Err(PolicyError::InsecureNotAllowed(runtime));
    }
    Ok(Policy {
        insecure_additions: isolation == Isolation::None,
        runtime,
        isolation,
        allow_unsafe_config: options.allow_unsafe_config,
        allow_insecure_runtime: options.allow_insecure_runtime,
    })
}

/// Whether the engine's builds (which run under its default runtime) may run the repository's code for a
/// container under `policy`: never under a weaker runtime than the container's, unless the user accepted an
/// insecure runtime — then the warning to print. An engine that does not say its default is taken as `runc`.
pub fn check_build_runtime(policy: &Policy, engine: &EngineInfo) -> Result<Option<String>> {
    let default = if engine.default_runtime.is_empty() { "runc" } else { engine.default_runtime.as_str() };
    if default == policy.runtime || isolation_of(default) == Isolation::Sysbox {
        return Ok(None);
    }
    if !policy.allow_insecure_runtime {
        return Err(PolicyError::WeakBuildRuntime { default: default.into(), chosen: policy.runtime.clone() });
    }
    Ok(Some(format!(
        "INSECURE: the build runs the repository's Dockerfile and feature scripts under the engine's default \
         runtime `{default}`, not `{}`: root in a build step is root on the host",
        policy.runtime
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(runtimes: &[&str]) -> EngineInfo {
        EngineInfo { runtimes: runtimes.iter().map(|s| s.to_string()).collect(), ..Default::default() }
    }

    fn opts(runtime: Option<&str>, insecure: bool) -> PolicyOptions {
        PolicyOptions { runtime: runtime.map(Into::into), allow_insecure_runtime: insecure, ..Default::default() }
    }

    #[test]
    fn sysbox_is_the_default() {
        let p = decide(&opts(None, false), None, &engine(&["runc", SYSBOX])).unwrap();
        assert_eq!((p.runtime.as_str(), p.isolation, p.insecure_additions), (SYSBOX, Isolation::Sysbox, false));
        assert!(p.warning().is_none());
    }

    #[test]
    fn the_insecure_flag_does_not_downgrade_when_sysbox_is_there() {
        let p = decide(&opts(None, true), None, &engine(&["runc", SYSBOX])).unwrap();
        assert_eq!(p.runtime, SYSBOX);
    }

    #[test]
    fn no_sysbox_fails_closed_with_install_and_override_hints() {
        let err = decide(&opts(None, false), None, &engine(&["runc"])).unwrap_err().to_string();
        assert!(err.contains("no `sysbox-runc` runtime"), "{err}");
        assert!(err.contains("install sysbox"), "{err}");
        assert!(err.contains("--allow-insecure-runtime"), "{err}");
    }

    #[test]
    fn runc_needs_the_opt_in_and_then_reports_no_isolation() {
        let err = decide(&opts(Some("runc"), false), None, &engine(&["runc"])).unwrap_err();
        assert!(matches!(err, PolicyError::InsecureNotAllowed(_)));
        let p = decide(&opts(None, true), None, &engine(&["runc"])).unwrap();
        assert_eq!((p.runtime.as_str(), p.isolation, p.insecure_additions), ("runc", Isolation::None, true));
        assert!(p.warning().unwrap().contains("INSECURE"));
    }

    #[test]
    fn the_config_cannot_choose_a_weaker_runtime_by_itself() {
        let err = decide(&opts(None, false), Some("runc"), &engine(&["runc", SYSBOX])).unwrap_err();
        assert!(matches!(err, PolicyError::RuntimeFromConfig(_)), "{err}");
        let err = decide(&opts(None, false), Some("runsc"), &engine(&["runsc", SYSBOX])).unwrap_err();
        assert!(matches!(err, PolicyError::RuntimeFromConfig(_)), "{err}");
        let p = decide(&opts(Some("runsc"), false), Some("runsc"), &engine(&["runsc"])).unwrap();
        assert_eq!(p.isolation, Isolation::Gvisor);
        // The insecure flag (say, exported in a shell profile) does not let a config pick runc.
        for runtimes in [&["runc", SYSBOX][..], &["runc"][..]] {
            let err = decide(&opts(None, true), Some("runc"), &engine(runtimes)).unwrap_err();
            assert!(matches!(err, PolicyError::RuntimeFromConfig(_)), "{err}");
        }
    }

    #[test]
    fn builds_never_run_under_a_weaker_runtime_than_the_container() {
        let mut info = engine(&["runc", "runsc", SYSBOX]);
        let sysbox = decide(&opts(None, false), None, &info).unwrap();
        info.default_runtime = "runc".into();
        let err = check_build_runtime(&sysbox, &info).unwrap_err();
        assert!(matches!(err, PolicyError::WeakBuildRuntime { .. }), "{err}");
        assert!(err.to_string().contains("`containai doctor`"), "{err}");
        let gvisor = decide(&opts(Some("runsc"), false), None, &info).unwrap();
        assert!(check_build_runtime(&gvisor, &info).is_err());
        let gvisor_insecure = decide(&opts(Some("runsc"), true), None, &info).unwrap();
        assert!(check_build_runtime(&gvisor_insecure, &info).unwrap().unwrap().contains("INSECURE"));
        let runc = decide(&opts(Some("runc"), true), None, &info).unwrap();
        assert_eq!(check_build_runtime(&runc, &info).unwrap(), None, "as insecure as the run: said by the run");
        info.default_runtime = SYSBOX.into();
        assert_eq!(check_build_runtime(&sysbox, &info).unwrap(), None);
    }

    #[test]
    fn a_missing_named_runtime_lists_what_the_engine_has() {
        let err = decide(&opts(Some("runsc"), false), None, &engine(&["runc"])).unwrap_err().to_string();
        assert!(err.contains("no `runsc` runtime (it offers: runc)"), "{err}");
    }
}
