//! The Docker Engine behind two traits (images, containers) → a bollard client for real, recording fakes for tests.
//!
//! Build and run logic take `&dyn ImageEngine` / `&dyn ContainerEngine`, so they are unit-tested with the
//! fakes and exercised against a real engine by the integration tests.

pub mod containers;
pub mod docker;
mod docker_containers;
mod docker_images;
mod docker_networks;
// The recording fakes are for tests only: the library's unit tests, and the integration tests through the
// `fake-engine` feature (a dev-dependency on this crate turns it on); the shipped binary has none.
#[cfg(any(test, feature = "fake-engine"))]
pub mod fake_containers;
#[cfg(any(test, feature = "fake-engine"))]
pub mod fake_images;
pub mod images;
pub mod info;
pub mod networks;
pub mod terminal;

pub use containers::{ContainerEngine, ContainerInfo, CreateRequest, EngineView, ExecOutput, ExecRequest, MountPoint};
pub use docker::Docker;
pub use images::{BuildContextBody, BuildRequest, BuiltImage, ImageEngine, ImageInfo, PullRequest};
pub use info::EngineInfo;
pub use networks::{NetworkInfo, NetworkRequest};

/// Errors from talking to the engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "cannot reach the Docker engine at `{endpoint}`: {source}\nhint: start dockerd, or set `DOCKER_HOST` to the engine's socket"
    )]
    Unreachable {
        endpoint: String,
        #[source]
        source: bollard::errors::Error,
    },
    #[error("docker engine: {0}")]
    Api(#[from] bollard::errors::Error),
    #[error("the engine failed the build: {message}")]
    BuildFailed {
        /// The engine's error message.
        message: String,
        /// The last lines of the build output.
        log_tail: Vec<String>,
    },
    #[error("registry error for `{reference}`: {message}")]
    Registry {
        /// The image reference pushed or pulled.
        reference: String,
        /// The engine's message.
        message: String,
    },
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;
