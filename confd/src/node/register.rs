//! Writes this host's Node resource. A host keeps its name across restarts;
//! another host claiming the same name or address is refused with a clear
//! error instead of silently stealing its routes.

use datastore::resource::client::{ClientError, ResourceClient, Target, WriteMode};
use ipnet::{Ipv4Net, Ipv6Net};
use resources::node::NodeBGPSpec;
use resources::object::ObjectError;
use resources::{AsNumber, Kind, NodeSpec, Object, ObjectMeta};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Annotation holding the identity of the host that registered a node.
pub const HOST_ID_ANNOTATION: &str = "terrace.io/host-id";

/// What this host registers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub name: String,
    /// Stable identity of the machine (e.g. /etc/machine-id).
    pub host_id: String,
    pub ipv4: Option<Ipv4Net>,
    pub ipv6: Option<Ipv6Net>,
    pub as_number: Option<AsNumber>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Object(#[from] ObjectError),
    #[error(
        "node name {name:?} is already registered by another host (host id {other}); pick another --node name or remove the stale Node with `netctl delete node {name}`"
    )]
    NameTaken { name: String, other: String },
    #[error(
        "address {address} is already registered by node {node:?}; two hosts cannot share a BGP address"
    )]
    AddressInUse { address: IpAddr, node: String },
    #[error("nothing to register: no IPv4 or IPv6 address was found or configured")]
    NoAddress,
}

fn addresses(spec: &NodeSpec) -> Vec<IpAddr> {
    let Some(bgp) = &spec.bgp else {
        return Vec::new();
    };
    bgp.ipv4_address
        .map(|n| IpAddr::V4(n.addr()))
        .into_iter()
        .chain(bgp.ipv6_address.map(|n| IpAddr::V6(n.addr())))
        .collect()
}

/// The Node as this registration wants it, keeping what others set on it
/// (route reflector cluster, extra labels and annotations).
pub fn desired_node(
    reg: &Registration,
    existing: Option<&Object>,
) -> Result<Object, RegisterError> {
    let (mut metadata, mut spec) = match existing {
        Some(o) => (o.metadata.clone(), o.spec_as::<NodeSpec>()?),
        None => (
            ObjectMeta {
                name: reg.name.clone(),
                ..ObjectMeta::default()
            },
            NodeSpec::default(),
        ),
    };
    let bgp = spec.bgp.get_or_insert_with(NodeBGPSpec::default);
    bgp.ipv4_address = reg.ipv4;
    bgp.ipv6_address = reg.ipv6;
    if reg.as_number.is_some() {
        bgp.as_number = reg.as_number;
    }
    metadata.labels.extend(reg.labels.clone());
    metadata
        .annotations
        .insert(HOST_ID_ANNOTATION.into(), reg.host_id.clone());
    // A Node spec is plain strings and numbers: always representable as JSON.
    let spec = serde_json::to_value(&spec).expect("NodeSpec serializes to JSON");
    Ok(Object::new(Kind::Node, metadata, spec))
}

/// Registers (or refreshes) this host's Node.
pub async fn register(
    client: &ResourceClient,
    reg: &Registration,
) -> Result<Object, RegisterError> {
    if reg.ipv4.is_none() && reg.ipv6.is_none() {
        return Err(RegisterError::NoAddress);
    }
    let mine: Vec<IpAddr> = reg
        .ipv4
        .map(|n| IpAddr::V4(n.addr()))
        .into_iter()
        .chain(reg.ipv6.map(|n| IpAddr::V6(n.addr())))
        .collect();
    for other in client.list(Kind::Node, None).await? {
        if other.metadata.name == reg.name {
            continue;
        }
        let theirs = addresses(&other.spec_as()?);
        if let Some(address) = mine.iter().find(|a| theirs.contains(a)) {
            return Err(RegisterError::AddressInUse {
                address: *address,
                node: other.metadata.name,
            });
        }
    }
    let target = Target {
        kind: Kind::Node,
        namespace: None,
        name: reg.name.clone(),
    };
    let existing = client.get(&target).await?;
    if let Some(owner) = existing
        .as_ref()
        .and_then(|o| o.metadata.annotations.get(HOST_ID_ANNOTATION))
        && owner != &reg.host_id
    {
        return Err(RegisterError::NameTaken {
            name: reg.name.clone(),
            other: owner.clone(),
        });
    }
    let node = desired_node(reg, existing.as_ref())?;
    // Replace carries the revision we read, so a concurrent registration fails instead of mixing.
    let mode = if existing.is_some() {
        WriteMode::Replace
    } else {
        WriteMode::Create
    };
    client.write_all(std::slice::from_ref(&node), mode).await?;
    Ok(node)
}
