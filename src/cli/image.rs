//! A loaded config → sshd added when missing, features resolved, plan built → the image `up` runs and its key.

use anyhow::Result;
use containai::build::CacheOptions;
use containai::config::Loaded;
use containai::engine::Docker;
use containai::features::oci::RemoteOptions;
use containai::plan::metadata;
use containai::report::Reporter;
use containai::run::up::{Target, wants_ssh};

/// The built-in feature that provides sshd.
pub const SSHD_FEATURE: &str = "containai/sshd";

/// Adds `containai/sshd` to the features when ssh is wanted and the config does not have it; says whether it did.
pub fn ensure_sshd(loaded: &mut Loaded) -> bool {
    if !wants_ssh(&loaded.model) {
        return false;
    }
    let features = loaded.model.features.get_or_insert_with(Default::default);
    if features.contains_key(SSHD_FEATURE) {
        return false;
    }
    features.insert(SSHD_FEATURE.to_string(), serde_json::json!({}));
    true
}

/// The remote user of the image: the metadata's last `remoteUser`, else `containerUser`, else root.
fn remote_user(entries: &serde_json::Value, loaded: &Loaded) -> String {
    let entries = entries.as_array().map(Vec::as_slice).unwrap_or_default();
    metadata::last_string(entries, "remoteUser")
        .or_else(|| metadata::last_string(entries, "containerUser"))
        .map(str::to_string)
        .or_else(|| loaded.model.remote_user.clone())
        .or_else(|| loaded.model.container_user.clone())
        .unwrap_or_else(|| "root".into())
}

/// Builds (or finds cached, or pulls from `cache`'s repositories) the workspace's image, its features resolved as
/// `containai build` resolves them (`remote`: offline, frozen lockfile, mirrors), and describes what `up` runs.
pub async fn target(
    docker: &Docker,
    loaded: &Loaded,
    reporter: &dyn Reporter,
    remote: &RemoteOptions,
    cache: &CacheOptions,
    no_cache: bool,
    allow_unsafe_config: bool,
) -> Result<Target> {
    let mut loaded = loaded.clone();
    if ensure_sshd(&mut loaded) {
        reporter.info(&format!(
            "adding the `{SSHD_FEATURE}` feature for ssh (set `customizations.containai.ssh` to `false` to go without)"
        ));
    }
    containai::plan::check_supported(&loaded)?;
    let features = containai::features::resolve_with(&loaded, remote)?;
    // A feature may ask for what is on the policy's short lists, nothing more: refused before it is built.
    let entries: Vec<serde_json::Value> = features.iter().map(|f| f.metadata.clone()).collect();
    for warning in containai::policy::assess::refuse_metadata(&entries, allow_unsafe_config)? {
        reporter.warn(&warning);
    }
    let (plan, outcome) = super::build::build_resolved(
        &loaded,
        &features,
        docker,
        reporter,
        &super::build::build_options(no_cache, vec![]),
        cache,
    )
    .await?;
    Ok(Target {
        remote_user: remote_user(&plan.metadata, &loaded),
        config: loaded.model.clone(),
        workspace: loaded.workspace.clone(),
        image: outcome.image.clone(),
        image_key: outcome.image_key,
        layers_built: outcome.layers_built,
        features: features.iter().map(|f| (f.reference.clone(), f.metadata.clone())).collect(),
        metadata: plan.metadata.clone(),
    })
}
