//! Hand-made config + features → plans: which layer keys change with which input, and the rendered layers.

use containai::config::{DevContainer, Loaded, WorkspaceInfo};
use containai::features::{FeatureSource, ResolvedFeature};
use containai::plan::{self, BaseInput, BuildPlan, ContextFile, HostUser, LayerContext, PlanError};
use containai::report::{Reporter, Silent};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Records warnings.
#[derive(Default)]
struct Warnings(std::sync::Mutex<Vec<String>>);

impl Reporter for Warnings {
    fn warn(&self, message: &str) {
        self.0.lock().unwrap().push(message.to_string());
    }
}

const HOST: HostUser = HostUser { uid: 1000, gid: 1000 };
const BASE_ID: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000001";

fn loaded(value: Value) -> Loaded {
    let model: DevContainer = serde_json::from_value(value.clone()).unwrap();
    Loaded {
        value,
        model,
        workspace: WorkspaceInfo {
            local_workspace_folder: "/ws".into(),
            config_file: "/ws/.devcontainer/devcontainer.json".into(),
            workspace_folder: "/workspaces/ws".into(),
            workspace_mount: None,
            devcontainer_id: "id".into(),
        },
        warnings: vec![],
        local_env: vec![],
    }
}

fn feature(id: &str, option: &str, script: &str) -> ResolvedFeature {
    let metadata = json!({"id": id, "version": "1.0.0", "containerEnv": {"PATH": format!("/opt/{id}:${{PATH}}")}});
    ResolvedFeature {
        reference: format!("./{id}"),
        source: FeatureSource::Local { path: format!("/ws/.devcontainer/{id}").into() },
        model: serde_json::from_value(metadata.clone()).unwrap(),
        metadata,
        options: BTreeMap::from([("flavour".to_string(), json!(option))]),
        env: BTreeMap::from([
            ("FLAVOUR".to_string(), option.to_string()),
            ("_REMOTE_USER".to_string(), "dev".to_string()),
        ]),
        files: vec![
            ContextFile { path: "devcontainer-feature.json".into(), mode: 0o644, bytes: b"{}".to_vec() },
            ContextFile { path: "install.sh".into(), mode: 0o755, bytes: script.as_bytes().to_vec() },
        ],
    }
}

fn image(id: &str, label: Option<&str>) -> BaseInput {
    BaseInput::Image {
        reference: "containai-test/base:bookworm".into(),
        image_id: id.into(),
        metadata_label: label.map(str::to_string),
        user: String::new(),
    }
}

fn three() -> Vec<ResolvedFeature> {
    vec![feature("a", "x", "echo a\n"), feature("b", "x", "echo b\n"), feature("c", "x", "echo c\n")]
}

fn keys(plan: &BuildPlan) -> Vec<&str> {
    plan.layers.iter().map(|l| l.key.as_str()).collect()
}

fn config() -> Loaded {
    loaded(json!({"image": "containai-test/base:bookworm", "remoteUser": "dev", "postCreateCommand": "make"}))
}

#[test]
fn layers_are_base_system_features_user_each_from_its_parent() {
    let plan = plan::plan(&config(), &three(), &image(BASE_ID, None), &HOST, &Silent).unwrap();
    let names: Vec<_> = plan.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["base", "system", "feature:./a", "feature:./b", "feature:./c", "user"]);
    assert_eq!(plan.features, ["./a", "./b", "./c"]);
    assert_eq!(plan.layers[0].dockerfile.lines().nth(1), Some("FROM containai-test/base:bookworm"));
    for pair in plan.layers.windows(2) {
        assert_eq!(pair[1].parent_key.as_deref(), Some(pair[0].key.as_str()));
        let from = format!("FROM containai-cache:{}", pair[0].key);
        assert!(pair[1].dockerfile.lines().any(|l| l == from), "{} lacks `{from}`", pair[1].name);
    }
    assert_eq!(plan.image_key(), Some(plan.layers[5].key.as_str()));
}

