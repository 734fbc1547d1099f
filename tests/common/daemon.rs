//! Extra dockerd arguments → a second, private Docker engine for a test ("machine B", userns-remap, restarts).
//!
//! It has its own socket, data root, exec root and pidfile, no bridge and no iptables rules, so it never
//! disturbs the shared engine on /var/run/docker.sock. Stopped, and its files removed, on drop.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SecondEngine {
    child: Option<Child>,
    args: Vec<String>,
    pub dir: PathBuf,
}

impl SecondEngine {
    /// Starts dockerd with `extra` arguments; panics (fails the test) when it does not answer within 60 s.
    pub fn start(extra: &[&str]) -> SecondEngine {
        let dir = PathBuf::from(format!("/tmp/cai-engine-{}", super::unique("b")));
        std::fs::create_dir_all(&dir).unwrap();
        let mut args: Vec<String> = vec![
            format!("--host=unix://{}/docker.sock", dir.display()),
            format!("--data-root={}/data", dir.display()),
            format!("--exec-root={}/exec", dir.display()),
            format!("--pidfile={}/docker.pid", dir.display()),
            "--bridge=none".into(),
            "--iptables=false".into(),
            "--ip-masq=false".into(),
        ];
        args.extend(extra.iter().map(|arg| arg.to_string()));
        let mut engine = SecondEngine { child: None, args, dir };
        engine.resume();
        engine
    }

    /// `unix://…/docker.sock`, for `DOCKER_HOST` and [`containai::engine::Docker::connect_to`].
    pub fn host(&self) -> String {
        format!("unix://{}/docker.sock", self.dir.display())
    }

    /// The docker CLI pointed at this engine.
    pub fn docker(&self) -> Command {
        let mut command = Command::new("docker");
        command.env("DOCKER_HOST", self.host());
        command
    }

    /// Copies an image from the shared engine into this one (`docker save | docker load`).
    pub fn load_image(&self, reference: &str) {
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("docker save {reference} | DOCKER_HOST={} docker load -q >/dev/null", self.host()))
            .status()
            .unwrap();
        assert!(status.success(), "copying `{reference}` into the second engine failed");
    }

    /// Stops dockerd (data kept, so [`SecondEngine::resume`] brings the same engine back): an engine restart.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(30);
            while child.try_wait().unwrap().is_none() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    /// Starts dockerd again on the same directories and waits until it answers.
    pub fn resume(&mut self) {
        let log = std::fs::File::create(self.dir.join("dockerd.log")).unwrap();
        let child = Command::new("dockerd")
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("dockerd starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let answered = self.docker().args(["version", "--format", "{{.Server.APIVersion}}"]).output();
            if answered.map(|out| out.status.success()).unwrap_or(false) {
                break;
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default();
                panic!("second dockerd did not answer within 60 s; its log ends:\n{}", tail(&log, 30));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl Drop for SecondEngine {
    fn drop(&mut self) {
        self.stop();
        // Layers are overlay mounts while the engine runs; it unmounts them on stop, then the files can go.
        let _ = Command::new("sh").arg("-c").arg(format!("umount -R {0}/data/* 2>/dev/null; rm -rf {0}", self.dir.display())).status();
    }
}
