//! Image operations the build stage needs (info, inspect, build, tag, remove, list, push, pull) → one trait, implemented for
//! [`super::Docker`] in `docker_images.rs` and for tests by [`super::fake_images::FakeImages`].

use super::Result;
use super::info::EngineInfo;
use crate::registry::RegistryAuth;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use std::collections::BTreeMap;

/// What the stages need to know about an image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageInfo {
    /// The engine's image id (`sha256:...`).
    pub id: String,
    pub labels: BTreeMap<String, String>,
    /// `Config.User` (empty when the image does not set one).
    pub user: String,
    /// `Config.Env` as `NAME=value` lines.
    pub env: Vec<String>,
    /// `RepoTags`.
    pub tags: Vec<String>,
}

/// The tar archive sent as a build context.
pub enum BuildContextBody {
    /// A whole archive in memory (small contexts: a feature's folder, an empty context).
    Tar(Vec<u8>),
    /// An archive produced while it is sent (a user's folder).
    Stream(BoxStream<'static, std::io::Result<Bytes>>),
}

impl std::fmt::Debug for BuildContextBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildContextBody::Tar(bytes) => write!(f, "Tar({} bytes)", bytes.len()),
            BuildContextBody::Stream(_) => f.write_str("Stream"),
        }
    }
}

/// One engine build.
#[derive(Debug)]
pub struct BuildRequest {
    pub context: BuildContextBody,
    /// Path of the Dockerfile inside the context.
    pub dockerfile: String,
    /// Tags given to the image, only once it is completely built.
    pub tags: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub build_args: BTreeMap<String, String>,
    pub target: Option<String>,
    pub no_cache: bool,
    /// Logins the engine may use for the images the Dockerfile starts `FROM`, by server address
    /// (`X-Registry-Config`).
    pub registry_auth: BTreeMap<String, RegistryAuth>,
}

/// A completed build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltImage {
    /// The engine's image id (`sha256:...`).
    pub id: String,
}

/// An image in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSummary {
    pub id: String,
    pub tags: Vec<String>,
    pub labels: BTreeMap<String, String>,
}

/// Receives each line of build output as it arrives.
pub type LogSink<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// Image side of the engine.
#[async_trait::async_trait]
pub trait ImageEngine: Send + Sync {
    /// Engine and API version, runtimes.
    async fn engine_info(&self) -> Result<EngineInfo>;
    /// The image with this reference or id, or `None` when the engine has none.
    async fn inspect_image(&self, reference: &str) -> Result<Option<ImageInfo>>;
    /// Builds an image, streaming its output lines to `log`. A failure is
    /// [`super::EngineError::BuildFailed`] with the engine's message and the end of the log.
    async fn build_image(&self, request: BuildRequest, log: LogSink<'_>) -> Result<BuiltImage>;
    /// Gives `source` (a reference or id) the extra reference `target` (`repo:tag`).
    async fn tag_image(&self, source: &str, target: &str) -> Result<()>;
    /// Removes a reference (or an image by id); `Ok(false)` when there was none.
    async fn remove_image(&self, reference: &str, force: bool) -> Result<bool>;
    /// Images carrying `label` (`name` or `name=value`).
    async fn list_images_by_label(&self, label: &str) -> Result<Vec<ImageSummary>>;
    /// Pushes `reference` (`host/repository:tag`) to its registry, logging in with `auth`; progress to `log`.
    /// A failure is [`super::EngineError::Registry`].
    async fn push_image(&self, reference: &str, auth: Option<&RegistryAuth>, log: LogSink<'_>) -> Result<()>;
    /// Pulls what `request` names; progress to `log`.
    /// A failure (missing, refused, unreachable) is [`super::EngineError::Registry`].
    async fn pull_image(&self, request: PullRequest<'_>, log: LogSink<'_>) -> Result<()>;
}

/// An image to pull: `reference` (`repo[:tag]` or `repo@digest`) from its registry for `platform`
/// (`linux/amd64`; the engine's own when `None`), logging in with `auth`.
#[derive(Debug, Clone, Copy)]
pub struct PullRequest<'a> {
    pub reference: &'a str,
    pub platform: Option<&'a str>,
    pub auth: Option<&'a RegistryAuth>,
}

/// Splits `repo:tag` (a registry port is not a tag); the tag defaults to `latest`.
pub fn split_reference(reference: &str) -> (&str, &str) {
    match reference.rfind(':') {
        Some(i) if !reference[i + 1..].contains('/') => (&reference[..i], &reference[i + 1..]),
        _ => (reference, "latest"),
    }
}

#[cfg(test)]
mod tests {
    use super::split_reference;

    #[test]
    fn references_split_into_repository_and_tag() {
        assert_eq!(split_reference("containai-cache:abc"), ("containai-cache", "abc"));
        assert_eq!(split_reference("localhost:5000/x"), ("localhost:5000/x", "latest"));
        assert_eq!(split_reference("localhost:5000/x:1"), ("localhost:5000/x", "1"));
        assert_eq!(split_reference("debian"), ("debian", "latest"));
    }
}
