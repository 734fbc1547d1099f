//! A workspace with no devcontainer.json → `default_workspace_config`: the `agent-sandbox` config with its
//! defaults, equal to what `containai init` writes and the config stage loads, the workspace left untouched.

use containai::config::{self, LoadOptions};
use containai::templates::{self, ApplyOptions, DefaultConfig, Template, default_workspace_config};
use serde_json::json;

const LOCAL_BASE: &str = "containai-test/base:bookworm";

fn config(base_image: Option<&str>, cache: &std::path::Path) -> DefaultConfig {
    DefaultConfig { base_image: base_image.map(str::to_string), cache_dir: Some(cache.to_path_buf()), ..DefaultConfig::default() }
}

#[test]
fn equals_loading_the_file_init_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (written, empty, cache) = (dir.path().join("written"), dir.path().join("empty"), dir.path().join("cache"));
    std::fs::create_dir_all(&empty).unwrap();
    let template = Template::find(templates::DEFAULT_TEMPLATE).unwrap();
    let opts = ApplyOptions { args: json!({"baseImage": LOCAL_BASE}).as_object().unwrap().clone(), ..Default::default() };
    templates::apply(&template, &written, &opts).unwrap();
    let from_file = config::load(&LoadOptions { workspace_folder: written.clone(), config_file: None }).unwrap();

    let loaded = default_workspace_config(&empty, &config(Some(LOCAL_BASE), &cache)).unwrap();
    assert_eq!(loaded.model, from_file.model);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.model.image.as_deref(), Some(LOCAL_BASE));
    assert_eq!(loaded.workspace.local_workspace_folder, empty);
    assert_eq!(loaded.workspace.workspace_folder, "/workspaces/empty");
    assert!(loaded.workspace.workspace_mount.as_deref().unwrap().contains(&format!("source={}", empty.display())));
    assert!(loaded.workspace.config_file.starts_with(&cache), "{}", loaded.workspace.config_file.display());
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0, "nothing is written into the workspace");

    // The local feature resolves next to the config, as for a written template.
    let features = containai::features::resolve(&loaded).unwrap();
    let refs: Vec<&str> = features.iter().map(|f| f.reference.as_str()).collect();
    assert!(refs.contains(&"./apt-packages") && refs.contains(&"containai/sshd") && refs.contains(&"containai/dockerd"), "{refs:?}");

    let notice = DefaultConfig::default().notice(&empty, &loaded);
    assert!(notice.contains("no devcontainer.json") && notice.contains("`agent-sandbox`") && notice.contains(LOCAL_BASE), "{notice}");
    assert!(notice.contains("hint: run `containai init`"), "{notice}");
}

#[test]
fn the_rendered_template_is_kept_once_per_content() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let a = default_workspace_config(dir.path(), &config(None, &cache)).unwrap();
    let b = default_workspace_config(dir.path(), &config(None, &cache)).unwrap();
    assert_eq!(a.workspace.config_file, b.workspace.config_file, "the same folder is reused");
    assert_eq!(a.workspace.devcontainer_id, b.workspace.devcontainer_id);
    assert_eq!(a.model.image.as_deref(), Some("debian:bookworm"));
    let other = default_workspace_config(dir.path(), &config(Some(LOCAL_BASE), &cache)).unwrap();
    assert_ne!(other.workspace.config_file, a.workspace.config_file);
    let entries: Vec<String> = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(entries.len(), 2, "no staging folder is left: {entries:?}");
    assert!(entries.iter().all(|e| e.starts_with("agent-sandbox-")), "{entries:?}");
}

#[test]
fn another_template_and_a_bad_base_image_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let minimal = DefaultConfig { template: "minimal".into(), ..config(Some(LOCAL_BASE), &cache) };
    let loaded = default_workspace_config(dir.path(), &minimal).unwrap();
    assert_eq!(loaded.model.remote_user, None);
    let err = default_workspace_config(dir.path(), &config(Some("bad\"image"), &cache)).unwrap_err();
    assert!(err.to_string().contains("is not a valid devcontainer.json"), "{err}");
    let entries: Vec<String> = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(entries.len() == 1 && entries[0].starts_with("minimal-"), "a refused config leaves nothing: {entries:?}");
}
