//! Image registries as containai talks to them → the user's Docker credentials ([`credentials`]), repository
//! names ([`reference`]), manifest lookups that download nothing ([`probe`]). Pushes and pulls go through the engine.

pub mod credentials;
pub mod mirror;
pub mod probe;
pub mod reference;

pub use credentials::{Credentials, RegistryAuth};
pub use mirror::Mirror;
pub use probe::{HttpProbe, ManifestProbe, ProbeError};
pub use reference::Repository;

use std::path::PathBuf;

/// Errors of talking to a registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "cannot read the Docker config `{path}`: {message}\nhint: fix the file, or point `DOCKER_CONFIG` at another folder"
    )]
    DockerConfig { path: PathBuf, message: String },
    #[error(
        "credential helper `{helper}` failed: {message}\nhint: check that it is on `PATH` and that `{helper} get` works"
    )]
    CredentialHelper { helper: String, message: String },
}

pub type Result<T, E = RegistryError> = std::result::Result<T, E>;
