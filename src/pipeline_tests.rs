//! The pipeline end to end (config → features → plan → image → target) on the recording fake engine.

use super::*;
use crate::engine::fake_images::FakeImages;
use crate::report::Silent;

fn loaded(dir: &Path, text: &str) -> Loaded {
    crate::config::load_in_memory(dir, text).unwrap()
}

fn engine() -> FakeImages {
    let engine = FakeImages::new();
    engine.add_image("base:1", "sha256:0000000000000000000000000000000000000000000000000000000000000001", &[]);
    engine
}

#[tokio::test]
async fn a_config_is_planned_built_once_and_then_found_cached() {
    let dir = tempfile::tempdir().unwrap();
    let ws = loaded(dir.path(), r#"{"image": "base:1", "features": {"containai/sshd": {}}, "remoteUser": "dev"}"#);
    let engine = engine();
    let settings = ImageSettings::default();
    let plan = plan_workspace(&ws, &engine, &Silent, &settings).await.unwrap();
    let names: Vec<&str> = plan.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["base", "system", "feature:containai/sshd", "user"]);
    let (built_plan, first) = build_workspace(&ws, &engine, &engine, &Silent, &settings).await.unwrap();
    assert_eq!(built_plan.layers.last().unwrap().key, plan.layers.last().unwrap().key, "the plan printed is built");
    assert_eq!((first.layers_built, first.image_key.as_str()), (4, plan.layers[3].key.as_str()));
    let (_, second) = build_workspace(&ws, &engine, &engine, &Silent, &settings).await.unwrap();
    assert_eq!(second.layers_built, 0);
    assert_eq!(engine.builds().len(), 4);
}

#[tokio::test]
async fn the_target_adds_sshd_and_names_the_remote_user() {
    let dir = tempfile::tempdir().unwrap();
    let ws = loaded(dir.path(), r#"{"image": "base:1", "remoteUser": "dev"}"#);
    let engine = engine();
    let target = target(&ws, &engine, &engine, &Silent, &ImageSettings::default(), false).await.unwrap();
    assert_eq!(target.remote_user, "dev");
    assert_eq!(target.features.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(), [SSHD_FEATURE]);
    assert_eq!(target.image, cache_tag(&target.image_key));
    assert!(engine.has_image(&target.image));
}

#[tokio::test]
async fn a_feature_asking_past_the_allowlist_is_refused_before_anything_is_built() {
    let dir = tempfile::tempdir().unwrap();
    let feature = dir.path().join(".devcontainer/f");
    std::fs::create_dir_all(&feature).unwrap();
    std::fs::write(
        feature.join("devcontainer-feature.json"),
        r#"{"id": "f", "version": "1.0.0", "capAdd": ["SYS_ADMIN"]}"#,
    )
    .unwrap();
    std::fs::write(feature.join("install.sh"), "#!/bin/sh\n").unwrap();
    let ws = loaded(dir.path(), r#"{"image": "base:1", "features": {"./f": {}}}"#);
    let engine = engine();
    let err = target(&ws, &engine, &engine, &Silent, &ImageSettings::default(), false).await.unwrap_err();
    assert!(matches!(err, PipelineError::Policy(crate::policy::PolicyError::Refused(_))), "{err}");
    assert!(err.to_string().contains("SYS_ADMIN"), "{err}");
    assert!(engine.builds().is_empty());
    // The user's `--allow-unsafe-config` keeps it.
    target(&ws, &engine, &engine, &Silent, &ImageSettings::default(), true).await.unwrap();
}

#[tokio::test]
async fn build_refuses_an_untrusted_workspace_and_a_weaker_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let config_dir = dir.path().join("config");
    let ws = loaded(dir.path(), r#"{"image": "base:1", "mounts": ["type=bind,source=/opt,target=/o"]}"#);
    let engine = engine();
    let err = check_build(&ws, &engine, &config_dir, false, true).await.unwrap_err();
    assert!(matches!(err, PipelineError::Policy(crate::policy::PolicyError::Untrusted { .. })), "{err}");
    let plain = loaded(dir.path(), r#"{"image": "base:1"}"#);
    let err = check_build(&plain, &engine, &config_dir, false, true).await.unwrap_err();
    assert!(matches!(err, PipelineError::Policy(crate::policy::PolicyError::WeakBuildRuntime { .. })), "{err}");
    assert!(check_build(&plain, &engine, &config_dir, true, true).await.unwrap().unwrap().contains("INSECURE"));
    assert_eq!(check_build(&plain, &engine, &config_dir, false, false).await.unwrap(), None, "`--plan` builds nothing");
}
