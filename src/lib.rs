//! containai: devcontainer.json → a running system container under sysbox-runc.
//!
//! The pipeline, one module per stage: [`config`] → [`features`] → [`plan`] → [`image`] → [`run`], sequenced by
//! [`pipeline`]; [`policy`] decides what may reach the host; [`context`], [`engine`], [`registry`], [`lock`],
//! [`folder`] are the layers below the stages.

pub mod agents;
pub mod assets;
pub mod compose;
pub mod config;
pub mod context;
pub mod egress;
pub mod engine;
pub mod features;
pub mod folder;
pub mod image;
pub mod isolation;
pub mod lock;
pub mod pipeline;
pub mod plan;
pub mod policy;
pub mod registry;
pub mod report;
pub mod run;
pub mod templates;
pub mod user_config;
