//! Recording fake of [`super::ContainerEngine`] for unit tests: scripted runtimes and exec answers in, recorded calls out.

use super::containers::{ContainerEngine, ContainerInfo, CreateRequest, ExecOutput, ExecRequest};
use super::info::EngineInfo;
use super::networks::{NetworkInfo, NetworkRequest};
use super::{EngineError, Result};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// One call the fake received.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Info,
    Create(Box<CreateRequest>),
    Start(String),
    Stop(String),
    Remove(String),
    Exec { id: String, request: ExecRequest },
    CreateNetwork(NetworkRequest),
    Connect { network: String, container: String, aliases: Vec<String> },
    RemoveNetwork(String),
}

type ExecScript = Box<dyn Fn(&ExecRequest) -> Option<ExecOutput> + Send + Sync>;

/// A fake engine: containers live in memory, `exec` answers from scripts (first match wins, else exit 0).
pub struct FakeContainers {
    pub engine_info: EngineInfo,
    containers: Mutex<BTreeMap<String, ContainerInfo>>,
    calls: Mutex<Vec<Call>>,
    scripts: Mutex<Vec<ExecScript>>,
    next_port: Mutex<u16>,
    pinned_port: Mutex<Option<u16>>,
    networks: Mutex<BTreeMap<String, NetworkInfo>>,
}

impl FakeContainers {
    /// An engine that offers these runtimes.
    pub fn with_runtimes(runtimes: &[&str]) -> FakeContainers {
        FakeContainers {
            engine_info: EngineInfo {
                version: "20.10.24".into(),
                api_version: "1.41".into(),
                runtimes: runtimes.iter().map(|r| r.to_string()).collect(),
                // A host set up for containai builds under sysbox-runc too.
                default_runtime: if runtimes.contains(&"sysbox-runc") { "sysbox-runc" } else { "runc" }.into(),
                cgroup_version: Some("1".into()),
                platform: "linux/amd64".into(),
            },
            containers: Mutex::default(),
            calls: Mutex::default(),
            scripts: Mutex::default(),
            next_port: Mutex::new(32768),
            pinned_port: Mutex::default(),
            networks: Mutex::default(),
        }
    }

    /// Adds an exec answer: `script` returns `Some` for the requests it answers.
    pub fn on_exec(&self, script: impl Fn(&ExecRequest) -> Option<ExecOutput> + Send + Sync + 'static) {
        self.scripts.lock().unwrap().push(Box::new(script));
    }

    /// Forgets every exec answer added so far.
    pub fn clear_scripts(&self) {
        self.scripts.lock().unwrap().clear();
    }

    /// The runtime builds run under.
    pub fn set_default_runtime(&mut self, runtime: &str) {
        self.engine_info.default_runtime = runtime.into();
    }

    /// Every published port gets host port `port` (tests point sshd's at a listener of theirs).
    pub fn pin_port(&self, port: u16) {
        *self.pinned_port.lock().unwrap() = Some(port);
    }

    /// Puts a container in the engine as if created earlier.
    pub fn insert(&self, info: ContainerInfo) {
        self.containers.lock().unwrap().insert(info.id.clone(), info);
    }

    /// Puts a network in the engine as if made by someone else.
    pub fn insert_network(&self, info: NetworkInfo) {
        self.networks.lock().unwrap().insert(info.name.clone(), info);
    }

    /// The networks the engine has now.
    pub fn networks(&self) -> Vec<NetworkInfo> {
        self.networks.lock().unwrap().values().cloned().collect()
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Commands run with `exec`, as argv, in order.
    pub fn execs(&self) -> Vec<ExecRequest> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Exec { request, .. } => Some(request),
                _ => None,
            })
            .collect()
    }

    /// Requests passed to `create_container`, in order.
    pub fn creates(&self) -> Vec<CreateRequest> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Create(r) => Some(*r),
                _ => None,
            })
            .collect()
    }

    fn record(&self, call: Call) {
        self.calls.lock().unwrap().push(call);
    }

    fn with<T>(&self, id: &str, f: impl FnOnce(&mut ContainerInfo) -> T) -> Result<T> {
        let mut containers = self.containers.lock().unwrap();
        let found = containers.values_mut().find(|c| c.id == id || c.name == id);
        found.map(f).ok_or_else(|| EngineError::Other(format!("no such container: {id}")))
    }
}

#[async_trait::async_trait]
impl ContainerEngine for FakeContainers {
    async fn info(&self) -> Result<EngineInfo> {
        self.record(Call::Info);
        Ok(self.engine_info.clone())
    }

