//! Restarting-speaker side of Graceful Restart (RFC 4724 §4.1): results are held back
//! until every GR peer sent End-of-RIB, or the deferral timer fires.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::Ipv4Addr;

use bgpd::rib::{Advert, FibDelta, Rib, RibConfig};
use bgpd::wire::{Afi, Update};
use common::rib::{A, TOR, TOR2, announce, ip, net, policy, session};

fn restarted_rib() -> Rib {
    let mut r = Rib::new(RibConfig {
        router_id: Ipv4Addr::new(10, 0, 0, 1),
        local_as: 65001,
        cluster_id: None,
        max_paths: 4,
    });
    for (id, asn) in [(TOR, 65100), (TOR2, 65200), (A, 65001)] {
        r.add_peer(id, policy(id, asn));
    }
    r.start_deferral();
    r
}

fn v4_only(peer: bgpd::rib::PeerId, asn: u32, gr: bool) -> bgpd::fsm::NegotiatedSession {
    bgpd::fsm::NegotiatedSession {
        families: vec![Afi::Ipv4],
        ..session(peer, asn, gr)
    }
}

#[test]
fn nothing_is_installed_or_advertised_until_every_gr_peer_sent_end_of_rib() {
    let mut r = restarted_rib();
    assert!(
        r.peer_up(TOR, &v4_only(TOR, 65100, true))
            .adverts
            .is_empty(),
        "no table sent while deferring"
    );
    r.peer_up(TOR2, &v4_only(TOR2, 65200, true));
    r.peer_up(A, &v4_only(A, 65001, false));
    let u1 = r.apply_update(
        TOR,
        &announce(&["10.80.0.0/24"], "192.0.2.1", &[65100], |_| {}),
    );
    let u2 = r.apply_update(
        TOR2,
        &announce(&["10.81.0.0/24"], "192.0.2.2", &[65200], |_| {}),
    );
    assert!(
        u1.fib.is_empty() && u2.fib.is_empty() && u1.adverts.is_empty() && u2.adverts.is_empty()
    );
    let first = r.apply_update(TOR, &Update::end_of_rib_marker(Afi::Ipv4));
    assert!(first.fib.is_empty(), "TOR2 has not finished yet");
    assert!(r.deferring());
    let done = r.apply_update(TOR2, &Update::end_of_rib_marker(Afi::Ipv4));
    assert!(!r.deferring());
    let mut fib = done.fib.clone();
    fib.sort_by_key(|d| format!("{d:?}"));
    assert_eq!(
        fib,
        vec![
            FibDelta::Add {
                prefix: net("10.80.0.0/24"),
                next_hops: vec![ip("192.0.2.1")]
            },
            FibDelta::Add {
                prefix: net("10.81.0.0/24"),
                next_hops: vec![ip("192.0.2.2")]
            },
        ]
    );
    assert!(done.adverts.contains(&(A, Advert::EndOfRib(Afi::Ipv4))));
    assert!(r.advertised(A, &net("10.80.0.0/24")).is_some());
}

#[test]
fn deferral_timer_releases_results_when_a_peer_never_finishes() {
    let mut r = restarted_rib();
    r.peer_up(TOR, &v4_only(TOR, 65100, true));
    r.apply_update(
        TOR,
        &announce(&["10.82.0.0/24"], "192.0.2.1", &[65100], |_| {}),
    );
    let out = r.deferral_timer_expired();
    assert_eq!(
        out.fib,
        vec![FibDelta::Add {
            prefix: net("10.82.0.0/24"),
            next_hops: vec![ip("192.0.2.1")]
        }]
    );
    assert!(out.adverts.contains(&(TOR, Advert::EndOfRib(Afi::Ipv4))));
}

#[test]
fn a_peer_that_restarted_too_is_not_waited_for() {
    let mut r = restarted_rib();
    r.peer_up(TOR, &v4_only(TOR, 65100, true));
    // TOR2 sets the Restart State bit: it may be deferring until it has our
    // End-of-RIB, so waiting for its own would hold both back until the timers.
    let mut both_restarted = v4_only(TOR2, 65200, true);
    if let Some(gr) = both_restarted.graceful_restart.as_mut() {
        gr.restarting = true;
    }
    r.peer_up(TOR2, &both_restarted);
    r.apply_update(
        TOR,
        &announce(&["10.83.0.0/24"], "192.0.2.1", &[65100], |_| {}),
    );
    let done = r.apply_update(TOR, &Update::end_of_rib_marker(Afi::Ipv4));
    assert!(!r.deferring(), "only TOR's End-of-RIB was awaited");
    assert!(done.adverts.contains(&(TOR2, Advert::EndOfRib(Afi::Ipv4))));
    assert_eq!(
        done.fib,
        vec![FibDelta::Add {
            prefix: net("10.83.0.0/24"),
            next_hops: vec![ip("192.0.2.1")]
        }]
    );
}
