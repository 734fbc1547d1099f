//! A Compose workspace against the real engine and the real Compose tool, in the explicit insecure mode (runc):
//! an app service (Dockerfile + a local feature) as the containai system container, a stand-in database beside
//! it; ssh into the app, the database by its service name, hooks once and in order, every service under the
//! runtime, the database's `0.0.0.0` port on 127.0.0.1, reuse, `exec`, `list`, `down`, `down --remove`.

use crate::support::compose::{
    BASE, DB_COMMAND, Projects, containers, free_port, inspect, networks, project_name, real, service_container, write,
};
use crate::support::{binary, text, unique};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Ws {
    dir: tempfile::TempDir,
    workspace: PathBuf,
}

impl Ws {
    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn containai(&self, args: &[&str]) -> Output {
        let (sub, rest) = args.split_first().unwrap();
        let mut cmd = Command::new(binary());
        cmd.arg(sub);
        if *sub != "list" {
            cmd.arg("--workspace-folder").arg(&self.workspace);
        }
        cmd.args(rest)
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env_remove("CONTAINAI_ALLOW_INSECURE_RUNTIME")
            .env_remove("COMPOSE_PROJECT_NAME")
            .output()
            .unwrap()
    }

    fn up(&self) -> Value {
        let out = self.containai(&["up", "--allow-insecure-runtime", "--egress", "open"]);
        assert!(out.status.success(), "up failed:\n{}", text(&out));
        crate::support::sandbox::json(&out)
    }

    fn hooks(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self.workspace.join("hooks.log")).unwrap_or_default();
        log.lines().map(str::to_string).collect()
    }
}

