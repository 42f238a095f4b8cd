//! The ADD success result (spec section 5 "Success") and the VERSION result, rendered for the
//! configuration's spec version: 0.4.0 results carry `version` in each `ips` entry, 1.0.0 ones
//! do not.

use crate::config::SUPPORTED_VERSIONS;
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The container's IPv4 next hop: a link-local address nobody owns; the host veth answers
/// ARP for it by proxy ARP.
pub const GATEWAY_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 1, 1);
/// The host veth's MAC (Calico's convention): every host veth has the same one.
pub const HOST_MAC: [u8; 6] = [0xee; 6];
/// The container's IPv6 next hop: the host veth's EUI-64 link-local address for [`HOST_MAC`].
pub const GATEWAY_V6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0xecee, 0xeeff, 0xfeee, 0xeeee);

/// Formats a MAC as `aa:bb:cc:dd:ee:ff`.
pub fn mac_string(mac: &[u8]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// What the result describes.
#[derive(Debug, Clone)]
pub struct AddResult<'a> {
    /// Host-side veth name.
    pub host_veth: &'a str,
    /// Container-side interface name.
    pub ifname: &'a str,
    /// Container-side MAC.
    pub container_mac: &'a str,
    /// `CNI_NETNS`.
    pub sandbox: &'a str,
    /// Assigned addresses.
    pub ips: &'a [IpAddr],
    /// The config's `dns`, echoed.
    pub dns: Option<&'a Value>,
}

/// The JSON success result in `version`'s format.
pub fn render(version: &str, r: &AddResult<'_>) -> Value {
    let legacy = version != "1.0.0";
    let ips: Vec<Value> = r
        .ips
        .iter()
        .map(|ip| {
            let (prefix, gateway, family) = match ip {
                IpAddr::V4(_) => (32, IpAddr::V4(GATEWAY_V4), "4"),
                IpAddr::V6(_) => (128, IpAddr::V6(GATEWAY_V6), "6"),
            };
            let mut entry = json!({
                "address": format!("{ip}/{prefix}"),
                "gateway": gateway.to_string(),
                "interface": 1,
            });
            if legacy {
                entry["version"] = json!(family);
            }
            entry
        })
        .collect();
    let mut routes = Vec::new();
    if r.ips.iter().any(IpAddr::is_ipv4) {
        routes.push(json!({"dst": "0.0.0.0/0", "gw": GATEWAY_V4.to_string()}));
    }
    if r.ips.iter().any(IpAddr::is_ipv6) {
        routes.push(json!({"dst": "::/0", "gw": GATEWAY_V6.to_string()}));
    }
    json!({
        "cniVersion": version,
        "interfaces": [
            {"name": r.host_veth, "mac": mac_string(&HOST_MAC)},
            {"name": r.ifname, "mac": r.container_mac, "sandbox": r.sandbox},
        ],
        "ips": ips,
        "routes": routes,
        "dns": r.dns.cloned().unwrap_or_else(|| json!({})),
    })
}

/// The VERSION result.
pub fn version(cni_version: &str) -> Value {
    json!({"cniVersion": cni_version, "supportedVersions": SUPPORTED_VERSIONS})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(ips: &[IpAddr]) -> AddResult<'_> {
        AddResult {
            host_veth: "tr0123456789a",
            ifname: "eth0",
            container_mac: "aa:bb:cc:dd:ee:ff",
            sandbox: "/run/netns/x",
            ips,
            dns: None,
        }
    }

    #[test]
    fn v1_result_has_no_ip_version_and_points_at_the_container_interface() {
        let ips = ["10.65.0.4".parse().unwrap(), "fd00::4".parse().unwrap()];
        let v = render("1.0.0", &sample(&ips));
        assert_eq!(v["ips"][0]["address"], "10.65.0.4/32");
        assert_eq!(v["ips"][0]["interface"], 1);
        assert!(v["ips"][0].get("version").is_none());
        assert_eq!(v["ips"][1]["gateway"], "fe80::ecee:eeff:feee:eeee");
        assert_eq!(v["interfaces"][0]["mac"], "ee:ee:ee:ee:ee:ee");
        assert_eq!(v["routes"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn v04_result_carries_ip_versions() {
        let ips = ["10.65.0.4".parse().unwrap()];
        let v = render("0.4.0", &sample(&ips));
        assert_eq!(v["ips"][0]["version"], "4");
        assert_eq!(v["cniVersion"], "0.4.0");
    }
}
