//! Test helper: the local engine through the `docker` CLI → images and containers created by one test,
//! removed when it ends (never anything it did not create).
#![allow(dead_code)] // each test crate uses a part

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A name no other test run uses: `<prefix>-<pid>-<nanos>`.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}:{}-{nanos}", std::process::id())
}

/// Shell lines checking an image with the sshd feature: no host key baked in, and sshd accepts its
/// configuration with a probe key. Starts with `set -eu`; the caller appends its own checks.
pub const SSHD_IMAGE_CHECKS: &str = r#"
        set -eu
        for f in /etc/ssh/ssh_host_*; do [ -e "$f" ] && { echo "baked host key: $f"; exit 1; }; done
        mkdir -p /run/sshd
        ssh-keygen -q -t ed25519 -N '' -f /tmp/probe_key
        /usr/sbin/sshd -t -h /tmp/probe_key
"#;

/// The last `n` lines of `log`, for a failure message.
pub fn last_lines(log: &str, n: usize) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().expect("the `docker` CLI runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// What this test created; removed on drop.
#[derive(Default)]
pub struct Docker {
    images: std::cell::RefCell<Vec<String>>,
    containers: std::cell::RefCell<Vec<String>>,
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
        self.images.borrow_mut().push(tag.to_string());
    }

    pub fn build(&self, context: &Path, tag: &str) -> String {
        self.adopt_image(tag);
        let out = docker(&["build", "--rm", "--force-rm", "-t", tag, context.to_str().unwrap()]);
        assert!(out.status.success(), "build failed:\n{}", last_lines(&text(&out), 60));
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
        let name = unique("containai-test-features").replace(':', "-");
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
        for image in self.images.borrow().iter() {
            docker(&["rmi", "-f", image]);
        }
    }
}
