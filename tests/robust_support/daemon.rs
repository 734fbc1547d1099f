//! A second dockerd for one test, on its own socket, data root, exec root and pidfile, with no bridge and no
//! iptables rules, in its own network namespace: a test may stop and restart it without touching the shared
//! engine. The namespace matters: dockerd started with `--bridge=none` DELETES the host's `docker0` link
//! (`removeDefaultBridgeInterface`), which breaks the shared engine's bridge network.
//! (Until the lead's `tests/common/daemon.rs` lands on main.)

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Daemon {
    pub dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Daemon {
    /// Starts dockerd and waits until it answers.
    pub fn start() -> Daemon {
        let dir = tempfile::Builder::new().prefix("cai-d").tempdir_in("/tmp").unwrap();
        let mut daemon = Daemon { dir, child: None };
        daemon.restart();
        daemon
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("docker.sock")
    }

    /// `unix://...` for `DOCKER_HOST`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// Starts dockerd (again) on the same folders and waits for it.
    pub fn restart(&mut self) {
        let d = self.dir.path();
        let log = std::fs::File::create(d.join("dockerd.log")).unwrap();
        let child = Command::new("unshare")
            .args(["--net", "dockerd"])
            .arg("--host")
            .arg(self.host())
            .arg("--data-root")
            .arg(d.join("data"))
            .arg("--exec-root")
            .arg(d.join("exec"))
            .arg("--pidfile")
            .arg(d.join("docker.pid"))
            .args(["--bridge=none", "--iptables=false", "--ip-masq=false"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("unshare + dockerd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.docker(&["version", "--format", "{{.Server.Version}}"]).status.success() {
            assert!(Instant::now() < deadline, "the second dockerd did not answer:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Stops dockerd with `signal` and waits for it to exit.
    pub fn stop(&mut self, signal: i32) {
        if let Some(mut child) = self.child.take() {
            unsafe { libc::kill(child.id() as i32, signal) };
            let _ = child.wait();
        }
        // A killed dockerd leaves its containerd running, and a new dockerd cannot take it over: stop it too.
        let pidfile = self.dir.path().join("exec/containerd/containerd.pid");
        if let Some(pid) = std::fs::read_to_string(&pidfile).ok().and_then(|p| p.trim().parse::<i32>().ok()) {
            unsafe { libc::kill(pid, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(15);
            while unsafe { libc::kill(pid, 0) } == 0 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = std::fs::remove_file(pidfile);
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dockerd.log")).unwrap_or_default()
    }

    /// `docker -H <this daemon> ARGS`.
    pub fn docker(&self, args: &[&str]) -> std::process::Output {
        Command::new("docker").arg("-H").arg(self.host()).args(args).output().expect("the docker CLI")
    }

    /// Copies images (with their tags) from the shared engine.
    pub fn load_from_main(&self, references: &[&str]) {
        let save = Command::new("docker").arg("save").args(references).stdout(Stdio::piped()).spawn().unwrap();
        let load = Command::new("docker")
            .arg("-H")
            .arg(self.host())
            .arg("load")
            .stdin(save.stdout.unwrap())
            .output()
            .unwrap();
        assert!(load.status.success(), "docker load: {}", String::from_utf8_lossy(&load.stderr));
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.child.is_some() {
            let ids = self.docker(&["ps", "-aq"]);
            for id in String::from_utf8_lossy(&ids.stdout).split_whitespace() {
                let _ = self.docker(&["rm", "-f", id]);
            }
            self.stop(libc::SIGTERM);
        }
        // Mounts under the data root go with the daemon; anything left is unmounted lazily before removal.
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!("grep -o ' {0}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l", self.dir.path().display()))
            .output();
    }
}
