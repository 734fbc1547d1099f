//! A config + the user's opt-ins → what may touch the host: every host-affecting setting classified (allowed,
//! needs the user's trust, refused), the runtime decided, the trust store consulted. The threat model in code;
//! docs/security.md says it in words.
//!
//! Who is trusted: the user, the command line, containai's user config. Untrusted: everything in the workspace
//! (devcontainer.json, Dockerfiles, local features, scripts, `.git`) and in images (labels). The stages ask
//! this module; it imports config types only.

pub mod assess;
pub mod caps;
pub mod classify;
pub mod compose;
pub mod egress;
pub mod mounts;
pub mod paths;
pub mod run_args;
pub mod runtime;
pub mod trust;

pub use classify::{Class, Finding, Scope, classify};
pub use runtime::{Isolation, Policy, PolicyOptions, SYSBOX};

/// Errors of the policy: refusals, each naming the setting and how to accept it where that is possible.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error(
        "the engine has no `{wanted}` runtime (it offers: {offered})\n\
         hint: install sysbox (https://github.com/nestybox/sysbox#installation) and restart dockerd so that \
         `docker info` lists `sysbox-runc`\n\
         hint: to run anyway without isolation, pass `--allow-insecure-runtime` (or set \
         `CONTAINAI_ALLOW_INSECURE_RUNTIME=1`): the container then runs under plain `runc`, and root in it is \
         root on the host"
    )]
    SysboxMissing { wanted: String, offered: String },
    #[error("the engine has no `{wanted}` runtime (it offers: {offered})\nhint: pick one of those with `--runtime`")]
    RuntimeMissing { wanted: String, offered: String },
    #[error(
        "runtime `{0}` gives the container no isolation from the host\n\
         hint: pass `--allow-insecure-runtime` (or set `CONTAINAI_ALLOW_INSECURE_RUNTIME=1`) to run it anyway"
    )]
    InsecureNotAllowed(String),
    #[error(
        "the config asks for runtime `{0}`, but a repository cannot choose the runtime by itself\n\
         hint: pass `--runtime {0}` to accept it"
    )]
    RuntimeFromConfig(String),
    #[error(
        "the build would run the repository's code under the engine's default runtime `{default}`, weaker than \
         `{chosen}`\n\
         hint: make `{chosen}` the engine's default runtime (`\"default-runtime\"` in /etc/docker/daemon.json; \
         `containai doctor` shows it)\n\
         hint: or pass `--allow-insecure-runtime` to build under `{default}` anyway"
    )]
    WeakBuildRuntime { default: String, chosen: String },
    #[error(
        "refused: the config would reach past the sandbox:\n{}\nhint: remove these; a repository cannot ask for \
         them (`--allow-unsafe-config` on the command line keeps them, and then nothing isolates the host)",
        lines(.0)
    )]
    Refused(Vec<String>),
    #[error("unsupported `runArgs`: {}\nhint: remove them, or express them with `mounts`, `containerEnv`, `capAdd` or `securityOpt`", .0.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "))]
    UnknownRunArgs(Vec<String>),
    #[error("invalid {what} `{value}`: {reason}")]
    Invalid { what: &'static str, value: String, reason: String },
    #[error(
        "workspace `{folder}` asks for host-affecting settings that you have not trusted{}:\n{changes}\n\
         hint: review them, then run `containai trust --workspace-folder {folder}`",
        if *.first { "" } else { " (they changed since you trusted it)" }
    )]
    Untrusted { folder: String, changes: String, first: bool },
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        action: &'static str,
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
}

fn lines(items: &[String]) -> String {
    items.iter().map(|l| format!("  - {l}")).collect::<Vec<_>>().join("\n")
}

impl PolicyError {
    pub(crate) fn io(action: &'static str, path: &std::path::Path) -> impl FnOnce(std::io::Error) -> PolicyError {
        let path = path.to_path_buf();
        move |source| PolicyError::Io { action, path, source }
    }
}

pub type Result<T, E = PolicyError> = std::result::Result<T, E>;
