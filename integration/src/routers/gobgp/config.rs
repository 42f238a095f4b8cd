//! Renders a `gobgpd` TOML configuration from a [`RouterConfig`]. Pure.
//! Originated prefixes are not part of it: they are added through the API
//! once the daemon runs.

use std::fmt::Write;

use crate::routers::RouterConfig;

/// The gobgpd config text.
pub fn render(cfg: &RouterConfig) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        s,
        "[global.config]\n  as = {}\n  router-id = \"{}\"",
        cfg.asn, cfg.router_id
    );
    for n in &cfg.neighbors {
        let t = n.timers;
        let _ = writeln!(s, "\n[[neighbors]]\n  [neighbors.config]");
        let _ = writeln!(
            s,
            "    neighbor-address = \"{}\"\n    peer-as = {}",
            n.address, n.remote_as
        );
        if let Some(p) = &n.password {
            let _ = writeln!(s, "    auth-password = \"{}\"", p.replace('"', ""));
        }
        let _ = writeln!(
            s,
            "  [neighbors.timers.config]\n    connect-retry = {}\n    hold-time = {}\n    keepalive-interval = {}",
            t.connect_retry, t.hold, t.keepalive
        );
        if n.passive {
            s.push_str("  [neighbors.transport.config]\n    passive-mode = true\n");
        }
        if n.rr_client {
            let _ = writeln!(
                s,
                "  [neighbors.route-reflector.config]\n    route-reflector-client = true\n    route-reflector-cluster-id = \"{}\"",
                cfg.router_id
            );
        }
        // A session carries the family of its neighbor's address.
        let family = if n.address.is_ipv6() {
            "ipv6-unicast"
        } else {
            "ipv4-unicast"
        };
        let _ = writeln!(
            s,
            "  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = \"{family}\""
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routers::NeighborConfig;

    #[test]
    fn neighbors_render_with_password_timers_and_passive_mode() {
        let cfg = RouterConfig::new("10.0.1.1".parse().unwrap(), 65000).neighbor(
            NeighborConfig::new("10.0.1.2".parse().unwrap(), 65001)
                .password("pw")
                .passive()
                .rr_client(),
        );
        let text = render(&cfg);
        for want in [
            "as = 65000\n  router-id = \"10.0.1.1\"",
            "neighbor-address = \"10.0.1.2\"\n    peer-as = 65001",
            "auth-password = \"pw\"",
            "connect-retry = 1\n    hold-time = 9\n    keepalive-interval = 3",
            "passive-mode = true",
            "route-reflector-client = true\n    route-reflector-cluster-id = \"10.0.1.1\"",
            "afi-safi-name = \"ipv4-unicast\"",
        ] {
            assert!(text.contains(want), "missing `{want}` in\n{text}");
        }
    }

    #[test]
    fn an_ipv6_neighbor_carries_ipv6_unicast() {
        let cfg = RouterConfig::new("10.0.1.1".parse().unwrap(), 65000)
            .neighbor(NeighborConfig::new("fd00:1::2".parse().unwrap(), 65001));
        let text = render(&cfg);
        assert!(text.contains("neighbor-address = \"fd00:1::2\""), "{text}");
        assert!(text.contains("afi-safi-name = \"ipv6-unicast\""), "{text}");
        assert!(!text.contains("ipv4-unicast"), "{text}");
    }
}
