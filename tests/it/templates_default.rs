//! A workspace with no devcontainer.json → `default_workspace_config`: the `agent-sandbox` config with its
//! defaults, loaded as the file `containai init` writes (minus the empty `containai/apt-packages`), nothing written.

use containai::config::{self, LoadOptions};
use containai::templates::{self, ApplyOptions, DefaultConfig, Template, default_workspace_config};
use serde_json::json;

const LOCAL_BASE: &str = "containai-test/base:bookworm";

fn base(image: &str) -> DefaultConfig {
    DefaultConfig { base_image: Some(image.into()), ..DefaultConfig::default() }
}

#[test]
fn load_in_memory_equals_loading_the_same_text_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir_all(ws.join(".devcontainer")).unwrap();
    let text = "// c\n{\"image\": \"x\", \"workspaceFolder\": \"/w/${localWorkspaceFolderBasename}\", \"remoteEnv\": {\"A\": \"${containerWorkspaceFolder}\"}}";
    std::fs::write(ws.join(".devcontainer/devcontainer.json"), text).unwrap();
    let from_file = config::load(&LoadOptions { workspace_folder: ws.clone(), config_file: None }).unwrap();
    let in_memory = config::load_in_memory(&ws, text).unwrap();
    assert_eq!((&in_memory.value, &in_memory.model), (&from_file.value, &from_file.model));
    assert_eq!(format!("{:?}", in_memory.workspace), format!("{:?}", from_file.workspace));
    assert_eq!(in_memory.workspace.workspace_folder, "/w/ws");
    let err = config::load_in_memory(&ws, "{\"forwardPorts\": \"x\"}").unwrap_err().to_string();
    assert!(err.contains(".devcontainer/devcontainer.json:1:") && err.contains("forwardPorts"), "{err}");
}

#[test]
fn equals_the_written_agent_sandbox_without_the_empty_packages_feature() {
    let dir = tempfile::tempdir().unwrap();
    let (written, empty) = (dir.path().join("written"), dir.path().join("empty"));
    std::fs::create_dir_all(&empty).unwrap();
    let template = Template::find(templates::DEFAULT_TEMPLATE).unwrap();
    let opts =
        ApplyOptions { args: json!({"baseImage": LOCAL_BASE}).as_object().unwrap().clone(), ..Default::default() };
    templates::apply(&template, &written, &opts).unwrap();
    let mut expected =
        config::load(&LoadOptions { workspace_folder: written.clone(), config_file: None }).unwrap().model;
    expected.features.as_mut().unwrap().shift_remove("containai/apt-packages");
    expected.override_feature_install_order.as_mut().unwrap().retain(|r| r != "containai/apt-packages");

    let loaded = default_workspace_config(&empty, &base(LOCAL_BASE)).unwrap();
    assert_eq!(loaded.model, expected);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.model.image.as_deref(), Some(LOCAL_BASE));
    assert_eq!(loaded.model.remote_user.as_deref(), Some("agent"));
    assert_eq!(loaded.workspace.config_file, empty.join(".devcontainer/devcontainer.json"), "where `init` writes it");
    assert_eq!(loaded.workspace.workspace_folder, "/workspaces/empty");
    assert!(loaded.workspace.workspace_mount.as_deref().unwrap().contains(&format!("source={}", empty.display())));
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0, "nothing is written into the workspace");

    let features = containai::features::resolve(&loaded).unwrap();
    let refs: Vec<&str> = features.iter().map(|f| f.reference.as_str()).collect();
    assert_eq!(refs, ["containai/sshd", "containai/dockerd"]);

    // After `containai init` in that workspace, the written file has the same identity.
    templates::apply(&template, &empty, &opts).unwrap();
    let after_init = config::load(&LoadOptions { workspace_folder: empty.clone(), config_file: None }).unwrap();
    assert_eq!(after_init.workspace.devcontainer_id, loaded.workspace.devcontainer_id);

    let notice = DefaultConfig::default().notice(&empty, &loaded);
    assert!(
        notice.contains("no devcontainer.json") && notice.contains("`agent-sandbox`") && notice.contains(LOCAL_BASE),
        "{notice}"
    );
    assert!(notice.contains("hint: run `containai init`"), "{notice}");
}

#[test]
fn defaults_other_templates_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = default_workspace_config(dir.path(), &DefaultConfig::default()).unwrap();
    assert_eq!(loaded.model.image.as_deref(), Some("debian:bookworm"));
    let minimal = DefaultConfig { template: "minimal".into(), ..base(LOCAL_BASE) };
    let loaded = default_workspace_config(dir.path(), &minimal).unwrap();
    assert_eq!((loaded.model.image.as_deref(), loaded.model.remote_user.as_deref()), (Some(LOCAL_BASE), None));
    // A non-empty package list keeps the feature: a built-in, so no files are needed.
    let rust = DefaultConfig { template: "rust".into(), ..DefaultConfig::default() };
    let loaded = default_workspace_config(dir.path(), &rust).unwrap();
    let packages = &loaded.model.features.as_ref().unwrap()["containai/apt-packages"]["packages"];
    assert_eq!(packages.as_str().map(str::trim), Some("cargo rustc"));
    let err = default_workspace_config(dir.path(), &base("bad\"image")).unwrap_err();
    assert!(err.to_string().contains("is not a valid devcontainer.json"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
