//! Soft reset and filter reloads against real FRR 8.4 and BIRD 2 peers in network
//! namespaces (needs root): the bgpd binary with its management API socket.
//!
//! ```text
//!   +------------------------+  eth0      eth0  +------------------+
//!   | bgpd 10.0.9.2/30       +------------------+ FRR / BIRD       |
//!   | --api-socket (test)    |                  | 10.0.9.1/30      |
//!   +------------------------+                  | 10.66.1.0/24,    |
//!                                               | 10.66.2.0/24     |
//!                                               +------------------+
//! ```
//!
//! - FRR (route refresh negotiated): a reload that rejects 10.66.2.0/24 on import takes
//!   it out of the Loc-RIB and the kernel; inbound soft reset sends a ROUTE-REFRESH (FRR
//!   counts it) and FRR's re-sent routes go through the new filter; outbound soft reset
//!   re-sends our prefix; FRR still counts one established connection, bgpd no flap.
//! - BIRD with `enable route refresh off`: inbound soft reset re-runs import over the
//!   stored Adj-RIB-In; a loosened filter reloaded brings the prefix back; BIRD's
//!   session keeps its time stamp.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bgpd_api::pb::bgpd_client::BgpdClient;
use bgpd_api::pb::{ListPeersRequest, Peer, ReloadRequest, SoftResetDirection, SoftResetRequest};
use integration::routers::bird::Bird;
use integration::routers::frr::Frr;
use integration::routers::{NeighborConfig, Router, RouterConfig};
use integration::{Daemon, Lab, Topology, wait_for, wait_until};
use tonic::transport::Channel;

const CONVERGE: Duration = Duration::from_secs(60);
const BGPD_ADDR: &str = "10.0.9.2";
const PEER_ADDR: &str = "10.0.9.1";
const KEPT: &str = "10.66.1.0/24";
const FILTERED: &str = "10.66.2.0/24";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn lab() -> Lab {
    let topo = Topology::builder()
        .host("bgpd")
        .router("peer")
        .link(
            ("bgpd", "eth0", "10.0.9.2/30"),
            ("peer", "eth0", "10.0.9.1/30"),
        )
        .build()
        .unwrap();
    let mut lab = Lab::new().unwrap();
    lab.build(&topo).unwrap();
    lab
}

fn peer_config() -> RouterConfig {
    RouterConfig::new(PEER_ADDR.parse().unwrap(), 65100)
        .neighbor(NeighborConfig::new(ip(BGPD_ADDR), 65001))
        .originate(KEPT.parse().unwrap())
        .originate(FILTERED.parse().unwrap())
}

/// bgpd's file; `reject` adds an import rule refusing [`FILTERED`].
fn write_bgpd_config(path: &Path, reject: bool) {
    let mut text = format!(
        "router_id = \"{BGPD_ADDR}\"\nasn = 65001\nlisten_address = \"{BGPD_ADDR}\"\n\
         graceful_restart_time = 0\n[[originate]]\nprefix = \"10.65.1.0/26\"\n\
         [[peers]]\nname = \"peer\"\naddress = \"{PEER_ADDR}\"\nremote_as = 65100\n\
         hold_time = 9\nconnect_retry_time = 1\nfamilies = [\"ipv4-unicast\"]\n"
    );
    if reject {
        text.push_str(&format!(
            "[[peers.import.rules]]\nprefix = \"{FILTERED}\"\naction = \"reject\"\n"
        ));
    }
    std::fs::write(path, text).unwrap();
}

fn start_bgpd(lab: &Lab, config: &Path) -> (Daemon, PathBuf) {
    let sock = lab.dir().join("bgpd.sock");
    let bin = env!("CARGO_BIN_EXE_bgpd");
    let args = [
        bin,
        "--config",
        config.to_str().unwrap(),
        "--api-socket",
        sock.to_str().unwrap(),
    ];
    (lab.spawn("bgpd", "bgpd", &args).unwrap(), sock)
}

/// Blocking view of the API for the polling helpers.
struct Api {
    rt: tokio::runtime::Runtime,
    client: BgpdClient<Channel>,
}

impl Api {
    fn connect(sock: &Path) -> Api {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = wait_for(CONVERGE, "bgpd api socket", || {
            rt.block_on(bgpd_api::client::connect(sock, Duration::from_secs(5)))
                .ok()
        })
        .unwrap();
        Api { rt, client }
    }

    fn peer(&self) -> Option<Peer> {
        let mut c = self.client.clone();
        let r = self.rt.block_on(c.list_peers(ListPeersRequest {})).ok()?;
        r.into_inner().peers.into_iter().next()
    }

    fn wait_peer(&self, what: &str, ok: impl Fn(&Peer) -> bool) -> Peer {
        wait_for(CONVERGE, what, || self.peer().filter(|p| ok(p))).unwrap()
    }

    fn soft_reset(&self, direction: SoftResetDirection) -> bgpd_api::pb::SoftResetResponse {
        let mut c = self.client.clone();
        let req = SoftResetRequest {
            peer: PEER_ADDR.into(),
            direction: direction.into(),
        };
        self.rt.block_on(c.soft_reset(req)).unwrap().into_inner()
    }

    fn reload(&self) {
        let mut c = self.client.clone();
        self.rt.block_on(c.reload(ReloadRequest {})).unwrap();
    }
}

fn kernel_has(lab: &Lab, dst: &str) -> bool {
    lab.routes("bgpd").is_ok_and(|routes| {
        routes
            .iter()
            .any(|r| r.dst == dst && r.protocol.as_deref() == Some("89"))
    })
}

