//! Address autodetection, Calico's methods: `first-found`, `interface=REGEX`,
//! `skip-interface=REGEX`, `can-reach=IP`, `cidr=CIDR[,CIDR...]`, or an
//! explicit address. Pure: the caller supplies the host's addresses (and, for
//! can-reach, the kernel's chosen source address).

use ipnet::IpNet;
use regex::Regex;
use std::net::IpAddr;
use std::str::FromStr;

/// One address configured on one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAddress {
    pub interface: String,
    /// Address with its prefix length, e.g. 192.0.2.11/24.
    pub address: IpNet,
}

/// How to pick the node's address.
#[derive(Debug, Clone)]
pub enum Method {
    FirstFound,
    Interface(Regex),
    SkipInterface(Regex),
    /// The source address the kernel uses to reach this destination.
    CanReach(IpAddr),
    Cidrs(Vec<IpNet>),
    Explicit(IpNet),
}

impl FromStr for Method {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let regex = |r: &str| {
            Regex::new(&format!("^(?:{r})$"))
                .map_err(|e| format!("invalid interface regex {r:?}: {e}"))
        };
        match s.split_once('=') {
            None if s == "first-found" => Ok(Method::FirstFound),
            Some(("interface", r)) => regex(r).map(Method::Interface),
            Some(("skip-interface", r)) => regex(r).map(Method::SkipInterface),
            Some(("can-reach", ip)) => ip.parse().map(Method::CanReach).map_err(|_| format!("can-reach needs an IP address, got {ip:?}")),
            Some(("cidr", list)) => list
                .split(',')
                .map(|c| c.trim().parse::<IpNet>().map_err(|_| format!("{c:?} is not a CIDR")))
                .collect::<Result<Vec<_>, _>>()
                .map(Method::Cidrs),
            _ => s
                .parse::<IpNet>()
                .map(Method::Explicit)
                .map_err(|_| format!("unknown autodetection method {s:?}: use first-found, interface=REGEX, skip-interface=REGEX, can-reach=IP, cidr=CIDR or ADDRESS/PREFIX")),
        }
    }
}

/// Interfaces that never carry the node's address: loopback, container
/// plumbing and Terrace's own workload interfaces.
const EXCLUDED_PREFIXES: [&str; 8] = [
    "lo", "docker", "cni", "veth", "cali", "tr", "podman", "virbr",
];

fn usable(a: &HostAddress, ipv6: bool) -> bool {
    let ip = a.address.addr();
    ip.is_ipv6() == ipv6 && !ip.is_loopback() && !ip.is_unspecified() && !is_link_local(ip)
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

fn excluded(interface: &str) -> bool {
    EXCLUDED_PREFIXES.iter().any(|p| interface.starts_with(p))
}

/// Picks the node's address of one family. `can_reach_source` is what the
/// kernel answered for a `CanReach` destination.
pub fn choose_address(
    method: &Method,
    addresses: &[HostAddress],
    ipv6: bool,
    can_reach_source: Option<IpAddr>,
) -> Result<IpNet, String> {
    let candidates = addresses.iter().filter(|a| usable(a, ipv6));
    let found = match method {
        Method::Explicit(net) => return Ok(*net),
        Method::FirstFound => candidates.clone().find(|a| !excluded(&a.interface)),
        Method::Interface(re) => candidates.clone().find(|a| re.is_match(&a.interface)),
        Method::SkipInterface(re) => candidates
            .clone()
            .find(|a| !re.is_match(&a.interface) && !excluded(&a.interface)),
        Method::Cidrs(cidrs) => candidates
            .clone()
            .find(|a| cidrs.iter().any(|c| c.contains(&a.address.addr()))),
        Method::CanReach(dest) => {
            let source = can_reach_source.ok_or_else(|| format!("no route to {dest}"))?;
            candidates.clone().find(|a| a.address.addr() == source)
        }
    };
    found.map(|a| a.address).ok_or_else(|| {
        let family = if ipv6 { "IPv6" } else { "IPv4" };
        let seen: Vec<String> = addresses
            .iter()
            .map(|a| format!("{} {}", a.interface, a.address))
            .collect();
        format!(
            "no {family} address matches the autodetection method (addresses seen: {})",
            seen.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs() -> Vec<HostAddress> {
        [
            ("lo", "127.0.0.1/8"),
            ("docker0", "172.17.0.1/16"),
            ("tra1b2", "169.254.1.1/32"),
            ("eth0", "192.0.2.11/24"),
            ("eth1", "198.51.100.7/24"),
            ("eth0", "fe80::1/64"),
            ("eth0", "2001:db8::11/64"),
        ]
        .iter()
        .map(|(i, a)| HostAddress {
            interface: i.to_string(),
            address: a.parse().unwrap(),
        })
        .collect()
    }

    fn pick(method: &str, ipv6: bool, source: Option<&str>) -> Result<String, String> {
        let m: Method = method.parse()?;
        choose_address(&m, &addrs(), ipv6, source.map(|s| s.parse().unwrap()))
            .map(|n| n.to_string())
    }

    #[test]
    fn autodetection_table() {
        let cases = [
            ("first-found", false, None, Ok("192.0.2.11/24")),
            ("first-found", true, None, Ok("2001:db8::11/64")),
            ("interface=eth1", false, None, Ok("198.51.100.7/24")),
            ("interface=eth.*", false, None, Ok("192.0.2.11/24")),
            ("interface=eth", false, None, Err(())),
            ("skip-interface=eth0", false, None, Ok("198.51.100.7/24")),
            ("cidr=198.51.100.0/24", false, None, Ok("198.51.100.7/24")),
            (
                "cidr=10.0.0.0/8, 192.0.2.0/24",
                false,
                None,
                Ok("192.0.2.11/24"),
            ),
            (
                "can-reach=198.51.100.1",
                false,
                Some("198.51.100.7"),
                Ok("198.51.100.7/24"),
            ),
            ("can-reach=203.0.113.1", false, None, Err(())),
            ("10.9.9.9/24", false, None, Ok("10.9.9.9/24")),
        ];
        for (method, v6, source, want) in cases {
            assert_eq!(
                pick(method, v6, source).map_err(|_| ()),
                want.map(String::from),
                "{method}"
            );
        }
    }

    #[test]
    fn bad_methods_say_what_is_accepted() {
        assert!(
            pick("nearest", false, None)
                .unwrap_err()
                .contains("first-found")
        );
        assert!(
            pick("interface=(", false, None)
                .unwrap_err()
                .contains("regex")
        );
        assert!(
            pick("cidr=10.0.0.0/33", false, None)
                .unwrap_err()
                .contains("not a CIDR")
        );
    }
}
