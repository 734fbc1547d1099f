use super::*;
use crate::config::WorkspaceInfo;
use serde_json::json;

/// A workspace `home/u/proj` (Compose files in `.devcontainer`), a home with `.ssh`, a folder outside both.
fn setup() -> (tempfile::TempDir, PathBuf, Scope) {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home/u");
    let folder = home.join("proj");
    std::fs::create_dir_all(folder.join(".devcontainer")).unwrap();
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::create_dir_all(tmp.path().join("elsewhere")).unwrap();
    let info = WorkspaceInfo {
        local_workspace_folder: folder.clone(),
        config_file: folder.join(".devcontainer/devcontainer.json"),
        workspace_folder: "/workspaces/proj".into(),
        workspace_mount: None,
        devcontainer_id: "abc123".into(),
    };
    let mut scope = Scope::of(&info, &[]);
    scope.paths.protect_tree(&home.join(".ssh"), "credentials in the home folder");
    (tmp, folder, scope)
}

fn classes(found: &[Finding]) -> Vec<(Class, String)> {
    found.iter().map(|f| (f.class, f.property.clone())).collect()
}

#[test]
fn a_template_like_project_needs_only_the_trust_of_its_parent_mount() {
    let (_tmp, folder, scope) = setup();
    let parent = folder.parent().unwrap().display().to_string();
    let project = json!({"services": {
        "app": {"build": {"context": folder.display().to_string(), "dockerfile": ".devcontainer/Dockerfile"},
                "volumes": [format!("{parent}:/workspaces:cached"), format!("{}:/src", folder.display()), "cache:/cache"],
                "command": "sleep infinity", "network_mode": "service:db", "cap_add": ["SYS_PTRACE"]},
        "db": {"image": "postgres", "ports": ["0.0.0.0:5432:5432"], "volumes": ["pgdata:/var/lib/postgresql/data"]}},
        "volumes": {"cache": {}, "pgdata": null}});
    let found = classify_project(&project, &[], &scope);
    // The parent of the workspace holds the home folder's other projects: outside, so the user's trust.
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].property, "services.app.volumes[0]");
}

#[test]
fn host_reaching_settings_of_any_service_are_refused() {
    let (tmp, folder, scope) = setup();
    let ssh = folder.parent().unwrap().join(".ssh").display().to_string();
    let project = json!({"services": {"db": {
        "image": "x", "privileged": true, "cap_add": ["SYS_ADMIN"], "security_opt": ["seccomp=unconfined"],
        "devices": ["/dev/kvm:/dev/kvm"], "network_mode": "host", "pid": "host", "ipc": "host",
        "runtime": "runc", "volumes_from": ["container:other"], "labels": {"containai.key": "x"},
        "sysctls": {"kernel.panic": "1"},
        "volumes": ["/etc:/host-etc", format!("{ssh}:/keys:ro"), {"type": "bind", "source": "/var/run/docker.sock", "target": "/s"}],
        "build": {"context": "/"}}}});
    let found = classify_project(&project, &[("db".into(), tmp.path().join("home/u/.ssh/id_rsa"))], &scope);
    let refused: Vec<String> = found.iter().filter(|f| f.class == Class::Refused).map(|f| f.property.clone()).collect();
    for key in [
        "privileged",
        "cap_add",
        "security_opt",
        "devices",
        "network_mode",
        "pid",
        "ipc",
        "runtime",
        "volumes_from",
        "labels",
        "sysctls",
        "volumes[0]",
        "volumes[1]",
        "volumes[2]",
        "build.context",
        "env_file",
    ] {
        assert!(refused.contains(&format!("services.db.{key}")), "{key} not refused: {found:#?}");
    }
}

#[test]
fn paths_and_volumes_outside_the_project_need_trust() {
    let (tmp, _folder, scope) = setup();
    let elsewhere = tmp.path().join("elsewhere");
    let project = json!({"services": {"app": {
        "image": "x", "build": {"context": elsewhere.display().to_string()},
        "volumes": ["shared:/shared", {"type": "volume", "source": "mine", "target": "/m"}, "/anonymous-only"]}},
        "volumes": {"shared": {"external": true}, "mine": {}}});
    let found = classify_project(&project, &[("app".into(), elsewhere.join("x.env"))], &scope);
    assert_eq!(
        classes(&found),
        vec![
            (Class::NeedsTrust, "services.app.volumes[0]".into()),
            (Class::NeedsTrust, "services.app.build.context".into()),
            (Class::NeedsTrust, "services.app.env_file".into()),
        ]
    );
}

#[test]
fn volumes_parse_in_both_forms() {
    let short = volume_mount(&json!("/a:/b:ro,cached")).unwrap();
    assert_eq!(
        (short.typ, short.source.as_deref(), short.target.as_deref()),
        (Some(MountType::BIND), Some("/a"), Some("/b"))
    );
    assert_eq!(short.read_only, Some(true));
    assert_eq!(volume_mount(&json!("data:/d")).unwrap().typ, Some(MountType::VOLUME));
    assert!(volume_mount(&json!("/only-a-target")).is_none());
    assert!(volume_mount(&json!({"type": "tmpfs", "target": "/t"})).is_none());
}
