//! Graceful Restart (RFC 4724) with FRR and BIRD as the helper (needs root), in the
//! IPv4 interop lab (`peering/mod.rs`): bgpd stops without a NOTIFICATION; the helper
//! keeps bgpd's route (stale) meanwhile and bgpd keeps its own kernel routes; after bgpd
//! is back the route is still there on both sides. When bgpd does not come back, the
//! helper drops the stale route once bgpd's restart time has run out, not before.
//!
//! ```text
//!   +--------+ 10.0.9.2        10.0.9.1 +------------+
//!   |  bgpd  +--------------------------+ FRR / BIRD |  eBGP 65001 <-> 65000
//!   +--------+  originates 10.65.1.0/26 +------------+  originates 10.66.1.0/24
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod peering;

use std::time::{Duration, Instant};

use integration::routers::{Router, RouterKind, SessionState};
use integration::{Daemon, Lab, wait_until};
use peering::{BgpdConfig, CONVERGE, PEER_AS, V4, ip};

/// The restart time bgpd asks its peers for (seconds): short to keep the test lean.
const RESTART_TIME: u16 = 20;

struct GrLab {
    lab: Lab,
    peer: Box<dyn Router>,
    config: std::path::PathBuf,
    bgpd: Daemon,
}

/// bgpd and a helper of `kind`, routes exchanged both ways.
fn converged(kind: RouterKind) -> GrLab {
    let lab = peering::lab(&V4);
    let peer = peering::start_peer(&lab, kind, &V4, PEER_AS, None);
    let gr = BgpdConfig {
        graceful_restart_time: RESTART_TIME,
        ..BgpdConfig::new(PEER_AS)
    };
    let config = peering::bgpd_config(&lab, &V4, gr);
    let bgpd = peering::start_bgpd(&lab, &config);
    peer.wait_route(V4.ours.parse().unwrap(), CONVERGE).unwrap();
    wait_until(CONVERGE, "the helper's route in bgpd's kernel", || {
        peering::bgpd_route(&lab, V4.theirs).is_some()
    })
    .unwrap();
    GrLab {
        lab,
        peer,
        config,
        bgpd,
    }
}

fn peer_has_ours(peer: &dyn Router) -> bool {
    let ours = V4.ours.parse().unwrap();
    peer.rib()
        .is_ok_and(|rib| rib.iter().any(|r| r.prefix == ours))
}

/// Stops bgpd (SIGTERM: no NOTIFICATION, sockets closed) and waits until the helper
/// has noticed; returns when the stop began, which is before the helper's restart timer
/// can have started.
fn stop_bgpd(g: &GrLab) -> Instant {
    let stopped = Instant::now();
    g.bgpd.stop();
    wait_until(CONVERGE, "the helper notices the session is gone", || {
        g.peer
            .sessions()
            .is_ok_and(|s| s.iter().all(|s| s.state != SessionState::Established))
    })
    .unwrap();
    stopped
}

fn helper_keeps_bgpd_routes_across_a_restart(kind: RouterKind) {
    let g = converged(kind);
    stop_bgpd(&g);
    assert!(peer_has_ours(&*g.peer), "{kind:?} keeps the stale route");
    assert!(
        peering::bgpd_route(&g.lab, V4.theirs).is_some(),
        "bgpd's kernel route survives the stop"
    );

    let t = Instant::now();
    let _bgpd = peering::start_bgpd(&g.lab, &g.config);
    // At every poll until the session is back, the helper still has the route.
    wait_until(CONVERGE, "the session re-established", || {
        assert!(
            peer_has_ours(&*g.peer),
            "{kind:?} dropped the route meanwhile"
        );
        g.peer.sessions().is_ok_and(|s| {
            s.iter()
                .any(|s| s.peer == ip(V4.bgpd) && s.state == SessionState::Established)
        })
    })
    .unwrap();
    eprintln!(
        "measured {kind:?}: session re-established {:?} after restart",
        t.elapsed()
    );
    assert!(peer_has_ours(&*g.peer));
    assert!(peering::bgpd_route(&g.lab, V4.theirs).is_some());
}

/// The helper keeps the stale route for the restart time (RFC 4724 §4.2), then drops it.
/// Kept time runs from the stop to when the test sees the route gone, so it can only
/// overestimate how long the helper kept it.
fn helper_drops_stale_routes_once_the_restart_time_is_over(kind: RouterKind) {
    let g = converged(kind);
    let down = stop_bgpd(&g);
    assert!(peer_has_ours(&*g.peer), "{kind:?} keeps the stale route");
    let restart = Duration::from_secs(RESTART_TIME.into());
    wait_until(restart + CONVERGE, "the stale route dropped", || {
        !peer_has_ours(&*g.peer)
    })
    .unwrap();
    let kept = down.elapsed();
    eprintln!("measured {kind:?}: stale route kept {kept:?} (restart time {restart:?})");
    // One second of slack for the helpers' timer resolution.
    assert!(
        kept + Duration::from_secs(1) >= restart,
        "{kind:?} dropped the stale route after {kept:?}, before the restart time"
    );
}

#[test]
fn frr_keeps_bgpd_routes_while_bgpd_restarts_and_bgpd_keeps_its_kernel_routes() {
    helper_keeps_bgpd_routes_across_a_restart(RouterKind::Frr);
}

#[test]
fn bird_keeps_bgpd_routes_while_bgpd_restarts_and_bgpd_keeps_its_kernel_routes() {
    helper_keeps_bgpd_routes_across_a_restart(RouterKind::Bird);
}

#[test]
fn frr_drops_bgpd_routes_once_the_restart_time_is_over() {
    helper_drops_stale_routes_once_the_restart_time_is_over(RouterKind::Frr);
}

#[test]
fn bird_drops_bgpd_routes_once_the_restart_time_is_over() {
    helper_drops_stale_routes_once_the_restart_time_is_over(RouterKind::Bird);
}
