//! A repository's Compose file attacks the host: a service asks for `privileged`, another binds the host's
//! `/etc`, an `env_file` reads the user's ssh key. Each attack: the repository's files, the command, then proof
//! that nothing ran (no `initializeCommand` marker on the host, no layer built, no container or network of the
//! project) and that the refusal names the setting. Real engine, real Compose tool, real binary.

use crate::support::compose::{BASE, Projects, containers, networks, project_name, write};
use crate::support::{binary, text, unique};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Repo {
    dir: tempfile::TempDir,
    workspace: PathBuf,
}

impl Repo {
    /// A Compose workspace whose devcontainer.json would also touch a marker on the host, and `compose` as its
    /// `.devcontainer/docker-compose.yml`.
    fn new(compose: &str) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let workspace = dir.path().join(unique("cai-compose-attack"));
        std::fs::create_dir_all(dir.path().join("home/.ssh")).unwrap();
        std::fs::write(dir.path().join("home/.ssh/id_ed25519"), "SSH_KEY=PRIVATE\n").unwrap();
        let marker = dir.path().join("MARKER");
        let config = json!({"dockerComposeFile": "docker-compose.yml", "service": "app",
                            "initializeCommand": format!("touch {}", marker.display())});
        write(&workspace, ".devcontainer/devcontainer.json", &config.to_string());
        write(&workspace, ".devcontainer/docker-compose.yml", compose);
        write(&workspace, ".devcontainer/Dockerfile", &format!("FROM {BASE}\nRUN touch /built\n"));
        Repo { dir, workspace }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// `up` must fail naming each of `needles`, having run, built and created nothing.
    fn refused(&self, needles: &[&str]) {
        let project = project_name(&self.workspace);
        let _cleanup = Projects(vec![project.clone()]);
        let out = Command::new(binary())
            .args(["up", "--allow-insecure-runtime", "--workspace-folder"])
            .arg(&self.workspace)
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env_remove("COMPOSE_PROJECT_NAME")
            .output()
            .unwrap();
        let all = text(&out);
        assert!(!out.status.success(), "not refused: {all}");
        assert!(all.contains("refused: the config would reach past the sandbox"), "{all}");
        for needle in needles {
            assert!(all.contains(needle), "`{needle}` not named in: {all}");
        }
        assert!(!self.dir.path().join("MARKER").exists(), "initializeCommand ran on the host");
        assert!(!all.contains("building layer"), "{all}");
        assert_eq!(containers(&project, true), Vec::<String>::new(), "a container was created: {all}");
        assert_eq!(networks(&project), Vec::<String>::new(), "a network was created: {all}");
    }
}

fn services(app_extra: &str, db_extra: &str) -> String {
    format!(
        "services:\n  app:\n    build: {{context: ., dockerfile: Dockerfile}}\n    command: sleep infinity\n{app_extra}  \
         db:\n    image: {BASE}\n    command: sleep infinity\n{db_extra}"
    )
}

#[test]
fn a_privileged_service_is_refused_before_anything_starts() {
    // The attack: the primary service looks harmless; the "database" asks for the host's every capability.
    let repo = Repo::new(&services("", "    privileged: true\n"));
    repo.refused(&["services.db.privileged"]);
}

#[test]
fn a_host_bind_mount_is_refused_before_anything_starts() {
    // The attack: the app service mounts the host's /etc and the user's ssh folder read-write.
    let ssh = Path::new("../../home/.ssh");
    let app = format!("    volumes:\n      - /etc:/host-etc\n      - {}:/keys\n", ssh.display());
    let repo = Repo::new(&services(&app, ""));
    repo.refused(&["services.app.volumes[0]", "`/etc`", "services.app.volumes[1]"]);
}

#[test]
fn host_namespaces_devices_and_an_env_file_with_a_key_are_refused() {
    // The attack: the host's network and pid namespaces, a host device, and the ssh key as an env_file.
    let db = "    network_mode: host\n    pid: host\n    devices: [\"/dev/kmsg:/dev/kmsg\"]\n    env_file: ../../home/.ssh/id_ed25519\n";
    let repo = Repo::new(&services("", db));
    repo.refused(&["services.db.network_mode", "services.db.pid", "services.db.devices", "services.db.env_file"]);
}

#[test]
fn a_mount_outside_the_workspace_needs_trust_and_trust_covers_it() {
    // A folder beside the workspace: not protected, but not the workspace either.
    let repo = Repo::new(&services("    volumes:\n      - ../../shared-data:/data\n", ""));
    std::fs::create_dir_all(repo.dir.path().join("shared-data")).unwrap();
    let run = |sub: &str, extra: &[&str]| {
        Command::new(binary())
            .arg(sub)
            .arg("--workspace-folder")
            .arg(&repo.workspace)
            .args(extra)
            .env("HOME", repo.home())
            .env("XDG_CONFIG_HOME", repo.home().join(".config"))
            .output()
            .unwrap()
    };
    let before = run("build", &["--plan"]);
    assert!(!before.status.success(), "planned untrusted: {}", text(&before));
    let said = text(&before);
    assert!(said.contains("have not trusted") && said.contains("services.app.volumes[0]"), "{said}");
    let trusted = run("trust", &[]);
    assert!(trusted.status.success(), "{}", text(&trusted));
    assert!(String::from_utf8_lossy(&trusted.stdout).contains("services.app.volumes[0]"), "{}", text(&trusted));
    let after = run("build", &["--plan"]);
    assert!(after.status.success(), "{}", text(&after));
    // The plan is the primary service's Dockerfile build.
    let plan: serde_json::Value = serde_json::from_str(String::from_utf8_lossy(&after.stdout).trim()).unwrap();
    assert_eq!(plan["layers"][0]["name"], "base", "{plan}");
}

#[test]
fn a_compose_project_gets_no_open_egress_unless_the_user_opens_it() {
    // The attack: a repository picks Compose so that its services would reach any host, since containai cannot
    // put a Compose project behind its egress proxy yet. Trusted as a user would trust it: still refused.
    let repo = Repo::new(&services("", ""));
    let project = project_name(&repo.workspace);
    let _cleanup = Projects(vec![project.clone()]);
    let run = |args: &[&str]| {
        Command::new(binary())
            .args(args)
            .arg("--workspace-folder")
            .arg(&repo.workspace)
            .env("HOME", repo.home())
            .env("XDG_CONFIG_HOME", repo.home().join(".config"))
            .env_remove("COMPOSE_PROJECT_NAME")
            .output()
            .unwrap()
    };
    let trusted = run(&["trust"]);
    assert!(trusted.status.success(), "{}", text(&trusted));
    let out = run(&["up", "--allow-insecure-runtime"]);
    let all = text(&out);
    assert!(!out.status.success(), "a Compose project came up without egress: {all}");
    assert!(all.contains("cannot be put behind containai's egress proxy") && all.contains("--egress open"), "{all}");
    assert!(!repo.dir.path().join("MARKER").exists(), "initializeCommand ran on the host");
    assert!(!all.contains("building layer"), "{all}");
    assert_eq!(containers(&project, true), Vec::<String>::new(), "a container was created: {all}");
    assert_eq!(networks(&project), Vec::<String>::new(), "a network was created: {all}");
}
