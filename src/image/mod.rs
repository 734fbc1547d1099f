//! A [`crate::plan::BuildPlan`] → images in the engine, building only the layers whose key is not an image yet
//! (and pulling the images they start from when the engine lacks them, [`pull`]).
//!
//! Entry point: [`execute`]`(&plan, &engine, &reporter, &options)`. Keys of user Dockerfile builds:
//! [`dockerfile_build_key`].

pub mod error;
pub mod execute;
pub mod gc;
pub mod pull;
pub mod remote_cache;

pub use error::{BuildError, Result};
pub use execute::{BuildOptions, BuildOutcome, LABEL_KEY, LABEL_PARENT_KEY, LayerOutcome, execute};
pub use pull::PullOptions;
pub use remote_cache::{CacheCheck, CacheOptions, execute_with_cache};

#[cfg(test)]
mod execute_tests;
