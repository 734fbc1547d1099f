//! Every built-in template → applied into an empty folder → loaded by `config::load` without warnings, its features
//! resolved and its image planned; each one documented, its options all used; packages from the built-in feature.

use containai::config::{self, LoadOptions, Loaded};
use containai::plan::{self, BaseInput, HostUser};
use containai::templates::{self, ApplyOptions, Template, source};
use serde_json::{Value, json};
use std::path::Path;

const IDS: [&str; 5] = ["agent-sandbox", "minimal", "node", "python", "rust"];
const TOOLCHAINS: [(&str, &str); 3] =
    [("rust", "cargo rustc"), ("python", "python3 python3-venv python3-pip"), ("node", "nodejs npm")];

fn apply(id: &str, args: Value, workspace: &Path) -> (Vec<String>, Loaded) {
    let template = Template::find(id).unwrap();
    let opts = ApplyOptions { args: args.as_object().unwrap().clone(), ..Default::default() };
    let applied = templates::apply(&template, workspace, &opts).unwrap();
    let loaded = config::load(&LoadOptions { workspace_folder: workspace.to_path_buf(), config_file: None })
        .unwrap_or_else(|e| panic!("{id}: {e}"));
    (applied.files, loaded)
}

fn plan(loaded: &Loaded) -> plan::BuildPlan {
    let features = containai::features::resolve(loaded).unwrap();
    let base = BaseInput::Image {
        reference: loaded.model.image.clone().unwrap(),
        image_id: "sha256:0000000000000000000000000000000000000000000000000000000000000001".into(),
        metadata_label: None,
        user: String::new(),
    };
    plan::plan(loaded, &features, &base, &HostUser { uid: 1000, gid: 1000 }, &containai::report::Silent).unwrap()
}

#[test]
fn every_builtin_applies_into_an_empty_folder_loads_and_plans() {
    assert_eq!(source::builtin_ids(), IDS);
    for id in IDS {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("new-project");
        let (files, loaded) = apply(id, json!({}), &ws);
        assert!(files.contains(&"./.devcontainer/devcontainer.json".to_string()), "{id}: {files:?}");
        for file in &files {
            let text = std::fs::read_to_string(ws.join(file)).unwrap();
            assert!(!text.contains("${templateOption"), "{id}: {file} keeps a template variable");
        }
        assert!(loaded.warnings.is_empty(), "{id}: {:?}", loaded.warnings);
        assert_eq!(loaded.model.image.as_deref(), Some("debian:bookworm"), "{id}");
        let features: Vec<&String> = loaded.model.features.as_ref().unwrap().keys().collect();
        assert!(features.contains(&&"containai/sshd".to_string()), "{id}: {features:?}");
        let plan = plan(&loaded);
        let user_layer = &plan.layers.last().unwrap().dockerfile;
        if id == "minimal" {
            assert_eq!(features, ["containai/sshd"]);
            assert!(!user_layer.contains("useradd"), "{id} creates no user");
        } else {
            assert_eq!(features, ["containai/sshd", "containai/dockerd", "containai/apt-packages"], "{id}");
            assert_eq!(loaded.model.remote_user.as_deref(), Some("agent"), "{id}");
            assert_eq!(loaded.model.container_user.as_deref(), Some("agent"), "{id}");
            assert!(loaded.model.post_create_command.is_some(), "{id}");
            assert!(user_layer.contains("useradd") && user_layer.contains("agent"), "{id}: {user_layer}");
            assert!(
                plan.layers.iter().any(|l| l.name.contains("apt-packages")),
                "{id}: {:?}",
                plan.layers.iter().map(|l| &l.name).collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn options_reach_the_config_and_toolchains_come_from_the_packages_feature() {
    let args = json!({"baseImage": "ubuntu:24.04", "userName": "bob", "packages": "git jq"});
    for (id, toolchain) in [("agent-sandbox", "")].into_iter().chain(TOOLCHAINS) {
        let dir = tempfile::tempdir().unwrap();
        let (_, loaded) = apply(id, args.clone(), dir.path());
        let model = &loaded.model;
        assert_eq!((model.image.as_deref(), model.remote_user.as_deref()), (Some("ubuntu:24.04"), Some("bob")), "{id}");
        let packages = &model.features.as_ref().unwrap()["containai/apt-packages"]["packages"];
        assert_eq!(packages.as_str().unwrap().trim(), format!("{toolchain} git jq").trim(), "{id}");
        let resolved = containai::features::resolve(&loaded).unwrap();
        let feature = resolved.iter().find(|f| f.reference == "containai/apt-packages").unwrap();
        assert_eq!(feature.options["packages"], *packages, "{id}");
        let hook = serde_json::to_string(&model.post_create_command).unwrap();
        assert!(hook.contains("git jq"), "{id}: the postCreateCommand lists the extra packages: {hook}");
    }
}

#[test]
fn templates_write_only_their_config_and_take_packages_from_the_builtin_feature() {
    for id in IDS {
        let t = Template::find(id).unwrap();
        let paths: Vec<&str> = t.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, [".devcontainer/devcontainer.json"], "{id}: no template carries a copy of a feature");
    }
    let builtin = containai::assets::FEATURES.get_dir("apt-packages").expect("features/apt-packages");
    let install = builtin.get_file("apt-packages/install.sh").expect("its install.sh");
    assert!(install.contents_utf8().unwrap().contains("apt-get install -y --no-install-recommends $PACKAGES"));
}

#[test]
fn every_builtin_is_documented_and_uses_exactly_its_options() {
    for template in source::builtins().unwrap() {
        let id = template.id().to_string();
        let m = &template.metadata;
        assert!(m.version.is_some() && m.name.is_some() && m.description.is_some(), "{id}");
        assert!(!m.keywords.is_empty() && m.publisher.is_some(), "{id}");
        let readme = containai::assets::TEMPLATES
            .get_file(format!("{id}/README.md"))
            .unwrap_or_else(|| panic!("{id} has no README.md"));
        let readme = readme.contents_utf8().unwrap();
        let text: String = template.files.iter().map(|f| String::from_utf8_lossy(&f.bytes).into_owned()).collect();
        for (option, declaration) in &m.options {
            assert!(declaration.description.is_some(), "{id}: option `{option}` has no description");
            assert!(readme.contains(&format!("`{option}`")), "{id}: README.md does not document `{option}`");
            assert!(text.contains(&format!("${{templateOption:{option}}}")), "{id}: option `{option}` is never used");
        }
        for file in &template.files {
            assert!(readme.contains(&file.path), "{id}: README.md does not list `{}`", file.path);
        }
    }
}
