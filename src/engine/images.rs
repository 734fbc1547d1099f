//! Image operations the build stage needs (inspect, build, tag, remove) → one trait, implemented for [`super::Docker`].

use super::Result;
use std::collections::BTreeMap;

/// What the stages need to know about an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// The engine's image id (`sha256:...`).
    pub id: String,
    pub labels: BTreeMap<String, String>,
}

/// Image side of the engine.
#[async_trait::async_trait]
pub trait ImageEngine: Send + Sync {
    /// The image with this reference or id, or `None` when the engine has none.
    async fn inspect_image(&self, reference: &str) -> Result<Option<ImageInfo>>;
}
