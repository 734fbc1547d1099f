use super::*;
use std::os::unix::fs::PermissionsExt;

/// A Docker config folder holding `config` as config.json, and a `bin/` for helpers.
fn config_dir(config: serde_json::Value) -> (tempfile::TempDir, Credentials) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("bin")).unwrap();
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    let credentials =
        Credentials::from_file(&dir.path().join("config.json")).unwrap().with_helper_path(dir.path().join("bin"));
    (dir, credentials)
}

/// Writes `docker-credential-<name>`: a shell script answering `get` like a real helper, logging what it read.
fn helper(dir: &Path, name: &str, body: &str) {
    let path = dir.join("bin").join(format!("docker-credential-{name}"));
    let log = dir.join(format!("{name}.log"));
    let script = format!("#!/bin/sh\nread -r server\necho \"$1 $server\" >> {}\n{body}\n", log.display());
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn basic(user: &str, password: &str) -> Option<RegistryAuth> {
    Some(RegistryAuth::Basic { username: user.into(), password: password.into() })
}

fn b64(text: &str) -> String {
    data_encoding::BASE64.encode(text.as_bytes())
}

#[test]
fn auths_entries_are_found_by_normalised_registry_name() {
    let (_dir, creds) = config_dir(serde_json::json!({"auths": {
        "https://index.docker.io/v1/": {"auth": b64("hubuser:hub:pass")},
        "localhost:5000": {"auth": b64("me:secret")},
        "https://ghcr.io": {"auth": b64("gh:tok")},
        "acr.example.io": {"auth": b64("00000000-0000-0000-0000-000000000000:"), "identitytoken": "refresh"},
        "empty.example.io": {}
    }}));
    assert_eq!(creds.get("docker.io").unwrap(), basic("hubuser", "hub:pass"));
    assert_eq!(creds.get("registry-1.docker.io").unwrap(), basic("hubuser", "hub:pass"));
    assert_eq!(creds.get("localhost:5000").unwrap(), basic("me", "secret"));
    assert_eq!(creds.get("GHCR.IO").unwrap(), basic("gh", "tok"));
    assert_eq!(
        creds.get("acr.example.io").unwrap(),
        Some(RegistryAuth::IdentityToken {
            username: "00000000-0000-0000-0000-000000000000".into(),
            token: "refresh".into()
        })
    );
    assert_eq!(creds.get("empty.example.io").unwrap(), None);
    assert_eq!(creds.get("localhost:5001").unwrap(), None);
}

#[test]
fn a_broken_auth_entry_is_an_error_that_shows_no_secret() {
    let (_dir, creds) = config_dir(serde_json::json!({"auths": {"r.io": {"auth": b64("no-colon-hunter2")}}}));
    let text = creds.get("r.io").unwrap_err().to_string();
    assert!(text.contains("`auths.r.io`") && !text.contains("hunter2"), "{text}");
}

#[test]
fn credential_helpers_are_run_with_the_server_on_stdin() {
    let (dir, creds) = config_dir(serde_json::json!({
        "auths": {"ghcr.io": {"auth": b64("file:ignored")}},
        "credsStore": "store",
        "credHelpers": {"ghcr.io": "gh", "https://index.docker.io/v1/": "hub"}
    }));
    helper(dir.path(), "gh", r#"echo '{"ServerURL":"ghcr.io","Username":"gh-user","Secret":"gh-secret"}'"#);
    helper(dir.path(), "hub", r#"echo '{"ServerURL":"x","Username":"<token>","Secret":"refresh-token"}'"#);
    helper(
        dir.path(),
        "store",
        r#"case "$server" in localhost:5000) echo '{"Username":"u","Secret":"s"}';; *) echo 'credentials not found in native keychain'; exit 1;; esac"#,
    );
    assert_eq!(creds.get("ghcr.io").unwrap(), basic("gh-user", "gh-secret"), "credHelpers wins over auths");
    assert_eq!(
        creds.get("index.docker.io").unwrap(),
        Some(RegistryAuth::IdentityToken { username: String::new(), token: "refresh-token".into() })
    );
    assert_eq!(creds.get("localhost:5000").unwrap(), basic("u", "s"), "credsStore for the rest");
    assert_eq!(creds.get("quay.io").unwrap(), None, "not found is no credentials");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(format!("{name}.log"))).unwrap();
    assert_eq!(read("gh"), "get ghcr.io\n");
    assert_eq!(read("hub"), "get https://index.docker.io/v1/\n");
    assert_eq!(read("store"), "get localhost:5000\nget quay.io\n");
}

#[test]
fn a_failing_or_missing_helper_is_an_error() {
    let (dir, creds) = config_dir(serde_json::json!({"credHelpers": {"a.io": "broken", "b.io": "absent"}}));
    helper(dir.path(), "broken", "echo 'keychain locked' ; exit 3");
    let text = creds.get("a.io").unwrap_err().to_string();
    assert!(text.contains("docker-credential-broken") && text.contains("keychain locked"), "{text}");
    let text = creds.get("b.io").unwrap_err().to_string();
    assert!(text.contains("docker-credential-absent") && text.contains("cannot run it"), "{text}");
}

#[test]
fn credentials_never_show_in_debug_output() {
    let auth = RegistryAuth::Basic { username: "me".into(), password: "hunter2".into() };
    let token = RegistryAuth::IdentityToken { username: "me".into(), token: "hunter3".into() };
    let text = format!("{auth:?} {token:?}");
    assert!(text.contains("me") && !text.contains("hunter"), "{text}");
    let (_dir, creds) = config_dir(serde_json::json!({"auths": {"r.io": {"auth": b64("me:hunter4")}}}));
    assert!(!format!("{creds:?}").contains("hunter4"));
    let engine = auth.to_engine("r.io");
    assert_eq!((engine.username.as_deref(), engine.serveraddress.as_deref()), (Some("me"), Some("r.io")));
}

#[test]
fn the_config_file_is_found_like_the_docker_cli_finds_it() {
    let home = Some(PathBuf::from("/home/u"));
    assert_eq!(config_path_from(Some("/etc/dc".into()), home.clone()), Some(PathBuf::from("/etc/dc/config.json")));
    assert_eq!(config_path_from(Some("".into()), home.clone()), Some(PathBuf::from("/home/u/.docker/config.json")));
    assert_eq!(config_path_from(None, home), Some(PathBuf::from("/home/u/.docker/config.json")));
    let missing = Credentials::from_file(Path::new("/nonexistent/config.json")).unwrap();
    assert_eq!(missing.get("ghcr.io").unwrap(), None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), "{not json").unwrap();
    assert!(Credentials::from_file(&dir.path().join("config.json")).is_err());
}
