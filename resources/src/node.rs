//! Node: one host of the cluster, with the addresses and AS its BGP speaker uses.

use super::{
    asn::AsNumber,
    field_error::{Errors, FieldError},
};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeBGPSpec {
    /// Falls back to the BGPConfiguration AS when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_number: Option<AsNumber>,
    /// The node's address and subnet, e.g. `192.0.2.11/24`.
    #[serde(
        default,
        rename = "ipv4Address",
        skip_serializing_if = "Option::is_none"
    )]
    pub ipv4_address: Option<Ipv4Net>,
    #[serde(
        default,
        rename = "ipv6Address",
        skip_serializing_if = "Option::is_none"
    )]
    pub ipv6_address: Option<Ipv6Net>,
    /// Makes this node a route reflector for the cluster with this ID.
    #[serde(
        default,
        rename = "routeReflectorClusterID",
        skip_serializing_if = "Option::is_none"
    )]
    pub route_reflector_cluster_id: Option<Ipv4Addr>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeAddress {
    /// An IP address or a CIDR (`192.0.2.11` or `192.0.2.11/24`).
    pub address: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrchRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<String>,
    pub orchestrator: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bgp: Option<NodeBGPSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<NodeAddress>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orch_refs: Vec<OrchRef>,
}

impl NodeSpec {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        for (i, a) in self.addresses.iter().enumerate() {
            if a.address.parse::<IpNet>().is_err() && a.address.parse::<IpAddr>().is_err() {
                errors.push(
                    format!("spec.addresses[{i}].address"),
                    format!("{:?} is not an IP address or CIDR", a.address),
                );
            }
        }
        if let Some(bgp) = &self.bgp {
            if bgp.ipv4_address.is_none() && bgp.ipv6_address.is_none() {
                errors.push("spec.bgp", "needs ipv4Address or ipv6Address");
            }
            if bgp.as_number == Some(AsNumber(0)) {
                errors.push("spec.bgp.asNumber", "AS 0 is reserved (RFC 7607)");
            }
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_calico_node_yaml() {
        let yaml = "bgp: {ipv4Address: 192.0.2.11/24, asNumber: 64512, routeReflectorClusterID: 224.0.0.1}\n\
                    addresses: [{address: 192.0.2.11, type: InternalIP}]";
        let spec: NodeSpec = serde_yaml_ng::from_str(yaml).unwrap();
        let bgp = spec.bgp.as_ref().unwrap();
        assert_eq!(bgp.ipv4_address.unwrap().to_string(), "192.0.2.11/24");
        assert_eq!(
            bgp.route_reflector_cluster_id,
            Some(Ipv4Addr::new(224, 0, 0, 1))
        );
        assert!(spec.validate().is_ok());
        let bad: NodeSpec = serde_yaml_ng::from_str("addresses: [{address: nope}]").unwrap();
        assert_eq!(
            bad.validate().unwrap_err()[0].path,
            "spec.addresses[0].address"
        );
    }

    #[test]
    fn bgp_section_needs_an_address() {
        let spec: NodeSpec = serde_yaml_ng::from_str("bgp: {asNumber: 65000}").unwrap();
        assert_eq!(spec.validate().unwrap_err()[0].path, "spec.bgp");
    }
}
