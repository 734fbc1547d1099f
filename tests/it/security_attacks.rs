//! The repository (devcontainer.json, scripts, local features) and the agent inside the container attack the host;
//! each attack: the repository's files, the command, then proof that nothing ran on the host (no marker file, no
//! container, no layer built) and that the refusal names the setting. Real engine, real binary.

use crate::support as common;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Repo {
    dir: tempfile::TempDir,
    workspace: PathBuf,
}

impl Repo {
    fn new(config: &Value) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let workspace = dir.path().join(common::unique("attack"));
        std::fs::create_dir_all(workspace.join(".devcontainer")).unwrap();
        std::fs::create_dir_all(dir.path().join("home/.ssh")).unwrap();
        std::fs::write(dir.path().join("home/.ssh/id_ed25519"), "PRIVATE KEY").unwrap();
        let repo = Repo { dir, workspace };
        repo.write(".devcontainer/devcontainer.json", &serde_json::to_string_pretty(config).unwrap());
        repo
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.workspace.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// A file the attack would create on the host if any of its code ran there.
    fn marker(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("MARKER-{name}"))
    }

    fn run(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let (sub, rest) = args.split_first().unwrap();
        Command::new(env!("CARGO_BIN_EXE_containai"))
            .arg(sub)
            .arg("--workspace-folder")
            .arg(&self.workspace)
            .args(rest)
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("XDG_CACHE_HOME", self.home().join(".cache"))
            .env_remove("CONTAINAI_ALLOW_INSECURE_RUNTIME")
            .env_remove("SSH_AUTH_SOCK")
            .envs(envs.iter().copied())
            .output()
            .unwrap()
    }

    fn containers(&self) -> Vec<String> {
        let folder = self.workspace.canonicalize().unwrap();
        let filter = format!("label=devcontainer.local_folder={}", folder.display());
        let out = Command::new("docker").args(["ps", "-aq", "--filter", &filter]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).split_whitespace().map(str::to_string).collect()
    }

    /// `up` (insecure mode: this machine has no sysbox-runc) must fail, naming each of `needles`, having run,
    /// built and created nothing.
    fn refused(&self, extra: &[&str], envs: &[(&str, &str)], needles: &[&str]) -> String {
        let mut args = vec!["up", "--allow-insecure-runtime"];
        args.extend_from_slice(extra);
        let out = self.run(&args, envs);
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!out.status.success(), "not refused: {text}");
        for needle in needles {
            assert!(text.contains(needle), "`{needle}` not named in: {text}");
        }
        assert!(!text.contains("building layer") && !text.contains("running initializeCommand"), "{text}");
        assert!(self.containers().is_empty(), "a container was created: {text}");
        text
    }
}

impl Repo {
    /// `up` must fail naming `needles`, leaving the existing container as it was and running nothing on the host.
    fn refused_keeping(&self, needles: &[&str]) {
        let before = self.containers();
        let out = self.run(&["up", "--allow-insecure-runtime"], &[]);
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!out.status.success(), "not refused: {text}");
        for needle in needles {
            assert!(text.contains(needle), "`{needle}` not named in: {text}");
        }
        assert!(!text.contains("running initializeCommand"), "{text}");
        assert_eq!(self.containers(), before);
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        for id in self.containers() {
            let _ = Command::new("docker").args(["rm", "-f", "-v", &id]).output();
        }
    }
}

fn image() -> Value {
    json!({"image": common::BASE_IMAGE, "customizations": {"containai": {"ssh": false}}})
}

fn with(extra: Value) -> Value {
    let mut config = image();
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    config
}

