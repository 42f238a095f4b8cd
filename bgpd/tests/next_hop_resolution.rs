//! RFC 4271 §9.1.2 in the RIB: routes whose next hop the routing table cannot resolve
//! stay out of the decision process, and come back when the table changes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use bgpd::rib::nexthop::MAIN_TABLE;
use bgpd::rib::{Advert, FibDelta, KernelRoute, NextHopTable, Rib};
use common::rib::{A, TOR, announce, ip, net, rib};

/// The host's table: its own networks connected, plus `via` routes (prefix, gateway).
fn table(via: &[(&str, &str)]) -> Option<Arc<NextHopTable>> {
    let route = |prefix: &str, gw: Option<&str>| KernelRoute {
        prefix: net(prefix),
        gateways: gw.map(|g| ip(g).into()).into_iter().collect(),
        oif: None,
        unicast: true,
        protocol: 2,
        table: MAIN_TABLE,
        metric: 0,
    };
    let mut routes = vec![route("192.0.2.0/24", None), route("10.0.0.0/29", None)];
    routes.extend(via.iter().map(|(p, g)| route(p, Some(g))));
    Some(Arc::new(NextHopTable::new(
        routes,
        bgpd::fib::ROUTE_PROTOCOL,
    )))
}

const P: &str = "10.65.9.0/26";

/// host A (iBGP) announces P with a next hop in another rack.
fn rib_with_remote_next_hop(t: Option<Arc<NextHopTable>>) -> (Rib, Vec<FibDelta>) {
    let mut r = rib(None);
    r.set_next_hop_table(t);
    let out = r.apply_update(A, &announce(&[P], "10.0.2.2", &[], |_| {}));
    (r, out.fib)
}

fn add(nh: &str) -> Vec<FibDelta> {
    vec![FibDelta::Add {
        prefix: net(P),
        next_hops: vec![ip(nh)],
    }]
}

#[test]
fn a_route_takes_part_in_the_decision_only_with_a_resolvable_next_hop() {
    let rows = [
        (
            "no table: resolution off, every next hop counts",
            None,
            add("10.0.2.2"),
        ),
        ("connected networks only: unresolvable", table(&[]), vec![]),
        (
            "a route to the next hop's network resolves it",
            table(&[("10.0.2.0/24", "192.0.2.1")]),
            add("10.0.2.2"),
        ),
        (
            "a default route resolves it",
            table(&[("0.0.0.0/0", "192.0.2.1")]),
            add("10.0.2.2"),
        ),
        (
            "a route to another network does not",
            table(&[("10.0.3.0/24", "192.0.2.1")]),
            vec![],
        ),
    ];
    for (name, t, want) in rows {
        let (r, fib) = rib_with_remote_next_hop(t);
        assert_eq!(fib, want, "{name}");
        assert_eq!(r.selected(&net(P)).is_empty(), want.is_empty(), "{name}");
    }
}

#[test]
fn a_next_hop_that_becomes_resolvable_brings_its_route_in_and_out_again() {
    let (mut r, fib) = rib_with_remote_next_hop(table(&[]));
    assert!(fib.is_empty());
    assert!(
        r.advertised(TOR, &net(P)).is_none(),
        "not exported while ineligible"
    );
    assert_eq!((r.received_count(A), r.accepted_count(A)), (1, 0));

    let out = r.set_next_hop_table(table(&[("10.0.2.0/24", "192.0.2.1")]));
    assert_eq!(out.fib, add("10.0.2.2"));
    assert!(
        r.advertised(TOR, &net(P)).is_some(),
        "exported once resolvable"
    );
    assert_eq!(r.accepted_count(A), 1);

    // A change that does not affect this next hop changes nothing.
    let out = r.set_next_hop_table(table(&[
        ("10.0.2.0/24", "192.0.2.1"),
        ("10.0.7.0/24", "192.0.2.1"),
    ]));
    assert_eq!(out, Default::default());

    let out = r.set_next_hop_table(table(&[]));
    assert_eq!(out.fib, vec![FibDelta::Remove { prefix: net(P) }]);
    assert!(
        out.adverts
            .iter()
            .any(|(p, a)| *p == TOR && matches!(a, Advert::Withdraw { .. })),
        "withdrawn from the tor: {:?}",
        out.adverts
    );
    assert!(r.selected(&net(P)).is_empty());
}

#[test]
fn a_better_path_with_an_unresolvable_next_hop_loses_to_a_worse_resolvable_one() {
    let mut r = rib(None);
    r.set_next_hop_table(table(&[]));
    // From the tor (eBGP, next hop connected) and from A with a higher LOCAL_PREF.
    r.apply_update(TOR, &announce(&[P], "192.0.2.1", &[65100], |_| {}));
    r.apply_update(
        A,
        &announce(&[P], "10.0.2.2", &[], |a| a.local_pref = Some(200)),
    );
    assert_eq!(r.selected(&net(P))[0].peer, TOR);

    let out = r.set_next_hop_table(table(&[("0.0.0.0/0", "192.0.2.1")]));
    assert_eq!(
        r.selected(&net(P))[0].peer,
        A,
        "A's path is eligible now and wins"
    );
    assert_eq!(
        out.fib,
        vec![FibDelta::Replace {
            prefix: net(P),
            next_hops: vec![ip("10.0.2.2")]
        }]
    );
}
