//! containai: devcontainer.json → a running system container under sysbox-runc.
//!
//! The pipeline, one module per stage: [`config`] → [`features`] → [`plan`] → [`build`] → [`run`].

pub mod assets;
pub mod build;
pub mod config;
pub mod context;
pub mod engine;
pub mod features;
pub mod folder;
pub mod isolation;
pub mod lock;
pub mod plan;
pub mod policy;
pub mod registry;
pub mod report;
pub mod run;
pub mod templates;
pub mod user_config;
