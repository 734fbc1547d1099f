//! Config + resolved features → a [`BuildPlan`]: one keyed layer per step, each Dockerfile rendered from templates/.

pub mod model;

pub use model::{BuildPlan, ContextFile, Layer, LayerContext};
