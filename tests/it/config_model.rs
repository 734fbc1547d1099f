//! fixtures/config/* → the typed model later stages read: kinds, command forms, `${devcontainerId}` filled in.

use containai::config::model::{ConfigKind, LifecycleCommand, MountEntry, ParallelStep, PortRef};
use containai::config::{LoadOptions, Loaded, load};
use std::path::Path;

fn fixture(name: &str) -> (tempfile::TempDir, Loaded) {
    // Copied outside the repository, so the Git root does not change the workspace defaults.
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join(name);
    copy(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config").join(name), &ws);
    let loaded =
        load(&LoadOptions { workspace_folder: ws, config_file: None }).unwrap_or_else(|e| panic!("{name}: {e}"));
    (tmp, loaded)
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().map(Result::unwrap) {
        if e.path().is_dir() {
            copy(&e.path(), &to.join(e.file_name()))
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn kinds() {
    assert_eq!(fixture("image-basic").1.model.kind(), Some(ConfigKind::Image));
    let (_t, build) = fixture("dockerfile-build");
    assert_eq!(build.model.kind(), Some(ConfigKind::Dockerfile));
    assert_eq!((build.model.dockerfile(), build.model.build_context()), (Some("Dockerfile"), ".."));
    let (_t, legacy) = fixture("dockerfile-legacy");
    assert_eq!((legacy.model.dockerfile(), legacy.model.build_context()), (Some("Dockerfile"), "."));
    let (_t, compose) = fixture("compose");
    assert_eq!(compose.model.kind(), Some(ConfigKind::Compose));
    assert_eq!(compose.workspace.workspace_mount, None);
    assert_eq!(compose.workspace.workspace_folder, "/workspaces/compose");
}

#[test]
fn lifecycle_command_forms() {
    let (_t, l) = fixture("lifecycle-commands");
    assert_eq!(l.model.initialize_command, Some(LifecycleCommand::Shell("echo on the host".into())));
    assert_eq!(l.model.on_create_command, Some(LifecycleCommand::Exec(vec!["apt-get".into(), "update".into()])));
    let Some(LifecycleCommand::Parallel(steps)) = &l.model.update_content_command else { panic!() };
    assert_eq!(steps.keys().collect::<Vec<_>>(), ["deps", "build"]);
    assert_eq!(steps["build"], ParallelStep::Exec(vec!["make".into(), "all".into()]));
}

#[test]
fn devcontainer_id_is_filled_in_the_model_only() {
    let (_t, m) = fixture("mounts");
    let id = &m.workspace.devcontainer_id;
    assert_eq!(id.len(), 52);
    let Some(MountEntry::Text(first)) = m.model.mounts.as_ref().and_then(|v| v.first().cloned()) else { panic!() };
    assert_eq!(first, format!("source=containai-{id}-cache,target=/cache,type=volume"));
    // The printed value keeps it, as the reference CLI does before a container exists.
    assert!(m.value["mounts"][0].as_str().unwrap().contains("${devcontainerId}"));
    let Some(MountEntry::Object(bind)) = m.model.mounts.as_ref().map(|v| v[1].clone()) else { panic!() };
    assert_eq!((bind.kind.as_str(), bind.target.as_str()), ("bind", "/root/.ssh"));
}

#[test]
fn workspace_defaults_and_ports() {
    let (tmp, b) = fixture("image-basic");
    let ws = tmp.path().join("image-basic");
    assert_eq!(b.workspace.local_workspace_folder, ws);
    assert_eq!(b.workspace.config_file, ws.join(".devcontainer/devcontainer.json"));
    assert_eq!(b.workspace.workspace_folder, "/workspaces/image-basic");
    let mount = format!("type=bind,source={},target=/workspaces/image-basic", ws.display());
    assert_eq!(b.workspace.workspace_mount, Some(mount));
    assert_eq!(b.model.forward_ports, Some(vec![PortRef::Number(3000), PortRef::Label("db:5432".into())]));
    assert_eq!(b.config_dir(), ws.join(".devcontainer"));
    let (_t, empty) = fixture("workspace-mount-empty");
    assert_eq!((empty.workspace.workspace_mount, empty.workspace.workspace_folder.as_str()), (None, "/"));
}

#[test]
fn containai_customizations_are_typed() {
    let (_t, c) = fixture("customizations-containai");
    let ours = c.model.containai().unwrap();
    assert_eq!((ours.runtime.as_deref(), ours.ssh), (Some("sysbox-runc"), Some(true)));
    assert_eq!(ours.cache_from, Some(vec!["localhost:5000/cache".to_string()]));
}
