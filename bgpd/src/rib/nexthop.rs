//! Next-hop resolution (RFC 4271 §9.1.2): a route whose NEXT_HOP cannot be reached
//! through the host's routing table is excluded from the decision process, and a
//! reachable one is forwarded through the route that resolves it.
//!
//! Pure: the fib layer dumps the kernel's main table into [`KernelRoute`]s and builds a
//! [`NextHopTable`]; the RIB asks it whether a next hop is resolvable, the fib layer asks
//! it which gateways to install. Longest match wins, then the lowest metric. Routes of
//! bgpd's own protocol never resolve a next hop (no recursion through BGP), nor do
//! blackhole, unreachable or other non-unicast routes. A default route does resolve
//! (as in Calico's BIRD setup, where hosts reach each other through their ToR's default).
//!
//! An IPv6 link-local gateway means nothing without its interface (the kernel refuses
//! `via fe80::1` without a device), so a [`Gateway`] carries the interface for those:
//! the one of the resolving route's hop, or of the connected route for a link-local BGP
//! next hop.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// Where the kernel forwards to: an address, and for an IPv6 link-local address the
/// interface (index) it is on. Other addresses carry no interface: the kernel finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gateway {
    /// The gateway address.
    pub addr: IpAddr,
    /// Output interface index, only for an IPv6 link-local `addr`.
    pub oif: Option<u32>,
}

impl Gateway {
    /// A gateway reached through `oif`; the interface is kept only where the kernel
    /// needs it (IPv6 link-local), so equal gateways compare equal however learned.
    pub fn new(addr: IpAddr, oif: Option<u32>) -> Gateway {
        let link_local = matches!(addr, IpAddr::V6(a) if a.is_unicast_link_local());
        Gateway {
            addr,
            oif: oif.filter(|_| link_local),
        }
    }
}

impl From<IpAddr> for Gateway {
    fn from(addr: IpAddr) -> Gateway {
        Gateway::new(addr, None)
    }
}

use ipnet::IpNet;

/// Kernel table id of the main table (RT_TABLE_MAIN).
pub const MAIN_TABLE: u32 = 254;

/// One route of the kernel's routing table, as far as resolution needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelRoute {
    /// Destination.
    pub prefix: IpNet,
    /// Gateways (several for a multipath route); empty for a directly connected route.
    pub gateways: Vec<Gateway>,
    /// The interface of a directly connected route (`dev`).
    pub oif: Option<u32>,
    /// Unicast (not blackhole, unreachable, prohibit, local, broadcast...).
    pub unicast: bool,
    /// Route protocol number (`proto` in `ip route`).
    pub protocol: u8,
    /// Routing table id.
    pub table: u32,
    /// Metric (priority); lower wins between routes to the same prefix.
    pub metric: u32,
}

/// How a next hop is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// On a directly connected network (on that interface, when known): forward to the
    /// next hop itself.
    Connected(Option<u32>),
    /// Through these gateways of the resolving route.
    Via(Vec<Gateway>),
}

/// The routes that may resolve next hops, indexed by prefix length (longest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NextHopTable {
    by_len: BTreeMap<Reverse<u8>, HashMap<IpNet, KernelRoute>>,
}

impl NextHopTable {
    /// Keep the unicast routes of the main table that are not `own_protocol`'s; of
    /// several routes to one prefix, the lowest metric.
    pub fn new(routes: impl IntoIterator<Item = KernelRoute>, own_protocol: u8) -> NextHopTable {
        let mut by_len: BTreeMap<Reverse<u8>, HashMap<IpNet, KernelRoute>> = BTreeMap::new();
        for r in routes {
            if !r.unicast || r.table != MAIN_TABLE || r.protocol == own_protocol {
                continue;
            }
            let prefix = r.prefix.trunc();
            let slot = by_len.entry(Reverse(prefix.prefix_len())).or_default();
            match slot.get(&prefix) {
                Some(old) if old.metric <= r.metric => {}
                _ => {
                    slot.insert(prefix, r);
                }
            }
        }
        NextHopTable { by_len }
    }

