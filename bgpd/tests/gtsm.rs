//! GTSM / TTL security (RFC 5082) between two bgpd binaries in namespaces (needs root).
//!
//! ```text
//!   +--------+ 10.0.9.1/30          10.0.9.2/30 +--------+
//!   | left   +----------------------------------+ right  |
//!   +--------+ AS 65001, originates 10.65.1.0/26 +--------+ AS 65002
//! ```
//! With `ttl_security = 1` on both sides the session comes up; if only the right side
//! asks for it, the left sends with the default TTL and the right's kernel drops every
//! segment (TCPMinTTLDrop), so nothing is learned.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use integration::{Daemon, Lab, Topology, wait_until};

const CONVERGE: Duration = Duration::from_secs(60);

fn config(lab: &Lab, name: &str, me: (&str, u32), peer: (&str, u32), gtsm: bool) -> String {
    let mut text = format!(
        "router_id = \"{}\"\nasn = {}\nlisten_address = \"{}\"\n",
        me.0, me.1, me.0
    );
    if name == "left" {
        text.push_str("[[originate]]\nprefix = \"10.65.1.0/26\"\n");
    }
    text.push_str(&format!(
        "[[peers]]\nname = \"peer\"\naddress = \"{}\"\nremote_as = {}\nhold_time = 9\n\
         connect_retry_time = 1\nfamilies = [\"ipv4-unicast\"]\n",
        peer.0, peer.1
    ));
    if gtsm {
        text.push_str("ttl_security = 1\n");
    }
    let path = lab.dir().join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn run(left_gtsm: bool) -> (Lab, Daemon, Daemon) {
    let topo = Topology::builder()
        .host("left")
        .host("right")
        .link(
            ("left", "eth0", "10.0.9.1/30"),
            ("right", "eth0", "10.0.9.2/30"),
        )
        .build()
        .unwrap();
    let mut lab = Lab::new().unwrap();
    lab.build(&topo).unwrap();
    let bin = env!("CARGO_BIN_EXE_bgpd");
    let l = config(
        &lab,
        "left",
        ("10.0.9.1", 65001),
        ("10.0.9.2", 65002),
        left_gtsm,
    );
    let r = config(
        &lab,
        "right",
        ("10.0.9.2", 65002),
        ("10.0.9.1", 65001),
        true,
    );
    let left = lab
        .spawn("left", "bgpd-left", &[bin, "--config", &l])
        .unwrap();
    let right = lab
        .spawn("right", "bgpd-right", &[bin, "--config", &r])
        .unwrap();
    (lab, left, right)
}

fn right_learned(lab: &Lab) -> bool {
    lab.routes("right").is_ok_and(|rs| {
        rs.iter()
            .any(|r| r.dst == "10.65.1.0/26" && r.protocol.as_deref() == Some("89"))
    })
}

#[test]
fn gtsm_on_both_sides_establishes() {
    let (lab, _l, _r) = run(true);
    wait_until(CONVERGE, "route learned over a GTSM session", || {
        right_learned(&lab)
    })
    .unwrap();
}

#[test]
fn gtsm_on_one_side_drops_the_other_sides_segments() {
    let (lab, _l, _r) = run(false);
    let drops = || {
        lab.netstat("right")
            .map_or(0, |m| m.get("TcpExt.TCPMinTTLDrop").copied().unwrap_or(0))
    };
    wait_until(CONVERGE, "segments below the minimum TTL dropped", || {
        drops() >= 2
    })
    .unwrap();
    assert!(
        !right_learned(&lab),
        "no session without GTSM on the sender"
    );
}
