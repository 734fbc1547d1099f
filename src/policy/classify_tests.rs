use super::*;
use crate::policy::run_args;
use serde_json::json;

struct Ws {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    info: WorkspaceInfo,
}

/// A workspace `home/u/proj` with a `.devcontainer` folder, a home with `.ssh`, and a folder outside both.
fn ws() -> Ws {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home/u");
    let folder = home.join("proj");
    std::fs::create_dir_all(folder.join(".devcontainer")).unwrap();
    std::fs::create_dir_all(folder.join("data")).unwrap();
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::create_dir_all(tmp.path().join("elsewhere")).unwrap();
    let info = WorkspaceInfo {
        local_workspace_folder: folder.clone(),
        config_file: folder.join(".devcontainer/devcontainer.json"),
        workspace_folder: "/workspaces/proj".into(),
        workspace_mount: Some(format!("type=bind,source={},target=/workspaces/proj", folder.display())),
        devcontainer_id: "abc123".into(),
    };
    Ws { _tmp: tmp, home, info }
}

fn scope(w: &Ws, local_env: &[&str]) -> Scope {
    let mut scope = Scope::of(&w.info, &local_env.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    // The test's home stands for the user's.
    let mut paths = scope.paths.clone();
    paths.protect_tree(&w.home.join(".ssh"), "credentials in the home folder");
    scope.paths = paths;
    scope
}

fn findings(w: &Ws, config: serde_json::Value, local_env: &[&str]) -> Vec<Finding> {
    let config: DevContainer = serde_json::from_value(config).unwrap();
    let args = run_args::parse(config.run_args.as_deref().unwrap_or(&[])).unwrap();
    let subject = Subject { config: &config, workspace: &w.info, run_args: &args, user_mounts: &[], metadata: &[] };
    classify(&subject, &scope(w, local_env)).unwrap()
}

fn classes(found: &[Finding]) -> Vec<(Class, String)> {
    found.iter().map(|f| (f.class, f.property.clone())).collect()
}

#[test]
fn an_image_with_features_and_container_hooks_needs_nothing() {
    let w = ws();
    let config = json!({"image": "x", "features": {"./f": {}}, "postCreateCommand": "make",
                        "mounts": ["type=bind,source=${localWorkspaceFolder}/data,target=/data".replace("${localWorkspaceFolder}", w.info.local_workspace_folder.to_str().unwrap()),
                                   "type=volume,source=cache-abc123,target=/cache", "type=tmpfs,target=/tmp"],
                        "capAdd": ["SYS_PTRACE"], "runArgs": ["--init", "-e", "A=1", "--memory=1g", "--label", "team=x"]});
    assert_eq!(findings(&w, config, &[]), vec![]);
}

#[test]
fn host_commands_outside_mounts_foreign_volumes_env_and_cache_need_trust() {
    let w = ws();
    let elsewhere = w.home.parent().unwrap().parent().unwrap().join("elsewhere");
    let config = json!({"image": "x", "initializeCommand": "sh .devcontainer/init.sh",
                        "mounts": [format!("type=bind,source={},target=/e", elsewhere.display()),
                                   "type=volume,source=other-workspace-data,target=/d"],
                        "customizations": {"containai": {"cacheFrom": ["localhost:5000/x"]}}});
    let found = findings(&w, config, &["GITHUB_TOKEN"]);
    assert!(found.iter().all(|f| f.class == Class::NeedsTrust), "{found:?}");
    let props: Vec<String> = found.iter().map(|f| f.property.clone()).collect();
    assert_eq!(
        props,
        [
            "initializeCommand",
            "mounts[0]",
            "mounts[1]",
            "${localEnv:GITHUB_TOKEN}",
            "customizations.containai.cacheFrom"
        ]
    );
    assert!(!found.iter().any(|f| f.to_string().contains("ghp_")), "values are never shown");
}

#[test]
fn credentials_sockets_system_folders_and_escapes_are_refused() {
    let w = ws();
    let ws_path = w.info.local_workspace_folder.display().to_string();
    for source in [
        "/etc".to_string(),
        "/".to_string(),
        "/run/docker/containerd".to_string(),
        "/var/run/docker.sock".to_string(),
        "/proc".to_string(),
        w.home.join(".ssh").display().to_string(),
        format!("{ws_path}/../.ssh"),
        format!("{ws_path}/.."),
    ] {
        let config = json!({"image": "x", "mounts": [format!("type=bind,source={source},target=/x")]});
        let found = findings(&w, config, &[]);
        assert_eq!(classes(&found), vec![(Class::Refused, "mounts[0]".to_string())], "{source}: {found:?}");
    }
    // A workspace folder the agent turned into a link to the credentials.
    std::os::unix::fs::symlink(w.home.join(".ssh"), w.info.local_workspace_folder.join("keys")).unwrap();
    let config = json!({"image": "x", "mounts": [format!("type=bind,source={ws_path}/keys,target=/k")]});
    assert_eq!(classes(&findings(&w, config, &[])), vec![(Class::Refused, "mounts[0]".to_string())]);
}

#[test]
fn run_args_outside_the_allowlist_are_refused_each_by_name() {
    let w = ws();
    let cases: &[&[&str]] = &[
        &["--network=container:abc"],
        &["--net", "host"],
        &["--uts=host", "--hostname=x"],
        &["--pid=host"],
        &["--ipc=host"],
        &["--userns=host"],
        &["--device", "/dev/kvm"],
        &["--cap-add", "SYS_MODULE"],
        &["--cap-add=ALL"],
        &["--security-opt", "seccomp=unconfined"],
        &["--security-opt=apparmor:unconfined"],
        &["--privileged"],
        &["--label", "devcontainer.local_folder=/victim"],
        &["-l", "containai.managed=true"],
        &["--runtime=runc"],
        &["--sysctl", "kernel.core_pattern=|/x"],
        &["--name", "containai-victim"],
    ];
    for args in cases {
        let config = json!({"image": "x", "runArgs": args});
        let found = findings(&w, config, &[]);
        assert!(!found.is_empty() && found.iter().all(|f| f.class == Class::Refused), "{args:?}: {found:?}");
    }
}

#[test]
fn config_features_and_labels_get_the_same_short_lists() {
    let w = ws();
    let config = json!({"image": "x", "privileged": true, "capAdd": ["NET_ADMIN"], "securityOpt": ["label=disable"]});
    let found = findings(&w, config, &[]);
    assert_eq!(found.len(), 3);
    assert!(found.iter().all(|f| f.class == Class::Refused));
    let metadata = [
        json!({"id": "ghcr.io/x/go:1", "capAdd": ["SYS_PTRACE"], "securityOpt": ["seccomp=unconfined"]}),
        json!({"capAdd": ["SYS_ADMIN"], "mounts": ["type=bind,source=/home,target=/h"], "privileged": true}),
        json!({"id": "dind", "mounts": [{"type": "volume", "source": "dind-${devcontainerId}", "target": "/var/lib/docker"}]}),
        json!({"id": "thief", "mounts": ["type=volume,source=victim-data,target=/loot"]}),
    ];
    let (config, args) = (DevContainer::default(), run_args::RunArgs::default());
    let subject =
        Subject { config: &config, workspace: &w.info, run_args: &args, user_mounts: &[], metadata: &metadata };
    let found = classify(&subject, &scope(&w, &[])).unwrap();
    let props: Vec<&str> = found.iter().map(|f| f.property.as_str()).collect();
    assert_eq!(
        props,
        [
            "feature `ghcr.io/x/go:1`: securityOpt",
            "image metadata: capAdd",
            "image metadata: privileged",
            "image metadata: mounts",
            "feature `thief`: mounts"
        ]
    );
    assert_eq!(metadata_caps(&metadata), ["SYS_PTRACE", "SYS_ADMIN"]);
}

#[test]
fn build_context_outside_the_workspace_needs_trust_and_the_home_is_refused() {
    let w = ws();
    let inside = findings(&w, json!({"build": {"dockerfile": "Dockerfile", "context": ".."}}), &[]);
    assert_eq!(inside, vec![]);
    let home = findings(&w, json!({"build": {"dockerfile": "Dockerfile", "context": "../.."}}), &[]);
    assert_eq!(classes(&home), vec![(Class::Refused, "build.context".to_string())], "{home:?}");
    let elsewhere = findings(&w, json!({"build": {"dockerfile": "../../../../elsewhere/Dockerfile"}}), &[]);
    assert_eq!(classes(&elsewhere), vec![(Class::NeedsTrust, "build.dockerfile".to_string())], "{elsewhere:?}");
}

#[test]
fn the_users_own_mounts_need_no_trust_but_protected_places_stay_refused() {
    let w = ws();
    let (config, args) = (DevContainer::default(), run_args::RunArgs::default());
    let user = [mounts::parse_mount("type=bind,source=/opt,target=/o").unwrap()];
    let subject = Subject { config: &config, workspace: &w.info, run_args: &args, user_mounts: &user, metadata: &[] };
    assert_eq!(classify(&subject, &scope(&w, &[])).unwrap(), vec![]);
    let user = [mounts::parse_mount("type=bind,source=/var/run/docker.sock,target=/s").unwrap()];
    let subject = Subject { user_mounts: &user, ..subject };
    assert_eq!(classes(&classify(&subject, &scope(&w, &[])).unwrap()), vec![(Class::Refused, "--mount".into())]);
}
