//! The config's base (an image in the engine, or the user's Dockerfile build) → the [`BaseInput`] the plan needs:
//! the image's id, label and `USER`; or the Dockerfile build's key over its `.dockerignore`-filtered context and
//! its `FROM` images' ids (and, once built, its label and `USER`).

use super::{BaseInput, BuiltBase, DockerfileBase, PlanError, Result, check_supported, layers, metadata};
use crate::config::Loaded;
use crate::config::model::ConfigKind;
use crate::context::from_images::{final_stage, from_images};
use crate::context::{DockerfileBuild, StatCache, dockerfile_build_key};
use crate::engine::ImageEngine;
use crate::plan::model::LABEL_KEY;

/// Looks the base up: an `image` in the engine (never pulled here), or the user's Dockerfile build keyed by
/// its context (hashed off the async runtime, with the workspace's stat cache unless `no_cache`) and by the ids
/// of the images it builds `FROM` (in the engine: never pulled here), together with what its built image says
/// (label, `USER`) when that layer is already in the engine.
pub async fn resolve(loaded: &Loaded, engine: &dyn ImageEngine, no_cache: bool) -> Result<BaseInput> {
    resolve_in(loaded, engine, no_cache, &[]).await
}

/// [`resolve`], the built Dockerfile base also looked up among the layers pulled into `pulled` (the
/// [`super::pulled_repository`]s of the build's cache registries), after containai's own.
pub async fn resolve_in(
    loaded: &Loaded,
    engine: &dyn ImageEngine,
    no_cache: bool,
    pulled: &[String],
) -> Result<BaseInput> {
    match check_supported(loaded)? {
        ConfigKind::Image => {
            let reference = loaded.model.image.clone().ok_or(PlanError::NoBase)?;
            let info = engine.inspect_image(&reference).await?;
            let info = info.ok_or_else(|| PlanError::BaseImageMissing { reference: reference.clone() })?;
            Ok(BaseInput::Image {
                reference,
                image_id: info.id,
                metadata_label: info.labels.get(metadata::LABEL).cloned(),
                user: info.user,
            })
        }
        ConfigKind::Dockerfile => {
            let mut base = DockerfileBase::from_config(loaded, String::new())?;
            for reference in from_images(&base.text, &base.build_args, base.target.as_deref()) {
                let info = engine.inspect_image(&reference).await?;
                let info = info.ok_or_else(|| PlanError::BaseImageMissing { reference: reference.clone() })?;
                base.from_images.push((reference, info.id));
            }
            if let Some(stage) = final_stage(&base.text, &base.build_args, base.target.as_deref())
                && let Some(info) = engine.inspect_image(&stage.image).await?
            {
                let metadata_label = info.labels.get(metadata::LABEL).cloned();
                base.from_base = Some(BuiltBase { metadata_label, user: stage.user.unwrap_or(info.user) });
            }
            let keyed = tokio::task::spawn_blocking(move || context_key(base, no_cache));
            let mut base = keyed.await.map_err(|e| PlanError::Hashing(e.to_string()))??;
            let key = layers::base(&BaseInput::Dockerfile(base.clone()))?.key;
            for repository in [super::CACHE_REPOSITORY.to_string()].iter().chain(pulled) {
                let info = engine.inspect_image(&format!("{repository}:{key}")).await?;
                if let Some(info) = info.filter(|i| i.labels.get(LABEL_KEY) == Some(&key)) {
                    let metadata_label = info.labels.get(metadata::LABEL).cloned();
                    base.built = Some(BuiltBase { metadata_label, user: info.user });
                    break;
                }
            }
            Ok(BaseInput::Dockerfile(base))
        }
        ConfigKind::Compose => Err(PlanError::ComposeUnsupported),
    }
}

/// Fills in `context_hash`: the build stage's key of the Dockerfile build (Dockerfile, args, target, context).
fn context_key(mut base: DockerfileBase, no_cache: bool) -> Result<DockerfileBase> {
    let mut cache = if no_cache { StatCache::in_memory() } else { StatCache::for_root(&base.context) };
    let in_context = (!base.dockerfile.is_absolute()).then(|| base.dockerfile.to_string_lossy().into_owned());
    let build = DockerfileBuild {
        root: &base.context,
        dockerfile: base.text.as_bytes(),
        dockerfile_in_context: in_context.as_deref(),
        build_args: &base.build_args,
        target: base.target.as_deref(),
    };
    let (key, _digest) = dockerfile_build_key(&build, &mut cache)?;
    base.context_hash = key;
    Ok(base)
}
