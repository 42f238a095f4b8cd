//! BGPConfiguration: cluster-wide (`default`) and per-node (`node.<name>`) BGP settings.

use super::{
    asn::AsNumber,
    bgppeer::BGPPassword,
    duration::GoDuration,
    field_error::{Errors, FieldError},
};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// The AS a node uses when neither its Node nor BGPConfiguration names one.
pub const DEFAULT_AS_NUMBER: AsNumber = AsNumber(64512);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Community {
    pub name: String,
    /// `aa:nn` (standard) or `aa:nn:mm` (large).
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrefixAdvertisement {
    pub cidr: IpNet,
    /// Names from `communities` or literal `aa:nn` / `aa:nn:mm` values.
    pub communities: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CidrBlock {
    pub cidr: IpNet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BindMode {
    None,
    NodeIP,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BGPConfigurationSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_severity_screen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_to_node_mesh_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_number: Option<AsNumber>,
    #[serde(
        default,
        rename = "serviceClusterIPs",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub service_cluster_ips: Vec<CidrBlock>,
    #[serde(
        default,
        rename = "serviceExternalIPs",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub service_external_ips: Vec<CidrBlock>,
    #[serde(
        default,
        rename = "serviceLoadBalancerIPs",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub service_load_balancer_ips: Vec<CidrBlock>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communities: Vec<Community>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix_advertisements: Vec<PrefixAdvertisement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_mode: Option<BindMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_mesh_password: Option<BGPPassword>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_mesh_max_restart_time: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_interfaces: Vec<String>,
}

/// A community literal that is neither `aa:nn` nor `aa:nn:mm` in range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a community (aa:nn with 16-bit parts or aa:nn:mm with 32-bit parts)")]
pub struct CommunityError(pub String);

/// Checks a community literal: `aa:nn` with 16-bit parts or `aa:nn:mm` with 32-bit parts.
pub fn check_community_value(value: &str) -> Result<(), CommunityError> {
    let parts: Vec<&str> = value.split(':').collect();
    let fits = |bits: u32| {
        parts
            .iter()
            .all(|p| p.parse::<u64>().is_ok_and(|n| n < (1u64 << bits)))
    };
    match parts.len() {
        2 if fits(16) => Ok(()),
        3 if fits(32) => Ok(()),
        _ => Err(CommunityError(value.to_owned())),
    }
}

impl BGPConfigurationSpec {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        for (i, c) in self.communities.iter().enumerate() {
            errors.check(
                format!("spec.communities[{i}].value"),
                check_community_value(&c.value),
            );
        }
        for (i, adv) in self.prefix_advertisements.iter().enumerate() {
            for (j, name) in adv.communities.iter().enumerate() {
                let known = self.communities.iter().any(|c| &c.name == name);
                if !known && check_community_value(name).is_err() {
                    errors.push(format!("spec.prefixAdvertisements[{i}].communities[{j}]"),
                        format!("{name:?} is neither a community defined in spec.communities nor a literal aa:nn or aa:nn:mm"));
                }
            }
        }
        if self.listen_port == Some(0) {
            errors.push("spec.listenPort", "must be between 1 and 65535");
        }
        if let Some(password) = &self.node_mesh_password {
            password.validate("spec.nodeMeshPassword", &mut errors);
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn community_literals() {
        for good in ["65000:100", "0:0", "65535:65535", "4200000000:1:2"] {
            assert!(check_community_value(good).is_ok(), "{good}");
        }
        for bad in ["65536:1", "1", "a:b", "1:2:3:4", "4294967296:1:1", ""] {
            assert!(check_community_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prefix_advertisements_must_name_known_communities() {
        let yaml = "communities: [{name: rack, value: '65000:1'}]\n\
                    prefixAdvertisements: [{cidr: 10.65.0.0/16, communities: [rack, '65000:2', nope]}]";
        let spec: BGPConfigurationSpec = serde_yaml_ng::from_str(yaml).unwrap();
        let errors = spec.validate().unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].path,
            "spec.prefixAdvertisements[0].communities[2]"
        );
    }
}
