//! The two-namespace interop lab shared by `interop.rs` (IPv4) and `interop_ipv6.rs`:
//! bgpd (the binary) and one third-party peer on a veth link, one session of one family.
//!
//! ```text
//!   +----------------+  eth0            eth0  +--------------------+
//!   | bgpd (binary)  +------------------------+ BIRD / FRR / GoBGP |
//!   | Family::bgpd   |                        | Family::peer       |
//!   +----------------+                        +--------------------+
//!     originates Family::ours                   originates Family::theirs and
//!                                               answers pings on Family::theirs_host
//! ```
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use integration::reads::KernelRoute;
use integration::routers::{self, NeighborConfig, Router, RouterConfig, RouterKind};
use integration::{Daemon, Lab, ProbeOutcome, Topology, wait_until};

pub const CONVERGE: Duration = Duration::from_secs(60);
pub const BGPD_AS: u32 = 65001;
pub const PEER_AS: u32 = 65000;
/// bgpd's BGP Identifier; the peer's is [`PEER_ID`] (both IPv4, whatever the session).
pub const BGPD_ID: &str = "10.0.9.2";
pub const PEER_ID: &str = "10.0.9.1";

/// The addresses and prefixes of one address family's lab.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    /// bgpd's `families` entry.
    pub name: &'static str,
    /// bgpd's address on the link (and the peer's neighbor address).
    pub bgpd: &'static str,
    /// The peer's address on the link (bgpd's neighbor address).
    pub peer: &'static str,
    /// Prefix length of the link.
    pub link_len: u8,
    /// What bgpd originates.
    pub ours: &'static str,
    /// What the peer originates.
    pub theirs: &'static str,
    /// An address inside `theirs` the peer holds, so a ping proves bgpd's route works.
    pub theirs_host: &'static str,
}

pub const V4: Family = Family {
    name: "ipv4-unicast",
    bgpd: "10.0.9.2",
    peer: "10.0.9.1",
    link_len: 30,
    ours: "10.65.1.0/26",
    theirs: "10.66.1.0/24",
    theirs_host: "10.66.1.1",
};

pub const V6: Family = Family {
    name: "ipv6-unicast",
    bgpd: "fd00:9::2",
    peer: "fd00:9::1",
    link_len: 64,
    ours: "fd00:65:1::/64",
    theirs: "fd00:66:1::/64",
    theirs_host: "fd00:66:1::1",
};

impl Family {
    fn v6(&self) -> bool {
        self.bgpd.contains(':')
    }

    fn host_len(&self) -> u8 {
        if self.v6() { 128 } else { 32 }
    }
}

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Two namespaces, `bgpd` and `peer`, on one link of family `f`.
pub fn lab(f: &Family) -> Lab {
    let (a, b) = (
        format!("{}/{}", f.bgpd, f.link_len),
        format!("{}/{}", f.peer, f.link_len),
    );
    let topo = Topology::builder()
        .host("bgpd")
        .router("peer")
        .link(("bgpd", "eth0", &a), ("peer", "eth0", &b))
        .build()
        .unwrap();
    let mut lab = Lab::new().unwrap();
    lab.build(&topo).unwrap();
    lab
}

/// What varies in bgpd's config file between the lab tests.
#[derive(Debug, Clone, Copy)]
pub struct BgpdConfig<'a> {
    pub peer_as: u32,
    /// TCP MD5 password, written to a file next to the config.
    pub password: Option<&'a str>,
    /// Originate `Family::ours`.
    pub originate: bool,
    /// Graceful Restart time asked of the peer; 0 disables GR.
    pub graceful_restart_time: u16,
}

impl BgpdConfig<'_> {
    /// With `peer_as`, originating, no password, no Graceful Restart.
    pub fn new(peer_as: u32) -> Self {
        BgpdConfig {
            peer_as,
            password: None,
            originate: true,
            graceful_restart_time: 0,
        }
    }
}

/// Writes bgpd's config file (one peer, family `f`) into the lab dir.
pub fn bgpd_config(lab: &Lab, f: &Family, c: BgpdConfig<'_>) -> PathBuf {
    let (peer_as, password, originate) = (c.peer_as, c.password, c.originate);
    let mut text = format!(
        "router_id = \"{BGPD_ID}\"\nasn = {BGPD_AS}\nlisten_address = \"{}\"\n\
         graceful_restart_time = {}\n",
        f.bgpd, c.graceful_restart_time
    );
    if originate {
        text.push_str(&format!("[[originate]]\nprefix = \"{}\"\n", f.ours));
    }
    text.push_str(&format!(
        "[[peers]]\nname = \"peer\"\naddress = \"{}\"\nremote_as = {peer_as}\n\
         hold_time = 9\nconnect_retry_time = 1\nfamilies = [\"{}\"]\n",
        f.peer, f.name
    ));
    if let Some(pw) = password {
        std::fs::write(lab.dir().join("peer.password"), pw).unwrap();
        text.push_str("password_file = \"peer.password\"\n");
    }
    let path = lab.dir().join("bgpd.toml");
    std::fs::write(&path, text).unwrap();
    path
}

pub fn start_bgpd(lab: &Lab, config: &Path) -> Daemon {
    let bin = env!("CARGO_BIN_EXE_bgpd");
    lab.spawn("bgpd", "bgpd", &[bin, "--config", config.to_str().unwrap()])
        .unwrap()
}

