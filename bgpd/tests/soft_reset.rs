//! Soft reconfiguration in the RIB: filters swapped in place and applied to routes
//! already received and already advertised, inbound soft reset from the Adj-RIB-In,
//! outbound soft reset re-sending the whole Adj-RIB-Out; and the capability names the
//! management API shows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bgpd::rib::policy::{Filter, Verdict};
use bgpd::rib::{Advert, FibDelta, PeerId, RibOutput};
use bgpd::wire::{AddPathFamily, Afi};
use common::rib::{A, B, TOR, announce, net, rib, session};

fn reject_all() -> Filter {
    Filter {
        rules: vec![],
        default: Verdict::Reject,
    }
}

fn announced(out: &RibOutput, peer: PeerId) -> Vec<String> {
    let mut v: Vec<String> = out
        .adverts
        .iter()
        .filter(|(p, _)| *p == peer)
        .filter_map(|(_, a)| match a {
            Advert::Announce { prefix, .. } => Some(prefix.to_string()),
            _ => None,
        })
        .collect();
    v.sort();
    v
}

fn withdrawn(out: &RibOutput, peer: PeerId) -> Vec<String> {
    out.adverts
        .iter()
        .filter(|(p, _)| *p == peer)
        .filter_map(|(_, a)| match a {
            Advert::Withdraw { prefix, .. } => Some(prefix.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_stricter_import_filter_removes_received_routes_and_a_looser_one_brings_them_back() {
    let mut r = rib(None);
    r.apply_update(
        TOR,
        &announce(&["10.65.1.0/26"], "192.0.2.1", &[65100], |_| {}),
    );
    assert_eq!(r.accepted_count(TOR), 1);

    let out = r.set_filters(TOR, reject_all(), Filter::accept_all());
    assert_eq!(
        out.fib,
        vec![FibDelta::Remove {
            prefix: net("10.65.1.0/26")
        }]
    );
    assert_eq!(withdrawn(&out, A), ["10.65.1.0/26"]);
    assert_eq!(
        (r.received_count(TOR), r.accepted_count(TOR)),
        (1, 0),
        "still in the Adj-RIB-In, no longer in the Loc-RIB"
    );

    // Back to accepting: the stored Adj-RIB-In is enough, the peer is not asked.
    let out = r.set_filters(TOR, Filter::accept_all(), Filter::accept_all());
    assert_eq!(announced(&out, A), ["10.65.1.0/26"]);
    assert_eq!(r.accepted_count(TOR), 1);
}

#[test]
fn a_stricter_export_filter_withdraws_what_the_peer_was_told() {
    let mut r = rib(None);
    r.apply_update(
        TOR,
        &announce(&["10.65.1.0/26"], "192.0.2.1", &[65100], |_| {}),
    );
    assert_eq!(r.advertised_count(A), 1);
    let out = r.set_filters(A, Filter::accept_all(), reject_all());
    assert_eq!(withdrawn(&out, A), ["10.65.1.0/26"]);
    assert_eq!(r.advertised_count(A), 0);
    assert!(out.fib.is_empty(), "forwarding does not change");
    assert_eq!(
        withdrawn(&out, B),
        Vec::<String>::new(),
        "other peers untouched"
    );
}

#[test]
fn inbound_soft_reset_reruns_import_over_the_adj_rib_in_without_changes_when_policy_is_the_same() {
    let mut r = rib(None);
    r.apply_update(
        TOR,
        &announce(
            &["10.65.1.0/26", "10.65.2.0/26"],
            "192.0.2.1",
            &[65100],
            |_| {},
        ),
    );
    let (out, n) = r.soft_reset_inbound(TOR);
    assert_eq!(n, 2);
    assert!(
        out.fib.is_empty() && out.adverts.is_empty(),
        "same policy, same result: {out:?}"
    );
}

#[test]
fn outbound_soft_reset_sends_the_whole_table_again_then_end_of_rib() {
    let mut r = rib(None);
    r.apply_update(
        TOR,
        &announce(
            &["10.65.1.0/26", "10.65.2.0/26"],
            "192.0.2.1",
            &[65100],
            |_| {},
        ),
    );
    let (out, n) = r.soft_reset_outbound(A);
    assert_eq!(n, 2);
    assert_eq!(announced(&out, A), ["10.65.1.0/26", "10.65.2.0/26"]);
    let last: Vec<&Advert> = out.adverts.iter().map(|(_, a)| a).rev().take(2).collect();
    assert!(
        last.iter().all(|a| matches!(a, Advert::EndOfRib(_))),
        "End-of-RIB for both families last: {last:?}"
    );
    assert!(
        out.adverts.iter().all(|(p, _)| *p == A),
        "only the reset peer hears anything"
    );
    assert_eq!(r.advertised_count(A), 2);
}

#[test]
fn route_refresh_sends_that_familys_table_again_then_end_of_rib() {
    // RFC 2918 §4: the Adj-RIB-Out is re-advertised, not just End-of-RIB.
    let mut r = rib(None);
    r.apply_update(
        TOR,
        &announce(
            &["10.65.1.0/26", "10.65.2.0/26"],
            "192.0.2.1",
            &[65100],
            |_| {},
        ),
    );
    let out = r.route_refresh(A, Afi::Ipv4);
    assert_eq!(announced(&out, A), ["10.65.1.0/26", "10.65.2.0/26"]);
    assert_eq!(
        out.adverts.last(),
        Some(&(A, Advert::EndOfRib(Afi::Ipv4))),
        "one End-of-RIB, for the family asked"
    );
    assert!(out.adverts.iter().all(|(p, _)| *p == A));
    assert_eq!(r.advertised_count(A), 2, "what it was told did not change");
    let v6 = r.route_refresh(A, Afi::Ipv6);
    assert_eq!(v6.adverts, vec![(A, Advert::EndOfRib(Afi::Ipv6))]);
}

#[test]
fn outbound_soft_reset_of_a_peer_that_is_down_does_nothing() {
    let mut r = rib(None);
    r.peer_down(A, false);
    let (out, n) = r.soft_reset_outbound(A);
    assert_eq!((out, n), (RibOutput::default(), 0));
    assert!(!r.peer_established(A));
}

#[test]
fn route_refresh_is_used_only_with_peers_that_advertised_it() {
    let mut r = rib(None);
    assert_eq!(r.route_refresh_families(TOR), [Afi::Ipv4, Afi::Ipv6]);
    let mut without = session(TOR, 65100, false);
    without.route_refresh = false;
    r.peer_down(TOR, false);
    r.peer_up(TOR, &without);
    assert!(r.route_refresh_families(TOR).is_empty());
    r.peer_down(TOR, false);
    assert!(r.route_refresh_families(TOR).is_empty(), "session down");
}

#[test]
fn negotiated_capabilities_are_named_for_operators() {
    let mut s = session(TOR, 65100, true);
    s.extended_message = true;
    s.add_path = vec![AddPathFamily {
        afi: Afi::Ipv4,
        send: true,
        receive: false,
    }];
    assert_eq!(
        s.capability_names(),
        [
            "4-octet AS",
            "MP IPv4 unicast",
            "MP IPv6 unicast",
            "route refresh",
            "graceful restart (120 s)",
            "ADD-PATH IPv4 send",
            "extended messages",
        ]
    );
    s.four_octet_as = false;
    s.route_refresh = false;
    s.graceful_restart = None;
    s.add_path.clear();
    s.extended_message = false;
    s.families = vec![Afi::Ipv4];
    assert_eq!(s.capability_names(), ["MP IPv4 unicast"]);
}