    /// The longest-match route for `next_hop`, as the way to reach it; `None` when the
    /// next hop is unresolvable.
    pub fn resolve(&self, next_hop: IpAddr) -> Option<Resolved> {
        if next_hop.is_unspecified() {
            return None;
        }
        self.by_len.iter().find_map(|(Reverse(len), routes)| {
            let key = IpNet::new(next_hop, *len).ok()?.trunc();
            let r = routes.get(&key)?;
            Some(if r.gateways.is_empty() {
                Resolved::Connected(r.oif)
            } else {
                Resolved::Via(r.gateways.clone())
            })
        })
    }

    /// Gateways to install for a route with these BGP next hops: each next hop resolved,
    /// sorted and deduplicated; unresolvable next hops are left out (empty: install
    /// nothing).
    pub fn gateways(&self, next_hops: &[IpAddr]) -> Vec<Gateway> {
        let mut out: Vec<Gateway> = next_hops
            .iter()
            .flat_map(|nh| match self.resolve(*nh) {
                Some(Resolved::Connected(oif)) => vec![Gateway::new(*nh, oif)],
                Some(Resolved::Via(gws)) => gws,
                None => Vec::new(),
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Number of usable routes.
    pub fn len(&self) -> usize {
        self.by_len.values().map(HashMap::len).sum()
    }

    /// True when no route can resolve anything.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: u8 = 89;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// `prefix`, gateways ("" = connected), protocol, metric; unicast in the main table.
    fn route(prefix: &str, gws: &str, protocol: u8, metric: u32) -> KernelRoute {
        KernelRoute {
            prefix: prefix.parse().unwrap(),
            gateways: gws.split_whitespace().map(|g| ip(g).into()).collect(),
            oif: None,
            unicast: true,
            protocol,
            table: MAIN_TABLE,
            metric,
        }
    }

    fn host_behind_a_tor() -> NextHopTable {
        let blackhole = KernelRoute {
            unicast: false,
            ..route("10.65.0.0/26", "", 3, 0)
        };
        let other_table = KernelRoute {
            table: 100,
            ..route("10.0.9.0/24", "10.0.1.1", 3, 0)
        };
        NextHopTable::new(
            [
                route("10.0.1.0/30", "", 2, 0),
                route("0.0.0.0/0", "10.0.1.1", 3, 0),
                route("10.0.3.0/24", "10.0.1.1", 3, 100),
                route("10.0.3.0/24", "10.0.1.2", 3, 50),
                route("10.0.4.0/24", "10.0.1.1 10.0.1.2", 3, 0),
                route("10.0.5.0/24", "10.0.1.1", OURS, 20),
                route("fd00::/64", "", 2, 256),
                blackhole,
                other_table,
            ],
            OURS,
        )
    }

    #[test]
    fn next_hops_resolve_through_the_longest_usable_match() {
        let t = host_behind_a_tor();
        let via = |s: &str| {
            Some(Resolved::Via(
                s.split_whitespace().map(|g| ip(g).into()).collect(),
            ))
        };
        let table = [
            (
                "on the connected network",
                "10.0.1.1",
                Some(Resolved::Connected(None)),
            ),
            (
                "behind the tor, by the default route",
                "10.0.2.2",
                via("10.0.1.1"),
            ),
            (
                "lowest metric of two routes to one prefix",
                "10.0.3.7",
                via("10.0.1.2"),
            ),
            (
                "a multipath route gives all its gateways",
                "10.0.4.1",
                via("10.0.1.1 10.0.1.2"),
            ),
            (
                "our own bgp route does not resolve: default instead",
                "10.0.5.1",
                via("10.0.1.1"),
            ),
            (
                "a blackhole does not resolve: default instead",
                "10.65.0.1",
                via("10.0.1.1"),
            ),
            (
                "another table does not count: default instead",
                "10.0.9.1",
                via("10.0.1.1"),
            ),
            (
                "ipv6 on a connected network",
                "fd00::2",
                Some(Resolved::Connected(None)),
            ),
            ("ipv6 without any route", "fd01::2", None),
            ("the unspecified address", "0.0.0.0", None),
        ];
        for (name, nh, want) in table {
            assert_eq!(t.resolve(ip(nh)), want, "{name}");
        }
    }

    #[test]
    fn without_a_default_route_a_remote_next_hop_is_unresolvable() {
        let t = NextHopTable::new([route("10.0.1.0/30", "", 2, 0)], OURS);
        assert_eq!(t.resolve(ip("10.0.2.2")), None);
        assert_eq!(t.resolve(ip("10.0.1.2")), Some(Resolved::Connected(None)));
    }

    #[test]
    fn gateways_of_several_next_hops_are_merged_and_unresolvable_ones_dropped() {
        let t = NextHopTable::new(
            [
                route("10.0.1.0/30", "", 2, 0),
                route("10.0.2.0/24", "10.0.1.1", 3, 0),
            ],
            OURS,
        );
        let table = [
            ("connected: the next hop itself", "10.0.1.2", "10.0.1.2"),
            ("recursive: the resolving gateway", "10.0.2.7", "10.0.1.1"),
            (
                "two next hops behind one gateway: once",
                "10.0.2.7 10.0.2.8",
                "10.0.1.1",
            ),
            ("mixed", "10.0.2.7 10.0.1.2", "10.0.1.1 10.0.1.2"),
            ("unresolvable left out", "10.0.2.7 10.9.9.9", "10.0.1.1"),
            ("none resolvable: nothing to install", "10.9.9.9", ""),
        ];
        for (name, nhs, want) in table {
            let nhs: Vec<IpAddr> = nhs.split_whitespace().map(ip).collect();
            let want: Vec<Gateway> = want.split_whitespace().map(|g| ip(g).into()).collect();
            assert_eq!(t.gateways(&nhs), want, "{name}");
        }
    }

    /// A host whose IPv6 routes point at its router's link-local address on interface 2
    /// (as a router advertisement or FRR would set them up), with a second uplink 3.
    fn ipv6_host_with_link_local_gateways() -> NextHopTable {
        let on = |gw: &str, oif: u32| Gateway::new(ip(gw), Some(oif));
        let connected = |prefix: &str, oif: u32| KernelRoute {
            oif: Some(oif),
            ..route(prefix, "", 2, 256)
        };
        NextHopTable::new(
            [
                connected("fd00:9::/64", 2),
                connected("fe80::/64", 2),
                KernelRoute {
                    gateways: vec![on("fe80::1", 2)],
                    ..route("::/0", "", 3, 1024)
                },
                KernelRoute {
                    gateways: vec![on("fe80::1", 2), on("fe80::1", 3)],
                    ..route("fd00:99::/64", "", 3, 1024)
                },
            ],
            OURS,
        )
    }

    #[test]
    fn link_local_gateways_keep_their_interface_and_others_carry_none() {
        let t = ipv6_host_with_link_local_gateways();
        let g = |addr: &str, oif: Option<u32>| Gateway::new(ip(addr), oif);
        let table = [
            (
                "a global next hop behind the link-local default: via fe80::1 on 2",
                "fd00:77::5",
                vec![g("fe80::1", Some(2))],
            ),
            (
                "one link-local address on two uplinks: two gateways",
                "fd00:99::7",
                vec![g("fe80::1", Some(2)), g("fe80::1", Some(3))],
            ),
            (
                "a connected global next hop: itself, no interface needed",
                "fd00:9::1",
                vec![g("fd00:9::1", None)],
            ),
            (
                "a link-local next hop: itself on the connected link's interface",
                "fe80::2",
                vec![g("fe80::2", Some(2))],
            ),
        ];
        for (name, nh, want) in table {
            assert_eq!(t.gateways(&[ip(nh)]), want, "{name}");
        }
    }

    #[test]
    fn only_link_local_gateways_keep_an_interface() {
        assert_eq!(Gateway::new(ip("fe80::1"), Some(4)).oif, Some(4));
        assert_eq!(Gateway::new(ip("fd00::1"), Some(4)).oif, None);
        assert_eq!(Gateway::new(ip("10.0.1.1"), Some(4)).oif, None);
    }
}
