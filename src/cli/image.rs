//! A loaded config → the image `up` runs and its key (the config's `image` as is, until the build pipeline lands).

use anyhow::{Result, bail};
use containai::config::Loaded;
use containai::engine::Docker;
use containai::report::Reporter;
use containai::run::up::Target;

/// The remote user: `remoteUser`, else `containerUser`, else root.
pub fn remote_user(loaded: &Loaded) -> String {
    let m = &loaded.model;
    m.remote_user.clone().or_else(|| m.container_user.clone()).unwrap_or_else(|| "root".into())
}

pub async fn target(docker: &Docker, loaded: &Loaded, _reporter: &dyn Reporter) -> Result<Target> {
    let Some(image) = loaded.model.image.clone() else {
        bail!("`{}` has no `image`\nhint: Dockerfile and Compose configs need `containai build`", loaded.workspace.config_file.display());
    };
    let inspect = match docker.client().inspect_image(&image).await {
        Ok(i) => i,
        Err(e) => bail!("image `{image}` is not in the engine: {e}\nhint: build or load it first"),
    };
    let id = inspect.id.unwrap_or_default();
    let key = blake3::hash(format!("containai-image-v1\n{id}").as_bytes()).to_hex().to_string();
    Ok(Target {
        config: loaded.model.clone(),
        workspace: loaded.workspace.clone(),
        image,
        image_key: key,
        layers_built: 0,
        features: Vec::new(),
        remote_user: remote_user(loaded),
    })
}