    async fn create_container(&self, request: &CreateRequest) -> Result<String> {
        self.record(Call::Create(Box::new(request.clone())));
        let id = format!("fake{:04}", self.calls.lock().unwrap().len());
        let body = &request.body;
        let host = body.host_config.clone().unwrap_or_default();
        let mut ports = BTreeMap::new();
        for port in host.port_bindings.unwrap_or_default().keys() {
            let mut next = self.next_port.lock().unwrap();
            ports.insert(port.clone(), self.pinned_port.lock().unwrap().unwrap_or(*next));
            *next += 1;
        }
        let env = body.env.iter().flatten().filter_map(|e| e.split_once('='));
        self.insert(ContainerInfo {
            id: id.clone(),
            name: request.name.clone(),
            image: body.image.clone().unwrap_or_default(),
            running: false,
            status: "created".into(),
            labels: body.labels.clone().unwrap_or_default().into_iter().collect(),
            runtime: host.runtime,
            ports,
            env: env.map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            started_at: String::new(),
        });
        Ok(id)
    }

    async fn start_container(&self, id: &str) -> Result<()> {
        self.record(Call::Start(id.to_string()));
        let started_at = format!("start-{}", self.calls.lock().unwrap().len());
        self.with(id, |c| {
            c.running = true;
            c.status = "running".into();
            c.started_at = started_at;
        })
    }

    async fn stop_container(&self, id: &str, _timeout_secs: Option<i32>) -> Result<()> {
        self.record(Call::Stop(id.to_string()));
        self.with(id, |c| {
            c.running = false;
            c.status = "exited".into();
        })
    }

    async fn remove_container(&self, id: &str) -> Result<()> {
        self.record(Call::Remove(id.to_string()));
        let real = self.with(id, |c| c.id.clone())?;
        self.containers.lock().unwrap().remove(&real);
        Ok(())
    }

    async fn inspect_container(&self, id: &str) -> Result<Option<ContainerInfo>> {
        Ok(self.with(id, |c| c.clone()).ok())
    }

    async fn list_containers(&self, labels: &BTreeMap<String, String>) -> Result<Vec<ContainerInfo>> {
        let containers = self.containers.lock().unwrap();
        let matches = |c: &&ContainerInfo| labels.iter().all(|(k, v)| c.labels.get(k) == Some(v));
        Ok(containers.values().filter(matches).cloned().collect())
    }

    async fn exec(&self, id: &str, request: &ExecRequest) -> Result<ExecOutput> {
        self.record(Call::Exec { id: id.to_string(), request: request.clone() });
        if !self.with(id, |c| c.running)? {
            return Err(EngineError::Other(format!("container {id} is not running")));
        }
        let scripts = self.scripts.lock().unwrap();
        Ok(scripts.iter().find_map(|s| s(request)).unwrap_or_default())
    }

    async fn exec_attached(&self, id: &str, request: &ExecRequest, _tty: bool) -> Result<i64> {
        Ok(self.exec(id, request).await?.exit_code)
    }

    async fn logs(&self, _id: &str, _tail: usize) -> Result<String> {
        Ok(String::new())
    }

    async fn create_network(&self, request: &NetworkRequest) -> Result<String> {
        self.record(Call::CreateNetwork(request.clone()));
        let mut networks = self.networks.lock().unwrap();
        if networks.contains_key(&request.name) {
            return Err(EngineError::Other(format!("network with name {} already exists", request.name)));
        }
        let id = format!("net{:04}", networks.len());
        let n = networks.len();
        networks.insert(
            request.name.clone(),
            NetworkInfo {
                id: id.clone(),
                name: request.name.clone(),
                internal: request.internal,
                subnets: vec![format!("10.99.{n}.0/24")],
                labels: request.labels.clone(),
                containers: Vec::new(),
            },
        );
        Ok(id)
    }

    async fn inspect_network(&self, name: &str) -> Result<Option<NetworkInfo>> {
        let networks = self.networks.lock().unwrap();
        Ok(networks.values().find(|n| n.name == name || n.id == name).cloned())
    }

    async fn list_networks(&self, labels: &BTreeMap<String, String>) -> Result<Vec<NetworkInfo>> {
        let networks = self.networks.lock().unwrap();
        let matches = |n: &&NetworkInfo| labels.iter().all(|(k, v)| n.labels.get(k) == Some(v));
        Ok(networks.values().filter(matches).cloned().collect())
    }

    async fn connect_network(&self, network: &str, container: &str, aliases: &[String]) -> Result<()> {
        self.record(Call::Connect { network: network.into(), container: container.into(), aliases: aliases.to_vec() });
        let id = self.with(container, |c| c.id.clone())?;
        let mut networks = self.networks.lock().unwrap();
        let found = networks.values_mut().find(|n| n.name == network || n.id == network);
        let n = found.ok_or_else(|| EngineError::Other(format!("network {network} not found")))?;
        n.containers.push(id);
        Ok(())
    }

    async fn remove_network(&self, name: &str) -> Result<bool> {
        self.record(Call::RemoveNetwork(name.to_string()));
        Ok(self.networks.lock().unwrap().remove(name).is_some())
    }
}
