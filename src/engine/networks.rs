//! Network operations the egress stage needs (create, connect, inspect, list, remove) → types shared by the
//! Docker implementation and the recording fake.

use serde::Serialize;
use std::collections::BTreeMap;

/// A bridge network to create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkRequest {
    pub name: String,
    /// No route out of it: its containers reach only each other.
    pub internal: bool,
    pub labels: BTreeMap<String, String>,
}

/// A network as the engine describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkInfo {
    pub id: String,
    pub name: String,
    pub internal: bool,
    /// `IPAM.Config[].Subnet`, in CIDR form.
    pub subnets: Vec<String>,
    pub labels: BTreeMap<String, String>,
    /// Ids of the containers attached to it.
    pub containers: Vec<String>,
}