/// Starts the peer, originating `f.theirs` and holding `f.theirs_host`.
pub fn start_peer(
    lab: &Lab,
    kind: RouterKind,
    f: &Family,
    peer_as: u32,
    password: Option<&str>,
) -> Box<dyn Router> {
    let host = format!("{}/{}", f.theirs_host, f.host_len());
    lab.exec("peer", &["ip", "addr", "add", &host, "dev", "lo"])
        .unwrap();
    let mut n = NeighborConfig::new(ip(f.bgpd), BGPD_AS);
    if let Some(p) = password {
        n = n.password(p);
    }
    let cfg = RouterConfig::new(PEER_ID.parse().unwrap(), peer_as)
        .neighbor(n)
        .originate(f.theirs.parse().unwrap());
    routers::start(kind, lab, "peer", &cfg).unwrap()
}

/// bgpd's kernel route to `dst` of protocol 89, if any.
pub fn bgpd_route(lab: &Lab, dst: &str) -> Option<KernelRoute> {
    let routes = if dst.contains(':') {
        lab.routes6("bgpd")
    } else {
        lab.routes("bgpd")
    };
    routes
        .ok()?
        .into_iter()
        .find(|r| r.dst == dst && r.protocol.as_deref() == Some("89"))
}

/// The whole interop check for one peer and family: the session comes up, bgpd's
/// prefix reaches the peer's RIB (next hop bgpd), the peer's prefix lands in bgpd's
/// kernel table (protocol 89, metric 20, via the peer) and carries a ping, a SIGHUP
/// reload without the prefix withdraws it from the peer while the session stays up, and
/// the peer's route leaves bgpd's kernel when the peer goes away. Measured times are
/// printed (`--nocapture`).
pub fn exchange_with(kind: RouterKind, peer_as: u32, f: &Family) {
    let lab = lab(f);
    let peer = start_peer(&lab, kind, f, peer_as, None);
    let config = bgpd_config(&lab, f, BgpdConfig::new(peer_as));
    let t0 = Instant::now();
    let bgpd = start_bgpd(&lab, &config);
    let what = format!("{kind:?} {} AS {peer_as}", f.name);
    peer.wait_established(ip(f.bgpd), CONVERGE).unwrap();
    let established = t0.elapsed();
    let route = peer.wait_route(f.ours.parse().unwrap(), CONVERGE).unwrap();
    let in_peer = t0.elapsed();
    if kind == RouterKind::Bird && peer_as == BGPD_AS {
        // The lab's BIRD resolves iBGP next hops recursively (BIRD's iBGP default) and
        // has no IGP table (no `protocol direct`), so it shows the route as unreachable
        // without a "via"; the route's presence is what we can check there.
        assert_eq!(
            route.next_hop, None,
            "lab BIRD cannot resolve iBGP next hops"
        );
    } else {
        assert_eq!(route.next_hop, Some(ip(f.bgpd)), "{what}: next hop is bgpd");
    }
    let k = lab
        .wait_kernel_route("bgpd", f.theirs, CONVERGE, |r| {
            r.protocol.as_deref() == Some("89")
        })
        .unwrap();
    let in_kernel = t0.elapsed();
    assert_eq!(
        (k.gateway, k.metric, k.dev.as_deref()),
        (Some(ip(f.peer)), Some(20), Some("eth0")),
        "{what}"
    );
    assert_eq!(
        lab.ping("bgpd", ip(f.theirs_host), Duration::from_secs(5)),
        ProbeOutcome::Connected,
        "{what}: bgpd's route to the peer's prefix carries packets"
    );
    eprintln!(
        "measured {what}: established {established:?}, route in peer RIB {in_peer:?}, peer route in bgpd kernel {in_kernel:?}"
    );

    // Withdrawal: reload without the originated prefix; the session stays up.
    let without_prefix = BgpdConfig {
        originate: false,
        ..BgpdConfig::new(peer_as)
    };
    bgpd_config(&lab, f, without_prefix);
    let t1 = Instant::now();
    lab.exec("bgpd", &["kill", "-HUP", &bgpd.pid().to_string()])
        .unwrap();
    let ours = f.ours.parse().unwrap();
    wait_until(CONVERGE, "withdrawal reaches the peer", || {
        peer.rib()
            .is_ok_and(|rib| rib.iter().all(|r| r.prefix != ours))
    })
    .unwrap();
    eprintln!(
        "measured {what}: withdrawal in peer RIB after {:?}",
        t1.elapsed()
    );
    assert!(
        peer.sessions()
            .unwrap()
            .iter()
            .any(|s| s.state == routers::SessionState::Established)
    );

    // The peer goes away: its route leaves bgpd's kernel table.
    drop(peer);
    wait_until(CONVERGE, "peer route removed from bgpd's kernel", || {
        bgpd_route(&lab, f.theirs).is_none()
    })
    .unwrap();
    assert!(bgpd.is_running(), "bgpd survives its peer");
}

/// A value of bgpd's Prometheus metrics (default address 127.0.0.1:9093, scraped in
/// node `role`): the series `name` labelled with `peer`, or the unlabelled one.
pub fn bgpd_metric(lab: &Lab, role: &str, name: &str, peer: Option<&str>) -> Option<f64> {
    let text = lab
        .exec(role, &["curl", "-s", "http://127.0.0.1:9093/metrics"])
        .ok()?;
    let label = peer.map(|p| format!("peer=\"{p}\""));
    text.lines()
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .find(|l| label.as_ref().is_none_or(|want| l.contains(want.as_str())))?
        .rsplit(' ')
        .next()?
        .parse()
        .ok()
}
