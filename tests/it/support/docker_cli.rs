//! Test helper: the local engine through the `docker` CLI → images and containers created by one test,
//! removed when it ends (never anything it did not create).
use super::{Images, docker_output as docker, text, unique};
use std::path::Path;
use std::time::{Duration, Instant};

/// Shell lines checking an image with the sshd feature: no host key baked in, and sshd accepts its
/// configuration with a probe key. Starts with `set -eu`; the caller appends its own checks.
pub const SSHD_IMAGE_CHECKS: &str = r#"
        set -eu
        for f in /etc/ssh/ssh_host_*; do [ -e "$f" ] && { echo "baked host key: $f"; exit 1; }; done
        mkdir -p /run/sshd
        ssh-keygen -q -t ed25519 -N '' -f /tmp/probe_key
        /usr/sbin/sshd -t -h /tmp/probe_key
"#;

/// What this test created; removed on drop (its containers, then its images).
#[derive(Default)]
pub struct Docker {
    containers: std::cell::RefCell<Vec<String>>,
    images: Images,
}

impl Docker {
    /// Fails the test when no engine answers.
    pub fn connect() -> Docker {
        let out = docker(&["version", "--format", "{{.Server.Version}}"]);
        assert!(out.status.success(), "no Docker engine answers: {}", text(&out));
        Docker::default()
    }

    /// Removes `tag` when the test ends (an image another tool builds for this test).
    pub fn adopt_image(&self, tag: &str) {
        self.images.add(tag);
    }

    pub fn build(&self, context: &Path, tag: &str) -> String {
        self.adopt_image(tag);
        let out = docker(&["build", "--rm", "--force-rm", "-t", tag, context.to_str().unwrap()]);
        assert!(out.status.success(), "build failed:\n{}", super::last_lines(&text(&out), 60));
        tag.to_string()
    }

    /// Runs `script` with sh in a throwaway container of `image`; its output, failing the test on error.
    pub fn run_sh(&self, image: &str, script: &str) -> String {
        let out = docker(&["run", "--rm", "--entrypoint", "/bin/sh", image, "-c", script]);
        assert!(out.status.success(), "script failed in {image}:\n{}", text(&out));
        text(&out)
    }

    /// Runs `script` with `dir` mounted read-only at /feature; exit code and output.
    pub fn run_mounted(&self, image: &str, dir: &Path, script: &str) -> (i32, String) {
        let mount = format!("{}:/feature:ro", dir.display());
        let out = docker(&["run", "--rm", "-v", &mount, "--entrypoint", "/bin/sh", image, "-c", script]);
        (out.status.code().unwrap_or(-1), text(&out))
    }

    /// Starts `image` with systemd as PID 1 (plain runc: SYS_ADMIN + NET_ADMIN for the inner dockerd's
    /// iptables, seccomp unconfined, cgroups rw).
    pub fn boot(&self, image: &str) -> String {
        let name = unique("containai-test-features");
        self.containers.borrow_mut().push(name.clone());
        let out = docker(&[
            "run",
            "-d",
            "--name",
            &name,
            "--cap-add",
            "SYS_ADMIN",
            "--cap-add",
            "NET_ADMIN",
            "--security-opt",
            "seccomp=unconfined",
            "--security-opt",
            "apparmor=unconfined",
            "--tmpfs",
            "/run",
            "--tmpfs",
            "/run/lock",
            "-v",
            "/sys/fs/cgroup:/sys/fs/cgroup:rw",
            "--stop-signal",
            "SIGRTMIN+3",
            "--entrypoint",
            "/sbin/init",
            image,
        ]);
        assert!(out.status.success(), "boot failed: {}", text(&out));
        name
    }

    /// Retries `script` inside the running container until it succeeds; its output.
    pub fn wait_for(&self, container: &str, script: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let out = docker(&["exec", container, "/bin/sh", "-c", script]);
            if out.status.success() {
                return text(&out);
            }
            if start.elapsed() > timeout {
                let journal = docker(&["exec", container, "journalctl", "--no-pager", "-n", "80"]);
                panic!("`{script}` never succeeded: {}\njournal:\n{}", text(&out), text(&journal));
            }
            std::thread::sleep(Duration::from_secs(2));
        }
    }
}

impl Drop for Docker {
    fn drop(&mut self) {
        for container in self.containers.borrow().iter() {
            docker(&["rm", "-f", "-v", container]);
        }
    }
}