#[test]
fn a_host_command_never_runs_on_first_use_and_trust_covers_the_script_it_runs() {
    let repo = Repo::new(&json!({}));
    let marker = repo.marker("init");
    let config = with(json!({"initializeCommand": "sh .devcontainer/init.sh"}));
    repo.write(".devcontainer/devcontainer.json", &config.to_string());
    repo.write(".devcontainer/init.sh", &format!("touch '{}'\n", marker.display()));
    repo.refused(&[], &[], &["initializeCommand", "containai trust"]);
    assert!(!marker.exists());

    // The user trusts it; the agent then rewrites the script (it can write the workspace): refused again.
    assert!(repo.run(&["trust"], &[]).status.success());
    repo.write(".devcontainer/init.sh", &format!("touch '{}-evil'\n", marker.display()));
    repo.refused(&[], &[], &["changed file `.devcontainer/init.sh`"]);
    assert!(!repo.marker("init-evil").exists());

    // ... or a helper it sources, new in the config folder.
    repo.write(".devcontainer/init.sh", &format!("touch '{}'\n", marker.display()));
    repo.write(".devcontainer/lib.sh", "touch /tmp/never\n");
    repo.refused(&[], &[], &["new file `.devcontainer/lib.sh`"]);
    assert!(!marker.exists());
}

#[test]
fn moving_the_config_does_not_carry_trust() {
    let repo = Repo::new(&with(json!({"mounts": ["type=bind,source=/opt,target=/o,readonly"]})));
    assert!(repo.run(&["trust"], &[]).status.success());
    let marker = repo.marker("moved");
    std::fs::remove_file(repo.workspace.join(".devcontainer/devcontainer.json")).unwrap();
    let moved = with(json!({"mounts": ["type=bind,source=/opt,target=/o,readonly"],
                            "initializeCommand": format!("touch '{}'", marker.display())}));
    repo.write(".devcontainer.json", &moved.to_string());
    repo.refused(&[], &[], &["the config is now `.devcontainer.json`", "new: `initializeCommand`"]);
    assert!(!marker.exists());
}

#[test]
fn host_bind_mounts_of_credentials_sockets_and_system_folders_are_refused_even_when_trusted() {
    let repo = Repo::new(&image());
    let sock_dir = tempfile::tempdir().unwrap();
    let agent = sock_dir.path().join("agent.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&agent).unwrap();
    let home = repo.home().display().to_string();
    let ws = repo.workspace.display().to_string();
    for source in [
        "/etc".to_string(),
        "/run/docker/containerd".to_string(),
        "//var//run/docker.sock".to_string(),
        format!("{home}/.ssh"),
        format!("{home}/.docker"),
        format!("{home}/.config/gcloud"),
        home.clone(),
        "${localEnv:SSH_AUTH_SOCK}".to_string(),
        format!("{ws}/../home/.ssh"),
        format!("{ws}/.."),
        "/".to_string(),
    ] {
        repo.write(
            ".devcontainer/devcontainer.json",
            &with(json!({"mounts": [format!("type=bind,source={source},target=/x")]})).to_string(),
        );
        let envs = [("SSH_AUTH_SOCK", agent.to_str().unwrap())];
        repo.refused(&[], &envs, &["mounts[0]", "--allow-unsafe-config"]);
        // Trust does not lower it.
        repo.run(&["trust"], &envs);
        repo.refused(&[], &envs, &["mounts[0]"]);
    }
}

#[test]
fn a_workspace_folder_the_agent_turns_into_a_link_is_followed_and_refused() {
    let repo = Repo::new(&json!({}));
    std::fs::create_dir_all(repo.workspace.join("data")).unwrap();
    let ws = repo.workspace.display().to_string();
    repo.write(
        ".devcontainer/devcontainer.json",
        &with(json!({"mounts": [format!("type=bind,source={ws}/data,target=/data")]})).to_string(),
    );
    // Inside the workspace: no trust needed, nothing refused (checked without building: `--runtime` is missing).
    let out = repo.run(&["up", "--allow-insecure-runtime", "--runtime", "no-such-runtime"], &[]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("no `no-such-runtime` runtime"), "{text}");
    // The agent replaces the folder with a link to the user's keys.
    std::fs::remove_dir(repo.workspace.join("data")).unwrap();
    std::os::unix::fs::symlink(repo.home().join(".ssh"), repo.workspace.join("data")).unwrap();
    repo.refused(&[], &[], &["mounts[0]", "credentials in the home folder"]);
}

#[test]
fn outside_mounts_other_workspaces_volumes_build_paths_env_and_cache_need_trust_first() {
    let repo = Repo::new(&image());
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("Dockerfile"), format!("FROM {}\n", common::BASE_IMAGE)).unwrap();
    let cases = [
        (json!({"mounts": ["type=bind,source=/opt,target=/o"]}), "bind mount of `/opt`"),
        (
            json!({"mounts": ["source=victim-workspace-data,target=/d,type=volume"]}),
            "named volume `victim-workspace-data`",
        ),
        (json!({"containerEnv": {"T": "${localEnv:CAI_ATTACK_TOKEN}"}}), "${localEnv:CAI_ATTACK_TOKEN}"),
        (json!({"customizations": {"containai": {"ssh": false, "cacheFrom": ["localhost:1/poison"]}}}), "cacheFrom"),
        (
            json!({"image": null, "build": {"dockerfile": other.path().join("Dockerfile").display().to_string(),
                   "context": other.path().display().to_string()}}),
            "build.context",
        ),
    ];
    for (extra, needle) in cases {
        let mut config = with(extra);
        config.as_object_mut().unwrap().retain(|_, v| !v.is_null());
        repo.write(".devcontainer/devcontainer.json", &config.to_string());
        let text = repo.refused(&[], &[("CAI_ATTACK_TOKEN", "tok-4b1d-secret")], &[needle, "containai trust"]);
        assert!(!text.contains("tok-4b1d-secret"), "a host value was shown: {text}");
    }
    // A build context of the home folder is refused outright (it holds the keys).
    repo.write(
        ".devcontainer/devcontainer.json",
        &json!({"build": {"dockerfile": "Dockerfile", "context": "${localEnv:HOME}"}}).to_string(),
    );
    repo.refused(&[], &[], &["build.context", "the home folder"]);
}

