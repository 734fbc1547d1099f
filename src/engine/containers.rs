//! Container operations the run stage needs → one trait, implemented for [`super::Docker`].

/// Container side of the engine.
#[async_trait::async_trait]
pub trait ContainerEngine: Send + Sync {}
