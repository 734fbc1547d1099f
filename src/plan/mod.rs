//! Config + resolved features + base image facts → a [`BuildPlan`]: one keyed layer per step (base, system, each
//! feature in install order, user), each Dockerfile rendered from templates/.
//!
//! The user layer is always present, even when no user needs creating: it carries the `devcontainer.metadata`
//! label, so that a change to the config's own metadata (a lifecycle hook, say) rebuilds only that cheap layer.

pub mod base;
pub mod ca;
pub mod entrypoint;
pub mod key;
mod layers;
pub mod merge;
pub mod metadata;
pub mod model;
pub mod render;
pub mod users;

pub use model::{
    BuildPlan, CACHE_REPOSITORY, ContextFile, KEY_VERSION, Layer, LayerContext, cache_tag, cache_tag_key,
    pulled_repository,
};

use crate::config::Loaded;
use crate::config::model::ConfigKind;
use crate::features::ResolvedFeature;
use crate::report::Reporter;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Errors of the plan stage.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(
        "a Docker Compose config has no image of its own: the plan is its primary service's\n\
         hint: plan it with `containai build --plan`, which plans the primary service's `build` or `image`"
    )]
    ComposeUnsupported,
    #[error(
        "the config names no `image` and no `build.dockerfile`\nhint: add `\"image\": \"debian:bookworm\"` to devcontainer.json"
    )]
    NoBase,
    #[error("cannot read the Dockerfile `{path}`: {source}")]
    Dockerfile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "feature `{feature}` has no `install.sh`\nhint: a Dev Container Feature is a folder with `devcontainer-feature.json` and `install.sh`"
    )]
    NoInstallScript { feature: String },
    #[error(
        "feature `{feature}`: `{name}` is not a valid environment variable name\nhint: names are letters, digits and `_`, not starting with a digit"
    )]
    EnvName { feature: String, name: String },
    #[error("feature `{feature}`: `containerEnv.{name}` must be a single-line string")]
    EnvValue { feature: String, name: String },
    #[error(
        "feature `{feature}`: its `entrypoint` `{entrypoint}` is not an absolute path of plain characters\nhint: containai runs a feature's entrypoint as a systemd service; name a script by its absolute path, with no spaces, quotes or shell characters"
    )]
    Entrypoint { feature: String, entrypoint: String },
    #[error(transparent)]
    UserName(#[from] crate::config::user_name::InvalidUser),
    #[error(
        "`{property}` is {user:?}, a user name containai cannot create\nhint: use lower-case letters, digits, `_` and `-`, starting with a letter or `_`"
    )]
    UserNotCreatable { property: &'static str, user: String },
    #[error(
        "the base image `{reference}` is not in the engine\nhint: `containai build` pulls it (not with `--offline`); or run `docker pull {reference}` (or build it), then try again"
    )]
    BaseImageMissing { reference: String },
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[error(transparent)]
    Context(#[from] crate::context::ContextError),
    #[error("hashing the build context failed: {0}")]
    Hashing(String),
    #[error("cannot render the `{name}` Dockerfile template: {message}")]
    Template { name: String, message: String },
}

pub type Result<T, E = PlanError> = std::result::Result<T, E>;

/// What the plan needs to know about the base, found by the caller (engine, build stage).
#[derive(Debug, Clone, PartialEq)]
pub enum BaseInput {
    /// An `image` config: the reference, the engine's id of that image, its own `devcontainer.metadata` label,
    /// and its `USER` (empty when unset). The system layer runs as root (systemd is PID 1), so a non-root base
    /// `USER` is kept as a `containerUser` entry ahead of the base's label, as the spec passes it down.
    Image { reference: String, image_id: String, metadata_label: Option<String>, user: String },
    /// A `build.dockerfile` config.
    Dockerfile(DockerfileBase),
}

/// The user's Dockerfile build, as the base layer.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerfileBase {
    /// Context folder (absolute).
    pub context: PathBuf,
    /// The Dockerfile, relative to `context` when inside it, else absolute.
    pub dockerfile: PathBuf,
    /// The Dockerfile's text.
    pub text: String,
    /// Hash of the context's files, computed by the build stage (honouring `.dockerignore`).
    pub context_hash: String,
    pub build_args: BTreeMap<String, String>,
    pub target: Option<String>,
    /// The images the Dockerfile builds `FROM`, each with the engine's id of it (filled in by [`base::resolve`]):
    /// part of the base's key, so that a `FROM` tag that moved is a new base, as for an `image` config.
    pub from_images: Vec<(String, String)>,
    /// What the image the built stage starts `FROM` says about itself (its label; the stage's own `USER`, else
    /// the image's), as the reference CLI reads it without building: what the plan uses until `built` is known.
    pub from_base: Option<BuiltBase>,
    /// What the built base image says about itself (its `devcontainer.metadata` label, which the Dockerfile's
    /// `FROM` image or its own `LABEL` may set, and its `USER`); `None` until the base layer is built.
    pub built: Option<BuiltBase>,
}

/// The facts of a built Dockerfile base the plan uses, as for an image base.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltBase {
    pub metadata_label: Option<String>,
    pub user: String,
}

