//! Renders a BIRD 2 configuration from a [`RouterConfig`]. Pure.

use std::fmt::Write;
use std::net::IpAddr;

use crate::routers::RouterConfig;

/// Name of the BGP protocol for `peer`: `peer_10_0_1_1`.
pub fn protocol_name(peer: IpAddr) -> String {
    format!("peer_{}", peer.to_string().replace(['.', ':'], "_"))
}

/// BIRD's name for a family's channel, table suffix and static protocol.
fn channel(v6: bool) -> (&'static str, &'static str) {
    if v6 {
        ("ipv6", "announced6")
    } else {
        ("ipv4", "announced")
    }
}

/// The BIRD config text. A session carries the family of its neighbor's address; IPv6
/// tables and protocols appear only when an IPv6 neighbor or prefix does.
pub fn render(cfg: &RouterConfig) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(s, "router id {};", cfg.router_id);
    s.push_str("log stderr all;\n");
    s.push_str("protocol device { scan time 2; }\n");
    for v6 in cfg.families() {
        let (family, announced) = channel(v6);
        if cfg.kernel_export {
            let _ = writeln!(
                s,
                "protocol kernel {{\n  {family} {{ import none; export where source = RTS_BGP; }};\n  scan time 2;\n}}"
            );
        }
        let _ = writeln!(s, "protocol static {announced} {{\n  {family};");
        for p in cfg.originate.iter().filter(|p| p.addr().is_ipv6() == v6) {
            let _ = writeln!(s, "  route {p} blackhole;");
        }
        s.push_str("}\n");
    }
    for n in &cfg.neighbors {
        let t = n.timers;
        let _ = writeln!(s, "protocol bgp {} {{", protocol_name(n.address));
        let _ = writeln!(
            s,
            "  local as {};\n  neighbor {} as {};",
            cfg.asn, n.address, n.remote_as
        );
        let _ = writeln!(
            s,
            "  hold time {}; keepalive time {}; connect retry time {};\n  error wait time 1, 5;",
            t.hold, t.keepalive, t.connect_retry
        );
        if let Some(p) = &n.password {
            let _ = writeln!(s, "  password \"{}\";", p.replace('"', ""));
        }
        if n.passive {
            s.push_str("  passive on;\n");
        }
        if n.rr_client {
            s.push_str("  rr client;\n");
        }
        // Originated prefixes plus transit of what other peers sent (a ToR).
        let (family, announced) = channel(n.address.is_ipv6());
        let _ = writeln!(
            s,
            "  {family} {{ import all; export where proto = \"{announced}\" || source = RTS_BGP; }};\n}}"
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routers::{NeighborConfig, RouterConfig};

    #[test]
    fn a_passive_md5_neighbor_renders_with_short_timers() {
        let cfg = RouterConfig::new("10.0.1.2".parse().unwrap(), 65001)
            .neighbor(
                NeighborConfig::new("10.0.1.1".parse().unwrap(), 65000)
                    .password("s3cret")
                    .passive()
                    .rr_client(),
            )
            .originate("10.66.1.0/24".parse().unwrap());
        let text = render(&cfg);
        for want in [
            "router id 10.0.1.2;",
            "route 10.66.1.0/24 blackhole;",
            "protocol bgp peer_10_0_1_1 {",
            "local as 65001;\n  neighbor 10.0.1.1 as 65000;",
            "hold time 9; keepalive time 3; connect retry time 1;",
            "password \"s3cret\";",
            "passive on;",
            "rr client;",
            "export where source = RTS_BGP;",
        ] {
            assert!(text.contains(want), "missing `{want}` in\n{text}");
        }
    }

    #[test]
    fn an_ipv6_neighbor_gets_ipv6_tables_and_channel_beside_ipv4() {
        let cfg = RouterConfig::new("10.0.1.2".parse().unwrap(), 65001)
            .neighbor(NeighborConfig::new("fd00:1::1".parse().unwrap(), 65000))
            .originate("fd00:66:1::/64".parse().unwrap())
            .originate("10.66.1.0/24".parse().unwrap());
        let text = render(&cfg);
        for want in [
            "protocol bgp peer_fd00_1__1 {",
            "neighbor fd00:1::1 as 65000;",
            "ipv6 { import none; export where source = RTS_BGP; };",
            "protocol static announced6 {\n  ipv6;\n  route fd00:66:1::/64 blackhole;\n}",
            "protocol static announced {\n  ipv4;\n  route 10.66.1.0/24 blackhole;\n}",
            "ipv6 { import all; export where proto = \"announced6\" || source = RTS_BGP; };",
        ] {
            assert!(text.contains(want), "missing `{want}` in\n{text}");
        }
    }

    #[test]
    fn without_kernel_export_there_is_no_kernel_protocol() {
        let mut cfg = RouterConfig::new("10.0.0.1".parse().unwrap(), 65000);
        cfg.kernel_export = false;
        assert!(!render(&cfg).contains("protocol kernel"));
    }
}
