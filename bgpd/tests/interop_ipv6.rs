//! bgpd ⇄ BIRD 2 over an IPv6 session carrying IPv6 unicast (needs root). BIRD is
//! configured here by hand: the lab's router configs are IPv4-only.
//!
//! ```text
//!   +--------+ fd00:9::2/64        fd00:9::1/64 +------+
//!   |  bgpd  +----------------------------------+ BIRD |  eBGP 65001 <-> 65000
//!   +--------+  originates fd00:65:1::/64       +------+  originates fd00:66:1::/64
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use integration::{Lab, Topology, wait_until};

const CONVERGE: Duration = Duration::from_secs(60);

const BIRD_CONF: &str = r#"router id 10.0.9.1;
log stderr all;
protocol device { scan time 2; }
protocol kernel { ipv6 { import none; export where source = RTS_BGP; }; scan time 2; }
protocol static announced { ipv6; route fd00:66:1::/64 blackhole; }
protocol bgp bgpd {
  local fd00:9::1 as 65000; neighbor fd00:9::2 as 65001;
  hold time 9; keepalive time 3; connect retry time 1; error wait time 1, 5;
  ipv6 { import all; export where proto = "announced"; };
}
"#;

const BGPD_CONF: &str = "router_id = \"10.0.9.2\"\nasn = 65001\nlisten_address = \"::\"\n\
    [[originate]]\nprefix = \"fd00:65:1::/64\"\n\
    [[peers]]\nname = \"bird\"\naddress = \"fd00:9::1\"\nremote_as = 65000\nhold_time = 9\n\
    connect_retry_time = 1\nfamilies = [\"ipv6-unicast\"]\n";

#[test]
fn ipv6_routes_are_exchanged_with_bird_and_installed_in_the_kernel() {
    let topo = Topology::builder()
        .host("bgpd")
        .router("peer")
        .link(
            ("bgpd", "eth0", "fd00:9::2/64"),
            ("peer", "eth0", "fd00:9::1/64"),
        )
        .build()
        .unwrap();
    let mut lab = Lab::new().unwrap();
    lab.build(&topo).unwrap();
    let dir = lab.dir().to_path_buf();
    std::fs::write(dir.join("bird6.conf"), BIRD_CONF).unwrap();
    std::fs::write(dir.join("bgpd.toml"), BGPD_CONF).unwrap();
    let ctl = dir.join("bird6.ctl");
    let (conf, ctl) = (dir.join("bird6.conf"), ctl.to_str().unwrap().to_owned());
    let _bird = lab
        .spawn(
            "peer",
            "bird6",
            &["bird", "-f", "-c", conf.to_str().unwrap(), "-s", &ctl],
        )
        .unwrap();
    let t0 = Instant::now();
    let bin = env!("CARGO_BIN_EXE_bgpd");
    let cfg = dir.join("bgpd.toml");
    let _bgpd = lab
        .spawn("bgpd", "bgpd", &[bin, "--config", cfg.to_str().unwrap()])
        .unwrap();

    wait_until(CONVERGE, "bgpd's prefix in BIRD via bgpd", || {
        lab.exec(
            "peer",
            &[
                "birdc",
                "-s",
                &ctl,
                "show",
                "route",
                "for",
                "fd00:65:1::/64",
            ],
        )
        .is_ok_and(|out| out.contains("via fd00:9::2"))
    })
    .unwrap();
    let in_bird = t0.elapsed();
    wait_until(CONVERGE, "BIRD's prefix in bgpd's kernel via BIRD", || {
        lab.exec(
            "bgpd",
            &["ip", "-6", "route", "show", "fd00:66:1::/64", "proto", "89"],
        )
        .is_ok_and(|out| out.contains("via fd00:9::1"))
    })
    .unwrap();
    eprintln!(
        "measured ipv6 Bird: route in peer {in_bird:?}, peer route in bgpd kernel {:?}",
        t0.elapsed()
    );
}