#[test]
fn run_args_capabilities_labels_and_features_beyond_the_allowlist_are_refused() {
    let repo = Repo::new(&image());
    for (extra, needle) in [
        (json!({"runArgs": ["--network=container:abc"]}), "--network=container:abc"),
        (json!({"runArgs": ["--uts=host", "--hostname=x"]}), "--uts=host"),
        (json!({"runArgs": ["--device", "/dev/kvm"]}), "--device /dev/kvm"),
        (json!({"runArgs": ["--cap-add", "SYS_MODULE"]}), "SYS_MODULE"),
        (json!({"runArgs": ["--security-opt", "seccomp=unconfined"]}), "seccomp=unconfined"),
        (json!({"runArgs": ["--label", "devcontainer.local_folder=/victim"]}), "devcontainer.local_folder"),
        (json!({"runArgs": ["--runtime=runc"]}), "--runtime=runc"),
        (json!({"capAdd": ["ALL"]}), "`ALL` capabilities"),
        (json!({"securityOpt": ["apparmor=unconfined"]}), "apparmor=unconfined"),
        (json!({"privileged": true}), "privileged"),
    ] {
        repo.write(".devcontainer/devcontainer.json", &with(extra).to_string());
        repo.refused(&[], &[], &[needle, "--allow-unsafe-config"]);
    }
    // A local feature asking for a capability off the list: refused before it is built, never dropped silently.
    repo.write(
        ".devcontainer/f/devcontainer-feature.json",
        &json!({"id": "f", "version": "1.0.0", "capAdd": ["NET_ADMIN"]}).to_string(),
    );
    repo.write(".devcontainer/f/install.sh", "#!/bin/sh\ntouch /tmp/never\n");
    repo.write(".devcontainer/devcontainer.json", &with(json!({"features": {"./f": {}}})).to_string());
    repo.refused(&[], &[], &["capAdd", "NET_ADMIN"]);
}