#[test]
fn unchanged_input_gives_an_identical_plan() {
    let a = plan::plan(&config(), &three(), &image(BASE_ID, None), &HOST, &Silent).unwrap();
    let b = plan::plan(&config(), &three(), &image(BASE_ID, None), &HOST, &Silent).unwrap();
    assert_eq!(a, b);
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
}

#[test]
fn changing_feature_n_options_changes_n_and_later_only() {
    let before = plan::plan(&config(), &three(), &image(BASE_ID, None), &HOST, &Silent).unwrap();
    let mut changed = three();
    changed[1] = feature("b", "y", "echo b\n");
    let after = plan::plan(&config(), &changed, &image(BASE_ID, None), &HOST, &Silent).unwrap();
    let (k0, k1) = (keys(&before), keys(&after));
    assert_eq!(k0[..3], k1[..3], "base, system and feature a are untouched");
    for i in 3..6 {
        assert_ne!(k0[i], k1[i], "layer {i} must change");
    }
}

#[test]
fn changing_a_file_byte_changes_that_feature_and_later() {
    let before = plan::plan(&config(), &three(), &image(BASE_ID, None), &HOST, &Silent).unwrap();
    let mut changed = three();
    changed[2] = feature("c", "x", "echo C\n");
    let after = plan::plan(&config(), &changed, &image(BASE_ID, None), &HOST, &Silent).unwrap();
    let (k0, k1) = (keys(&before), keys(&after));
    assert_eq!(k0[..4], k1[..4]);
    assert_ne!(k0[4], k1[4]);
    assert_ne!(k0[5], k1[5]);
}

#[test]
fn a_moved_base_tag_changes_every_key() {
    let before = plan::plan(&config(), &three(), &image(BASE_ID, None), &HOST, &Silent).unwrap();
    let after = plan::plan(&config(), &three(), &image("sha256:02", None), &HOST, &Silent).unwrap();
    for (a, b) in keys(&before).iter().zip(keys(&after)) {
        assert_ne!(*a, b);
    }
}

#[test]
fn a_config_only_change_rebuilds_only_the_user_layer() {
    let before = plan::plan(&config(), &three(), &image(BASE_ID, None), &HOST, &Silent).unwrap();
    let other =
        loaded(json!({"image": "containai-test/base:bookworm", "remoteUser": "dev", "postCreateCommand": "make all"}));
    let after = plan::plan(&other, &three(), &image(BASE_ID, None), &HOST, &Silent).unwrap();
    assert_eq!(keys(&before)[..5], keys(&after)[..5]);
    assert_ne!(keys(&before)[5], keys(&after)[5]);
}

