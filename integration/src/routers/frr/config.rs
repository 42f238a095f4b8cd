//! Renders FRR `zebra.conf` and `bgpd.conf` from a [`RouterConfig`]. Pure.

use std::fmt::Write;

use crate::routers::RouterConfig;

/// `zebra.conf`: only a hostname and logging to stdout (captured).
pub fn render_zebra(hostname: &str) -> String {
    format!("hostname {hostname}\nlog stdout informational\n")
}

/// `bgpd.conf`.
pub fn render_bgpd(hostname: &str, cfg: &RouterConfig) -> String {
    let mut s = render_zebra(hostname);
    // Writing to a String cannot fail.
    let _ = writeln!(s, "router bgp {}", cfg.asn);
    let _ = writeln!(s, " bgp router-id {}", cfg.router_id);
    // Lab routers accept and announce without policies, announce networks
    // that have no kernel route, and only activate what is configured.
    s.push_str(" no bgp ebgp-requires-policy\n no bgp default ipv4-unicast\n no bgp network import-check\n");
    for n in &cfg.neighbors {
        let (a, t) = (n.address, n.timers);
        let _ = writeln!(s, " neighbor {a} remote-as {}", n.remote_as);
        let _ = writeln!(s, " neighbor {a} timers {} {}", t.keepalive, t.hold);
        let _ = writeln!(s, " neighbor {a} timers connect {}", t.connect_retry);
        if let Some(p) = &n.password {
            let _ = writeln!(s, " neighbor {a} password {p}");
        }
        if n.passive {
            let _ = writeln!(s, " neighbor {a} passive");
        }
    }
    // Each session carries the family of its neighbor's address.
    for v6 in cfg.families() {
        let _ = writeln!(
            s,
            " address-family {} unicast",
            if v6 { "ipv6" } else { "ipv4" }
        );
        for p in cfg.originate.iter().filter(|p| p.addr().is_ipv6() == v6) {
            let _ = writeln!(s, "  network {p}");
        }
        for n in cfg.neighbors.iter().filter(|n| n.address.is_ipv6() == v6) {
            let _ = writeln!(s, "  neighbor {} activate", n.address);
            if n.rr_client {
                let _ = writeln!(s, "  neighbor {} route-reflector-client", n.address);
            }
        }
        s.push_str(" exit-address-family\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routers::NeighborConfig;

    #[test]
    fn bgpd_conf_has_timers_password_and_networks() {
        let cfg = RouterConfig::new("10.0.1.1".parse().unwrap(), 65000)
            .neighbor(
                NeighborConfig::new("10.0.1.2".parse().unwrap(), 65001)
                    .password("s3cret")
                    .passive(),
            )
            .originate("10.66.100.0/24".parse().unwrap());
        let text = render_bgpd("tor", &cfg);
        for want in [
            "router bgp 65000\n bgp router-id 10.0.1.1\n",
            " neighbor 10.0.1.2 remote-as 65001\n",
            " neighbor 10.0.1.2 timers 3 9\n",
            " neighbor 10.0.1.2 timers connect 1\n",
            " neighbor 10.0.1.2 password s3cret\n",
            " neighbor 10.0.1.2 passive\n",
            "  network 10.66.100.0/24\n  neighbor 10.0.1.2 activate\n",
        ] {
            assert!(text.contains(want), "missing `{want}` in\n{text}");
        }
        assert!(!text.contains("ipv6"), "{text}");
    }

    #[test]
    fn ipv6_neighbors_and_networks_go_to_the_ipv6_family_and_rr_clients_are_marked() {
        let cfg = RouterConfig::new("10.0.1.1".parse().unwrap(), 65000)
            .neighbor(NeighborConfig::new("fd00:1::2".parse().unwrap(), 65001))
            .neighbor(NeighborConfig::new("10.0.1.2".parse().unwrap(), 65001).rr_client())
            .originate("fd00:66:1::/64".parse().unwrap());
        let text = render_bgpd("tor", &cfg);
        for want in [
            " neighbor fd00:1::2 remote-as 65001\n",
            " address-family ipv4 unicast\n  neighbor 10.0.1.2 activate\n  neighbor 10.0.1.2 route-reflector-client\n exit-address-family\n",
            " address-family ipv6 unicast\n  network fd00:66:1::/64\n  neighbor fd00:1::2 activate\n exit-address-family\n",
        ] {
            assert!(text.contains(want), "missing `{want}` in\n{text}");
        }
    }
}
