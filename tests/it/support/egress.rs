//! "Outside" servers for the egress tests: an engine network of their own and HTTP (80) + HTTPS (443, a
//! self-signed certificate) servers on it under DNS aliases such as `allowed.test`; removed when dropped.

use super::{BASE_IMAGE, docker, docker_output, text, unique};
use std::io::Write;
use std::process::{Command, Stdio};

/// The server image: the test base image with socat and openssl, a certificate, and `/serve.sh` (base64 here):
/// it reads a request's head and answers `200` with `hello from $SERVER_NAME`.
const SERVER_DOCKERFILE: &str = r#"ARG BASE
FROM ${BASE}
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends socat openssl \
 && rm -rf /var/lib/apt/lists/* \
 && openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=egress-test -keyout /srv.key -out /srv.crt 2>/dev/null \
 && cat /srv.key /srv.crt > /srv.pem \
 && echo IyEvYmluL3NoCiMgUmVhZHMgdGhlIHJlcXVlc3QncyBoZWFkLCBhbnN3ZXJzIDIwMCB3aXRoIHRoZSBzZXJ2ZXIncyBuYW1lLgp3aGlsZSByZWFkIC1yIGxpbmU7IGRvCiAgbGluZT0kKHByaW50ZiAnJXMnICIkbGluZSIgfCB0ciAtZCAnXHInKQogIFsgLXogIiRsaW5lIiBdICYmIGJyZWFrCmRvbmUKYm9keT0iaGVsbG8gZnJvbSAkU0VSVkVSX05BTUUiCnByaW50ZiAnSFRUUC8xLjAgMjAwIE9LXHJcbkNvbnRlbnQtVHlwZTogdGV4dC9wbGFpblxyXG5Db250ZW50LUxlbmd0aDogJXNcclxuXHJcbiVzXG4nICIkKCgkeyNib2R5fSArIDEpKSIgIiRib2R5Igo= | base64 -d > /serve.sh \
 && chmod +x /serve.sh
"#;

/// The tag of the server image (built once, kept for later runs).
pub const SERVER_IMAGE: &str = "containai-test/egress-server:1";

/// Builds the server image unless the engine has it.
pub fn server_image() -> &'static str {
    if docker(&["image", "inspect", "-f", "{{.Id}}", SERVER_IMAGE]).is_empty() {
        let mut child = Command::new("docker")
            .args(["build", "-q", "--build-arg", &format!("BASE={BASE_IMAGE}"), "-t", SERVER_IMAGE, "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("docker build");
        child.stdin.take().unwrap().write_all(SERVER_DOCKERFILE.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "the egress test server image did not build:\n{}", text(&out));
    }
    SERVER_IMAGE
}

/// A network with servers on it; everything removed on drop.
pub struct Outside {
    pub network: String,
    containers: Vec<String>,
}

impl Outside {
    /// A network and one server per alias (HTTP on 80, HTTPS on 443).
    pub fn new(aliases: &[&str]) -> Outside {
        let image = server_image();
        let network = unique("cai-egress-out");
        let out = docker_output(&["network", "create", &network]);
        assert!(out.status.success(), "{}", text(&out));
        let mut outside = Outside { network, containers: Vec::new() };
        for alias in aliases {
            let name = unique("cai-egress-srv");
            let script = "socat TCP-LISTEN:80,fork,reuseaddr EXEC:/serve.sh & \
                          exec socat OPENSSL-LISTEN:443,fork,reuseaddr,cert=/srv.pem,verify=0 EXEC:/serve.sh";
            let out = docker_output(&[
                "run",
                "-d",
                "--name",
                &name,
                "--network",
                &outside.network,
                "--network-alias",
                alias,
                "-e",
                &format!("SERVER_NAME={alias}"),
                image,
                "sh",
                "-c",
                script,
            ]);
            assert!(out.status.success(), "{}", text(&out));
            outside.containers.push(name);
        }
        outside
    }

    /// The address of the server with this alias on the outside network.
    pub fn address(&self, index: usize) -> String {
        let format = format!("{{{{(index .NetworkSettings.Networks \"{}\").IPAddress}}}}", self.network);
        docker(&["inspect", "-f", &format, &self.containers[index]])
    }
}

impl Drop for Outside {
    fn drop(&mut self) {
        for c in &self.containers {
            docker(&["rm", "-f", c]);
        }
        docker(&["network", "rm", &self.network]);
    }
}

/// Removes the egress proxies and networks of the workspace in `folder`, as `down --remove` would: for the
/// tests that remove a workspace's containers themselves.
pub fn remove_for(folder: &std::path::Path) {
    let folder = folder.canonicalize().unwrap_or(folder.to_path_buf());
    let filter = format!("label=containai.egress.folder={}", folder.display());
    for id in docker(&["ps", "-aq", "--filter", &filter]).split_whitespace() {
        docker(&["rm", "-f", id]);
    }
    for id in docker(&["network", "ls", "-q", "--filter", &filter]).split_whitespace() {
        docker(&["network", "rm", id]);
    }
}

/// The workspace folder of the sandbox container `id`, to [`remove_for`] once the container is gone.
pub fn workspace_of(id: &str) -> Option<std::path::PathBuf> {
    let folder = docker(&["inspect", "-f", "{{index .Config.Labels \"devcontainer.local_folder\"}}", id]);
    (!folder.is_empty() && folder != "<no value>").then(|| folder.into())
}

/// [`remove_for`] every workspace under `prefix` (worktrees under a test's folder).
pub fn remove_under(prefix: &std::path::Path) {
    let prefix = prefix.canonicalize().unwrap_or(prefix.to_path_buf());
    let prefix = prefix.to_string_lossy();
    let format = "{{.ID}} {{.Label \"containai.egress.folder\"}}";
    for line in docker(&["ps", "-a", "--format", format]).lines() {
        if let Some((id, folder)) = line.split_once(' ')
            && folder.starts_with(&*prefix)
        {
            docker(&["rm", "-f", id]);
        }
    }
    for line in docker(&["network", "ls", "--format", format]).lines() {
        if let Some((id, folder)) = line.split_once(' ')
            && folder.starts_with(&*prefix)
        {
            docker(&["network", "rm", id]);
        }
    }
}
