//! Shared helpers of the integration tests: a connected engine (or a loud failure), unique names, tar contexts;
//! the submodules hold a second engine, config fixtures, the shared corpus, the docker CLI, a registry and a
//! sandboxed HOME.

pub mod compose;
pub mod config;
pub mod corpus;
pub mod daemon;
pub mod docker_cli;
pub mod egress;
pub mod reference;
pub mod registry;
pub mod sandbox;
pub mod token_registry;

use containai::engine::Docker;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// The test base image made by `scripts/setup`.
pub const BASE_IMAGE: &str = "containai-test/base:bookworm";

/// The engine; panics (the test FAILS) when none answers.
pub async fn engine() -> Docker {
    match Docker::connect().await {
        Ok(docker) => docker,
        Err(err) => panic!("engine-backed test needs a Docker engine: {err}\nhint: run `bash scripts/setup`"),
    }
}

/// `<pid>`, the time in hexadecimal nanoseconds and a counter: what no other test or run of this binary shares.
fn stamp() -> (u32, u128, u32) {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    (std::process::id(), nanos, COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// A name no other test or run uses: `<prefix>-<pid>-<time>-<counter>` (also a valid image tag).
pub fn unique(prefix: &str) -> String {
    let (pid, nanos, n) = stamp();
    format!("{prefix}-{pid}-{nanos:x}-{n}")
}

/// A token no other test or run uses, of lower-case letters and digits only: `<prefix><pid>x<time>x<counter>`.
pub fn token(prefix: &str) -> String {
    let (pid, nanos, n) = stamp();
    format!("{prefix}{pid}x{nanos:x}x{n}")
}

/// The binary under test: cargo's, or `CONTAINAI_TEST_BIN` (a copy safe from other builds in a shared target dir).
pub fn binary() -> PathBuf {
    std::env::var_os("CONTAINAI_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_containai")))
}

/// `docker ARGS` through the CLI (so `DOCKER_HOST` counts), its whole output.
pub fn docker_output(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().expect("the `docker` CLI runs")
}

/// `docker ARGS`: stdout, trimmed (empty on failure).
pub fn docker(args: &[&str]) -> String {
    String::from_utf8_lossy(&docker_output(args).stdout).trim().to_string()
}

/// The reference CLI's version (`devcontainer --version`); panics (the test fails) when it does not run.
pub fn reference_cli() -> String {
    match Command::new("devcontainer").arg("--version").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        other => panic!(
            "this test compares containai with the reference CLI, and `devcontainer --version` failed: {}\n\
             hint: bash scripts/setup installs it (npm install -g @devcontainers/cli)",
            other.map_or_else(|e| e.to_string(), |out| text(&out))
        ),
    }
}

/// A command's stdout then stderr, for a failure message.
pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The last `n` lines of `log`, for a failure message.
pub fn last_lines(log: &str, n: usize) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A new workspace folder `dir` with `config` as its `.devcontainer/devcontainer.json`.
pub fn write_workspace(dir: &Path, config: &serde_json::Value) {
    std::fs::create_dir_all(dir.join(".devcontainer")).unwrap();
    std::fs::write(dir.join(".devcontainer/devcontainer.json"), serde_json::to_string_pretty(config).unwrap()).unwrap();
}

/// An in-memory tar of `(path, mode, text)` entries.
pub fn tar_of(files: &[(&str, u32, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, mode, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(*mode);
        header.set_cksum();
        builder.append_data(&mut header, path, text.as_bytes()).unwrap();
    }
    builder.into_inner().unwrap()
}

/// A 64-hex key no other test uses.
pub fn unique_key(label: &str) -> String {
    blake3::hash(unique(label).as_bytes()).to_hex().to_string()
}

/// Removes the images (references or ids) it was given when dropped, last added first, ignoring failures.
#[derive(Default)]
pub struct Images(std::sync::Mutex<Vec<String>>);

impl Images {
    pub fn new() -> Images {
        Images::default()
    }
    pub fn add(&self, reference: impl Into<String>) {
        self.0.lock().unwrap().push(reference.into());
    }
}

impl Drop for Images {
    fn drop(&mut self) {
        for reference in self.0.lock().unwrap().iter().rev() {
            docker_output(&["rmi", "-f", reference]);
        }
    }
}
