//! Lifecycle commands (features' first, then the config's) → run in order in the container as the remote user.
//!
//! String form runs with `sh -c`, array form without a shell, object form in parallel (all must pass).
//! A failing command stops the rest and is named with its exit code. Stages that run once per container leave
//! a marker under `/var/lib/containai/hooks` so that a later `up` does not run them again.

use super::{Result, RunError};
use crate::config::model::{DevContainer, LifecycleCommand, ParallelStep};
use crate::engine::{ContainerEngine, ExecRequest};
use crate::report::Reporter;

/// Folder in the container that records the stages that ran.
pub const MARKER_DIR: &str = "/var/lib/containai/hooks";

/// The container-side lifecycle stages, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    OnCreate,
    UpdateContent,
    PostCreate,
    PostStart,
    PostAttach,
}

impl Stage {
    /// The property name (`postCreateCommand`).
    pub fn property(self) -> &'static str {
        match self {
            Stage::OnCreate => "onCreateCommand",
            Stage::UpdateContent => "updateContentCommand",
            Stage::PostCreate => "postCreateCommand",
            Stage::PostStart => "postStartCommand",
            Stage::PostAttach => "postAttachCommand",
        }
    }

    /// Runs once per container (a marker records it).
    pub fn once(self) -> bool {
        matches!(self, Stage::OnCreate | Stage::UpdateContent | Stage::PostCreate)
    }

    fn of(self, config: &DevContainer) -> Option<&LifecycleCommand> {
        match self {
            Stage::OnCreate => config.on_create_command.as_ref(),
            Stage::UpdateContent => config.update_content_command.as_ref(),
            Stage::PostCreate => config.post_create_command.as_ref(),
            Stage::PostStart => config.post_start_command.as_ref(),
            Stage::PostAttach => config.post_attach_command.as_ref(),
        }
    }
}

/// One command of a stage and who contributed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    /// `postCreateCommand` or `postCreateCommand` of feature `containai/sshd`.
    pub name: String,
    pub command: LifecycleCommand,
}

/// A stage's commands: each feature's (install order, given as `(id, devcontainer-feature.json)`), then the config's.
pub fn stage_hooks(stage: Stage, config: &DevContainer, features: &[(String, serde_json::Value)]) -> Vec<Hook> {
    let mut out = Vec::new();
    for (id, metadata) in features {
        let parsed = metadata.get(stage.property()).and_then(|v| serde_json::from_value(v.clone()).ok());
        if let Some(command) = parsed {
            out.push(Hook { name: format!("{} of feature `{id}`", stage.property()), command });
        }
    }
    if let Some(command) = stage.of(config) {
        out.push(Hook { name: stage.property().to_string(), command: command.clone() });
    }
    out
}

/// argv of one command: a string runs through `sh -c`, an array as is.
fn argv(step: &ParallelStep) -> Vec<String> {
    match step {
        ParallelStep::Shell(s) => vec!["/bin/sh".into(), "-c".into(), s.clone()],
        ParallelStep::Exec(v) => v.clone(),
    }
}

/// The named argv lists of a command (one for string and array forms, one per entry for the object form).
pub fn commands(hook: &Hook) -> Vec<(String, Vec<String>)> {
    match &hook.command {
        LifecycleCommand::Shell(s) => vec![(hook.name.clone(), argv(&ParallelStep::Shell(s.clone())))],
        LifecycleCommand::Exec(v) => vec![(hook.name.clone(), v.clone())],
        LifecycleCommand::Parallel(map) => {
            map.iter().map(|(key, step)| (format!("{} `{key}`", hook.name), argv(step))).collect()
        }
    }
}

/// Who runs the hooks and with what.
#[derive(Debug, Clone)]
pub struct HookContext<'a> {
    pub container_id: &'a str,
    pub user: &'a str,
    /// remoteEnv, resolved (`NAME=value`).
    pub env: Vec<String>,
    /// `--secrets-file`: added to the environment, masked in every line reported.
    pub secrets: super::secrets::Secrets,
    pub working_dir: &'a str,
}

