//! The container's lifecycle stages → each run at its moment: once per container, on start, on attach.

use super::Result;
use super::hooks::{self, HookContext, Stage};
use super::secrets::Secrets;
use super::up::Target;
use crate::config::DevContainer;
use crate::config::model::WaitFor;
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

/// What `up`'s flags ask of the lifecycle commands.
#[derive(Debug, Clone, Default)]
pub struct Flow {
    /// `--secrets-file`: added to every command's environment.
    pub secrets: Secrets,
    /// Run nothing after this point: `--skip-non-blocking-commands` stops at `waitFor` (default
    /// `updateContentCommand`), `--prebuild` after `updateContentCommand`.
    pub stop_after: Option<WaitFor>,
    /// `--prebuild`: `updateContentCommand` runs again even when it ran before.
    pub rerun_update_content: bool,
    /// `--skip-post-attach`.
    pub skip_post_attach: bool,
    /// `--remote-env NAME=value`: over remoteEnv's, for every command.
    pub remote_env: Vec<String>,
    /// `--dotfiles-repository` and its options.
    pub dotfiles: Option<super::dotfiles::Dotfiles>,
}

impl Flow {
    /// `--skip-non-blocking-commands`: stop at the config's `waitFor`.
    pub fn until_wait_for(mut self, config: &DevContainer) -> Flow {
        self.stop_after = Some(config.wait_for.unwrap_or(WaitFor::UpdateContentCommand));
        self
    }

    /// `--prebuild`: onCreate and updateContent (again), nothing after.
    pub fn prebuild(mut self) -> Flow {
        self.stop_after = Some(WaitFor::UpdateContentCommand);
        self.rerun_update_content = true;
        self
    }
}

/// Where a point of `waitFor` falls among the stages (initializeCommand runs on the host, before all of them).
fn rank(point: WaitFor) -> usize {
    match point {
        WaitFor::InitializeCommand => 0,
        WaitFor::OnCreateCommand => 1,
        WaitFor::UpdateContentCommand => 2,
        WaitFor::PostCreateCommand => 3,
        WaitFor::PostStartCommand => 4,
    }
}

const STAGES: [Stage; 5] =
    [Stage::OnCreate, Stage::UpdateContent, Stage::PostCreate, Stage::PostStart, Stage::PostAttach];

/// What is left after [`run`], for the next `up`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Left {
    /// The once-per-container stages all ran (a stage with no command counts as run).
    pub once_done: bool,
    /// postStartCommand was due (the container was started) but `flow.stop_after` came first.
    pub post_start_due: bool,
}

/// Runs the stages due, in order, up to `flow.stop_after`; `started`: the container was started since
/// postStartCommand last ran.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    engine: &dyn ContainerEngine,
    target: &Target,
    container: &ContainerInfo,
    started: bool,
    known: Known,
    flow: &Flow,
    reporter: &dyn Reporter,
) -> Result<Left> {
    let hooks_done = known == Known::AllDone;
    let ctx = HookContext {
        container_id: &container.id,
        user: &target.remote_user,
        env: super::ops::merge_env(hooks::resolve_remote_env(&target.config, &container.env), &flow.remote_env),
        secrets: flow.secrets.clone(),
        working_dir: &target.workspace.workspace_folder,
    };
    let planned: Vec<(usize, Stage, Vec<hooks::Hook>)> = STAGES
        .into_iter()
        .enumerate()
        .map(|(i, s)| (i + 1, s, hooks::stage_hooks(s, &target.config, &target.features)))
        .collect();
    let once_planned = planned.iter().any(|(_, s, h)| s.once() && !h.is_empty());
    let ask = (known == Known::Unknown && once_planned) || (flow.dotfiles.is_some() && known != Known::Fresh);
    let done = if ask { hooks::done_stages(engine, &container.id).await? } else { Vec::new() };
    let mut left = Left { once_done: true, post_start_due: false };
    for (rank_of_stage, stage, list) in planned {
        if stage == Stage::PostStart {
            // The dotfiles come between postCreateCommand and postStartCommand, once per container.
            dotfiles(engine, &ctx, flow, &done, reporter).await?;
        }
        if list.is_empty() {
            continue;
        }
        let ran_before = hooks_done || done.iter().any(|d| d == stage.property());
        let rerun = flow.rerun_update_content && stage == Stage::UpdateContent;
        let stopped = flow.stop_after.is_some_and(|point| rank_of_stage > rank(point));
        if stopped {
            left.once_done &= !stage.once() || ran_before;
            left.post_start_due |= stage == Stage::PostStart && started;
            continue;
        }
        let skip = (stage.once() && ran_before && !rerun)
            || (stage == Stage::PostStart && !started)
            || (stage == Stage::PostAttach && flow.skip_post_attach);
        if skip {
            continue;
        }
        hooks::run_hooks(engine, &ctx, &list, reporter).await?;
        if stage.once() {
            hooks::mark_done(engine, &container.id, stage.property()).await?;
        }
    }
    Ok(left)
}

/// `--dotfiles-repository`: installed unless done before or stopped short of it (a `waitFor` up to
/// postCreateCommand, `--prebuild`); a failure is a warning, as in the reference CLI.
async fn dotfiles(
    engine: &dyn ContainerEngine,
    ctx: &HookContext<'_>,
    flow: &Flow,
    done: &[String],
    reporter: &dyn Reporter,
) -> Result<()> {
    let Some(dotfiles) = &flow.dotfiles else { return Ok(()) };
    let stopped = flow.stop_after.is_some_and(|point| rank(point) < rank(WaitFor::PostStartCommand));
    if stopped || done.iter().any(|d| d == super::dotfiles::MARKER) {
        return Ok(());
    }
    match hooks::run_hooks(engine, ctx, &[dotfiles.hook()], reporter).await {
        Ok(()) => hooks::mark_done(engine, ctx.container_id, super::dotfiles::MARKER).await,
        Err(super::RunError::Hook { code, output, .. }) => {
            reporter.warn(&format!("the dotfiles were not installed (exit code {code}): {}", output.trim()));
            Ok(())
        }
        Err(other) => Err(other),
    }
}

/// `postAttachCommand` for a running container (on `containai ssh`), as the user and in the folder `up` recorded.
pub async fn post_attach(
    engine: &dyn ContainerEngine,
    config: &DevContainer,
    container: &ContainerInfo,
    reporter: &dyn Reporter,
) -> Result<()> {
    let hooks = hooks::stage_hooks(Stage::PostAttach, config, &[]);
    if hooks.is_empty() {
        return Ok(());
    }
    let label = |name: &str, default: &str| container.labels.get(name).cloned().unwrap_or_else(|| default.to_string());
    let user = super::label_user(&container.labels)?;
    let folder = label(super::LABEL_WORKSPACE, "/");
    let ctx = HookContext {
        container_id: &container.id,
        user: &user,
        env: hooks::resolve_remote_env(config, &container.env),
        secrets: Secrets::default(),
        working_dir: &folder,
    };
    hooks::run_hooks(engine, &ctx, &hooks, reporter).await
}