/// FRR's view of the session with bgpd: (connections established, ROUTE-REFRESH received).
fn frr_counts(frr: &Frr) -> Option<(u64, u64)> {
    let out = frr
        .vtysh(&format!("show bgp neighbors {BGPD_ADDR} json"))
        .ok()?;
    let v: serde_json::Value = serde_json::from_str(&out).ok()?;
    let n = &v[BGPD_ADDR];
    Some((
        n["connectionsEstablished"].as_u64()?,
        n["messageStats"]["routeRefreshRecv"].as_u64()?,
    ))
}

#[test]
fn frr_filter_reload_and_soft_resets_keep_the_session() {
    let lab = lab();
    let frr = Frr::start(&lab, "peer", &peer_config()).unwrap();
    let config = lab.dir().join("bgpd.toml");
    write_bgpd_config(&config, false);
    let (_bgpd, sock) = start_bgpd(&lab, &config);
    let api = Api::connect(&sock);
    let up = api.wait_peer("both FRR prefixes accepted", |p| {
        p.state == "Established" && p.prefixes_accepted == 2
    });
    assert!(
        up.capabilities.iter().any(|c| c == "route refresh"),
        "{up:?}"
    );
    wait_until(CONVERGE, "both routes in bgpd's kernel table", || {
        kernel_has(&lab, KEPT) && kernel_has(&lab, FILTERED)
    })
    .unwrap();
    let (connections, refreshes) = frr_counts(&frr).expect("frr neighbor json");

    // Tighter import filter, reloaded: applied to the routes already received.
    write_bgpd_config(&config, true);
    api.reload();
    wait_until(CONVERGE, "filtered route gone from the kernel", || {
        !kernel_has(&lab, FILTERED)
    })
    .unwrap();
    assert!(kernel_has(&lab, KEPT));
    let filtered = api.wait_peer("one prefix accepted", |p| p.prefixes_accepted == 1);
    assert_eq!(
        (filtered.prefixes_received, filtered.flaps),
        (up.prefixes_received, 0),
        "still received (Adj-RIB-In), session kept"
    );

    // Inbound soft reset: FRR is asked and re-sends; the filter holds for the new copies.
    let done = api.soft_reset(SoftResetDirection::In);
    assert!(done.route_refresh_sent, "{done:?}");
    wait_until(CONVERGE, "FRR received our ROUTE-REFRESH", || {
        frr_counts(&frr).is_some_and(|(_, rr)| rr > refreshes)
    })
    .unwrap();
    let refreshed = api.wait_peer("FRR's routes sent again", |p| {
        p.updates_received > filtered.updates_received
    });
    assert_eq!(
        (refreshed.prefixes_accepted, refreshed.flaps),
        (1, 0),
        "{refreshed:?}"
    );

    // Outbound: our prefix announced again, FRR keeps it.
    let done = api.soft_reset(SoftResetDirection::Out);
    assert_eq!(done.readvertised, 1);
    frr.wait_route("10.65.1.0/26".parse().unwrap(), CONVERGE)
        .unwrap();

    let end = api.peer().unwrap();
    assert!(
        end.uptime_seconds >= up.uptime_seconds && end.flaps == 0,
        "{end:?}"
    );
    assert_eq!(
        frr_counts(&frr).map(|(c, _)| c),
        Some(connections),
        "FRR saw no new connection"
    );
}

/// BIRD's time stamp of the session (changes when the session restarts).
fn bird_since(bird: &Bird) -> Option<String> {
    let name = integration::routers::bird::config::protocol_name(ip(BGPD_ADDR));
    let out = bird.birdc(&format!("show protocols {name}")).ok()?;
    let line = out.lines().find(|l| l.starts_with(&name))?;
    line.contains("Established")
        .then(|| line.split_whitespace().nth(4).map(str::to_owned))
        .flatten()
}

#[test]
fn bird_without_route_refresh_is_soft_reset_from_the_adj_rib_in() {
    let lab = lab();
    let cfg = peer_config();
    let text = integration::routers::bird::config::render(&cfg)
        .replace("  local as", "  enable route refresh off;\n  local as");
    let cfg = RouterConfig {
        config_text: Some(text),
        ..cfg
    };
    let bird = Bird::start(&lab, "peer", &cfg).unwrap();
    let config = lab.dir().join("bgpd.toml");
    write_bgpd_config(&config, true);
    let (_bgpd, sock) = start_bgpd(&lab, &config);
    let api = Api::connect(&sock);
    let up = api.wait_peer("BIRD's kept prefix accepted", |p| {
        p.state == "Established" && p.prefixes_accepted == 1 && p.prefixes_received == 2
    });
    assert!(
        !up.capabilities.iter().any(|c| c == "route refresh"),
        "{up:?}"
    );
    let since = wait_for(CONVERGE, "BIRD session up", || bird_since(&bird)).unwrap();

    let done = api.soft_reset(SoftResetDirection::In);
    assert_eq!((done.route_refresh_sent, done.reimported), (false, 2));

    // Loosened filter: the stored copy of the refused route comes back.
    write_bgpd_config(&config, false);
    api.reload();
    wait_until(CONVERGE, "formerly filtered route in the kernel", || {
        kernel_has(&lab, FILTERED)
    })
    .unwrap();
    let done = api.soft_reset(SoftResetDirection::Both);
    assert_eq!((done.reimported, done.readvertised), (2, 1));
    bird.wait_route("10.65.1.0/26".parse().unwrap(), CONVERGE)
        .unwrap();
    let end = api.peer().unwrap();
    assert_eq!((end.prefixes_accepted, end.flaps), (2, 0), "{end:?}");
    assert_eq!(
        bird_since(&bird),
        Some(since),
        "BIRD's session did not restart"
    );
}
