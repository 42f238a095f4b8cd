//! `ip -j addr` output.

use std::net::IpAddr;

use serde::Deserialize;

use super::{ParseError, parse_json};

/// One interface and its addresses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Interface {
    /// Interface index.
    pub ifindex: u32,
    /// Name.
    pub ifname: String,
    /// Flags such as `UP`, `LOWER_UP`, `NOARP`.
    #[serde(default)]
    pub flags: Vec<String>,
    /// MTU.
    pub mtu: Option<u32>,
    /// Operational state (`UP`, `DOWN`, `UNKNOWN`).
    pub operstate: Option<String>,
    /// Link-layer address.
    pub address: Option<String>,
    /// Addresses.
    #[serde(default)]
    pub addr_info: Vec<AddrInfo>,
}

/// One address of an interface.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AddrInfo {
    /// `inet` or `inet6`.
    pub family: String,
    /// The address.
    pub local: IpAddr,
    /// Prefix length.
    pub prefixlen: u8,
    /// Scope (`global`, `link`, `host`).
    pub scope: Option<String>,
}

impl Interface {
    /// Whether the interface is administratively up.
    pub fn is_up(&self) -> bool {
        self.flags.iter().any(|f| f == "UP")
    }

    /// Addresses as `addr/len` strings.
    pub fn cidrs(&self) -> Vec<String> {
        self.addr_info
            .iter()
            .map(|a| format!("{}/{}", a.local, a.prefixlen))
            .collect()
    }
}

/// Parses `ip -j addr show` output.
pub fn parse(text: &str) -> Result<Vec<Interface>, ParseError> {
    parse_json("ip -j addr", text)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from a container namespace (trimmed).
    const SAMPLE: &str = r#"[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295}]},
      {"ifindex":2,"link_index":3,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","address":"5e:1a:2b:3c:4d:5e","addr_info":[{"family":"inet","local":"10.65.1.2","prefixlen":32,"scope":"global","label":"eth0"},{"family":"inet6","local":"fe80::5c1a:2bff:fe3c:4d5e","prefixlen":64,"scope":"link"}]}]"#;

    #[test]
    fn interfaces_parse_with_flags_and_addresses() {
        let ifs = parse(SAMPLE).unwrap();
        assert_eq!(ifs.len(), 2);
        assert!(ifs[1].is_up());
        assert_eq!(
            ifs[1].cidrs(),
            ["10.65.1.2/32", "fe80::5c1a:2bff:fe3c:4d5e/64"]
        );
        assert_eq!(ifs[0].addr_info[0].scope.as_deref(), Some("host"));
    }

    #[test]
    fn an_address_that_is_not_an_ip_is_a_parse_error() {
        let bad = r#"[{"ifindex":1,"ifname":"x","addr_info":[{"family":"inet","local":"nope","prefixlen":8}]}]"#;
        assert!(parse(bad).is_err());
    }
}
