//! [`ContainerEngine`] calls → Docker Engine API requests through bollard (never the docker CLI).

use super::containers::{
    ContainerEngine, ContainerInfo, CreateRequest, EngineView, ExecOutput, ExecRequest, MountPoint,
};
use super::info::EngineInfo;
use super::{Docker, EngineError, Result};
use bollard::container::LogOutput;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::{ContainerInspectResponse, ExecConfig, PortMap};
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, LogsOptions, RemoveContainerOptions, StopContainerOptions,
};
use futures_util::StreamExt;
use std::collections::{BTreeMap, HashMap};

fn not_found(err: &bollard::errors::Error) -> bool {
    matches!(err, bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })
}

fn ports(map: Option<&PortMap>) -> BTreeMap<String, u16> {
    let mut out = BTreeMap::new();
    for (port, bindings) in map.into_iter().flatten() {
        let host =
            bindings.iter().flatten().find(|b| matches!(b.host_ip.as_deref(), Some("127.0.0.1") | Some("") | None));
        if let Some(p) = host.and_then(|b| b.host_port.as_deref()).and_then(|p| p.parse().ok()) {
            out.insert(port.clone(), p);
        }
    }
    out
}

fn env_map(env: Option<&Vec<String>>) -> BTreeMap<String, String> {
    env.into_iter().flatten().filter_map(|e| e.split_once('=').map(|(k, v)| (k.to_string(), v.to_string()))).collect()
}

fn to_info(c: ContainerInspectResponse) -> ContainerInfo {
    let state = c.state.unwrap_or_default();
    let config = c.config.unwrap_or_default();
    ContainerInfo {
        id: c.id.unwrap_or_default(),
        name: c.name.unwrap_or_default().trim_start_matches('/').to_string(),
        image: config.image.clone().unwrap_or_default(),
        running: state.running.unwrap_or(false),
        status: state.status.map(|s| s.to_string()).unwrap_or_default(),
        labels: config.labels.clone().unwrap_or_default().into_iter().collect(),
        runtime: c.host_config.and_then(|h| h.runtime),
        ports: ports(c.network_settings.as_ref().and_then(|n| n.ports.as_ref())),
        env: env_map(config.env.as_ref()),
        started_at: state.started_at.map(|t| t.to_string()).unwrap_or_default(),
    }
}

fn exec_config(request: &ExecRequest, attach_stdin: bool, tty: bool) -> ExecConfig {
    ExecConfig {
        attach_stdin: Some(attach_stdin),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(tty),
        env: Some(request.env.clone()),
        cmd: Some(request.cmd.clone()),
        user: request.user.clone(),
        working_dir: request.working_dir.clone(),
        ..Default::default()
    }
}

impl Docker {
    async fn exec_exit_code(&self, exec_id: &str) -> Result<i64> {
        let inspect = self.client.inspect_exec(exec_id).await?;
        Ok(inspect.exit_code.unwrap_or(-1))
    }
}

#[async_trait::async_trait]
impl ContainerEngine for Docker {
    async fn info(&self) -> Result<EngineInfo> {
        self.read_engine_info().await
    }

    async fn create_container(&self, request: &CreateRequest) -> Result<String> {
        let options = CreateContainerOptions { name: Some(request.name.clone()), ..Default::default() };
        let created = self.client.create_container(Some(options), request.body.clone()).await?;
        Ok(created.id)
    }

    async fn start_container(&self, id: &str) -> Result<()> {
        Ok(self.client.start_container(id, None).await?)
    }

