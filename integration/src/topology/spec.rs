//! The topology model: what a lab is made of, as written in YAML or built in
//! Rust. Pure data; [`super::plan`] turns it into kernel steps.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use serde::Deserialize;

/// A whole lab: nodes (each one network namespace), links between them and
/// containers wired behind hosts the Calico way.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    /// Free text, usually an ASCII drawing of the lab.
    #[serde(default)]
    pub description: String,
    /// The namespaces to create.
    pub nodes: Vec<Node>,
    /// Veth pairs between nodes.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Containers behind hosts; each expands into a node, a link, routes and
    /// sysctls (see [`super::plan::expand_container`]).
    #[serde(default)]
    pub containers: Vec<Container>,
}

/// What a node stands for. Routers forward packets (`ip_forward=1`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// A machine that runs containers.
    #[default]
    Host,
    /// A router (ToR): forwarding is switched on.
    Router,
    /// A container's network namespace.
    Container,
}

/// One network namespace.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Role name, part of the namespace name (`[a-z0-9-]+`).
    pub name: String,
    /// What the node stands for.
    #[serde(default)]
    pub kind: NodeKind,
    /// Sysctls set after the links exist, e.g. `net.ipv4.ip_forward: 1`.
    #[serde(default, deserialize_with = "sysctl_values")]
    pub sysctls: BTreeMap<String, String>,
    /// Routes added after addresses, in order.
    #[serde(default)]
    pub routes: Vec<Route>,
}

/// A sysctl value as YAML gives it: a string, number or boolean (as 1/0).
#[derive(Deserialize)]
#[serde(untagged)]
enum SysctlValue {
    Text(String),
    Int(i64),
    Bool(bool),
}

fn sysctl_values<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let raw = BTreeMap::<String, SysctlValue>::deserialize(d)?;
    Ok(raw
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                SysctlValue::Text(s) => s,
                SysctlValue::Int(i) => i.to_string(),
                SysctlValue::Bool(b) => u8::from(b).to_string(),
            };
            (k, v)
        })
        .collect())
}

/// A veth pair; each end is created directly inside its namespace.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// One end.
    pub a: Endpoint,
    /// The other end.
    pub b: Endpoint,
}

/// One end of a link.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Node name.
    pub node: String,
    /// Interface name inside the node (at most 15 bytes).
    pub iface: String,
    /// Address with prefix length, if any.
    #[serde(default)]
    pub addr: Option<IpNet>,
}

/// A route in a node's main table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Destination: `default` or a prefix.
    pub dst: RouteDst,
    /// Gateway.
    #[serde(default)]
    pub via: Option<IpAddr>,
    /// Output interface.
    #[serde(default)]
    pub dev: Option<String>,
    /// Route scope.
    #[serde(default)]
    pub scope: Option<RouteScope>,
    /// A blackhole route (no via, no dev).
    #[serde(default)]
    pub blackhole: bool,
}

/// A route destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum RouteDst {
    /// The IPv4 default route.
    Default,
    /// A prefix (a bare address means a host route).
    Net(IpNet),
}

impl TryFrom<String> for RouteDst {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl std::str::FromStr for RouteDst {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "default" {
            return Ok(Self::Default);
        }
        if let Ok(net) = s.parse::<IpNet>() {
            return Ok(Self::Net(net));
        }
        s.parse::<IpAddr>()
            .map(|a| Self::Net(IpNet::from(a)))
            .map_err(|_| {
                format!(
                    "invalid route destination `{s}`: expected `default`, a prefix or an address"
                )
            })
    }
}

impl std::fmt::Display for RouteDst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::Net(n) => write!(f, "{n}"),
        }
    }
}

/// Route scope as `ip route` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteScope {
    /// Directly reachable on the link.
    Link,
    /// Local to the host.
    Host,
    /// Universe.
    Global,
}

impl RouteScope {
    /// The `ip route ... scope X` keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Link => "link",
            Self::Host => "host",
            Self::Global => "global",
        }
    }
}

/// A container behind a host, wired the Calico way: eth0 with a /32 and a
/// default route via 169.254.1.1 in the container; on the host a veth with
/// proxy ARP, no address, a /32 route to the container and forwarding on.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Container {
    /// Node name of the container namespace.
    pub name: String,
    /// Node name of the host it sits behind.
    pub host: String,
    /// The container's address (a /32 on eth0).
    pub address: Ipv4Addr,
    /// Name of the host-side veth (at most 15 bytes).
    pub host_iface: String,
}

impl Route {
    /// A route to `dst` via gateway `via`.
    pub fn via(dst: RouteDst, via: IpAddr) -> Self {
        Self {
            dst,
            via: Some(via),
            dev: None,
            scope: None,
            blackhole: false,
        }
    }

    /// A route to `dst` out of `dev` with `scope`.
    pub fn dev(dst: RouteDst, dev: &str, scope: Option<RouteScope>) -> Self {
        Self {
            dst,
            via: None,
            dev: Some(dev.to_owned()),
            scope,
            blackhole: false,
        }
    }
}