impl DockerfileBase {
    /// Reads `build.dockerfile`, `build.context`, `build.args`, `build.target` from the config (paths relative to
    /// the config's folder, as the spec says); `context_hash` comes from the build stage.
    pub fn from_config(loaded: &Loaded, context_hash: String) -> Result<DockerfileBase> {
        let model = &loaded.model;
        let dir = loaded.config_dir();
        let file = dir.join(model.dockerfile().ok_or(PlanError::NoBase)?);
        let context = dir.join(model.build_context());
        let text =
            std::fs::read_to_string(&file).map_err(|source| PlanError::Dockerfile { path: file.clone(), source })?;
        let (context, file) = (normalize(&context), normalize(&file));
        let dockerfile = file.strip_prefix(&context).map(PathBuf::from).unwrap_or(file);
        let build = model.build.clone().unwrap_or_default();
        Ok(DockerfileBase {
            context,
            dockerfile,
            text,
            context_hash,
            build_args: build.args.unwrap_or_default().into_iter().collect(),
            target: build.target,
            from_images: Vec::new(),
            from_base: None,
            built: None,
        })
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalize(path: &std::path::Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The host user whose UID/GID the remote user takes (`updateRemoteUserUID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostUser {
    pub uid: u32,
    pub gid: u32,
}

impl HostUser {
    /// The user running this process (Linux: the owner of `/proc/self`).
    pub fn current() -> std::io::Result<HostUser> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata("/proc/self")?;
        Ok(HostUser { uid: meta.uid(), gid: meta.gid() })
    }
}

/// Fails early for configs the plan cannot handle: Docker Compose (not yet), no `image` and no Dockerfile.
pub fn check_supported(loaded: &Loaded) -> Result<ConfigKind> {
    match loaded.model.kind() {
        Some(ConfigKind::Compose) => Err(PlanError::ComposeUnsupported),
        None => Err(PlanError::NoBase),
        Some(kind) => Ok(kind),
    }
}

/// The base layer alone (what a Dockerfile config builds first, so that its label and `USER` join the plan).
pub fn base_layer(base: &BaseInput) -> Result<Layer> {
    layers::base(base)
}

/// Plans the image of `loaded` with `features` (in install order) over `base`; non-fatal findings (an unreadable
/// base label) go to `reporter`.
pub fn plan(
    loaded: &Loaded,
    features: &[ResolvedFeature],
    base: &BaseInput,
    host: &HostUser,
    reporter: &dyn Reporter,
) -> Result<BuildPlan> {
    plan_with_ca(loaded, features, base, host, &ca::CaCertificates::default(), reporter)
}

/// [`plan`] with the user's CA certificates: their `ca` layer right after the system layer (none when there
/// are none, and then the plan and its keys are [`plan`]'s).
pub fn plan_with_ca(
    loaded: &Loaded,
    features: &[ResolvedFeature],
    base: &BaseInput,
    host: &HostUser,
    certificates: &ca::CaCertificates,
    reporter: &dyn Reporter,
) -> Result<BuildPlan> {
    check_supported(loaded)?;
    let (base_label, base_user) = match base {
        BaseInput::Image { metadata_label, user, .. } => (metadata_label.as_deref(), Some(user.as_str())),
        BaseInput::Dockerfile(DockerfileBase { built: Some(b), .. }) => {
            (b.metadata_label.as_deref(), Some(b.user.as_str()))
        }
        BaseInput::Dockerfile(DockerfileBase { from_base: Some(b), .. }) => {
            reporter.info(
                "the Dockerfile's image is not built yet: planned with the `devcontainer.metadata` label and `USER` \
                 of the image it is built `FROM` (`containai build` builds it first and plans again)",
            );
            (b.metadata_label.as_deref(), Some(b.user.as_str()))
        }
        BaseInput::Dockerfile(_) => {
            reporter.warn(
                "the Dockerfile's image is not built yet: its `devcontainer.metadata` label and `USER` join the plan \
                 (and the keys from the system layer on) once it is\nhint: `containai build` builds it first and \
                 plans again",
            );
            (None, None)
        }
    };
    let mut base_entries = metadata::base_user_entry(base_user.unwrap_or(""));
    base_entries.extend(metadata::base_entries(base_label).unwrap_or_else(|warning| {
        reporter.warn(&warning);
        Vec::new()
    }));
    let entries = metadata::entries(base_entries, features, loaded);
    // install.sh sees the users the container will have: the base image's label and `USER` count, not only the
    // config (one rule, [`users::effective`]).
    let (remote, container) = users::effective(&entries);
    let mut layers = vec![layers::base(base)?];
    layers.push(layers::system(&layers[0].key, base_user)?);
    if !certificates.is_empty() {
        layers.push(ca::layer(certificates, &layers[1].key)?);
    }
    for feature in features {
        let parent = layers.last().expect("base layer").key.clone();
        let mut feature = feature.clone();
        for (name, user) in [("_REMOTE_USER", &remote), ("_CONTAINER_USER", &container)] {
            feature.env.insert(name.into(), user.clone());
            feature.env.insert(format!("{name}_HOME"), crate::features::options::home_of(user));
        }
        layers.push(layers::feature(&feature, &parent)?);
    }
    let users = users::UserPlan::from_metadata(&entries, host)?;
    let entries = serde_json::Value::Array(entries);
    // A host variable's value (a token, say) never lands in the image: an image is pushed and shared.
    let redacted =
        crate::config::substitute::redact_local_env(&entries, &loaded.local_env, &crate::config::substitute::host_env);
    let label = serde_json::to_string(&redacted).expect("metadata serialises");
    let parent = layers.last().expect("base layer").key.clone();
    layers.push(layers::user(&users, &label, &parent)?);
    Ok(BuildPlan { features: features.iter().map(|f| f.reference.clone()).collect(), layers, metadata: entries })
}