#[test]
fn feature_layer_copies_its_files_and_sources_its_options() {
    let plan = plan::plan(&config(), &three(), &image(BASE_ID, None), &HOST, &Silent).unwrap();
    let layer = &plan.layers[2];
    let LayerContext::Files { files } = &layer.context else { panic!("feature context is in memory") };
    let paths: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["containai-feature.env", "devcontainer-feature.json", "install.sh"]);
    // The users install.sh sees are the plan's (one rule over base label, `USER` and config), not the feature's.
    assert_eq!(
        String::from_utf8_lossy(&files[0].bytes),
        "FLAVOUR='x'\n_CONTAINER_USER='root'\n_CONTAINER_USER_HOME='/root'\n_REMOTE_USER='dev'\n_REMOTE_USER_HOME='/home/dev'\n"
    );
    assert!(layer.dockerfile.contains("./install.sh"));
    assert!(layer.dockerfile.contains(r#"ENV PATH="/opt/a:${PATH}""#), "{}", layer.dockerfile);
}

#[test]
fn metadata_label_is_base_then_features_then_config() {
    let base_label = r#"[{"remoteUser":"vscode","capAdd":["SYS_PTRACE"]}]"#;
    let plan = plan::plan(&config(), &three(), &image(BASE_ID, Some(base_label)), &HOST, &Silent).unwrap();
    let entries = plan.metadata.as_array().unwrap();
    assert_eq!(entries.len(), 5);
    assert_eq!(entries[0], json!({"remoteUser": "vscode", "capAdd": ["SYS_PTRACE"]}));
    assert_eq!(entries[1], json!({"id": "./a", "containerEnv": {"PATH": "/opt/a:${PATH}"}}));
    assert_eq!(entries[4], json!({"postCreateCommand": "make", "remoteUser": "dev"}));
    let user = &plan.layers.last().unwrap().dockerfile;
    let label = user.lines().find(|l| l.starts_with("LABEL devcontainer.metadata=")).unwrap();
    assert!(label.contains(r#"\"remoteUser\":\"vscode\""#), "{label}");
    assert!(label.contains(r#"/opt/a:\${PATH}"#), "`$` is escaped in the label: {label}");
}

#[test]
fn a_broken_base_label_is_a_warning() {
    let warnings = Warnings::default();
    let plan = plan::plan(&config(), &[], &image(BASE_ID, Some("{nope")), &HOST, &warnings).unwrap();
    assert_eq!(plan.metadata.as_array().unwrap().len(), 1);
    let warnings = warnings.0.lock().unwrap();
    assert!(warnings.len() == 1 && warnings[0].contains("not JSON"), "{warnings:?}");
}

#[test]
fn user_layer_creates_the_remote_user_with_the_host_uid() {
    let plan = plan::plan(&config(), &[], &image(BASE_ID, None), &HOST, &Silent).unwrap();
    let user = &plan.layers.last().unwrap().dockerfile;
    assert!(user.contains("u='dev'; \\\n"), "{user}");
    assert!(user.contains("useradd --create-home --shell /bin/bash"));
    assert!(user.contains("new_uid=1000; new_gid=1000;"));
    let root_host = plan::plan(&config(), &[], &image(BASE_ID, None), &HostUser { uid: 0, gid: 0 }, &Silent).unwrap();
    assert!(!root_host.layers.last().unwrap().dockerfile.contains("new_uid="));
}

#[test]
fn compose_and_missing_install_sh_are_clear_errors() {
    let compose = loaded(json!({"dockerComposeFile": "c.yml", "service": "app"}));
    let err = plan::plan(&compose, &[], &image(BASE_ID, None), &HOST, &Silent).unwrap_err();
    assert!(matches!(err, PlanError::ComposeUnsupported));
    assert!(err.to_string().contains("no image of its own"), "{err}");
    let mut broken = feature("a", "x", "");
    broken.files.retain(|f| f.path != "install.sh");
    let err = plan::plan(&config(), &[broken], &image(BASE_ID, None), &HOST, &Silent).unwrap_err();
    assert_eq!(err.to_string().lines().next(), Some("feature `./a` has no `install.sh`"));
}

#[test]
fn system_layer_installs_masks_and_boots_systemd() {
    let plan = plan::plan(&config(), &[], &image(BASE_ID, None), &HOST, &Silent).unwrap();
    let system = &plan.layers[1].dockerfile;
    for needle in [
        "for p in systemd systemd-sysv dbus iproute2 sudo ca-certificates procps; do",
        "ReadKMsg=no",
        "systemd-udevd.service",
        "sys-kernel-debug.mount",
        "e2scrub_reap.service",
        "STOPSIGNAL SIGRTMIN+3",
        "ENTRYPOINT [\"/sbin/init\"]",
    ] {
        assert!(system.contains(needle), "system layer lacks `{needle}`:\n{system}");
    }
    // `ENTRYPOINT` clears the base's `CMD`; a root base needs no `USER root` (each instruction is an engine step).
    for needle in ["\nCMD", "\nUSER"] {
        assert!(!system.contains(needle), "system layer has `{needle}`:\n{system}");
    }
}

#[test]
fn a_non_root_base_user_becomes_the_first_container_user_entry() {
    let base = BaseInput::Image {
        reference: "x".into(),
        image_id: BASE_ID.into(),
        metadata_label: Some(r#"{"remoteUser":"vscode"}"#.into()),
        user: "node".into(),
    };
    let cfg = loaded(json!({"image": "x"}));
    let plan = plan::plan(&cfg, &[], &base, &HOST, &Silent).unwrap();
    assert!(plan.layers[1].dockerfile.contains("\nUSER root\n"), "the system layer runs as root");
    let entries = plan.metadata.as_array().unwrap();
    assert_eq!(entries[0], json!({"containerUser": "node"}));
    assert_eq!(entries[1], json!({"remoteUser": "vscode"}));
    let user = &plan.layers.last().unwrap().dockerfile;
    assert!(user.contains("u='node'; \\\n") && user.contains("u='vscode'; new_uid=1000;"), "{user}");
}

/// A Dockerfile base `FROM x`, `x` with the engine id `id`, not built yet.
fn dockerfile_base(id: &str) -> containai::plan::DockerfileBase {
    containai::plan::DockerfileBase {
        context: "/ws/.devcontainer".into(),
        dockerfile: "Dockerfile".into(),
        text: "FROM x\n".into(),
        context_hash: "c".into(),
        build_args: BTreeMap::new(),
        target: None,
        from_images: vec![("x".into(), id.into())],
        from_base: None,
        built: None,
    }
}

#[test]
fn a_built_dockerfile_base_brings_its_label_and_user() {
    use containai::plan::BuiltBase;
    let cfg = loaded(json!({"build": {"dockerfile": "Dockerfile"}}));
    let mut base = dockerfile_base("sha256:1");
    let warnings = Warnings::default();
    let unbuilt = plan::plan(&cfg, &[], &BaseInput::Dockerfile(base.clone()), &HOST, &warnings).unwrap();
    assert!(warnings.0.lock().unwrap()[0].contains("not built yet"));
    base.built = Some(BuiltBase { metadata_label: Some(r#"[{"remoteUser":"vscode"}]"#.into()), user: "node".into() });
    let built = plan::plan(&cfg, &[], &BaseInput::Dockerfile(base), &HOST, &Silent).unwrap();
    assert_eq!(built.metadata, json!([{"containerUser": "node"}, {"remoteUser": "vscode"}, {}]));
    assert_eq!(keys(&unbuilt)[..2], keys(&built)[..2], "base and system keys do not depend on the label");
    assert_ne!(keys(&unbuilt)[2], keys(&built)[2]);
}

#[test]
fn a_dockerfile_base_is_keyed_by_the_ids_of_its_from_images() {
    let cfg = loaded(json!({"build": {"dockerfile": "Dockerfile"}}));
    let keys_with = |id: &str| {
        let plan = plan::plan(&cfg, &[], &BaseInput::Dockerfile(dockerfile_base(id)), &HOST, &Silent).unwrap();
        keys(&plan).iter().map(|k| k.to_string()).collect::<Vec<String>>()
    };
    let (first, same, moved) = (keys_with("sha256:1"), keys_with("sha256:1"), keys_with("sha256:2"));
    assert_eq!(first, same);
    // `x` pulled anew: every layer is new, from the base up.
    assert!(first.iter().zip(&moved).all(|(a, b)| a != b), "{first:?} {moved:?}");
}

#[test]
fn install_sh_sees_the_base_images_remote_user_when_the_config_names_none() {
    let config = loaded(json!({"image": "containai-test/base:bookworm"}));
    let label = r#"[{"remoteUser": "vscode", "containerUser": "app"}]"#;
    let plan = plan::plan(&config, &three(), &image(BASE_ID, Some(label)), &HOST, &Silent).unwrap();
    let LayerContext::Files { files } = &plan.layers[2].context else { panic!("feature context is in memory") };
    let env = String::from_utf8_lossy(&files[0].bytes);
    assert!(env.contains("_REMOTE_USER='vscode'") && env.contains("_CONTAINER_USER='app'"), "{env}");
    assert!(env.contains("_REMOTE_USER_HOME='/home/vscode'"), "{env}");
}