    async fn stop_container(&self, id: &str, timeout_secs: Option<i32>) -> Result<()> {
        let options = StopContainerOptions { t: timeout_secs, signal: None };
        match self.client.stop_container(id, Some(options)).await {
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 304, .. }) => Ok(()),
            other => Ok(other?),
        }
    }

    async fn remove_container(&self, id: &str) -> Result<()> {
        let options = RemoveContainerOptions { force: true, v: true, link: false };
        Ok(self.client.remove_container(id, Some(options)).await?)
    }

    async fn inspect_container(&self, id: &str) -> Result<Option<ContainerInfo>> {
        match self.client.inspect_container(id, None).await {
            Ok(c) => Ok(Some(to_info(c))),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn list_containers(&self, labels: &BTreeMap<String, String>) -> Result<Vec<ContainerInfo>> {
        let filter: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let options = ListContainersOptions {
            all: true,
            filters: Some(HashMap::from([("label".to_string(), filter)])),
            ..Default::default()
        };
        let mut out = Vec::new();
        for summary in self.client.list_containers(Some(options)).await? {
            let Some(id) = summary.id else { continue };
            if let Some(info) = self.inspect_container(&id).await? {
                out.push(info);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn exec(&self, id: &str, request: &ExecRequest) -> Result<ExecOutput> {
        let created = self.client.create_exec(id, exec_config(request, false, false)).await?;
        let mut out = ExecOutput::default();
        if let StartExecResults::Attached { mut output, .. } =
            self.client.start_exec(&created.id, None::<StartExecOptions>).await?
        {
            while let Some(chunk) = output.next().await {
                match chunk? {
                    LogOutput::StdErr { message } => out.stderr.push_str(&String::from_utf8_lossy(&message)),
                    other => out.stdout.push_str(&String::from_utf8_lossy(&other.into_bytes())),
                }
            }
        }
        out.exit_code = self.exec_exit_code(&created.id).await?;
        Ok(out)
    }

    async fn exec_attached(&self, id: &str, request: &ExecRequest, tty: bool) -> Result<i64> {
        let created = self.client.create_exec(id, exec_config(request, true, tty)).await?;
        let start = StartExecOptions { detach: false, tty, output_capacity: None };
        let StartExecResults::Attached { mut output, mut input } =
            self.client.start_exec(&created.id, Some(start)).await?
        else {
            return Err(EngineError::Other("exec did not attach".into()));
        };
        if let Some((w, h)) = super::terminal::size().filter(|_| tty) {
            let resize = bollard::query_parameters::ResizeExecOptions { w: w.into(), h: h.into() };
            let _ = self.client.resize_exec(&created.id, resize).await;
        }
        let _raw = if tty { super::terminal::RawMode::enter() } else { None };
        let pump = tokio::spawn(async move {
            let _ = tokio::io::copy(&mut tokio::io::stdin(), &mut input).await;
            let _ = tokio::io::AsyncWriteExt::shutdown(&mut input).await;
        });
        use tokio::io::AsyncWriteExt;
        let (mut stdout, mut stderr) = (tokio::io::stdout(), tokio::io::stderr());
        while let Some(chunk) = output.next().await {
            match chunk? {
                LogOutput::StdErr { message } => {
                    stderr.write_all(&message).await.ok();
                    stderr.flush().await.ok();
                }
                other => {
                    stdout.write_all(&other.into_bytes()).await.ok();
                    stdout.flush().await.ok();
                }
            }
        }
        pump.abort();
        self.exec_exit_code(&created.id).await
    }

    async fn isolation_view(&self, id: &str) -> Result<Option<EngineView>> {
        let c = match self.client.inspect_container(id, None).await {
            Ok(c) => c,
            Err(e) if not_found(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let info = self.client.info().await?;
        let mounts = c.mounts.unwrap_or_default().into_iter().map(|m| MountPoint {
            kind: m.typ.map(|t| t.to_string()).unwrap_or_default(),
            source: m.source.unwrap_or_default(),
            destination: m.destination.unwrap_or_default(),
        });
        Ok(Some(EngineView {
            runtime: c.host_config.and_then(|h| h.runtime),
            pid: c.state.and_then(|s| s.pid).filter(|p| *p > 0),
            mounts: mounts.collect(),
            engine_id: info.id,
            host_kernel: info.kernel_version,
            local: self.endpoint.starts_with("unix://") || self.endpoint.starts_with('/'),
        }))
    }

    async fn logs(&self, id: &str, tail: usize) -> Result<String> {
        let options = LogsOptions { stdout: true, stderr: true, tail: tail.to_string(), ..Default::default() };
        let mut stream = self.client.logs(id, Some(options));
        let mut text = String::new();
        while let Some(chunk) = stream.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk?.into_bytes()));
        }
        Ok(text)
    }

    async fn create_network(&self, request: &super::NetworkRequest) -> Result<String> {
        self.network_create(request).await
    }

    async fn inspect_network(&self, name: &str) -> Result<Option<super::NetworkInfo>> {
        self.network_inspect(name).await
    }

    async fn list_networks(&self, labels: &BTreeMap<String, String>) -> Result<Vec<super::NetworkInfo>> {
        self.network_list(labels).await
    }

    async fn connect_network(&self, network: &str, container: &str, aliases: &[String]) -> Result<()> {
        self.network_connect(network, container, aliases).await
    }

    async fn remove_network(&self, name: &str) -> Result<bool> {
        self.network_remove(name).await
    }
}
