//! A Compose config through the stages: the project resolved by Compose → its policy and the user's trust, with
//! devcontainer.json's → the primary service's image with the features (the plan and build of any config) →
//! the project up through Compose, its primary service created from a single container's exact request.

use super::{ImageSettings, Result, UpDone, cache_lock, target};
use crate::compose::{self, ComposeEngine, Project, Tool};
use crate::config::Loaded;
use crate::config::model::ConfigKind;
use crate::engine::{ContainerEngine, ImageEngine};
use crate::policy::assess::{self, Assessment};
use crate::registry::ManifestProbe;
use crate::report::Reporter;
use crate::run::up::UpOptions;

/// A Compose workspace as the stages see it.
#[derive(Debug, Clone)]
pub struct ComposeView {
    pub tool: Tool,
    pub project: Project,
    /// The config of the primary service alone (an `image` or a Dockerfile config).
    pub primary: Loaded,
}

/// Resolves the workspace's Compose project (Compose reads the files; nothing is created).
pub async fn view(loaded: &Loaded) -> Result<ComposeView> {
    let tool = compose::cli::detect().await?;
    let project = compose::project::load(loaded, &tool).await?;
    let primary = compose::service::primary_config(loaded, &project)?;
    Ok(ComposeView { tool, project, primary })
}

/// The config the plan and the build start from: the primary service's for a Compose config, else itself.
pub async fn planned_config(loaded: &Loaded) -> Result<Option<Loaded>> {
    match loaded.model.kind() {
        Some(ConfigKind::Compose) => Ok(Some(view(loaded).await?.primary)),
        _ => Ok(None),
    }
}

/// The policy's findings and the trust fingerprint of any workspace: a Compose config's project and the
/// `env_file`s of its sources are assessed with devcontainer.json.
pub async fn assess_workspace(loaded: &Loaded, user_mounts: &[String]) -> Result<Assessment> {
    if loaded.model.kind() != Some(ConfigKind::Compose) {
        return Ok(assess::assess(&loaded.model, &loaded.workspace, &loaded.local_env, user_mounts, &[])?);
    }
    let view = view(loaded).await?;
    assess_project(loaded, &view.project, user_mounts)
}

fn assess_project(loaded: &Loaded, project: &Project, user_mounts: &[String]) -> Result<Assessment> {
    let env_files = crate::config::compose::env_files(&project.files).map_err(compose::ComposeError::from)?;
    Ok(assess::assess_compose(
        &loaded.model,
        &loaded.workspace,
        &loaded.local_env,
        user_mounts,
        &project.config,
        &env_files,
    )?)
}

/// `up` of a Compose workspace: the project's policy and the trust before anything runs, `initializeCommand`,
/// the primary service's image, then the project up through Compose and the primary set up as any container.
pub async fn up<E: ImageEngine + ContainerEngine>(
    loaded: &Loaded,
    engine: &E,
    probe: &dyn ManifestProbe,
    reporter: &dyn Reporter,
    settings: &ImageSettings,
    options: &UpOptions,
    build_no_cache: bool,
) -> Result<UpDone> {
    let view = view(loaded).await?;
    let assessment = assess_project(loaded, &view.project, &options.extra_mounts)?;
    let warnings = crate::run::up::enforce(&assessment, &loaded.workspace, options)?;
    let primary = &view.primary;
    let policy =
        crate::run::up::preflight_with(engine, &primary.model, &primary.workspace, warnings, options, reporter).await?;
    // Egress fails closed: until Compose projects can be put behind the proxy, only the user opens it for them.
    if super::egress_policy(&loaded.model, options)?.mode != crate::policy::egress::Mode::Open {
        return Err(compose::ComposeError::EgressUnsupported.into());
    }
    reporter.warn("egress is `open`: the Compose project may reach any host, the metadata address and your network");
    if let Some(command) = &loaded.model.initialize_command {
        crate::run::hooks::run_initialize(command, &loaded.workspace.local_workspace_folder, reporter).await?;
    }
    let _cache = cache_lock(&options.config_dir).await?;
    let no_cache = build_no_cache && crate::run::up::find(engine, &loaded.workspace).await?.is_none();
    let settings = ImageSettings { no_cache, config_dir: Some(options.config_dir.clone()), ..settings.clone() };
    let target = target(primary, engine, probe, reporter, &settings, policy.allow_unsafe_config).await?;
    compose::remember(&options.config_dir, &loaded.workspace, &view.project)?;
    reporter.info(&format!(
        "Compose project `{}` ({} {}), primary service `{}`",
        view.project.name, view.tool.program, view.tool.version, view.project.service
    ));
    let composed = ComposeEngine {
        inner: engine,
        tool: view.tool.clone(),
        project: view.project.clone(),
        file: compose::project_file_path(&options.config_dir, &loaded.workspace),
    };
    let result = crate::run::up(&composed, &target, &policy, options, reporter).await?;
    Ok(UpDone { result: serde_json::to_value(&result).unwrap_or_default(), target: Some(target) })
}