/// The workspace: devcontainer.json (Compose, a local feature, three hooks), the Compose file (app built from
/// a Dockerfile, db on the base image publishing `0.0.0.0:<port>:5432`), the Dockerfile, the feature.
fn workspace(db_port: u16) -> Ws {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    let workspace = dir.path().join(unique("cai-compose"));
    let name = workspace.file_name().unwrap().to_string_lossy().to_string();
    let log = |what: &str| format!("echo {what} >> /workspaces/{name}/hooks.log");
    let config = json!({
        "dockerComposeFile": "docker-compose.yml",
        "service": "app",
        "workspaceFolder": "/workspaces/${localWorkspaceFolderBasename}",
        "features": {"./marker": {}},
        "onCreateCommand": log("onCreate"),
        "postCreateCommand": log("postCreate"),
        "postStartCommand": log("postStart"),
    });
    write(&workspace, ".devcontainer/devcontainer.json", &serde_json::to_string_pretty(&config).unwrap());
    let compose = format!(
        "version: '3.8'\nservices:\n  app:\n    build:\n      context: ..\n      dockerfile: .devcontainer/Dockerfile\n    \
         volumes:\n      - ..:/workspaces/{name}:cached\n    command: sleep infinity\n    environment:\n      DB_HOST: db\n  \
         db:\n    image: {BASE}\n    command: {DB_COMMAND}\n    ports:\n      - \"0.0.0.0:{db_port}:5432\"\n"
    );
    write(&workspace, ".devcontainer/docker-compose.yml", &compose);
    write(
        &workspace,
        ".devcontainer/Dockerfile",
        &format!("FROM {BASE}\nRUN echo from-the-dockerfile > /etc/cai-compose-build\n"),
    );
    write(&workspace, ".devcontainer/marker/devcontainer-feature.json", r#"{"id": "marker", "version": "1.0.0"}"#);
    write(
        &workspace,
        ".devcontainer/marker/install.sh",
        "#!/bin/sh\nset -e\necho from-the-feature > /etc/cai-compose-feature\n",
    );
    Ws { dir, workspace }
}

fn ssh(config_file: &Path, host: &str, command: &str) -> Output {
    Command::new("ssh")
        .arg("-F")
        .arg(config_file)
        .args(["-o", "BatchMode=yes", "-o", "ConnectTimeout=60", host, command])
        .output()
        .expect("an ssh client")
}

#[test]
fn compose_workspace_up_ssh_second_service_reuse_down_remove() {
    let started = std::time::Instant::now();
    let port = free_port();
    let ws = workspace(port);
    let project = project_name(&ws.workspace);
    let _cleanup = Projects(vec![project.clone()]);

    let first = ws.up();
    let id = first["containerId"].as_str().unwrap().to_string();
    let host = first["ssh"]["host"].as_str().unwrap().to_string();
    let config_file = PathBuf::from(first["ssh"]["configFile"].as_str().unwrap());
    eprintln!("compose up (build + features + 2 services): {:?}", started.elapsed());

    // The project has the reference's name: both services, found by Compose's labels.
    assert_eq!(containers(&project, false).len(), 2, "project `{project}`");
    let app = service_container(&project, "app").unwrap();
    let db = service_container(&project, "db").unwrap();
    assert!(id.starts_with(&app) || app.starts_with(&id), "the primary is the app service: {id} vs {app}");
    let labels = inspect(&app, "{{index .Config.Labels \"devcontainer.local_folder\"}}");
    assert_eq!(labels, real(&ws.workspace).display().to_string());
    // Every service runs under the chosen runtime (runc, the insecure mode here).
    for c in [&app, &db] {
        assert_eq!(inspect(c, "{{.HostConfig.Runtime}}"), "runc", "{c}");
    }
    // The repository's `0.0.0.0:<port>:5432` is published on loopback only.
    let bindings = inspect(&db, "{{json .HostConfig.PortBindings}}");
    let bindings: Value = serde_json::from_str(&bindings).unwrap();
    assert_eq!(bindings["5432/tcp"], json!([{"HostIp": "127.0.0.1", "HostPort": port.to_string()}]), "{bindings}");

    // ssh into the app: systemd, the Dockerfile's and the feature's files, the database by its service name.
    let check = "cat /proc/1/comm /etc/cai-compose-build /etc/cai-compose-feature; \
                 exec 3<>/dev/tcp/db/5432 && head -1 <&3";
    let out = ssh(&config_file, &host, check);
    assert!(out.status.success(), "ssh failed: {}", text(&out));
    let seen = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        seen.lines().collect::<Vec<_>>(),
        ["systemd", "from-the-dockerfile", "from-the-feature", "db-ok"],
        "{seen}"
    );
    assert_eq!(ws.hooks(), ["onCreate", "postCreate", "postStart"]);

    // Reuse: the same container, no hook again.
    let again = ws.up();
    assert_eq!(again["containerId"], first["containerId"]);
    assert_eq!(ws.hooks(), ["onCreate", "postCreate", "postStart"]);
    // exec and list find it as any workspace.
    let exec = ws.containai(&["exec", "--", "cat", "/etc/cai-compose-feature"]);
    assert!(
        exec.status.success() && String::from_utf8_lossy(&exec.stdout).contains("from-the-feature"),
        "{}",
        text(&exec)
    );
    // verify probes the primary service as any containai container.
    let verify = ws.containai(&["verify", "--json"]);
    let measured: Value = serde_json::from_slice(&verify.stdout).unwrap_or_else(|_| panic!("{}", text(&verify)));
    assert!(verify.status.success(), "{measured}");
    assert_eq!(measured["summary"]["runtime"], "runc", "{measured}");
    assert_eq!(measured["summary"]["systemd"]["level"], "yes", "{measured}");
    let list = ws.containai(&["list"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains(&host), "{}", text(&list));

    // down stops the whole project; up starts it again (postStart once more).
    let down = ws.containai(&["down"]);
    assert!(down.status.success(), "{}", text(&down));
    assert_eq!(containers(&project, false), Vec::<String>::new(), "down left services running");
    assert_eq!(containers(&project, true).len(), 2);
    let restarted = ws.up();
    assert_eq!(restarted["containerId"], first["containerId"]);
    assert_eq!(containers(&project, false).len(), 2, "up started the whole project");
    assert_eq!(ws.hooks(), ["onCreate", "postCreate", "postStart", "postStart"]);

    // down --remove: no container and no network of the project left.
    let removed = ws.containai(&["down", "--remove"]);
    assert!(removed.status.success(), "{}", text(&removed));
    assert_eq!(crate::support::sandbox::json(&removed)["compose"]["action"], "down");
    assert_eq!(containers(&project, true), Vec::<String>::new());
    assert_eq!(networks(&project), Vec::<String>::new());
    eprintln!("compose workspace test: {:?}", started.elapsed());
}
