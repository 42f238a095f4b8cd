//! FelixConfiguration: dataplane settings, cluster-wide (`default`) or per node (`node.<name>`).

use super::{
    duration::GoDuration,
    field_error::{Errors, FieldError},
};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// Prefix of the host-side interfaces of workloads that felix owns.
pub const DEFAULT_INTERFACE_PREFIX: &str = "tr";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndpointToHostAction {
    Drop,
    Accept,
    Return,
}

/// A port that stays open on host endpoints whatever policy says, so a bad
/// policy cannot cut operators off their hosts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProtoPort {
    /// `TCP` or `UDP`.
    pub protocol: String,
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net: Option<IpNet>,
}

impl ProtoPort {
    fn list(protocol: &str, ports: &[u16]) -> Vec<ProtoPort> {
        ports
            .iter()
            .map(|&port| ProtoPort {
                protocol: protocol.into(),
                port,
                net: None,
            })
            .collect()
    }
}

/// Calico's failsafe TCP ports: ssh, BGP, etcd, Typha, kube-apiserver, and two
/// more the docs reserve.
const FAILSAFE_TCP: [u16; 8] = [22, 179, 2379, 2380, 5473, 6443, 6666, 6667];

/// Inbound failsafe ports when FelixConfiguration sets none.
pub fn default_failsafe_inbound() -> Vec<ProtoPort> {
    let mut ports = ProtoPort::list("TCP", &FAILSAFE_TCP);
    ports.extend(ProtoPort::list("UDP", &[68]));
    ports
}

/// Outbound failsafe ports when FelixConfiguration sets none.
pub fn default_failsafe_outbound() -> Vec<ProtoPort> {
    let mut ports = ProtoPort::list("UDP", &[53, 67]);
    ports.extend(ProtoPort::list("TCP", &FAILSAFE_TCP));
    ports
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FelixConfigurationSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_severity_screen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_endpoint_to_host_action: Option<EndpointToHostAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failsafe_inbound_host_ports: Option<Vec<ProtoPort>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failsafe_outbound_host_ports: Option<Vec<ProtoPort>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_refresh_interval: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nftables_refresh_interval: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_support: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus_metrics_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus_metrics_host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus_metrics_port: Option<u16>,
}

impl FelixConfigurationSpec {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        let lists = [
            (
                "spec.failsafeInboundHostPorts",
                &self.failsafe_inbound_host_ports,
            ),
            (
                "spec.failsafeOutboundHostPorts",
                &self.failsafe_outbound_host_ports,
            ),
        ];
        for (field, list) in lists {
            for (i, p) in list.iter().flatten().enumerate() {
                if !matches!(p.protocol.to_ascii_uppercase().as_str(), "TCP" | "UDP") {
                    errors.push(
                        format!("{field}[{i}].protocol"),
                        format!("{:?} is not TCP or UDP", p.protocol),
                    );
                }
            }
        }
        if let Some(prefix) = &self.interface_prefix {
            let ok = !prefix.is_empty()
                && prefix.len() <= 4
                && prefix.bytes().all(|b| b.is_ascii_lowercase());
            if !ok {
                errors.push(
                    "spec.interfacePrefix",
                    "must be 1-4 lower-case letters (the rest of the name is a hash)",
                );
            }
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failsafe_defaults_match_calico() {
        let inbound: Vec<String> = default_failsafe_inbound()
            .iter()
            .map(|p| format!("{}:{}", p.protocol, p.port))
            .collect();
        assert_eq!(
            inbound.join(","),
            "TCP:22,TCP:179,TCP:2379,TCP:2380,TCP:5473,TCP:6443,TCP:6666,TCP:6667,UDP:68"
        );
        let outbound = default_failsafe_outbound();
        assert_eq!(outbound.len(), 10);
        assert_eq!(
            (outbound[0].protocol.as_str(), outbound[0].port),
            ("UDP", 53)
        );
    }

    #[test]
    fn validation_table() {
        let cases = [
            ("{}", None),
            ("{interfacePrefix: cali}", None),
            ("{interfacePrefix: CALI}", Some("spec.interfacePrefix")),
            ("{interfacePrefix: toolong}", Some("spec.interfacePrefix")),
            (
                "{failsafeInboundHostPorts: [{protocol: SCTP, port: 1}]}",
                Some("spec.failsafeInboundHostPorts[0].protocol"),
            ),
            (
                "{routeRefreshInterval: 90s, defaultEndpointToHostAction: Accept}",
                None,
            ),
        ];
        for (yaml, want) in cases {
            let spec: FelixConfigurationSpec = serde_yaml_ng::from_str(yaml).unwrap();
            let got = spec.validate().err().map(|e| e[0].path.clone());
            assert_eq!(got.as_deref(), want, "{yaml}");
        }
    }
}
