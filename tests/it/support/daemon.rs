//! Extra dockerd arguments → a second, private Docker engine for a test ("machine B", userns-remap, restarts).
//!
//! It has its own socket, data root, exec root and pidfile, its own bridge and no iptables rules, so it never
//! disturbs the shared engine on /var/run/docker.sock. It stays in the host's network namespace, so it reaches
//! a registry on 127.0.0.1. Not `--bridge=none`: dockerd then deletes the host's `docker0` link. Its
//! containers have no route out (no NAT): features built there must not need the network.
//! Stopped, and its files and bridge removed, on drop.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SecondEngine {
    child: Option<Child>,
    args: Vec<String>,
    pub dir: PathBuf,
    bridge: String,
}

impl SecondEngine {
    /// Starts dockerd with `extra` arguments; panics (fails the test) when it does not answer within 120 s.
    pub fn start(extra: &[&str]) -> SecondEngine {
        let dir = PathBuf::from(format!("/tmp/cai-engine-{}", super::unique("b")));
        std::fs::create_dir_all(&dir).unwrap();
        let bridge = make_bridge();
        let mut args: Vec<String> = vec![
            format!("--host=unix://{}/docker.sock", dir.display()),
            format!("--data-root={}/data", dir.display()),
            format!("--exec-root={}/exec", dir.display()),
            format!("--pidfile={}/docker.pid", dir.display()),
            format!("--bridge={bridge}"),
            "--iptables=false".into(),
            "--ip-masq=false".into(),
        ];
        args.extend(extra.iter().map(|arg| arg.to_string()));
        let mut engine = SecondEngine { child: None, args, dir, bridge };
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
        self.load_images(&[reference]);
    }

    /// Copies images (with their tags) from the shared engine into this one, in one `docker save | docker load`.
    pub fn load_images(&self, references: &[&str]) {
        let mut save = Command::new("docker").arg("save").args(references).stdout(Stdio::piped()).spawn().unwrap();
        let load = self.docker().args(["load", "-q"]).stdin(save.stdout.take().unwrap()).output().unwrap();
        let saved = save.wait().unwrap();
        assert!(
            saved.success() && load.status.success(),
            "copying {references:?} into the second engine failed: {}",
            String::from_utf8_lossy(&load.stderr)
        );
    }

    /// What dockerd has logged since it was last started.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default()
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
        // dockerd's own containerd (and its shims) outlive it for a moment; a new dockerd on the same exec root
        // waits for their socket and gives up under load: wait for them to go, and end any that stays.
        let pattern = format!("{}/exec", self.dir.display());
        let alive = || Command::new("pgrep").args(["-f", &pattern]).output().is_ok_and(|o| o.status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        while alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
        if alive() {
            let _ = Command::new("pkill").args(["-KILL", "-f", &pattern]).status();
        }
    }

    /// Starts dockerd again on the same directories and waits until it answers.
    pub fn resume(&mut self) {
        let log = std::fs::File::create(self.dir.join("dockerd.log")).unwrap();
        let child =
            Command::new("dockerd").args(&self.args).stdout(Stdio::null()).stderr(log).spawn().expect("dockerd starts");
        self.child = Some(child);
        // Generous: on two loaded cores a dockerd with its containerd can take most of a minute to answer.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let answered = self.docker().args(["version", "--format", "{{.Server.APIVersion}}"]).output();
            if answered.map(|out| out.status.success()).unwrap_or(false) {
                break;
            }
            if Instant::now() > deadline {
                panic!(
                    "second dockerd did not answer within 120 s; its log ends:\n{}",
                    super::last_lines(&self.log(), 30)
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// A new bridge link `caib<n>` with its own /24 in 10.213.0.0/16, up; dockerd attaches its containers to it.
fn make_bridge() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = (std::process::id() + NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) * 7) % 250 + 1;
    let name = format!("caib{}-{n}", std::process::id() % 10_000);
    let script = format!(
        "ip link del {name} 2>/dev/null; ip link add name {name} type bridge && \
         ip addr add 10.213.{n}.1/24 dev {name} && ip link set {name} up"
    );
    let status = Command::new("sh").arg("-c").arg(&script).status().unwrap();
    assert!(status.success(), "could not create bridge `{name}` for the second engine");
    name
}

impl Drop for SecondEngine {
    fn drop(&mut self) {
        // Every container on this engine is the test's: removed first, so that dockerd stops promptly.
        if self.child.is_some() {
            let ids = self.docker().args(["ps", "-aq"]).output();
            for id in
                ids.map(|out| String::from_utf8_lossy(&out.stdout).into_owned()).unwrap_or_default().split_whitespace()
            {
                let _ = self.docker().args(["rm", "-f", id]).output();
            }
        }
        self.stop();
        // Layers are overlay mounts while the engine runs; it unmounts them on stop, then the files can go.
        let script =
            format!("umount -R {0}/data/* 2>/dev/null; rm -rf {0}; ip link del {1}", self.dir.display(), self.bridge);
        let _ = Command::new("sh").arg("-c").arg(script).status();
    }
}
