//! Renders a BIRD 2 configuration from a [`RouterConfig`]. Pure.

use std::fmt::Write;
use std::net::IpAddr;

use crate::routers::RouterConfig;

/// Name of the BGP protocol for `peer`: `peer_10_0_1_1`.
pub fn protocol_name(peer: IpAddr) -> String {
    format!("peer_{}", peer.to_string().replace(['.', ':'], "_"))
}

/// The BIRD config text.
pub fn render(cfg: &RouterConfig) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(s, "router id {};", cfg.router_id);
    s.push_str("log stderr all;\n");
    s.push_str("protocol device { scan time 2; }\n");
    if cfg.kernel_export {
        s.push_str(
            "protocol kernel {\n  ipv4 { import none; export where source = RTS_BGP; };\n  scan time 2;\n}\n",
        );
    }
    s.push_str("protocol static announced {\n  ipv4;\n");
    for p in &cfg.originate {
        let _ = writeln!(s, "  route {p} blackhole;");
    }
    s.push_str("}\n");
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
        // Originated prefixes plus transit of what other peers sent (a ToR).
        s.push_str(
            "  ipv4 { import all; export where proto = \"announced\" || source = RTS_BGP; };\n}\n",
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
                    .passive(),
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
            "export where source = RTS_BGP;",
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
