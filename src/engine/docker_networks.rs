//! [`super::networks`] requests → Docker Engine API network calls through bollard (used by the
//! [`super::ContainerEngine`] implementation of [`super::Docker`]).

use super::networks::{NetworkInfo, NetworkRequest};
use super::{Docker, Result};
use bollard::models::{EndpointSettings, Ipam, NetworkConnectRequest, NetworkCreateRequest};
use bollard::query_parameters::ListNetworksOptions;
use std::collections::{BTreeMap, HashMap};

fn not_found(err: &bollard::errors::Error) -> bool {
    matches!(err, bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })
}

fn subnets(ipam: Option<&Ipam>) -> Vec<String> {
    ipam.and_then(|i| i.config.as_ref()).into_iter().flatten().filter_map(|c| c.subnet.clone()).collect()
}

impl Docker {
    pub(super) async fn network_create(&self, request: &NetworkRequest) -> Result<String> {
        let body = NetworkCreateRequest {
            name: request.name.clone(),
            driver: Some("bridge".into()),
            internal: Some(request.internal),
            labels: Some(request.labels.clone().into_iter().collect()),
            ..Default::default()
        };
        Ok(self.client.create_network(body).await?.id)
    }

    pub(super) async fn network_inspect(&self, name: &str) -> Result<Option<NetworkInfo>> {
        let n = match self.client.inspect_network(name, None).await {
            Ok(n) => n,
            Err(e) if not_found(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(Some(NetworkInfo {
            id: n.id.unwrap_or_default(),
            name: n.name.unwrap_or_default(),
            internal: n.internal.unwrap_or(false),
            subnets: subnets(n.ipam.as_ref()),
            labels: n.labels.unwrap_or_default().into_iter().collect(),
            containers: n.containers.unwrap_or_default().into_keys().collect(),
        }))
    }

    pub(super) async fn network_list(&self, labels: &BTreeMap<String, String>) -> Result<Vec<NetworkInfo>> {
        let filters = HashMap::from([("label".to_string(), labels.iter().map(|(k, v)| format!("{k}={v}")).collect())]);
        let listed = self.client.list_networks(Some(ListNetworksOptions { filters: Some(filters) })).await?;
        let mut out = Vec::new();
        // The list does not say which containers are attached: each one is inspected.
        for name in listed.into_iter().filter_map(|n| n.id) {
            if let Some(info) = self.network_inspect(&name).await? {
                out.push(info);
            }
        }
        Ok(out)
    }

    pub(super) async fn network_connect(&self, network: &str, container: &str, aliases: &[String]) -> Result<()> {
        let endpoint = EndpointSettings { aliases: Some(aliases.to_vec()), ..Default::default() };
        let body = NetworkConnectRequest { container: container.into(), endpoint_config: Some(endpoint) };
        Ok(self.client.connect_network(network, body).await?)
    }

    pub(super) async fn network_remove(&self, name: &str) -> Result<bool> {
        match self.client.remove_network(name).await {
            Ok(()) => Ok(true),
            Err(e) if not_found(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
