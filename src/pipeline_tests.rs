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

const MCR: &str = "mcr.microsoft.com/devcontainers/base:bookworm";

fn pulls(engine: &FakeImages) -> Vec<String> {
    use crate::engine::fake_images::Call;
    engine
        .calls()
        .into_iter()
        .filter_map(|c| if let Call::Pull { reference, .. } = c { Some(reference) } else { None })
        .collect()
}

fn mirrored(offline: bool) -> ImageSettings {
    let mirrors = vec!["mcr.microsoft.com=localhost:5000/mcr".parse().unwrap()];
    ImageSettings { remote: RemoteOptions { offline, mirrors, ..Default::default() }, ..Default::default() }
}

#[tokio::test]
async fn an_absent_base_image_is_pulled_through_the_mirror_once_and_keyed_by_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let ws = loaded(dir.path(), &format!(r#"{{"image": "{MCR}"}}"#));
    let engine = FakeImages::new();
    let remote = crate::engine::ImageInfo { id: "sha256:m1".into(), ..Default::default() };
    engine.add_remote("localhost:5000/mcr/devcontainers/base:bookworm", remote);
    let err = plan_workspace(&ws, &engine, &Silent, &mirrored(true)).await.unwrap_err().to_string();
    assert!(err.contains(&format!("`{MCR}` is not in the engine")) && err.contains("--offline"), "{err}");
    assert!(pulls(&engine).is_empty(), "offline pulls nothing");
    // `build --plan` needs the image's id and label: it pulls.
    let plan = plan_workspace(&ws, &engine, &Silent, &mirrored(false)).await.unwrap();
    assert_eq!(pulls(&engine), ["localhost:5000/mcr/devcontainers/base:bookworm"]);
    assert!(plan.layers[0].dockerfile.contains(&format!("FROM {MCR}")), "the plan names the image, not the mirror");
    let (built, _) = build_workspace(&ws, &engine, &engine, &Silent, &mirrored(false)).await.unwrap();
    assert_eq!(built.layers[0].key, plan.layers[0].key);
    assert_eq!(pulls(&engine).len(), 1, "present now: not pulled again");
    build_workspace(&ws, &engine, &engine, &Silent, &mirrored(true)).await.unwrap();
}

#[tokio::test]
async fn a_dockerfiles_from_images_are_pulled_before_planning_and_key_its_base() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".devcontainer")).unwrap();
    let dockerfile = format!("ARG V=bookworm\nFROM {MCR} AS tools\nFROM debian:${{V}}\nCOPY --from=tools /x /x\n");
    std::fs::write(dir.path().join(".devcontainer/Dockerfile"), dockerfile).unwrap();
    let ws = loaded(dir.path(), r#"{"build": {"dockerfile": "Dockerfile"}}"#);
    let engine = FakeImages::new();
    let remote = crate::engine::ImageInfo { id: "sha256:m1".into(), ..Default::default() };
    engine.add_remote("localhost:5000/mcr/devcontainers/base:bookworm", remote);
    let err = build_workspace(&ws, &engine, &engine, &Silent, &mirrored(false)).await.unwrap_err().to_string();
    assert!(err.starts_with("cannot pull `debian:bookworm`"), "{err}");
    assert!(engine.builds().is_empty(), "nothing is built before its bases are here");
    engine.add_remote("debian:bookworm", crate::engine::ImageInfo { id: "sha256:d1".into(), ..Default::default() });
    // `build --plan` pulls them too: their ids are part of the base's key.
    let plan = plan_workspace(&ws, &engine, &Silent, &mirrored(false)).await.unwrap();
    let (built, _) = build_workspace(&ws, &engine, &engine, &Silent, &mirrored(false)).await.unwrap();
    assert_eq!(built.layers[0].key, plan.layers[0].key);
    // In `FROM` order: the first through its mirror; `debian` failed, then came; the first was not asked again.
    let tried = ["localhost:5000/mcr/devcontainers/base:bookworm", "debian:bookworm", "debian:bookworm"];
    assert_eq!(pulls(&engine), tried);
    assert!(engine.builds()[0].dockerfile.contains(&format!("FROM {MCR} AS tools")));
    // Cached now: built again from the cache, offline.
    let (_, again) = build_workspace(&ws, &engine, &engine, &Silent, &mirrored(true)).await.unwrap();
    assert_eq!(again.layers_built, 0);
    // A `FROM` tag that moved (pulled anew) is a new base: every layer is built again.
    engine.add_image("debian:bookworm", "sha256:d2", &[]);
    let (_, moved) = build_workspace(&ws, &engine, &engine, &Silent, &mirrored(true)).await.unwrap();
    assert_ne!(moved.layers[0].key, plan.layers[0].key);
    assert_eq!(moved.layers_built, moved.layers.len());
    // A `FROM` image gone, offline: named, as an `image` config's image is.
    engine.remove_image(MCR, false).await.unwrap();
    let err = build_workspace(&ws, &engine, &engine, &Silent, &mirrored(true)).await.unwrap_err().to_string();
    assert!(err.contains(&format!("`{MCR}` is not in the engine")) && err.contains("--offline"), "{err}");
    assert_eq!(pulls(&engine).len(), 3);
}
