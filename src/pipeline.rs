//! A loaded config → features resolved → plan → image built → the container up: the stages in sequence, the
//! one place that sequences them, generic over the engine traits so that the whole path runs on the recording
//! fakes as well as on Docker. The CLI turns arguments into these calls and prints what they return.

use crate::config::Loaded;
use crate::config::model::ConfigKind;
use crate::context::from_images::from_images;
use crate::engine::{ContainerEngine, ImageEngine};
use crate::features::oci::RemoteOptions;
use crate::features::{self, ResolvedFeature};
use crate::image::{self, BuildOptions, BuildOutcome, CacheOptions};
use crate::plan::{self, BaseInput, BuildPlan, HostUser, cache_tag};
use crate::registry::ManifestProbe;
use crate::report::{LayerSource, Reporter};
use crate::run::up::{Target, UpOptions, wants_ssh};
use serde_json::json;
use std::path::{Path, PathBuf};

#[path = "pipeline_compose.rs"]
pub mod compose;

/// The built-in feature that provides sshd.
pub const SSHD_FEATURE: &str = "containai/sshd";

/// Errors of any stage, as the pipeline met them.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Features(#[from] features::FeatureError),
    #[error(transparent)]
    Plan(#[from] plan::PlanError),
    #[error(transparent)]
    Image(#[from] image::BuildError),
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    #[error(transparent)]
    Lock(#[from] crate::lock::LockError),
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[error(transparent)]
    Compose(#[from] crate::compose::ComposeError),
    #[error(transparent)]
    Agent(#[from] crate::agents::AgentError),
    #[error("cannot tell which user runs containai: {0}")]
    HostUser(std::io::Error),
}

pub type Result<T, E = PipelineError> = std::result::Result<T, E>;

/// How the image is made: the registry cache, remote features, the layer cache, where the locks live.
#[derive(Debug, Clone, Default)]
pub struct ImageSettings {
    pub remote: RemoteOptions,
    pub cache: CacheOptions,
    pub no_cache: bool,
    /// `--image-name`s.
    pub image_names: Vec<String>,
    /// containai's config folder (layer locks, the cache lock).
    pub config_dir: Option<PathBuf>,
    /// The CA certificates the user named (user config, `--ca-certificate`): a `ca` layer after the system one.
    pub ca: plan::ca::CaCertificates,
}

impl ImageSettings {
    fn build_options(&self) -> BuildOptions {
        BuildOptions {
            no_cache: self.no_cache,
            image_names: self.image_names.clone(),
            lock_dir: self.config_dir.clone(),
            pulls: self.pulls(),
            ..Default::default()
        }
    }

    /// Base images are pulled as remote features are fetched: offline or not, through the same mirrors.
    fn pulls(&self) -> image::PullOptions {
        image::PullOptions { offline: self.remote.offline, mirrors: self.remote.mirrors.clone() }
    }
}

/// The images the build starts from, pulled when the engine lacks them: an `image` config's image, or the
/// images a Dockerfile builds `FROM`. The plan keys the base by their ids (and reads an image's label), so a tag
/// pulled anew is a new base.
async fn pull_base(
    loaded: &Loaded,
    engine: &dyn ImageEngine,
    reporter: &dyn Reporter,
    settings: &ImageSettings,
) -> Result<()> {
    let images = match loaded.model.kind() {
        Some(ConfigKind::Image) => loaded.model.image.iter().cloned().collect(),
        Some(ConfigKind::Dockerfile) => {
            let base = plan::DockerfileBase::from_config(loaded, String::new())?;
            from_images(&base.text, &base.build_args, base.target.as_deref())
        }
        _ => Vec::new(),
    };
    image::pull::ensure(&images, engine, reporter, &settings.pulls()).await?;
    Ok(())
}

/// Adds `containai/sshd` to the features when ssh is wanted and the config does not have it; says whether it did.
pub fn ensure_sshd(loaded: &mut Loaded) -> bool {
    if !wants_ssh(&loaded.model) {
        return false;
    }
    let features = loaded.model.features.get_or_insert_with(Default::default);
    if features.contains_key(SSHD_FEATURE) {
        return false;
    }
    features.insert(SSHD_FEATURE.to_string(), json!({}));
    true
}

/// The cache lock, shared with other builds and `up`s, exclusive to `containai gc`: no layer is collected while
/// it is built upon, or between its build and the container `up` creates from it.
pub async fn cache_lock(config_dir: &Path) -> Result<crate::lock::FileLock> {
    Ok(crate::lock::acquire(config_dir, crate::lock::CACHE_LOCK, false).await?)
}

/// The config's features resolved (the lockfile beside the config written when it changes). When containai's
/// lockfile write changes a file the user's trust covers (an `initializeCommand` sweeps the config folder), the
/// trust record follows that write.
fn resolve_features(
    loaded: &Loaded,
    settings: &ImageSettings,
    reporter: &dyn Reporter,
) -> Result<Vec<ResolvedFeature>> {
    use crate::policy::trust;
    let lock_path = features::oci::lockfile::path_for(&loaded.workspace.config_file);
    let before = trust::entry_of(&lock_path)?;
    let resolved = features::resolve_reporting(loaded, &settings.remote, reporter)?;
    if let Some(dir) = &settings.config_dir {
        trust::follow_own_write(&trust::default_store(dir), &loaded.model, &loaded.workspace, &lock_path, before)?;
    }
    Ok(resolved)
}

fn plan_over(
    loaded: &Loaded,
    features: &[ResolvedFeature],
    base: &BaseInput,
    settings: &ImageSettings,
    reporter: &dyn Reporter,
) -> Result<BuildPlan> {
    let host = HostUser::current().map_err(PipelineError::HostUser)?;
    Ok(plan::plan_with_ca(loaded, features, base, &host, &settings.ca, reporter)?)
}

/// Features → base → plan. The engine is asked for the base image's id (pulled when it lacks it, unless offline)
/// and, for a Dockerfile config, whether its image is built yet; nothing is built.
pub async fn plan_workspace(
    loaded: &Loaded,
    engine: &dyn ImageEngine,
    reporter: &dyn Reporter,
    settings: &ImageSettings,
) -> Result<BuildPlan> {
    // A Compose config is planned as its primary service's image with the features.
    let primary = compose::planned_config(loaded).await?;
    let loaded = primary.as_ref().unwrap_or(loaded);
    plan::check_supported(loaded)?;
    let features = resolve_features(loaded, settings, reporter)?;
    pull_base(loaded, engine, reporter, settings).await?;
    let base = plan::base::resolve(loaded, engine, settings.no_cache).await?;
    plan_over(loaded, &features, &base, settings, reporter)
}

/// Plans and builds the workspace's image under the cache lock (what `containai build` does).
pub async fn build_workspace(
    loaded: &Loaded,
    engine: &dyn ImageEngine,
    probe: &dyn ManifestProbe,
    reporter: &dyn Reporter,
    settings: &ImageSettings,
) -> Result<(BuildPlan, BuildOutcome)> {
    let primary = compose::planned_config(loaded).await?;
    let loaded = primary.as_ref().unwrap_or(loaded);
    plan::check_supported(loaded)?;
    let _cache = match &settings.config_dir {
        Some(dir) => Some(cache_lock(dir).await?),
        None => None,
    };
    let features = resolve_features(loaded, settings, reporter)?;
    build_resolved(loaded, &features, engine, probe, reporter, settings).await
}

/// [`build_workspace`] after feature resolution. A Dockerfile config whose image is not built yet is built
/// first, so that its label and `USER` are planned with.
pub async fn build_resolved(
    loaded: &Loaded,
    features: &[ResolvedFeature],
    engine: &dyn ImageEngine,
    probe: &dyn ManifestProbe,
    reporter: &dyn Reporter,
    settings: &ImageSettings,
) -> Result<(BuildPlan, BuildOutcome)> {
    let options = settings.build_options();
    let cache = &settings.cache;
    pull_base(loaded, engine, reporter, settings).await?;
    let mut base = plan::base::resolve_in(loaded, engine, options.no_cache, &cache.pulled_repositories()?).await?;
    let mut first = None;
    if matches!(&base, BaseInput::Dockerfile(d) if d.built.is_none()) {
        let only = BuildPlan { features: vec![], layers: vec![plan::base_layer(&base)?], metadata: json!([]) };
        let only_options = BuildOptions { image_names: vec![], ..options.clone() };
        let pull_only = CacheOptions { cache_to: None, push: false, ..cache.clone() };
        first = Some(image::execute_with_cache(&only, engine, probe, reporter, &only_options, &pull_only).await?);
        base = plan::base::resolve_in(loaded, engine, false, &cache.pulled_repositories()?).await?;
    }
    let plan = plan_over(loaded, features, &base, settings, reporter)?;
    let mut outcome = image::execute_with_cache(&plan, engine, probe, reporter, &options, cache).await?;
    // The base built (or pulled) just before counts as such in this run.
    if let Some(first) = first
        && first.layers[0].source != LayerSource::Cached
        && outcome.layers[0].source == LayerSource::Cached
    {
        outcome.layers[0].source = first.layers[0].source;
        outcome.layers_built += usize::from(first.layers[0].source == LayerSource::Built);
    }
    Ok((plan, outcome))
}

/// Builds (or finds cached, or pulls) the workspace's image with sshd added when ssh is wanted, after the
/// policy has looked at its features' metadata, and describes what `up` runs.
pub async fn target(
    loaded: &Loaded,
    engine: &dyn ImageEngine,
    probe: &dyn ManifestProbe,
    reporter: &dyn Reporter,
    settings: &ImageSettings,
    allow_unsafe_config: bool,
) -> Result<Target> {
    let mut loaded = loaded.clone();
    if ensure_sshd(&mut loaded) {
        reporter.info(&format!(
            "adding the `{SSHD_FEATURE}` feature for ssh (set `customizations.containai.ssh` to `false` to go without)"
        ));
    }
    plan::check_supported(&loaded)?;
    let features = resolve_features(&loaded, settings, reporter)?;
    // A feature may ask for what is on the policy's short lists, nothing more: refused before it is built.
    let entries: Vec<serde_json::Value> = features.iter().map(|f| f.metadata.clone()).collect();
    for warning in crate::policy::assess::refuse_metadata(&entries, allow_unsafe_config)? {
        reporter.warn(&warning);
    }
    let (plan, outcome) = build_resolved(&loaded, &features, engine, probe, reporter, settings).await?;
    Ok(Target {
        remote_user: plan::users::effective(plan.metadata.as_array().map(Vec::as_slice).unwrap_or_default()).0,
        config: loaded.model.clone(),
        workspace: loaded.workspace.clone(),
        image: if outcome.image.is_empty() { cache_tag(&outcome.image_key) } else { outcome.image.clone() },
        image_key: outcome.image_key,
        layers_built: outcome.layers_built,
        features: features.iter().map(|f| (f.reference.clone(), f.metadata.clone())).collect(),
        metadata: plan.metadata.clone(),
        egress: None,
    })
}

/// What must hold before `build` runs the repository's code: the user's trust (a build context outside the
/// workspace, `${localEnv:…}`, a repository's cacheFrom), and an engine whose default runtime is sysbox-runc
/// unless the user accepted an insecure one (then the warning to print). `check_runtime` is off for `--plan`.
pub async fn check_build(
    loaded: &Loaded,
    engine: &dyn ImageEngine,
    config_dir: &Path,
    allow_insecure_runtime: bool,
    check_runtime: bool,
) -> Result<Option<String>> {
    use crate::policy::{Isolation, Policy, SYSBOX, runtime, trust};
    let assessment = compose::assess_workspace(loaded, &[]).await?;
    trust::require(&trust::default_store(config_dir), &loaded.workspace, &assessment.fingerprint)?;
    if !check_runtime {
        return Ok(None);
    }
    let wanted = Policy {
        runtime: SYSBOX.into(),
        isolation: Isolation::Sysbox,
        insecure_additions: false,
        allow_unsafe_config: false,
        allow_insecure_runtime,
    };
    let info = engine.engine_info().await.map_err(image::BuildError::from)?;
    Ok(runtime::check_build_runtime(&wanted, &info)?)
}

/// What `up` gives: its result line, and what the container was made from (none when the workspace was warm).
#[derive(Debug)]
pub struct UpDone {
    pub result: serde_json::Value,
    pub target: Option<Target>,
}

/// The warm key of a workspace, or `None` when its `up` must go the full way every time (a host command to run,
/// a Dockerfile build context to look at, one-off options).
fn warm_key(loaded: &Loaded, settings: &ImageSettings, options: &UpOptions, build_no_cache: bool) -> Option<String> {
    let flow = &options.flow;
    let one_off = options.remove_existing
        || build_no_cache
        || flow.stop_after.is_some()
        || flow.dotfiles.is_some()
        || !flow.remote_env.is_empty()
        || !flow.secrets.is_empty();
    if !options.warm || one_off || loaded.model.initialize_command.is_some() || loaded.model.dockerfile().is_some() {
        return None;
    }
    let config_dir = loaded.config_dir();
    let mut folders: Vec<PathBuf> = Vec::new();
    if config_dir != loaded.workspace.local_workspace_folder {
        folders.push(config_dir.to_path_buf());
    } else {
        folders.push(loaded.workspace.config_file.clone());
        folders.push(config_dir.join("devcontainer-lock.json"));
    }
    for id in loaded.model.features.iter().flatten().map(|(id, _)| id).filter(|id| id.starts_with('.')) {
        folders.push(config_dir.join(id));
    }
    let inputs = json!({
        "workspace": &loaded.workspace,
        "policy": format!("{:?}", options.policy),
        "mounts": &options.extra_mounts,
        "flow": format!("{:?} {:?}", flow.skip_post_attach, options.skip_post_create),
        "expect": options.expect_existing,
        "egress": format!("{:?}", options.egress),
        "image": format!("{:?} {:?} {:?}", settings.remote, settings.cache.cache_from, settings.cache.require_cache),
        "ca": settings.ca.files.iter().map(|f| f.pem.as_str()).collect::<Vec<_>>(),
    });
    let folders: Vec<&Path> = folders.iter().map(PathBuf::as_path).collect();
    Some(crate::run::warm::key(&[&loaded.value, &inputs], &folders))
}

/// Environment variable naming the image the egress proxy is built from (default: the config's `image`, else
/// the workspace's image).
pub const EGRESS_BASE_ENV: &str = "CONTAINAI_EGRESS_BASE";

/// The workspace's egress policy: the user's choices (command line, user config) over the repository's
/// `customizations.containai.egress`.
pub(crate) fn egress_policy(
    config: &crate::config::DevContainer,
    options: &UpOptions,
) -> Result<crate::policy::egress::EgressPolicy> {
    let repository = config.containai().ok().and_then(|c| c.egress);
    Ok(crate::policy::egress::resolve(repository.as_ref(), &options.egress)?)
}

/// The workspace's egress policy (the user's choices over the repository's trusted ones) and, for an
/// allowlist, its network and proxy image made ready; `None` for open egress, said loudly.
async fn egress<E: ImageEngine + ContainerEngine>(
    loaded: &Loaded,
    engine: &E,
    target: &Target,
    policy: &crate::policy::Policy,
    options: &UpOptions,
    reporter: &dyn Reporter,
) -> Result<Option<crate::egress::Attachment>> {
    let egress = egress_policy(&target.config, options)?;
    if egress.mode == crate::policy::egress::Mode::Open {
        reporter.warn("egress is `open`: the sandbox may reach any host, the metadata address and your network");
        return Ok(None);
    }
    let base = std::env::var(EGRESS_BASE_ENV).ok().filter(|b| !b.is_empty());
    let base = base.or_else(|| target.config.image.clone()).unwrap_or_else(|| target.image.clone());
    let name = crate::run::names::container_name(&loaded.workspace);
    let folder = loaded.workspace.local_workspace_folder.display().to_string();
    let ws = crate::egress::Workspace {
        devcontainer_id: &loaded.workspace.devcontainer_id,
        folder: &folder,
        container_name: &name,
        base_image: &base,
        runtime: &policy.runtime,
        config_dir: &options.config_dir,
    };
    let attachment = crate::egress::prepare(engine, engine, &ws, &egress, reporter).await;
    Ok(attachment.map_err(crate::run::RunError::from)?)
}

/// The whole of `up`: the policy's checks and the user's trust before anything runs, then `initializeCommand`
/// on the host, the image, and the container with its hooks. A running workspace whose inputs did not change
/// since its last `up` answers from that result after one inspect of its container ([`crate::run::warm`]).
pub async fn up<E: ImageEngine + ContainerEngine>(
    loaded: &Loaded,
    engine: &E,
    probe: &dyn ManifestProbe,
    reporter: &dyn Reporter,
    settings: &ImageSettings,
    options: &UpOptions,
    build_no_cache: bool,
) -> Result<UpDone> {
    use crate::run::warm;
    if loaded.model.kind() == Some(ConfigKind::Compose) {
        return compose::up(loaded, engine, probe, reporter, settings, options, build_no_cache).await;
    }
    let state_dir = options.config_dir.join("state");
    let id = &loaded.workspace.devcontainer_id;
    let key = warm_key(loaded, settings, options, build_no_cache);
    if let Some(record) = key.as_deref().and_then(|key| warm::load(&state_dir, id, key)) {
        // The policy and the trust store are asked every time: mount sources are resolved again.
        crate::run::up::check_trust(&loaded.model, &loaded.workspace, &loaded.local_env, options)?;
        let container = engine.inspect_container(&record.container_id).await?;
        let same_boot = container.is_some_and(|c| c.running && c.started_at == record.started_at);
        // A dead proxy is brought back by the full way (the sandbox has no egress meanwhile).
        let proxy_up = match record.result.get("egress").and_then(|e| e.as_str()) {
            Some("allowlist") => {
                let name = crate::egress::proxy_name(&crate::run::names::container_name(&loaded.workspace));
                crate::egress::proxy::running(engine, &name).await.map_err(crate::run::RunError::from)?
            }
            _ => true,
        };
        if same_boot && proxy_up && record.ssh_config.as_deref().is_none_or(Path::exists) {
            reporter.info("the container is up and nothing it is made from changed");
            return Ok(UpDone { result: record.result, target: None });
        }
        warm::forget(&state_dir, id);
    }
    let policy =
        crate::run::up::preflight(engine, &loaded.model, &loaded.workspace, &loaded.local_env, options, reporter)
            .await?;
    if let Some(command) = &loaded.model.initialize_command {
        crate::run::hooks::run_initialize(command, &loaded.workspace.local_workspace_folder, reporter).await?;
    }
    // Held until the container exists: `gc` removes no layer between its build and the container's creation.
    let _cache = cache_lock(&options.config_dir).await?;
    let no_cache = build_no_cache && crate::run::up::find(engine, &loaded.workspace).await?.is_none();
    let settings = ImageSettings { no_cache, config_dir: Some(options.config_dir.clone()), ..settings.clone() };
    let mut target = target(loaded, engine, probe, reporter, &settings, policy.allow_unsafe_config).await?;
    target.egress = egress(loaded, engine, &target, &policy, options, reporter).await?;
    let result = crate::run::up(engine, &target, &policy, options, reporter).await?;
    let post_attach = target.metadata.as_array().into_iter().flatten().any(|e| e.get("postAttachCommand").is_some());
    let value = serde_json::to_value(&result).unwrap_or_default();
    let running = match key.is_some() && (!post_attach || options.flow.skip_post_attach) {
        true => engine.inspect_container(&result.container_id).await?.filter(|c| c.running),
        false => None,
    };
    if let (Some(key), Some(container)) = (key, running) {
        let record = warm::WarmRecord {
            key,
            container_id: result.container_id.clone(),
            started_at: container.started_at,
            ssh_config: result.ssh.as_ref().map(|s| s.config_file.clone()),
            result: value.clone(),
        };
        warm::save(&state_dir, id, &record)?;
    }
    Ok(UpDone { result: value, target: Some(target) })
}

/// One agent session: what `containai run AGENT` runs after `up`.
#[derive(Debug)]
pub struct AgentRun {
    pub preset: crate::agents::Preset,
    pub credentials: crate::agents::credentials::SessionCredentials,
    pub args: Vec<String>,
    pub tty: bool,
}

/// `containai run AGENT`: [`up`] with the agent's features in `loaded` (see [`crate::agents::preset::add_to`]),
/// then the agent's session in the container; the agent's exit code.
#[allow(clippy::too_many_arguments)]
pub async fn run_agent<E: ImageEngine + ContainerEngine>(
    loaded: &Loaded,
    engine: &E,
    probe: &dyn ManifestProbe,
    reporter: &dyn Reporter,
    settings: &ImageSettings,
    options: &UpOptions,
    agent: &AgentRun,
) -> Result<i64> {
    up(loaded, engine, probe, reporter, settings, options, false).await?;
    let code = crate::agents::session::start(
        engine,
        &loaded.model,
        &loaded.workspace,
        &agent.preset,
        &agent.credentials,
        &agent.args,
        agent.tty,
    )
    .await?;
    Ok(code)
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
