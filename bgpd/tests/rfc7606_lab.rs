//! RFC 7606 against real malformed-message peers (needs root): ExaBGP sends raw
//! attributes, and for what ExaBGP cannot encode (a missing mandatory attribute, a
//! duplicate ORIGIN, a NEXT_HOP of the wrong length; see `integration::exabgp`) a raw
//! BGP peer in the test sends hand-built UPDATEs. Each malformed UPDATE must get the
//! action `bgpd/src/wire/rfc7606.rs` documents, seen from outside: treat-as-withdraw
//! takes the prefix out of bgpd's kernel table with the session up, attribute discard
//! keeps the route, a session reset sends a NOTIFICATION and counts a flap. Meanwhile a
//! BIRD peer stays Established with its route installed.
//!
//! ```text
//!   ExaBGP 65003 / raw 65004           bgpd 65001             BIRD 65000
//!   10.0.9.1 -------------------- 10.0.9.2   10.0.8.2 -------------- 10.0.8.1
//!   malformed UPDATEs                                          originates 10.66.1.0/24
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod peering;
mod raw_peer;

use common::{hex, update};
use integration::exabgp::{Exabgp, ExabgpConfig};
use integration::routers::{self, NeighborConfig, Router, RouterConfig, RouterKind};
use integration::{Daemon, Lab, Topology, wait_until};
use peering::{CONVERGE, bgpd_metric, ip};
use raw_peer::RawPeer;

const SENDER: &str = "10.0.9.1";
const BIRD: &str = "10.0.8.1";
const BIRDS_ROUTE: &str = "10.66.1.0/24";

struct MalformedLab {
    lab: Lab,
    bird: Box<dyn Router>,
    _bgpd: Daemon,
}

/// bgpd between the sender (AS `sender_as`, passive on bgpd's side when `passive`) and
/// a BIRD bystander, all sessions established and BIRD's route installed.
fn malformed_lab(sender_as: u32, passive: bool) -> MalformedLab {
    let topo = Topology::builder()
        .host("bgpd")
        .host("sender")
        .host("bird")
        .link(
            ("bgpd", "eth0", "10.0.9.2/30"),
            ("sender", "eth0", "10.0.9.1/30"),
        )
        .link(
            ("bgpd", "eth1", "10.0.8.2/30"),
            ("bird", "eth0", "10.0.8.1/30"),
        )
        .build()
        .unwrap();
    let mut lab = Lab::new().unwrap();
    lab.build(&topo).unwrap();
    let bird_cfg = RouterConfig::new(BIRD.parse().unwrap(), 65000)
        .neighbor(NeighborConfig::new(ip("10.0.8.2"), 65001))
        .originate(BIRDS_ROUTE.parse().unwrap());
    let bird = routers::start(RouterKind::Bird, &lab, "bird", &bird_cfg).unwrap();
    let text = format!(
        "router_id = \"10.0.9.2\"\nasn = 65001\ngraceful_restart_time = 0\n\
         [[peers]]\nname = \"bird\"\naddress = \"{BIRD}\"\nremote_as = 65000\nhold_time = 9\n\
         connect_retry_time = 1\nfamilies = [\"ipv4-unicast\"]\n\
         [[peers]]\nname = \"sender\"\naddress = \"{SENDER}\"\nremote_as = {sender_as}\n\
         hold_time = 9\nconnect_retry_time = 1\npassive = {passive}\n"
    );
    let path = lab.dir().join("bgpd.toml");
    std::fs::write(&path, text).unwrap();
    let bin = env!("CARGO_BIN_EXE_bgpd");
    // JSON log lines, so the test can read the fields bgpd logs.
    let argv = [
        "env",
        "TERRACE_LOG_FORMAT=json",
        bin,
        "--config",
        path.to_str().unwrap(),
    ];
    let bgpd = lab.spawn("bgpd", "bgpd", &argv).unwrap();
    bird.wait_established(ip("10.0.8.2"), CONVERGE).unwrap();
    wait_until(CONVERGE, "BIRD's route in bgpd's kernel", || {
        installed(&lab, BIRDS_ROUTE)
    })
    .unwrap();
    MalformedLab {
        lab,
        bird,
        _bgpd: bgpd,
    }
}

fn installed(lab: &Lab, prefix: &str) -> bool {
    peering::bgpd_route(lab, prefix).is_some()
}

fn metric(lab: &Lab, name: &str, peer: &str) -> f64 {
    bgpd_metric(lab, "bgpd", name, Some(peer)).unwrap_or(f64::NAN)
}

