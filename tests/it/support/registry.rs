//! A real registry for the tests: Debian's `docker-registry` on a free 127.0.0.1 port with temp storage,
//! stopped on drop; plus the fixture collection copied with its placeholder registry replaced.
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

/// A running registry; `host` is `localhost:PORT` (plain http, as the reference CLI speaks to it).
pub struct Registry {
    child: Option<Child>,
    pub host: String,
    port: u16,
    config: PathBuf,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts a registry; panics (fails the test) when the binary is missing or it does not come up.
    pub fn start() -> Registry {
        Registry::start_with("")
    }

    /// Starts a registry that answers only `user` with `password` (htpasswd, bcrypt): 401 to anyone else.
    pub fn start_with_login(user: &str, password: &str) -> Registry {
        let file = tempfile::NamedTempFile::new().unwrap().into_temp_path().keep().unwrap();
        std::fs::write(&file, format!("{user}:{}\n", bcrypt::hash(password, 4).unwrap())).unwrap();
        Registry::start_with(&format!("auth:\n  htpasswd:\n    realm: containai-test\n    path: {}\n", file.display()))
    }

    fn start_with(extra_config: &str) -> Registry {
        assert!(
            Path::new(REGISTRY_BIN).exists(),
            "`{REGISTRY_BIN}` is missing: run scripts/setup (Debian package `docker-registry`)"
        );
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let config = dir.path().join("config.yml");
        let storage = dir.path().join("storage");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{extra_config}",
                storage.display()
            ),
        )
        .unwrap();
        let mut registry = Registry { child: None, host: format!("localhost:{port}"), port, config, _dir: dir };
        registry.resume();
        registry
    }

    /// Stops the process (storage is kept, so that [`Registry::resume`] brings the same content back).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn resume(&mut self) {
        let child = Command::new(REGISTRY_BIN)
            .arg("serve")
            .arg(&self.config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "docker-registry did not listen on 127.0.0.1:{}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// fixtures/oci/collection copied into a temp dir, `localhost:0/placeholder` replaced by `host/namespace`.
pub fn collection(host: &str, namespace: &str) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/oci/collection");
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let to = dir.path().join(entry.path().strip_prefix(&src).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            std::fs::write(&to, text.replace("localhost:0/placeholder", &format!("{host}/{namespace}"))).unwrap();
            std::fs::set_permissions(&to, std::fs::metadata(entry.path()).unwrap().permissions()).unwrap();
        }
    }
    dir
}

/// Sets `"version"` of the feature `id` in a copied collection.
pub fn set_version(collection: &Path, id: &str, version: &str) {
    let path = collection.join("src").join(id).join("devcontainer-feature.json");
    let mut value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    value["version"] = version.into();
    std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
}

/// `$DOCKER_CONFIG` in `dir` whose `credHelpers` sends `host` to `docker-credential-caitest`, a script (in
/// `dir/bin`, for `PATH`) that logs `get <server>` to `dir/helper.log` and answers with `user` and `password`.
pub fn credential_helper(dir: &Path, host: &str, user: &str, password: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(dir.join("config.json"), serde_json::json!({"credHelpers": {host: "caitest"}}).to_string()).unwrap();
    let helper = dir.join("bin/docker-credential-caitest");
    let script = format!(
        "#!/bin/sh\nread -r server\necho \"$1 $server\" >> {}\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{user}\",\"Secret\":\"{password}\"}}' \"$server\"\n",
        dir.join("helper.log").display()
    );
    std::fs::write(&helper, script).unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs the containai binary; returns (success, stdout, stderr).
pub fn containai(args: &[&str], envs: &[(&str, &Path)]) -> (bool, String, String) {
    let out = Command::new(super::binary()).args(args).envs(envs.iter().map(|(k, v)| (*k, *v))).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// Publishes the collection at `dir` to `host/namespace` with the containai binary.
pub fn publish(dir: &Path, host: &str, namespace: &str) -> serde_json::Value {
    let (ok, out, err) =
        containai(&["features", "publish", dir.to_str().unwrap(), "--registry", host, "--namespace", namespace], &[]);
    assert!(ok, "publish failed: {err}");
    serde_json::from_str(out.trim()).unwrap()
}

/// A workspace whose `.devcontainer/devcontainer.json` is `config`.
pub fn workspace(config: &serde_json::Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    super::write_workspace(dir.path(), config);
    dir
}
