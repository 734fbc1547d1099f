//! The engine + a Compose project → a [`ContainerEngine`] whose create and start bring the project up through
//! Compose: `up` creates the primary service from the exact create request of a single container (written into
//! the project file), and every other operation goes to the engine, so the run stage is the same for both.

use super::Result as ComposeResult;
use super::cli::{Invocation, Tool};
use super::file::project_file;
use super::project::Project;
use crate::engine::{
    ContainerEngine, ContainerInfo, CreateRequest, EngineError, EngineInfo, EngineView, ExecOutput, ExecRequest, Result,
};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Compose's label naming a container's project.
pub const LABEL_PROJECT: &str = "com.docker.compose.project";
/// Compose's label naming a container's service.
pub const LABEL_SERVICE: &str = "com.docker.compose.service";

/// The engine, seen through a Compose project.
pub struct ComposeEngine<'a, E> {
    pub inner: &'a E,
    pub tool: Tool,
    pub project: Project,
    /// Where the project file is written (containai's state, not the repository).
    pub file: PathBuf,
}

impl<E: ContainerEngine> ComposeEngine<'_, E> {
    fn invocation(&self) -> Invocation<'_> {
        // The project file has absolute paths only; it is run from its own folder, as `down` runs it.
        let dir = self.file.parent().unwrap_or(&self.project.dir);
        Invocation { project: Some(&self.project.name), files: std::slice::from_ref(&self.file), project_dir: dir }
    }

    /// `up -d` of `runServices` and the primary service (every service when `runServices` is unset).
    async fn up(&self) -> ComposeResult<()> {
        let mut args = vec!["up", "-d", "--remove-orphans"];
        let services = self.project.run_services.as_ref().map(|wanted| {
            let mut s: Vec<&str> = wanted.iter().map(String::as_str).collect();
            if !s.contains(&self.project.service.as_str()) {
                s.push(&self.project.service);
            }
            s
        });
        args.extend(services.into_iter().flatten());
        self.tool.run(&self.invocation(), &args).await.map(|_| ())
    }

    /// The container of `service` in this project.
    pub async fn service_container(&self, service: &str) -> Result<Option<ContainerInfo>> {
        let labels = BTreeMap::from([
            (LABEL_PROJECT.to_string(), self.project.name.clone()),
            (LABEL_SERVICE.to_string(), service.to_string()),
        ]);
        Ok(self.inner.list_containers(&labels).await?.into_iter().next())
    }
}

fn engine_error(e: super::ComposeError) -> EngineError {
    EngineError::Other(e.to_string())
}

#[async_trait::async_trait]
impl<E: ContainerEngine> ContainerEngine for ComposeEngine<'_, E> {
    async fn info(&self) -> Result<EngineInfo> {
        self.inner.info().await
    }

    async fn create_container(&self, request: &CreateRequest) -> Result<String> {
        let file = project_file(&self.project.config, &self.project.service, request, self.tool.v2);
        if let Some(parent) = self.file.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| EngineError::Other(format!("cannot create `{}`: {e}", parent.display())))?;
        }
        let text = serde_json::to_string_pretty(&file).unwrap_or_default();
        std::fs::write(&self.file, text)
            .map_err(|e| EngineError::Other(format!("cannot write `{}`: {e}", self.file.display())))?;
        self.up().await.map_err(engine_error)?;
        let container = self.service_container(&self.project.service).await?;
        container.map(|c| c.id).ok_or_else(|| {
            EngineError::Other(format!("Compose started no container for service `{}`", self.project.service))
        })
    }

    async fn start_container(&self, _id: &str) -> Result<()> {
        // The whole project comes back, not the primary service alone.
        self.up().await.map_err(engine_error)
    }

    async fn stop_container(&self, id: &str, timeout_secs: Option<i32>) -> Result<()> {
        self.inner.stop_container(id, timeout_secs).await
    }

    async fn remove_container(&self, id: &str) -> Result<()> {
        self.inner.remove_container(id).await
    }

    /// The container; a primary service in another service's network namespace has that service's ports.
    async fn inspect_container(&self, id: &str) -> Result<Option<ContainerInfo>> {
        let Some(mut info) = self.inner.inspect_container(id).await? else { return Ok(None) };
        let provider = self.project.primary()["network_mode"].as_str().and_then(|m| m.strip_prefix("service:"));
        let is_primary = info.labels.get(LABEL_SERVICE) == Some(&self.project.service);
        if let (true, Some(provider)) = (is_primary && info.ports.is_empty(), provider)
            && let Some(other) = self.service_container(provider).await?
        {
            info.ports = other.ports;
        }
        Ok(Some(info))
    }

    async fn list_containers(&self, labels: &BTreeMap<String, String>) -> Result<Vec<ContainerInfo>> {
        self.inner.list_containers(labels).await
    }

    async fn exec(&self, id: &str, request: &ExecRequest) -> Result<ExecOutput> {
        self.inner.exec(id, request).await
    }

    async fn exec_attached(&self, id: &str, request: &ExecRequest, tty: bool) -> Result<i64> {
        self.inner.exec_attached(id, request, tty).await
    }

    async fn logs(&self, id: &str, tail: usize) -> Result<String> {
        self.inner.logs(id, tail).await
    }

    async fn create_network(&self, request: &crate::engine::NetworkRequest) -> Result<String> {
        self.inner.create_network(request).await
    }

    async fn inspect_network(&self, name: &str) -> Result<Option<crate::engine::NetworkInfo>> {
        self.inner.inspect_network(name).await
    }

    async fn list_networks(&self, labels: &BTreeMap<String, String>) -> Result<Vec<crate::engine::NetworkInfo>> {
        self.inner.list_networks(labels).await
    }

    async fn connect_network(&self, network: &str, container: &str, aliases: &[String]) -> Result<()> {
        self.inner.connect_network(network, container, aliases).await
    }

    async fn remove_network(&self, name: &str) -> Result<bool> {
        self.inner.remove_network(name).await
    }

    async fn isolation_view(&self, id: &str) -> Result<Option<EngineView>> {
        self.inner.isolation_view(id).await
    }
}
