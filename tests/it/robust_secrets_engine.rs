//! Canaries planted where secrets come from — `${localEnv:...}` in remoteEnv, `--secrets-file`, registry
//! credentials in `$DOCKER_CONFIG` — and one real `up` (engine-backed, runc insecure mode): the hooks get the
//! values, and none appears in the image (history, config, labels, `docker save` bytes), the container's
//! config, the logs on stderr or the result JSON. The same run checks exposure: ports only on 127.0.0.1,
//! containai's files 0600 in 0700 folders, the docker socket refused from devcontainer.json.

use crate::support::text;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A canary no other test or run uses: `cai-canary-<what>-…`.
fn unique(what: &str) -> String {
    crate::support::unique(&format!("cai-canary-{what}"))
}

struct Sandbox {
    dir: tempfile::TempDir,
    workspace: PathBuf,
    envs: Vec<(String, String)>,
}

impl Sandbox {
    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn containai(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_containai"))
            .args(args)
            .arg("--workspace-folder")
            .arg(&self.workspace)
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env_remove("CONTAINAI_ALLOW_INSECURE_RUNTIME")
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap()
    }

    fn write_config(&self, config: &Value) {
        std::fs::write(self.workspace.join(".devcontainer/devcontainer.json"), config.to_string()).unwrap();
    }

    fn containers(&self) -> Vec<String> {
        let folder = self.workspace.canonicalize().unwrap();
        let filter = format!("label=devcontainer.local_folder={}", folder.display());
        let out = docker(&["ps", "-aq", "--filter", &filter]);
        String::from_utf8_lossy(&out.stdout).split_whitespace().map(str::to_string).collect()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for id in self.containers() {
            let _ = docker(&["rm", "-f", "-v", &id]);
        }
    }
}