fn established(lab: &Lab, peer: &str) -> bool {
    metric(lab, "bgpd_peer_established", peer) == 1.0
}

fn flaps(lab: &Lab, peer: &str) -> f64 {
    metric(lab, "bgpd_peer_session_flaps_total", peer)
}

impl MalformedLab {
    /// The bystander is untouched: BIRD's session never flapped, is up on both sides,
    /// and its route is installed.
    fn assert_bird_untouched(&self) {
        assert!(established(&self.lab, BIRD), "bgpd's session with BIRD");
        assert_eq!(flaps(&self.lab, BIRD), 0.0, "BIRD's session never flapped");
        assert!(self.bird.sessions().unwrap()[0].state == routers::SessionState::Established);
        assert!(installed(&self.lab, BIRDS_ROUTE), "BIRD's route installed");
    }

    fn wait_installed(&self, prefix: &str, want: bool) {
        let what = format!(
            "{prefix} {}in bgpd's kernel",
            if want { "" } else { "not " }
        );
        wait_until(CONVERGE, &what, || installed(&self.lab, prefix) == want).unwrap();
    }

    /// How many of bgpd's (JSON) log lines contain all of `parts`.
    fn bgpd_logged(&self, parts: &[&str]) -> usize {
        let log = std::fs::read_to_string(self.lab.dir().join("bgpd.log")).unwrap_or_default();
        log.lines()
            .filter(|l| parts.iter().all(|p| l.contains(p)))
            .count()
    }

    /// Lines logging malformed UPDATE attributes handled with `action`.
    fn handled_with(&self, action: &str) -> usize {
        let field = format!("\"action\":\"{action}\"");
        self.bgpd_logged(&["malformed UPDATE attributes", &field])
    }
}

#[test]
fn exabgp_malformed_updates_get_their_rfc7606_action_and_bird_is_untouched() {
    let m = malformed_lab(65003, false);
    let exa = Exabgp::start(
        &m.lab,
        "sender",
        &ExabgpConfig {
            router_id: SENDER.parse().unwrap(),
            local_address: ip(SENDER),
            local_as: 65003,
            peer: ip("10.0.9.2"),
            peer_as: 65001,
            families: vec!["ipv4 unicast".into(), "ipv6 unicast".into()],
        },
    )
    .unwrap();
    wait_until(CONVERGE, "ExaBGP's session", || established(&m.lab, SENDER)).unwrap();

    // (prefix, malformation, RFC 7606 action): each prefix is first announced clean.
    let nh = format!("next-hop {SENDER}");
    let cases = [
        // §7.2: AS_PATH segment type 9 does not exist.
        (
            "10.67.1.0/24",
            format!("{nh} attribute [0x02 0x40 0x09010000fdeb]"),
            false,
        ),
        // §7.1: ORIGIN 5 is undefined.
        (
            "10.67.2.0/24",
            format!("{nh} attribute [0x01 0x40 0x05]"),
            false,
        ),
        // §7.3 / RFC 4271 §6.3: a NEXT_HOP of 0.0.0.0 is semantically incorrect.
        ("10.67.3.0/24", "next-hop 0.0.0.0".to_owned(), false),
        // §7.6: ATOMIC_AGGREGATE of length 1 is discarded, the route kept.
        (
            "10.67.4.0/24",
            format!("{nh} attribute [0x06 0x40 0x00]"),
            true,
        ),
    ];
    for (prefix, _, _) in &cases {
        exa.send(&format!("announce route {prefix} {nh}")).unwrap();
    }
    for (prefix, _, _) in &cases {
        m.wait_installed(prefix, true);
    }
    let updates_before = metric(&m.lab, "bgpd_peer_updates_received_total", SENDER);
    for (prefix, malformed, kept) in &cases {
        exa.send(&format!("announce route {prefix} {malformed}"))
            .unwrap();
        if !*kept {
            m.wait_installed(prefix, false);
        }
    }
    // Every malformed UPDATE arrived (the discard case leaves no trace in the table).
    wait_until(CONVERGE, "the malformed UPDATEs received", || {
        metric(&m.lab, "bgpd_peer_updates_received_total", SENDER) >= updates_before + 4.0
    })
    .unwrap();
    assert!(
        installed(&m.lab, "10.67.4.0/24"),
        "attribute discard keeps the route"
    );
    assert_eq!(m.handled_with("TreatAsWithdraw"), 3);
    assert_eq!(m.handled_with("AttributeDiscard"), 1);
    assert!(established(&m.lab, SENDER), "no session reset so far");
    assert_eq!(flaps(&m.lab, SENDER), 0.0);
    m.assert_bird_untouched();

    // §7.11 and §3 (g): a bad or a doubled MP_REACH_NLRI resets the session. ExaBGP would
    // send the route again on every new session, so it is withdrawn once the reset was
    // seen, and the session must then come back and stay.
    let resets = [
        // IPv6 next hop length 5 with 4 octets left.
        (
            "10.67.5.0/24",
            nh.clone(),
            "0x0e 0x90 0x0002010520010db8",
            "Optional Attribute Error",
        ),
        // A second MP_REACH_NLRI (a well-formed one for fd00:67:7::/64) beside the one
        // ExaBGP builds for the IPv6 route.
        (
            "fd00:67:6::/64",
            "next-hop fd00:9::1".to_owned(),
            "0x0e 0x80 0x00020110fd0000090000000000000000000000010040fd00006700070000",
            "Malformed Attribute List",
        ),
    ];
    for (n, (prefix, next_hop, attribute, subcode)) in resets.iter().enumerate() {
        exa.send(&format!(
            "announce route {prefix} {next_hop} attribute [{attribute}]"
        ))
        .unwrap();
        wait_until(CONVERGE, "the session reset", || {
            flaps(&m.lab, SENDER) > n as f64
        })
        .unwrap();
        assert!(
            m.bgpd_logged(&["NOTIFICATION sent", "UPDATE Message Error", subcode]) >= 1,
            "bgpd sent UPDATE Message Error / {subcode}"
        );
        exa.send(&format!("withdraw route {prefix} {next_hop}"))
            .unwrap();
        wait_until(CONVERGE, "ExaBGP's session back", || {
            established(&m.lab, SENDER) && installed(&m.lab, "10.67.4.0/24")
        })
        .unwrap();
        m.assert_bird_untouched();
    }
    assert!(exa.is_running());
}

