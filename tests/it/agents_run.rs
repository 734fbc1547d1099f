//! `containai run codex` end to end (engine-backed, runc insecure mode): the agent runs as the remote user with
//! its exit status passed through; the credentials the user config names (a host variable and a host file,
//! both canaries) are readable inside — in a tmpfs, 0600 to the remote user only — and found nowhere in the
//! image (inspect, history, `docker save` bytes), the container's inspect output, the logs, the result or
//! containai's own files; the state folder is a link into the workspace's state volume. A repository's config
//! cannot name credentials.

use crate::support::sandbox::Home;
use crate::support::{BASE_IMAGE, docker, docker_output, text};
use serde_json::json;
use std::path::Path;

fn user_config(home: &Home, config: &serde_json::Value) {
    let dir = home.path().join(".config/containai");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
}

/// The workspace's containers and their volumes removed when dropped.
struct Cleanup(std::path::PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for id in crate::support::sandbox::workspace_containers(&self.0) {
            let volumes = docker(&["inspect", "--format", "{{range .Mounts}}{{.Name}} {{end}}", &id]);
            docker(&["rm", "-f", "-v", &id]);
            for volume in volumes.split_whitespace().filter(|v| v.starts_with("containai-agent-state-")) {
                docker(&["volume", "rm", "-f", volume]);
            }
        }
        crate::support::egress::remove_for(&self.0);
    }
}

fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| std::fs::read(e.path()).is_ok_and(|b| String::from_utf8_lossy(&b).contains(needle)))
        .map(|e| e.path().display().to_string())
        .collect()
}

#[test]
fn run_passes_credentials_through_a_tmpfs_only_and_they_leak_nowhere() {
    let home = Home::new();
    let (env_canary, file_canary) = (crate::support::token("caienv"), crate::support::token("caifile"));
    let secret_file = home.dir.path().join("auth.json");
    std::fs::write(&secret_file, format!("{{\"token\":\"{file_canary}\"}}")).unwrap();
    user_config(
        &home,
        &json!({
            "hostCaCertificates": true,
            "agentCredentials": {"codex": {
                "env": ["CAI_AGENT_CANARY"],
                "files": {".codex/canary.json": secret_file},
            }},
        }),
    );
    let config = json!({"image": BASE_IMAGE, "remoteUser": "agent", "customizations": {"containai": {"ssh": false}}});
    let ws = home.workspace(&crate::support::unique("agents-run"), &config);
    let _cleanup = Cleanup(ws.clone());

    let run = |args: &[&str]| {
        let mut cmd = home.command("run", None, &["codex", "--workspace-folder", ws.to_str().unwrap()]);
        cmd.arg("--allow-insecure-runtime").args(args).env("CAI_AGENT_CANARY", &env_canary);
        cmd.output().unwrap()
    };
    let first = run(&["--", "--version"]);
    assert!(first.status.success(), "{}", crate::support::last_lines(&text(&first), 40));
    let stdout = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(stdout.contains("codex"), "{stdout}");
    // The agent's exit status is ours.
    let bad = run(&["--", "--no-such-flag-for-codex"]);
    assert!(!bad.status.success(), "{}", text(&bad));
    assert_ne!(bad.status.code(), Some(1), "containai's own failure, not the agent's: {}", text(&bad));

    let container = crate::support::sandbox::workspace_containers(&ws).pop().expect("a container");
    let exec = |user: &str, script: &str| docker_output(&["exec", "-u", user, &container, "sh", "-c", script]);
    // Readable inside as the remote user, from a tmpfs, private to it.
    let seen = exec(
        "agent",
        ". /run/containai-agent/agent/env; printf '%s\\n' \"$CAI_AGENT_CANARY\"; cat ~/.codex/canary.json; echo; \
         stat -c '%a %U' /run/containai-agent/agent /run/containai-agent/agent/env; stat -f -c %T /run; \
         readlink ~/.codex; echo \"$CODEX_HOME\"",
    );
    let seen = text(&seen);
    assert!(seen.contains(&env_canary) && seen.contains(&file_canary), "{seen}");
    assert!(seen.contains("700 agent\n600 agent\ntmpfs\n/var/lib/containai/agent-state/codex/.codex"), "{seen}");
    assert!(seen.contains("/home/agent/.codex"), "CODEX_HOME: {seen}");
    let other = exec("nobody", "cat /run/containai-agent/agent/env");
    assert!(!other.status.success(), "another user read the credentials: {}", text(&other));

    // The agent's hosts joined the egress allowlist (the user asked for the agent): its proxy allows them.
    let name = docker(&["inspect", "--format", "{{.Name}}", &container]);
    let proxy_env =
        docker(&["inspect", "--format", "{{json .Config.Env}}", &format!("{}-egress", name.trim_start_matches('/'))]);
    for host in ["api.openai.com", "auth.openai.com", "chatgpt.com"] {
        assert!(proxy_env.contains(host), "`{host}` is not on the egress allowlist: {proxy_env}");
    }

    // Found nowhere else.
    let inspect = docker(&["inspect", &container]);
    let image = docker(&["inspect", "--format", "{{.Image}}", &container]);
    let image_inspect = docker(&["image", "inspect", &image]);
    let history = docker(&["history", "--no-trunc", &image]);
    let logs = text(&docker_output(&["logs", &container]));
    let (run_out, bad_out) = (text(&first), text(&bad));
    for canary in [&env_canary, &file_canary] {
        for (place, haystack) in [
            ("run output", &run_out),
            ("run output (failing)", &bad_out),
            ("container inspect", &inspect),
            ("image inspect", &image_inspect),
            ("image history", &history),
            ("container logs", &logs),
        ] {
            assert!(!haystack.contains(canary.as_str()), "`{canary}` leaked into the {place}");
        }
        let containai_files = files_containing(&home.path().join(".config/containai"), canary);
        assert!(containai_files.is_empty(), "`{canary}` in {containai_files:?}");
    }
    // Nor in the image's bytes (`docker save`, searched without unpacking).
    let tar = home.dir.path().join("image.tar");
    let saved = docker_output(&["save", "-o", tar.to_str().unwrap(), &image]);
    assert!(saved.status.success(), "{}", text(&saved));
    assert!(std::fs::metadata(&tar).unwrap().len() > 1_000_000);
    let grep = std::process::Command::new("grep")
        .args(["-a", "-c", "-F", "-e", env_canary.as_str(), "-e", file_canary.as_str()])
        .arg(&tar)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&grep.stdout).trim(), "0", "a canary is in `docker save {image}`");
    std::fs::remove_file(&tar).unwrap();
    // The state volume is the workspace's own.
    assert!(inspect.contains("containai-agent-state-"), "no state volume: {inspect}");
}

#[test]
fn a_repository_config_cannot_name_credentials() {
    let home = Home::new();
    let config = json!({
        "image": BASE_IMAGE,
        "customizations": {"containai": {"agentCredentials": {"codex": {"env": ["HOME"]}}}},
    });
    let ws = home.workspace(&crate::support::unique("agents-repo-creds"), &config);
    let _cleanup = Cleanup(ws.clone());
    let out = home.run("run", None, &["codex", "--workspace-folder", ws.to_str().unwrap(), "--allow-insecure-runtime"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("unknown property `agentCredentials`"), "{}", text(&out));
    assert!(crate::support::sandbox::workspace_containers(&ws).is_empty());
}
