//! A build context (a folder filtered by its `.dockerignore`, or files in memory) → what is sent to the engine
//! and the digest that keys it: [`list`] walks and filters, [`hash`] digests (with the [`stat_cache`] of file
//! stamps), [`dockerignore`] is Docker's pattern language, [`from_images`] reads a Dockerfile's `FROM`s. Used by plan (keys) and image (tar streams); imports
//! no stage.

pub mod dockerignore;
pub mod from_images;
pub mod hash;
pub mod list;
pub mod stat_cache;

pub use hash::{ContextDigest, DockerfileBuild, dockerfile_build_key};
pub use stat_cache::StatCache;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Bump when anything that goes into a key changes meaning; every key changes with it.
pub const KEY_VERSION: u32 = 1;

/// One file of an in-memory context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextFile {
    pub path: String,
    pub mode: u32,
    /// Not printed with the plan; its hash is in the key.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// Errors of reading a build context.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("cannot read the build context at `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{path}` line {line}: invalid pattern `{pattern}`: {message}\nhint: `.dockerignore` patterns use Go's `filepath.Match` syntax"
    )]
    DockerIgnore { path: PathBuf, line: usize, pattern: String, message: String },
}

pub type Result<T, E = ContextError> = std::result::Result<T, E>;

#[cfg(test)]
mod list_tests;
