//! A [`crate::plan::BuildPlan`] → images in the engine, building only the layers whose key is not an image yet.

pub mod context;
pub mod dockerignore;
pub mod error;
pub mod hash;
pub mod stat_cache;

pub use error::{BuildError, Result};
pub use hash::{DockerfileBuild, dockerfile_build_key};
pub use stat_cache::StatCache;

#[cfg(test)]
mod context_tests;
