//! Shared helpers of the integration tests: a connected engine (or a loud failure), unique names, tar contexts;
//! the submodules hold a second engine, config fixtures, the docker CLI, a registry and a sandboxed HOME.
#![allow(dead_code)]

pub mod config;
pub mod daemon;
pub mod docker_cli;
pub mod reference;
pub mod registry;
pub mod sandbox;

use containai::engine::Docker;
use std::sync::atomic::{AtomicU32, Ordering};

/// `../shared` (read-only reference data) next to the repository; a worktree under `wt/` has it one level up.
pub fn shared() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    [root.join("../shared"), root.join("../../shared")]
        .into_iter()
        .find(|p| p.join("corpus/templates").is_dir())
        .expect("../shared/corpus/templates next to the repository")
}

/// The test base image made by `scripts/setup`.
pub const BASE_IMAGE: &str = "containai-test/base:bookworm";

/// The engine; panics (the test FAILS) when none answers.
pub async fn engine() -> Docker {
    match Docker::connect().await {
        Ok(docker) => docker,
        Err(err) => panic!("engine-backed test needs a Docker engine: {err}\nhint: run `bash scripts/setup`"),
    }
}

/// A name no other test or run uses: `<prefix>-<pid>-<time>-<counter>`.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{}-{nanos:x}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
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

/// Removes the images (references or ids) it was given when dropped, newest first, ignoring failures.
pub struct Cleanup(pub std::sync::Mutex<Vec<String>>);

impl Cleanup {
    pub fn new() -> Cleanup {
        Cleanup(std::sync::Mutex::new(Vec::new()))
    }
    pub fn add(&self, reference: impl Into<String>) {
        self.0.lock().unwrap().push(reference.into());
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let references: Vec<String> = self.0.lock().unwrap().drain(..).rev().collect();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                use containai::engine::ImageEngine;
                let Ok(docker) = Docker::connect().await else { return };
                for reference in references {
                    let _ = docker.remove_image(&reference, true).await;
                }
            });
        })
        .join()
        .unwrap();
    }
}
