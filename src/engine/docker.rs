//! `DOCKER_HOST` or the default socket → a connected bollard client with the API version negotiated.

use super::{EngineError, Result};

/// A connection to a real Docker engine. Implements [`super::ImageEngine`] and [`super::ContainerEngine`].
#[derive(Clone)]
pub struct Docker {
    pub(crate) client: bollard::Docker,
    pub(crate) endpoint: String,
}

impl Docker {
    /// Connects as the docker CLI would (`DOCKER_HOST`, else the local socket) and negotiates the API version,
    /// so Debian's 20.10 engine (API 1.41) and current engines both work.
    pub async fn connect() -> Result<Docker> {
        let endpoint = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
        let unreachable = |source| EngineError::Unreachable { endpoint: endpoint.clone(), source };
        let client = bollard::Docker::connect_with_defaults().map_err(unreachable)?;
        let client = client.negotiate_version().await.map_err(unreachable)?;
        Ok(Docker { client, endpoint })
    }

    /// Connects to the engine on the given `unix://` socket (a second engine, in tests and `--docker-host`).
    pub async fn connect_to(endpoint: &str) -> Result<Docker> {
        let unreachable = |source| EngineError::Unreachable { endpoint: endpoint.to_string(), source };
        let path = endpoint.strip_prefix("unix://").unwrap_or(endpoint);
        let client =
            bollard::Docker::connect_with_unix(path, 120, bollard::API_DEFAULT_VERSION).map_err(unreachable)?;
        let client = client.negotiate_version().await.map_err(unreachable)?;
        Ok(Docker { client, endpoint: endpoint.to_string() })
    }

    /// The underlying bollard client.
    pub fn client(&self) -> &bollard::Docker {
        &self.client
    }

    /// Where this client connects (for messages).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}
