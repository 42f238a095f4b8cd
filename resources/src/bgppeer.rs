//! BGPPeer: a BGP session some or all nodes open to a router or to other nodes.

use super::{
    asn::AsNumber,
    duration::GoDuration,
    field_error::{Errors, FieldError},
};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};

/// Where a peering's password comes from. Terrace never stores the secret itself
/// in the datastore: the value is read on the node from a file or environment
/// variable, so `netctl get` cannot print it and logs never contain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BGPPassword {
    /// Path of a file on the node holding the password (trailing newline ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Name of an environment variable of the confd process holding the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// Kubernetes secrets do not exist outside Kubernetes; kept only to explain that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<serde_json::Value>,
}

impl BGPPassword {
    pub fn validate(&self, path: &str, errors: &mut Errors) {
        if self.secret_key_ref.is_some() {
            errors.push(
                format!("{path}.secretKeyRef"),
                "Kubernetes secrets are not available; use password.file or password.env",
            );
        }
        if self.file.is_some() == self.env.is_some() {
            errors.push(path.to_string(), "set exactly one of file or env");
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NextHopMode {
    Auto,
    #[serde(rename = "Self")]
    SelfAddress,
    Keep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceAddress {
    UseNodeIP,
    None,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BGPPeerSpec {
    /// Only this node opens the session; empty with no nodeSelector means every node.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub node: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub node_selector: String,
    /// `IP`, `IPv4:port` or `[IPv6]:port`.
    #[serde(default, rename = "peerIP", skip_serializing_if = "String::is_empty")]
    pub peer_ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_number: Option<AsNumber>,
    /// Peer with every node this selects instead of a fixed address.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub peer_selector: String,
    #[serde(
        default,
        rename = "localASNumber",
        skip_serializing_if = "Option::is_none"
    )]
    pub local_as_number: Option<AsNumber>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_original_next_hop: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_hop_mode: Option<NextHopMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<BGPPassword>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_address: Option<SourceAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_restart_time: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keepalive_time: Option<GoDuration>,
    #[serde(
        default,
        rename = "numAllowedLocalASNumbers",
        skip_serializing_if = "Option::is_none"
    )]
    pub num_allowed_local_as_numbers: Option<u32>,
    /// GTSM (RFC 5082): the maximum number of hops to the peer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_security: Option<u8>,
    /// Terrace extension: close the session when the peer sends more prefixes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_prefixes: Option<u32>,
    /// Names of BGPFilter resources, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<String>,
}

/// A `peerIP` that is not an address or address and port.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IP address or IP:port ([IPv6]:port for IPv6)")]
pub struct PeerIpError(pub String);

/// Parses `peerIP`: `10.0.0.1`, `10.0.0.1:1790`, `fd00::1` or `[fd00::1]:1790`.
pub fn parse_peer_ip(text: &str) -> Result<(IpAddr, Option<u16>), PeerIpError> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok((ip, None));
    }
    text.parse::<SocketAddr>()
        .map(|sa| (sa.ip(), Some(sa.port())))
        .map_err(|_| PeerIpError(text.to_owned()))
}

impl BGPPeerSpec {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        if !self.node.is_empty() && !self.node_selector.is_empty() {
            errors.push(
                "spec.nodeSelector",
                "node and nodeSelector cannot both be set",
            );
        }
        if self.peer_selector.is_empty() {
            if self.peer_ip.is_empty() {
                errors.push(
                    "spec.peerIP",
                    "either peerIP (with asNumber) or peerSelector is required",
                );
            } else {
                errors.check("spec.peerIP", parse_peer_ip(&self.peer_ip));
            }
            if self.as_number.is_none() {
                errors.push("spec.asNumber", "required with peerIP");
            }
        } else if !self.peer_ip.is_empty() || self.as_number.is_some() {
            errors.push(
                "spec.peerSelector",
                "peerSelector cannot be combined with peerIP or asNumber",
            );
        }
        if self.keep_original_next_hop && self.next_hop_mode.is_some() {
            errors.push(
                "spec.nextHopMode",
                "cannot be combined with keepOriginalNextHop",
            );
        }
        if let Some(password) = &self.password {
            password.validate("spec.password", &mut errors);
        }
        if self.ttl_security == Some(0) {
            errors.push("spec.ttlSecurity", "must be between 1 and 255 hops");
        }
        if !self.filters.is_empty() {
            errors.push(
                "spec.filters",
                "BGPFilter resources are not supported yet; remove the filters",
            );
        }
        if self.max_prefixes == Some(0) {
            errors.push(
                "spec.maxPrefixes",
                "must be at least 1 (omit it for no limit)",
            );
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_ip_forms() {
        let cases = [
            ("10.0.0.1", Some(("10.0.0.1", None))),
            ("10.0.0.1:1790", Some(("10.0.0.1", Some(1790)))),
            ("fd00::1", Some(("fd00::1", None))),
            ("[fd00::1]:179", Some(("fd00::1", Some(179)))),
            ("10.0.0.300", None),
            ("host", None),
            ("fd00::1:179:", None),
        ];
        for (text, want) in cases {
            let got = parse_peer_ip(text).ok();
            let want = want.map(|(ip, port)| (ip.parse::<IpAddr>().unwrap(), port));
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn validation_table() {
        let cases = [
            ("{peerIP: 10.0.0.1, asNumber: 65000}", None),
            ("{peerSelector: all()}", None),
            ("{peerIP: 10.0.0.1}", Some("spec.asNumber")),
            ("{asNumber: 65000}", Some("spec.peerIP")),
            (
                "{peerSelector: all(), peerIP: 10.0.0.1}",
                Some("spec.peerSelector"),
            ),
            (
                "{node: a, nodeSelector: all(), peerSelector: all()}",
                Some("spec.nodeSelector"),
            ),
            (
                "{peerIP: 10.0.0.1, asNumber: 1, password: {file: /x, env: Y}}",
                Some("spec.password"),
            ),
            (
                "{peerIP: 10.0.0.1, asNumber: 1, password: {secretKeyRef: {name: a, key: b}}}",
                Some("spec.password.secretKeyRef"),
            ),
            (
                "{peerIP: 10.0.0.1, asNumber: 1, nextHopMode: Self, keepOriginalNextHop: true}",
                Some("spec.nextHopMode"),
            ),
            (
                "{peerIP: 10.0.0.1, asNumber: 1, ttlSecurity: 0}",
                Some("spec.ttlSecurity"),
            ),
        ];
        for (yaml, want) in cases {
            let spec: BGPPeerSpec = serde_yaml_ng::from_str(yaml).unwrap();
            let got = spec.validate().err().map(|e| e[0].path.clone());
            assert_eq!(got.as_deref(), want, "{yaml}");
        }
    }
}
