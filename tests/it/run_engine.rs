//! `containai up` against the real engine, under runc in the explicit insecure mode: ssh, systemd, the inner
//! dockerd, hooks once and in order, reuse, config changes, trust, `down --remove`. Fails when no engine answers.

use crate::support::{binary, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary HOME, XDG_CONFIG_HOME and workspace; removes the workspace's containers when dropped.
struct Sandbox {
    dir: tempfile::TempDir,
    workspace: PathBuf,
}

impl Sandbox {
    fn new(config: &Value) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let workspace = dir.path().join(format!("cai-it-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(workspace.join(".devcontainer")).unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        let sandbox = Sandbox { dir, workspace };
        sandbox.write_config(config);
        sandbox
    }

    fn write_config(&self, config: &Value) {
        let text = serde_json::to_string_pretty(config).unwrap();
        std::fs::write(self.workspace.join(".devcontainer/devcontainer.json"), text).unwrap();
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn containai(&self, args: &[&str]) -> Output {
        let (sub, rest) = args.split_first().expect("a subcommand");
        let mut cmd = Command::new(binary());
        cmd.arg(sub);
        if !matches!(*sub, "--help" | "list") {
            cmd.arg("--workspace-folder").arg(&self.workspace);
        }
        cmd.args(rest)
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env_remove("CONTAINAI_ALLOW_INSECURE_RUNTIME")
            .output()
            .unwrap()
    }

    /// `up` in the insecure mode; the parsed JSON line and stderr.
    fn up(&self, extra: &[&str]) -> (Value, String, bool) {
        let mut args = vec!["up", "--allow-insecure-runtime"];
        args.extend_from_slice(extra);
        let out = self.containai(&args);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let line = stdout.lines().last().unwrap_or_else(|| panic!("no JSON line on stdout; stderr:\n{stderr}"));
        let json: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}\n{stderr}"));
        (json, stderr, out.status.success())
    }

    fn containers(&self) -> Vec<String> {
        let out = Command::new("docker")
            .args(["ps", "-aq", "--filter"])
            .arg(format!(
                "label=devcontainer.local_folder={}",
                self.workspace.canonicalize().unwrap_or(self.workspace.clone()).display()
            ))
            .output()
            .expect("docker CLI");
        String::from_utf8_lossy(&out.stdout).split_whitespace().map(str::to_string).collect()
    }

    fn hooks_log(&self) -> Vec<String> {
        std::fs::read_to_string(self.workspace.join("hooks.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for id in self.containers() {
            let _ = Command::new("docker").args(["rm", "-f", "-v", &id]).output();
        }
        crate::support::egress::remove_for(&self.workspace);
    }
}

fn ssh(config_file: &Path, host: &str, command: &str) -> Output {
    Command::new("ssh")
        .arg("-F")
        .arg(config_file)
        .args(["-o", "BatchMode=yes", "-o", "ConnectTimeout=60", host, command])
        .output()
        .expect("an ssh client")
}

fn config(env_value: &str) -> Value {
    let log = |what: &str| format!("echo {what} >> ${{containerWorkspaceFolder}}/hooks.log");
    serde_json::json!({
        "image": "containai-test/base:bookworm",
        "features": {"containai/dockerd": {}},
        "containerEnv": {"CAI_TEST": env_value},
        "remoteEnv": {"CAI_REMOTE": "${containerEnv:CAI_TEST}-remote"},
        "onCreateCommand": log("onCreate"),
        "postCreateCommand": ["/bin/sh", "-c", format!("{} && echo \"$CAI_REMOTE\" > ${{containerWorkspaceFolder}}/remote-env", log("postCreate"))],
        "postStartCommand": {"start": log("postStart")},
        "postAttachCommand": log("postAttach"),
    })
}

/// A tiny rootfs (dash and its libraries) imported into the inner daemon, then run there: no registry needed.
const INNER_RUN: &str = r#"set -e
r=$(mktemp -d)
for f in /bin/dash $(ldd /bin/dash | grep -o '/[^ ]*'); do cp --parents -L "$f" "$r/"; done
ln -s dash "$r/bin/sh"
tar -C "$r" -c . | docker import - cai-tiny:1 >/dev/null
docker run --rm --network none cai-tiny:1 /bin/sh -c 'echo inner-ok'
"#;

#[test]
fn up_ssh_systemd_inner_docker_hooks_reuse_change_and_down() {
    let sandbox = Sandbox::new(&config("one"));
    let help = sandbox.containai(&["--help"]);
    assert!(text(&help).contains("up"), "the containai binary has no `up`: {}", text(&help));

    // Refused without sysbox-runc and without the opt-in: nothing created.
    let refused = sandbox.containai(&["up"]);
    assert!(!refused.status.success());
    let error: Value = serde_json::from_slice(&refused.stdout).expect("a JSON error line");
    assert_eq!(error["outcome"], "error");
    assert!(error["message"].as_str().unwrap().contains("sysbox-runc"), "{error}");
    assert!(error["description"].as_str().unwrap().contains("--allow-insecure-runtime"), "{error}");
    assert!(sandbox.containers().is_empty());

    // First up: a container under runc, reported as not isolated.
    let (first, stderr, ok) = sandbox.up(&[]);
    assert!(ok, "{first}\n{stderr}");
    assert_eq!(
        (first["runtime"].as_str(), first["isolation"]["class"].as_str()),
        (Some("runc"), Some("none")),
        "{first}"
    );
    assert_eq!(first["isolation"]["userNamespaces"]["level"], "no", "up's probes see no user namespace: {first}");
    assert_eq!(
        first["isolation"]["dockerInDocker"]["level"], "partial",
        "an inner dockerd without a user namespace: {first}"
    );
    assert!(stderr.contains("INSECURE"), "{stderr}");
    assert!(first["failedUnits"].as_array().unwrap().is_empty(), "{first}");
    let host = first["ssh"]["host"].as_str().unwrap().to_string();
    let config_file = PathBuf::from(first["ssh"]["configFile"].as_str().unwrap());
    assert!(config_file.starts_with(sandbox.home().join(".ssh/containai.d")));

    // A real ssh client, with nothing but the per-container file.
    let t = ssh(&config_file, &host, "true");
    assert!(t.status.success(), "ssh failed: {}", text(&t));
    // The client checked the host key strictly against the one containai pinned from the container itself;
    // another key under that name is refused, and ssh wrote nothing to the file.
    let known_hosts = sandbox.home().join(".config/containai/ssh/known_hosts");
    let pinned = std::fs::read_to_string(&known_hosts).unwrap();
    let id = first["containerId"].as_str().unwrap();
    let served =
        Command::new("docker").args(["exec", id, "cat", "/etc/ssh/ssh_host_ed25519_key.pub"]).output().unwrap();
    let served: Vec<&str> = std::str::from_utf8(&served.stdout).unwrap().split_whitespace().take(2).collect();
    assert!(pinned.lines().any(|l| l == format!("{host} {} {}", served[0], served[1])), "{pinned}\n{served:?}");
    assert!(pinned.lines().all(|l| l.starts_with(&format!("{host} "))), "{pinned}");
    let other = sandbox.home().join("other-host-key");
    let made = Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(&other).output().unwrap();
    assert!(made.status.success(), "{}", text(&made));
    let other = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let other: Vec<&str> = other.split_whitespace().take(2).collect();
    std::fs::write(&known_hosts, format!("{host} {} {}\n", other[0], other[1])).unwrap();
    let refused = ssh(&config_file, &host, "true");
    assert!(!refused.status.success() && text(&refused).contains("Host key verification failed"), "{}", text(&refused));
    std::fs::write(&known_hosts, &pinned).unwrap();
    let state = ssh(&config_file, &host, "systemctl is-system-running; cat /proc/1/comm");
    assert_eq!(String::from_utf8_lossy(&state.stdout).trim(), "running\nsystemd", "{}", text(&state));

    // The inner dockerd answers and runs a container.
    let info = ssh(&config_file, &host, "docker info --format '{{.ServerVersion}} {{.Driver}}'");
    assert!(info.status.success() && !info.stdout.is_empty(), "{}", text(&info));
    let inner = ssh(&config_file, &host, INNER_RUN);
    assert!(String::from_utf8_lossy(&inner.stdout).contains("inner-ok"), "{}", text(&inner));

    // Hooks ran once, in order, with remoteEnv resolved from the container's env.
    assert_eq!(sandbox.hooks_log(), ["onCreate", "postCreate", "postStart", "postAttach"]);
    assert_eq!(std::fs::read_to_string(sandbox.workspace.join("remote-env")).unwrap().trim(), "one-remote");

    // Second up: same container, only postAttach again.
    let (second, stderr, ok) = sandbox.up(&[]);
    assert!(ok, "{stderr}");
    assert_eq!(second["containerId"], first["containerId"]);
    assert_eq!(std::fs::read_to_string(&known_hosts).unwrap(), pinned, "known_hosts changed by ssh or by a reuse");
    assert_eq!(sandbox.hooks_log(), ["onCreate", "postCreate", "postStart", "postAttach", "postAttach"]);
    let (third, stderr, ok) =
        sandbox.up(&["--skip-post-attach", "--include-configuration", "--include-merged-configuration"]);
    assert!(ok, "{stderr}");
    assert_eq!(sandbox.hooks_log().len(), 5, "`--skip-post-attach` ran postAttachCommand");
    assert_eq!(third["configuration"]["containerEnv"]["CAI_TEST"], "one", "{third}");
    let merged = &third["mergedConfiguration"];
    assert_eq!(merged["remoteEnv"]["CAI_REMOTE"], "********", "remoteEnv values are masked in up's result: {merged}");
    assert_eq!(merged["postCreateCommands"].as_array().map(Vec::len), Some(1), "{merged}");
    assert!(merged.get("postCreateCommand").is_none() && merged["init"] == false, "{merged}");

    // list shows it; `containai ssh -- CMD` runs through the same entry and passes the exit code.
    let list: Value = serde_json::from_slice(&sandbox.containai(&["list", "--json"]).stdout).unwrap();
    let entry = list.as_array().unwrap().iter().find(|e| e["containerId"] == first["containerId"]).expect("listed");
    assert_eq!((entry["sshHost"].as_str(), entry["status"].as_str()), (Some(host.as_str()), Some("running")));
    let via = sandbox.containai(&["ssh", "--", "sh", "-c", "'test \"$(id -un)\" = root && exit 5'"]);
    assert_eq!(via.status.code(), Some(5), "{}", text(&via));

    // exec passes the exit code through.
    let exec = sandbox.containai(&["exec", "--", "sh", "-c", "test \"$CAI_REMOTE\" = one-remote && exit 7"]);
    assert_eq!(exec.status.code(), Some(7), "{}", text(&exec));
    // `--remote-env` over remoteEnv, and `--secrets-file`, as the reference CLI's exec and our up take them.
    let secrets = sandbox.workspace.join("exec-secrets.json");
    std::fs::write(&secrets, r#"{"CAI_EXEC_SECRET": "s3 cret"}"#).unwrap();
    let script =
        r#"test "$CAI_REMOTE" = over && test "$CAI_NEW" = x=y && test "$CAI_EXEC_SECRET" = "s3 cret" && exit 9"#;
    let args = ["exec", "--remote-env", "CAI_REMOTE=over", "--remote-env", "CAI_NEW=x=y", "--secrets-file"];
    let exec = sandbox.containai(&[&args[..], &[secrets.to_str().unwrap(), "--", "sh", "-c", script]].concat());
    assert_eq!(exec.status.code(), Some(9), "{}", text(&exec));
    let bad = sandbox.containai(&["exec", "--remote-env", "NOVALUE", "--", "true"]);
    assert!(
        !bad.status.success() && text(&bad).contains("`--remote-env NOVALUE` is not `NAME=value`"),
        "{}",
        text(&bad)
    );

    // A container setting changed: said, and the old container kept.
    sandbox.write_config(&config("two"));
    let (kept, stderr, ok) = sandbox.up(&[]);
    assert!(ok && stderr.contains("changed since container"), "{stderr}");
    assert_eq!(kept["containerId"], first["containerId"]);

    // A host-affecting change (a host folder outside the workspace) is refused until trusted.
    let mut risky = config("two");
    risky["mounts"] = serde_json::json!(["type=bind,source=/opt,target=/host-opt,readonly"]);
    sandbox.write_config(&risky);
    let (refusal, _, ok) = sandbox.up(&[]);
    assert!(!ok && refusal["outcome"] == "error", "{refusal}");
    assert!(refusal["description"].as_str().unwrap().contains("`mounts[0]`: bind mount of `/opt`"), "{refusal}");
    assert!(sandbox.containai(&["trust"]).status.success());
    let (replaced, stderr, ok) = sandbox.up(&["--remove-existing-container"]);
    assert!(ok, "{replaced}\n{stderr}");
    assert_ne!(replaced["containerId"], first["containerId"]);
    assert_eq!(sandbox.containers().len(), 1);

    // down --remove leaves nothing behind: no container, no ssh entry.
    let down = sandbox.containai(&["down", "--remove"]);
    assert!(down.status.success(), "{}", text(&down));
    assert!(sandbox.containers().is_empty());
    assert!(!config_file.exists());
}

/// The README's first command: a workspace with no devcontainer.json comes up with the built-in `agent-sandbox`
/// template on the local base image, and `agent` logs in over ssh; `down --remove` finds it the same way.
#[test]
fn up_without_devcontainer_json_uses_agent_sandbox() {
    let sandbox = Sandbox::new(&serde_json::json!({}));
    std::fs::remove_dir_all(sandbox.workspace.join(".devcontainer")).unwrap();
    let (json, stderr, ok) = sandbox.up(&["--base-image", "containai-test/base:bookworm"]);
    assert!(ok, "{json}\n{stderr}");
    assert!(stderr.contains("agent-sandbox"), "no notice of the default template:\n{stderr}");
    assert_eq!(json["remoteUser"], "agent", "{json}");
    let config_file = Path::new(json["ssh"]["configFile"].as_str().unwrap());
    let host = json["ssh"]["host"].as_str().unwrap();
    let login = ssh(config_file, host, "id -un; id -Gn; sudo -n true && echo sudo-ok");
    let said = text(&login);
    assert!(login.status.success(), "{said}");
    assert!(said.contains("agent") && said.contains("docker") && said.contains("sudo-ok"), "{said}");
    assert!(!sandbox.workspace.join(".devcontainer").exists(), "nothing may be written into the workspace");

    let down = sandbox.containai(&["down", "--remove"]);
    assert!(down.status.success(), "{}", text(&down));
    assert!(sandbox.containers().is_empty(), "down --remove left a container");
}
