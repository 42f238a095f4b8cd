//! WorkloadEndpoint and HostEndpoint: the interfaces policy applies to.

use super::field_error::{Errors, FieldError};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A named port policy rules can refer to (`ports: [http]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointPort {
    pub name: String,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u16>,
    #[serde(default, rename = "hostIP", skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IPNAT {
    #[serde(rename = "internalIP")]
    pub internal_ip: IpAddr,
    #[serde(rename = "externalIP")]
    pub external_ip: IpAddr,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadEndpointSpec {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub orchestrator: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub workload: String,
    pub node: String,
    #[serde(
        default,
        rename = "containerID",
        skip_serializing_if = "String::is_empty"
    )]
    pub container_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pod: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_account_name: String,
    /// The endpoint's own addresses: /32 and /128 only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_networks: Vec<IpNet>,
    #[serde(default, rename = "ipNATs", skip_serializing_if = "Vec::is_empty")]
    pub ip_nats: Vec<IPNAT>,
    #[serde(
        default,
        rename = "ipv4Gateway",
        skip_serializing_if = "Option::is_none"
    )]
    pub ipv4_gateway: Option<Ipv4Addr>,
    #[serde(
        default,
        rename = "ipv6Gateway",
        skip_serializing_if = "Option::is_none"
    )]
    pub ipv6_gateway: Option<Ipv6Addr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    /// Host-side interface, e.g. `tra1b2c3d4e5f`.
    pub interface_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<EndpointPort>,
    /// Source prefixes the workload may send from besides its own addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_spoofed_source_prefixes: Vec<IpNet>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostEndpointSpec {
    pub node: String,
    /// Empty means "all interfaces" (`*`), matched by expectedIPs.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub interface_name: String,
    #[serde(default, rename = "expectedIPs", skip_serializing_if = "Vec::is_empty")]
    pub expected_ips: Vec<IpAddr>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<EndpointPort>,
}

/// Longest Linux interface name (IFNAMSIZ less the terminating NUL).
pub const MAX_INTERFACE_NAME: usize = 15;

/// Names that are not one interface: `all` and `default` stand for every interface in
/// `/proc/sys/net/*/conf/`, `lo` is the host's loopback, `.` and `..` are path steps.
/// Settings written for an endpoint named so would change the whole host.
pub const RESERVED_INTERFACE_NAMES: [&str; 5] = ["all", "default", "lo", ".", ".."];

/// True for a name Terrace programs as an interface: 1-15 letters, digits, `_`, `.` or
/// `-`, and none of [`RESERVED_INTERFACE_NAMES`]. Linux accepts more (quotes, `;`,
/// braces), but the name is also written into nftables rules, whose quoted strings have
/// no escapes, into `/proc/sys` paths, and into logs and commands.
pub fn is_interface_name(name: &str) -> bool {
    !name.is_empty()
        && !RESERVED_INTERFACE_NAMES.contains(&name)
        && name.len() <= MAX_INTERFACE_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn check_interface_name(name: &str) -> Result<(), String> {
    if is_interface_name(name) {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an interface name Terrace accepts (1-15 letters, digits, '_', '.' or \
             '-', and not all, default, lo, . or ..)"
        ))
    }
}

fn check_mac(mac: &str) -> Result<(), String> {
    let parts: Vec<&str> = mac.split(':').collect();
    let ok = parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && u8::from_str_radix(p, 16).is_ok());
    if ok {
        Ok(())
    } else {
        Err(format!("{mac:?} is not a MAC address (aa:bb:cc:dd:ee:ff)"))
    }
}

fn check_ports(ports: &[EndpointPort], errors: &mut Errors) {
    for (i, p) in ports.iter().enumerate() {
        if !matches!(
            p.protocol.to_ascii_uppercase().as_str(),
            "TCP" | "UDP" | "SCTP"
        ) {
            errors.push(
                format!("spec.ports[{i}].protocol"),
                format!("{:?} is not TCP, UDP or SCTP", p.protocol),
            );
        }
        if p.port == 0 {
            errors.push(
                format!("spec.ports[{i}].port"),
                "must be between 1 and 65535",
            );
        }
        if ports[..i]
            .iter()
            .any(|q| q.name == p.name && q.protocol.eq_ignore_ascii_case(&p.protocol))
        {
            errors.push(
                format!("spec.ports[{i}].name"),
                format!("{:?} is defined twice for {}", p.name, p.protocol),
            );
        }
    }
}

impl WorkloadEndpointSpec {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        errors.check(
            "spec.interfaceName",
            check_interface_name(&self.interface_name),
        );
        if self.node.is_empty() {
            errors.push("spec.node", "required");
        }
        for (i, net) in self.ip_networks.iter().enumerate() {
            if net.prefix_len() != net.max_prefix_len() {
                errors.push(
                    format!("spec.ipNetworks[{i}]"),
                    format!("{net} must be a single address (/32 or /128)"),
                );
            }
        }
        for (i, nat) in self.ip_nats.iter().enumerate() {
            if !self
                .ip_networks
                .iter()
                .any(|n| n.contains(&nat.internal_ip))
            {
                errors.push(
                    format!("spec.ipNATs[{i}].internalIP"),
                    "must be one of the endpoint's ipNetworks",
                );
            }
        }
        if let Some(mac) = &self.mac {
            errors.check("spec.mac", check_mac(mac));
        }
        check_ports(&self.ports, &mut errors);
        errors.into_result()
    }

    /// The endpoint's addresses.
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.ip_networks.iter().map(|n| n.addr())
    }
}

impl HostEndpointSpec {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        if self.node.is_empty() {
            errors.push("spec.node", "required");
        }
        if self.interface_name.is_empty() && self.expected_ips.is_empty() {
            errors.push(
                "spec.interfaceName",
                "set interfaceName, expectedIPs, or both",
            );
        } else if !self.interface_name.is_empty() && self.interface_name != "*" {
            errors.check(
                "spec.interfaceName",
                check_interface_name(&self.interface_name),
            );
        }
        check_ports(&self.ports, &mut errors);
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wep(extra: &str) -> WorkloadEndpointSpec {
        serde_yaml_ng::from_str(&format!(
            "{{node: h1, interfaceName: tra1b2c3d4e5, {extra}}}"
        ))
        .unwrap()
    }

    #[test]
    fn workload_endpoint_validation_table() {
        let cases = [
            ("ipNetworks: [10.65.0.4/32]", None),
            ("ipNetworks: [10.65.0.0/26]", Some("spec.ipNetworks[0]")),
            ("mac: 'ee:ee:ee:ee:ee:ee'", None),
            ("mac: 'ee:ee:ee'", Some("spec.mac")),
            ("ports: [{name: http, protocol: TCP, port: 80}]", None),
            (
                "ports: [{name: http, protocol: ICMP, port: 80}]",
                Some("spec.ports[0].protocol"),
            ),
            (
                "ports: [{name: h, protocol: TCP, port: 80}, {name: h, protocol: tcp, port: 81}]",
                Some("spec.ports[1].name"),
            ),
            (
                "ipNATs: [{internalIP: 10.65.0.9, externalIP: 192.0.2.1}]",
                Some("spec.ipNATs[0].internalIP"),
            ),
        ];
        for (extra, want) in cases {
            let got = wep(extra).validate().err().map(|e| e[0].path.clone());
            assert_eq!(got.as_deref(), want, "{extra}");
        }
    }

    #[test]
    fn interface_names_respect_ifnamsiz() {
        assert!(check_interface_name("tra1b2c3d4e5f6g").is_ok());
        assert!(check_interface_name("tra1b2c3d4e5f6g7").is_err());
        assert!(check_interface_name("a/b").is_err());
        for hostile in [
            "tra1\" : accept",
            "a;b",
            "a b",
            "a{b",
            "a\nb",
            "",
            "é",
            "all",
            "default",
            "lo",
            ".",
            "..",
        ] {
            assert!(check_interface_name(hostile).is_err(), "{hostile:?}");
        }
        for fine in ["eth0", "eth0.100", "br-4f2a", "enp0s31f6", "vxlan_calico"] {
            assert!(check_interface_name(fine).is_ok(), "{fine:?}");
        }
    }

    #[test]
    fn host_endpoint_needs_interface_or_ips() {
        let spec: HostEndpointSpec = serde_yaml_ng::from_str("{node: h1}").unwrap();
        assert_eq!(spec.validate().unwrap_err()[0].path, "spec.interfaceName");
        let spec: HostEndpointSpec =
            serde_yaml_ng::from_str("{node: h1, interfaceName: eth0}").unwrap();
        assert!(spec.validate().is_ok());
    }
}
