//! The container's lifecycle stages → each run at its moment: once per container, on start, on attach.

use super::hooks::{self, HookContext, Stage};
use super::secrets::Secrets;
use super::up::Target;
use super::Result;
use crate::config::DevContainer;
use crate::engine::{ContainerEngine, ContainerInfo};
use crate::report::Reporter;

/// onCreate/updateContent/postCreate once per container, postStart when started, postAttach every time.
/// Which once-per-container stages already ran, as far as the caller knows without looking in the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// A container just created: none.
    Fresh,
    /// A host record says all did.
    AllDone,
    /// Ask the container's markers.
    Unknown,
}

/// Returns whether the once-per-container stages are all done.
#[allow(clippy::too_many_arguments)]
pub async fn run(engine: &dyn ContainerEngine, target: &Target, container: &ContainerInfo, started: bool, known: Known, secrets: &Secrets, reporter: &dyn Reporter) -> Result<bool> {
    let hooks_done = known == Known::AllDone;
    let ctx = HookContext {
        container_id: &container.id,
        user: &target.remote_user,
        env: hooks::resolve_remote_env(&target.config, &container.env),
        secrets: secrets.clone(),
        working_dir: &target.workspace.workspace_folder,
    };
    let stages = [Stage::OnCreate, Stage::UpdateContent, Stage::PostCreate, Stage::PostStart, Stage::PostAttach];
    let planned: Vec<(Stage, Vec<hooks::Hook>)> = stages
        .into_iter()
        .map(|s| (s, hooks::stage_hooks(s, &target.config, &target.features)))
        .filter(|(_, h)| !h.is_empty())
        .collect();
    let done = if known == Known::Unknown && planned.iter().any(|(s, _)| s.once()) { hooks::done_stages(engine, &container.id).await? } else { Vec::new() };
    for (stage, list) in planned {
        let ran_before = hooks_done || done.iter().any(|d| d == stage.property());
        let skip = (stage.once() && ran_before) || (stage == Stage::PostStart && !started);
        if skip {
            continue;
        }
        hooks::run_hooks(engine, &ctx, &list, reporter).await?;
        if stage.once() {
            hooks::mark_done(engine, &container.id, stage).await?;
        }
    }
    Ok(true)
}

/// `postAttachCommand` for a running container (on `containai ssh`), as the user and in the folder `up` recorded.
pub async fn post_attach(engine: &dyn ContainerEngine, config: &DevContainer, container: &ContainerInfo, reporter: &dyn Reporter) -> Result<()> {
    let hooks = hooks::stage_hooks(Stage::PostAttach, config, &[]);
    if hooks.is_empty() {
        return Ok(());
    }
    let label = |name: &str, default: &str| container.labels.get(name).cloned().unwrap_or_else(|| default.to_string());
    let user = label(super::LABEL_REMOTE_USER, "root");
    let folder = label(super::LABEL_WORKSPACE, "/");
    let ctx = HookContext { container_id: &container.id, user: &user, env: hooks::resolve_remote_env(config, &container.env), secrets: Secrets::default(), working_dir: &folder };
    hooks::run_hooks(engine, &ctx, &hooks, reporter).await
}