#[test]
fn only_the_user_picks_the_runtime_and_builds_never_run_under_a_weaker_one() {
    let repo = Repo::new(&with(json!({"customizations": {"containai": {"runtime": "runc", "ssh": false}}})));
    // The insecure switch (say, exported in a shell profile) does not let the repository pick runc.
    let env = [("CONTAINAI_ALLOW_INSECURE_RUNTIME", "1")];
    repo.refused(&[], &env, &["asks for runtime `runc`", "--runtime runc"]);
    // gVisor for the container, but the engine builds under runc: refused unless the user accepts it.
    repo.write(".devcontainer/devcontainer.json", &image().to_string());
    let out = repo.run(&["up", "--runtime", "runsc"], &[]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && text.contains("default runtime `runc`, weaker than `runsc`"), "{text}");
    assert!(repo.containers().is_empty());
    // `build` alone runs the repository's code too.
    let out = repo.run(&["build"], &[]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && text.contains("default runtime `runc`"), "{text}");
}

#[test]
fn the_trust_store_is_private_and_outside_the_workspace() {
    use std::os::unix::fs::PermissionsExt;
    let repo = Repo::new(&with(json!({"mounts": ["type=bind,source=/opt,target=/o"]})));
    let out = repo.run(&["trust"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let record = Path::new(result["record"].as_str().unwrap());
    assert!(!record.starts_with(&repo.workspace));
    assert_eq!(std::fs::metadata(record).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(record.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
}

#[test]
fn a_trusted_host_variable_reaches_the_container_but_never_the_image_label_or_the_result() {
    let token = "tok-9f3a-never-in-images";
    let repo = Repo::new(&with(json!({"containerEnv": {"CAI_T": "${localEnv:CAI_ATTACK_TOKEN}"}})));
    let envs = [("CAI_ATTACK_TOKEN", token), ("CONTAINAI_ALLOW_INSECURE_RUNTIME", "1")];
    assert!(repo.run(&["trust"], &envs).status.success());
    let out = repo.run(&["build"], &envs);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(!stdout.contains(token) && !stderr.contains(token), "{stdout}\n{stderr}");
    let result: Value = serde_json::from_str(stdout.trim()).unwrap();
    let image = result["imageName"][0].as_str().unwrap();
    let label = Command::new("docker")
        .args(["image", "inspect", "--format", "{{index .Config.Labels \"devcontainer.metadata\"}}", image])
        .output()
        .unwrap();
    let label = String::from_utf8_lossy(&label.stdout);
    assert!(label.contains("${localEnv:CAI_ATTACK_TOKEN}") && !label.contains(token), "{label}");
}

#[test]
fn the_agent_inside_cannot_change_what_the_next_up_runs_on_the_host() {
    let repo = Repo::new(&json!({}));
    let marker = repo.marker("two-step");
    repo.write(
        ".devcontainer/devcontainer.json",
        &with(json!({"initializeCommand": "sh .devcontainer/init.sh"})).to_string(),
    );
    repo.write(".devcontainer/init.sh", &format!("echo trusted >> '{}'\n", marker.display()));
    assert!(repo.run(&["trust"], &[]).status.success());
    let up = repo.run(&["up", "--allow-insecure-runtime"], &[]);
    let stdout = String::from_utf8_lossy(&up.stdout).into_owned();
    assert!(up.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&up.stderr));
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "trusted\n");
    let result: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let folder = result["remoteWorkspaceFolder"].as_str().unwrap();

    // The agent, inside, appends to the script the host runs, and points a workspace folder at the host's keys.
    let edit = format!("echo \"echo evil >> '{}'\" >> {folder}/.devcontainer/init.sh", marker.display());
    let exec = repo.run(&["exec", "--", "sh", "-c", &edit], &[]);
    assert!(exec.status.success(), "{}", String::from_utf8_lossy(&exec.stderr));
    repo.refused_keeping(&["changed file `.devcontainer/init.sh`"]);
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "trusted\n", "the edited script ran on the host");
}