/// ORIGIN IGP, AS_PATH [65004] (4-octet), NEXT_HOP 10.0.9.1.
const ORIGIN: &str = "40 01 01 00";
const AS_PATH: &str = "40 02 06 02 01 00 00 fd ec";
const NEXT_HOP: &str = "40 03 04 0a 00 09 01";

fn nlri(prefix: &str) -> Vec<u8> {
    let p: ipnet::Ipv4Net = prefix.parse().unwrap();
    let bytes = usize::from(p.prefix_len().div_ceil(8));
    let mut out = vec![p.prefix_len()];
    out.extend_from_slice(&p.network().octets()[..bytes]);
    out
}

fn raw_update(attrs: &str, prefix: &str) -> Vec<u8> {
    update(&[], &hex(attrs), &nlri(prefix))
}

#[test]
fn malformed_updates_exabgp_cannot_send_get_their_rfc7606_action() {
    let m = malformed_lab(65004, true);
    let mut raw = RawPeer::establish(
        &m.lab,
        "sender",
        "10.0.9.2:179".parse().unwrap(),
        65004,
        SENDER.parse().unwrap(),
    );
    wait_until(CONVERGE, "the raw peer's session", || {
        established(&m.lab, SENDER)
    })
    .unwrap();
    let clean = format!("{ORIGIN} {AS_PATH} {NEXT_HOP}");
    let p = "10.68.1.0/24";
    // (malformed attributes, RFC 7606 action): treat-as-withdraw takes `p` out, so
    // each case first announces it clean again.
    let withdrawn = [
        // §3 (d): a missing well-known mandatory attribute (AS_PATH).
        format!("{ORIGIN} {NEXT_HOP}"),
        // §3 (d): no NEXT_HOP for IPv4 NLRI.
        format!("{ORIGIN} {AS_PATH}"),
        // §7.3: NEXT_HOP of length 5.
        format!("{ORIGIN} {AS_PATH} 40 03 05 0a 00 09 01 00"),
    ];
    for malformed in &withdrawn {
        raw.send(&raw_update(&clean, p));
        m.wait_installed(p, true);
        raw.send(&raw_update(malformed, p));
        m.wait_installed(p, false);
    }
    // §3 (g): of two ORIGINs all but the first are discarded; the route stands.
    let q = "10.68.2.0/24";
    raw.send(&raw_update(&format!("{clean} 40 01 01 02"), q));
    m.wait_installed(q, true);
    assert_eq!(m.handled_with("TreatAsWithdraw"), 3);
    assert_eq!(m.handled_with("AttributeDiscard"), 1);
    assert!(raw.notifications().is_empty(), "{:?}", raw.notifications());
    assert!(established(&m.lab, SENDER));
    assert_eq!(flaps(&m.lab, SENDER), 0.0);
    m.assert_bird_untouched();
}