/// Runs every hook of a stage; the first failure stops the rest.
pub async fn run_hooks(
    engine: &dyn ContainerEngine,
    ctx: &HookContext<'_>,
    hooks: &[Hook],
    reporter: &dyn Reporter,
) -> Result<()> {
    for hook in hooks {
        let commands = commands(hook);
        reporter.info(&format!("running {}", hook.name));
        let runs = commands.iter().map(|(name, argv)| async move {
            let request = ExecRequest {
                cmd: argv.clone(),
                user: Some(ctx.user.to_string()),
                env: ctx.env.iter().cloned().chain(ctx.secrets.env()).collect(),
                working_dir: Some(ctx.working_dir.to_string()),
            };
            (name, engine.exec(ctx.container_id, &request).await)
        });
        for (name, result) in futures_util::future::join_all(runs).await {
            let output = result?;
            let text = ctx.secrets.mask(&format!("{}{}", output.stdout, output.stderr));
            for line in text.lines() {
                reporter.info(&format!("[{name}] {line}"));
            }
            if !output.success() {
                let tail: Vec<&str> = text.lines().rev().take(20).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                return Err(RunError::Hook { hook: name.clone(), code: output.exit_code, output: tail.join("\n") });
            }
        }
    }
    Ok(())
}

/// Stages already recorded as done in the container.
pub async fn done_stages(engine: &dyn ContainerEngine, id: &str) -> Result<Vec<String>> {
    let request = ExecRequest {
        cmd: vec!["ls".into(), "-1".into(), MARKER_DIR.into()],
        user: Some("root".into()),
        ..Default::default()
    };
    let out = engine.exec(id, &request).await?;
    Ok(if out.success() { out.stdout.lines().map(str::to_string).collect() } else { Vec::new() })
}

/// Records a stage (by its property name) or the dotfiles as done.
pub async fn mark_done(engine: &dyn ContainerEngine, id: &str, what: &str) -> Result<()> {
    let script = format!("mkdir -p {MARKER_DIR} && date -u +%FT%TZ > {MARKER_DIR}/{what}");
    let request = ExecRequest {
        cmd: vec!["/bin/sh".into(), "-c".into(), script],
        user: Some("root".into()),
        ..Default::default()
    };
    let out = engine.exec(id, &request).await?;
    if !out.success() {
        return Err(RunError::Hook { hook: format!("recording {what}"), code: out.exit_code, output: out.stderr });
    }
    Ok(())
}

/// `${containerEnv:NAME}` (with an optional `:default`) in remoteEnv values → the container's value.
pub fn resolve_remote_env(
    config: &DevContainer,
    container_env: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, value) in config.remote_env.iter().flatten() {
        let Some(value) = value else { continue };
        // One pass, left to right: a replacement is never scanned again (a container value that itself holds
        // `${containerEnv:...}` used to loop for ever).
        let (mut text, mut rest) = (String::new(), value.as_str());
        while let Some(start) = rest.find("${containerEnv:") {
            let Some(len) = rest[start..].find('}') else { break };
            let inner = &rest[start + "${containerEnv:".len()..start + len];
            let (var, default) = inner.split_once(':').unwrap_or((inner, ""));
            text.push_str(&rest[..start]);
            text.push_str(container_env.get(var).map_or(default, String::as_str));
            rest = &rest[start + len + 1..];
        }
        text.push_str(rest);
        out.push(format!("{name}={text}"));
    }
    out
}

/// Runs `initializeCommand` on the host, in the workspace folder, with its output on stderr.
pub async fn run_initialize(
    command: &LifecycleCommand,
    folder: &std::path::Path,
    reporter: &dyn Reporter,
) -> Result<()> {
    let hook = Hook { name: "initializeCommand".into(), command: command.clone() };
    reporter.info("running initializeCommand on the host");
    let runs = commands(&hook).into_iter().map(|(name, argv)| async move {
        let Some((program, args)) = argv.split_first() else { return Ok((name, 0)) };
        let status = tokio::process::Command::new(program)
            .args(args)
            .current_dir(folder)
            .stdin(std::process::Stdio::null())
            .stdout(std::io::stderr())
            .status()
            .await
            .map_err(RunError::HookSpawn)?;
        Ok::<_, RunError>((name, status.code().unwrap_or(-1) as i64))
    });
    for result in futures_util::future::join_all(runs).await {
        let (name, code) = result?;
        if code != 0 {
            return Err(RunError::Hook { hook: name, code, output: String::new() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_env_substitutes_container_env_once_even_when_a_value_refers_to_itself() {
        let remote_env = [
            ("A", "${containerEnv:LOOP}/x"),
            ("B", "${containerEnv:NONE:dflt}-${containerEnv:PATH}"),
            ("C", "${containerEnv:"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Some(v.to_string())))
        .collect();
        let config = DevContainer { remote_env: Some(remote_env), ..Default::default() };
        let env: std::collections::BTreeMap<String, String> = [("LOOP", "${containerEnv:LOOP}"), ("PATH", "/bin")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        // Used to loop for ever on `LOOP`, whose value names itself.
        assert_eq!(resolve_remote_env(&config, &env), ["A=${containerEnv:LOOP}/x", "B=dflt-/bin", "C=${containerEnv:"]);
    }
}
