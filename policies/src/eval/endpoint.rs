//! Endpoints as the evaluator sees them: a plain description, independent
//! of how the datastore stores WorkloadEndpoint and HostEndpoint.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use crate::model::Protocol;

/// A port an endpoint declares by name, for named-port rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NamedPort {
    /// Port name (IANA service-name syntax).
    pub name: String,
    /// TCP, UDP or SCTP.
    pub protocol: Protocol,
    /// Port number.
    pub port: u16,
}

/// Identifies an endpoint: workloads by namespace and name, host
/// endpoints by name alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EndpointKey {
    /// Namespace of a workload endpoint; `None` for a host endpoint.
    pub namespace: Option<String>,
    /// Endpoint name.
    pub name: String,
}

impl EndpointKey {
    /// A workload endpoint's key.
    pub fn workload(namespace: &str, name: &str) -> Self {
        Self {
            namespace: Some(namespace.to_string()),
            name: name.to_string(),
        }
    }

    /// A host endpoint's key.
    pub fn host(name: &str) -> Self {
        Self {
            namespace: None,
            name: name.to_string(),
        }
    }
}

impl fmt::Display for EndpointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{ns}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// An endpoint policy applies to: a workload (namespaced) or a host
/// endpoint (not namespaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Namespace and name.
    pub key: EndpointKey,
    /// The endpoint's own labels.
    pub labels: BTreeMap<String, String>,
    /// Profiles, evaluated in order after all tiers.
    pub profiles: Vec<String>,
    /// Addresses.
    pub ips: Vec<IpAddr>,
    /// Named ports.
    pub ports: Vec<NamedPort>,
}

impl Endpoint {
    /// A workload endpoint with no labels, profiles, addresses or ports.
    pub fn workload(namespace: &str, name: &str) -> Self {
        Self::new(EndpointKey::workload(namespace, name))
    }

    /// A host endpoint with no labels, profiles, addresses or ports.
    pub fn host(name: &str) -> Self {
        Self::new(EndpointKey::host(name))
    }

    fn new(key: EndpointKey) -> Self {
        Self {
            key,
            labels: BTreeMap::new(),
            profiles: Vec::new(),
            ips: Vec::new(),
            ports: Vec::new(),
        }
    }

    /// Adds a label.
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.to_string(), value.to_string());
        self
    }

    /// Adds an address.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.ips.push(ip);
        self
    }

    /// Adds a profile.
    pub fn profile(mut self, name: &str) -> Self {
        self.profiles.push(name.to_string());
        self
    }

    /// Adds a named port.
    pub fn named_port(mut self, name: &str, protocol: Protocol, port: u16) -> Self {
        self.ports.push(NamedPort {
            name: name.to_string(),
            protocol,
            port,
        });
        self
    }

    /// True for host endpoints.
    pub fn is_host(&self) -> bool {
        self.key.namespace.is_none()
    }
}
