//! A base image → the egress sidecar's image (the base + squid, socat and curl from its apt), tagged by a key
//! of the base image's id and the recipe: built once per base, found by its tag afterwards.

use super::{EgressError, Result};
use crate::engine::{BuildContextBody, BuildRequest, ImageEngine};
use crate::report::Reporter;
use std::collections::BTreeMap;

/// The repository of the sidecar images.
pub const REPOSITORY: &str = "containai-egress";
/// Label on the sidecar images.
pub const LABEL_IMAGE: &str = "containai.egress.image";

/// The Dockerfile of the sidecar built on `base`.
pub fn dockerfile(base: &str) -> String {
    format!(
        "FROM {base}\nUSER root\nRUN apt-get update \\\n && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends squid socat curl ca-certificates \\\n && rm -rf /var/lib/apt/lists/*\nENTRYPOINT []\n"
    )
}

/// The tag of the sidecar built from the image with id `base_id` by `recipe`.
pub fn tag(base_id: &str, recipe: &str) -> String {
    let key = blake3::hash(format!("{base_id}\n{recipe}").as_bytes()).to_hex();
    format!("{REPOSITORY}:{}", &key[..16])
}

/// The sidecar image for `base` (which the engine must have): its tag, built when the engine lacks it.
pub async fn ensure(engine: &dyn ImageEngine, base: &str, reporter: &dyn Reporter) -> Result<String> {
    let setup = |message: String| EgressError::Setup {
        message,
        hint: "the proxy is built from the workspace's base image with `apt-get`; set `CONTAINAI_EGRESS_BASE` to a \
               Debian or Ubuntu image the engine has, or run with `--egress open` (no filtering)"
            .into(),
    };
    let base_info =
        engine.inspect_image(base).await?.ok_or_else(|| setup(format!("the engine has no image `{base}`")))?;
    let recipe = dockerfile(base);
    let tag = tag(&base_info.id, &recipe);
    if engine.inspect_image(&tag).await?.is_some() {
        return Ok(tag);
    }
    reporter.info(&format!("building the egress proxy image `{tag}` from `{base}`"));
    let context = crate::context::list::memory_tar([("Dockerfile", 0o644, recipe.as_bytes())])
        .map_err(|e| setup(format!("cannot pack the proxy's build context: {e}")))?;
    let request = BuildRequest {
        context: BuildContextBody::Tar(context),
        dockerfile: "Dockerfile".into(),
        tags: vec![tag.clone()],
        labels: BTreeMap::from([(LABEL_IMAGE.to_string(), base.to_string())]),
        build_args: BTreeMap::new(),
        target: None,
        no_cache: false,
        registry_auth: BTreeMap::new(),
    };
    let log = |line: &str| reporter.layer_log("egress-proxy", line);
    engine.build_image(request, &log).await.map_err(|e| setup(format!("the proxy image did not build: {e}")))?;
    Ok(tag)
}