fn docker(args: &[&str]) -> Output {
    let out = Command::new("docker").args(args).output().expect("the docker CLI");
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The needles that occur in `docker save` of `image` (saved to a file in `dir`, searched by grep).
fn saved_image_contains(image: &str, needles: &[&str], dir: &Path) -> Vec<String> {
    let (patterns, tar) = (dir.join("needles"), dir.join("image.tar"));
    std::fs::write(&patterns, needles.join("\n")).unwrap();
    docker(&["save", "-o", tar.to_str().unwrap(), image]);
    let size = std::fs::metadata(&tar).unwrap().len();
    assert!(size > 1_000_000, "docker save {image}: {size} bytes");
    let out = Command::new("grep").arg("-a").arg("-o").arg("-F").arg("-f").arg(&patterns).arg(&tar).output().unwrap();
    std::fs::remove_file(&tar).unwrap();
    let mut found: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
    found.dedup();
    found
}

/// Every file containai wrote under `dir` is 0600 and every folder 0700 — but the egress drop-in, which the
/// sandbox's systemd reads through a bind mount (so 0644, in a 0700 folder) and which holds only the proxy's
/// address.
fn assert_private(dir: &Path) {
    for entry in walkdir::WalkDir::new(dir).into_iter().map(Result::unwrap) {
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        let dropin = entry.path().parent().and_then(Path::parent).is_some_and(|p| p.ends_with("containai/egress"))
            && entry.file_name() == "systemd.conf";
        if dropin {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            assert!(
                text.lines().all(|l| l.is_empty()
                    || l.starts_with(['[', '#'])
                    || l.contains("_proxy=")
                    || l.contains("_PROXY=")),
                "the egress drop-in holds more than the proxy's address:\n{text}"
            );
        }
        let want = match (entry.file_type().is_dir(), dropin) {
            (true, _) => 0o700,
            (false, true) => 0o644,
            (false, false) => 0o600,
        };
        assert_eq!(mode, want, "{} is {mode:o}", entry.path().display());
    }
}

#[test]
fn secrets_stay_out_of_image_config_logs_and_result_and_exposure_is_minimal() {
    let (from_env, from_file, credential) = (unique("localenv"), unique("secretsfile"), unique("registry"));
    // A real registry holding a feature, so that the credentials are read and used for the fetch.
    let registry = crate::support::registry::Registry::start();
    let namespace = unique("ns").replace("cai-canary-", "");
    let collection = crate::support::registry::collection(&registry.host, &namespace);
    crate::support::registry::publish(collection.path(), &registry.host, &namespace);
    let hello = format!("{}/{namespace}/hello:1", registry.host);
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join(unique("ws"));
    std::fs::create_dir_all(workspace.join(".devcontainer")).unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    // Registry credentials as `docker login` stores them (base64 `user:password`).
    let docker_config = dir.path().join("docker-config");
    std::fs::create_dir_all(&docker_config).unwrap();
    let auth = data_encoding::BASE64.encode(format!("robot:{credential}").as_bytes());
    std::fs::write(
        docker_config.join("config.json"),
        json!({"auths": {registry.host.as_str(): {"auth": auth}}}).to_string(),
    )
    .unwrap();
    let secrets_file = dir.path().join("secrets.json");
    std::fs::write(&secrets_file, json!({"CAI_FILE_SECRET": from_file}).to_string()).unwrap();
    let envs = vec![
        ("CAI_ROBUST_CANARY".to_string(), from_env.clone()),
        ("DOCKER_CONFIG".to_string(), docker_config.display().to_string()),
    ];
    let sandbox = Sandbox { dir, workspace, envs };
    let canaries = [from_env.as_str(), from_file.as_str(), credential.as_str(), auth.as_str()];

    // The docker socket in devcontainer.json is refused before anything is built or created.
    sandbox.write_config(&json!({
        "image": "containai-test/base:bookworm",
        "mounts": ["source=//var/run/./docker.sock,target=/var/run/docker.sock,type=bind"],
    }));
    let refused = sandbox.containai(&["up", "--allow-insecure-runtime"]);
    assert!(!refused.status.success() && text(&refused).contains("docker.sock"), "{}", text(&refused));
    assert!(sandbox.containers().is_empty());

    // The same features as tests/it/run_engine.rs: the cached layers are shared.
    sandbox.write_config(&json!({
        "image": "containai-test/base:bookworm",
        "features": {"containai/dockerd": {}, hello.as_str(): {"greeting": "hi"}},
        "remoteEnv": {"CAI_LOCAL_SECRET": "${localEnv:CAI_ROBUST_CANARY}"},
        "forwardPorts": [39_517],
        "postCreateCommand": ["/bin/sh", "-c",
            "printf '%s|%s\\n' \"$CAI_LOCAL_SECRET\" \"$CAI_FILE_SECRET\" > \"${containerWorkspaceFolder}/seen\"; echo \"hook says $CAI_FILE_SECRET\""],
    }));
    // `${localEnv:…}` reads a host variable: the user trusts it first.
    assert!(sandbox.containai(&["trust"]).status.success());
    let up = sandbox.containai(&[
        "up",
        "--allow-insecure-runtime",
        "--include-configuration",
        "--include-merged-configuration",
        "--secrets-file",
        secrets_file.to_str().unwrap(),
    ]);
    let (stdout, stderr) =
        (String::from_utf8_lossy(&up.stdout).into_owned(), String::from_utf8_lossy(&up.stderr).into_owned());
    assert!(up.status.success(), "{stdout}\n{stderr}");
    let result: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();

    // The hooks got both values ...
    let seen = std::fs::read_to_string(sandbox.workspace.join("seen")).unwrap();
    assert_eq!(seen.trim(), format!("{from_env}|{from_file}"));
    // ... and a hook that prints a secret is masked in the log.
    assert!(stderr.contains("hook says ********"), "{stderr}");

    let container = result["containerId"].as_str().unwrap();
    let inspect = String::from_utf8_lossy(&docker(&["inspect", container]).stdout).into_owned();
    let image = serde_json::from_str::<Value>(&inspect).unwrap()[0]["Image"].as_str().unwrap().to_string();
    let image_inspect = text(&docker(&["image", "inspect", &image]));
    let history = text(&docker(&["history", "--no-trunc", &image]));
    for canary in canaries {
        for (place, haystack) in [
            ("stdout (result JSON)", &stdout),
            ("stderr (logs)", &stderr),
            ("container inspect", &inspect),
            ("image inspect", &image_inspect),
            ("image history", &history),
        ] {
            assert!(!haystack.contains(canary), "`{canary}` leaked into the {place}");
        }
    }
    let leaked = saved_image_contains(&image, &canaries, sandbox.dir.path());
    assert!(leaked.is_empty(), "in `docker save {image}`: {leaked:?}");

    // Published ports: loopback only, as asked and as the engine did it. The sandbox sits on an internal network
    // and publishes nothing; its egress proxy publishes sshd's and the forwarded port, and holds no canary.
    let config: Value = serde_json::from_str(&inspect).unwrap();
    let own = config[0]["HostConfig"]["PortBindings"].as_object().map_or(0, |b| b.len());
    assert_eq!(own, 0, "the sandbox publishes ports itself: {}", config[0]["HostConfig"]["PortBindings"]);
    let proxy_name = format!("{}-egress", config[0]["Name"].as_str().unwrap().trim_start_matches('/'));
    let proxy_inspect = String::from_utf8_lossy(&docker(&["inspect", &proxy_name]).stdout).into_owned();
    for canary in &canaries {
        assert!(!proxy_inspect.contains(*canary), "`{canary}` leaked into the egress proxy's inspect");
    }
    let proxy: Value = serde_json::from_str(&proxy_inspect).unwrap();
    let bindings = proxy[0]["HostConfig"]["PortBindings"].as_object().unwrap();
    assert!(bindings.contains_key("22/tcp") && bindings.contains_key("39517/tcp"), "{bindings:?}");
    let live = proxy[0]["NetworkSettings"]["Ports"].as_object().unwrap();
    for (port, list) in bindings.iter().chain(live.iter()) {
        for binding in list.as_array().into_iter().flatten() {
            assert_eq!(binding["HostIp"], "127.0.0.1", "{port}: {binding}");
        }
    }

    // Keys, ssh entries, trust and state records: 0600 files in 0700 folders.
    assert_private(&sandbox.home().join(".config/containai"));
    assert_private(&sandbox.home().join(".ssh/containai.d"));
    let ssh = std::fs::metadata(sandbox.home().join(".ssh")).unwrap().permissions().mode() & 0o777;
    assert_eq!(ssh, 0o700);

    let down = sandbox.containai(&["down", "--remove"]);
    assert!(down.status.success(), "{}", text(&down));
}
