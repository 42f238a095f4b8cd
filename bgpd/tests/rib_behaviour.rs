//! RIB scenarios: FIB deltas, iBGP split horizon, route reflection, eBGP export,
//! well-known communities, max-prefix, Graceful Restart, treat-as-withdraw, origination.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::Ipv4Addr;

use bgpd::rib::{Advert, FibDelta, PeerId, RibOutput, StaleTimer, pack};
use bgpd::wire::attrs::{NO_ADVERTISE, NO_EXPORT};
use bgpd::wire::rfc7606::{Action, AttrError};
use bgpd::wire::{self, CodecContext, Message};
use common::rib::{A, B, TOR, TOR2, announce, ip, net, rib, withdraw};

fn announced_to(out: &RibOutput, peer: PeerId) -> Vec<&Advert> {
    out.adverts
        .iter()
        .filter(|(p, a)| *p == peer && matches!(a, Advert::Announce { .. }))
        .map(|(_, a)| a)
        .collect()
}

#[test]
fn ebgp_route_is_installed_and_sent_to_ibgp_peers_with_next_hop_self() {
    let mut r = rib(None);
    let out = r.apply_update(
        TOR,
        &announce(&["10.65.1.0/26"], "192.0.2.1", &[65100], |_| {}),
    );
    assert_eq!(
        out.fib,
        vec![FibDelta::Add {
            prefix: net("10.65.1.0/26"),
            next_hops: vec![ip("192.0.2.1")]
        }]
    );
    for peer in [A, B] {
        let sent = r
            .advertised(peer, &net("10.65.1.0/26"))
            .expect("advertised");
        assert_eq!(
            (sent.next_hop, sent.path.local_pref),
            (ip("10.0.0.1"), Some(100))
        );
        assert_eq!(sent.path.as_path.asns().collect::<Vec<_>>(), vec![65100]);
    }
    // Not sent back to the peer it came from; to the other eBGP peer with our AS prepended.
    assert!(r.advertised(TOR, &net("10.65.1.0/26")).is_none());
    let tor2 = r.advertised(TOR2, &net("10.65.1.0/26")).expect("to tor2");
    assert_eq!(
        tor2.path.as_path.asns().collect::<Vec<_>>(),
        vec![65001, 65100]
    );
    assert_eq!(
        (tor2.path.local_pref, tor2.next_hop),
        (None, ip("192.0.2.10"))
    );
}

#[test]
fn ibgp_learned_route_is_not_sent_to_other_ibgp_peers_in_a_full_mesh() {
    let mut r = rib(None);
    let out = r.apply_update(
        A,
        &announce(&["10.65.2.0/26"], "10.0.0.2", &[], |a| {
            a.local_pref = Some(100)
        }),
    );
    assert!(announced_to(&out, B).is_empty());
    assert!(r.advertised(B, &net("10.65.2.0/26")).is_none());
    assert!(r.advertised(TOR, &net("10.65.2.0/26")).is_some());
}

#[test]
fn route_reflector_follows_rfc4456_client_rules() {
    let cluster = Ipv4Addr::new(10, 0, 0, 100);
    let mut r = rib(Some(cluster));
    let mut client = common::rib::policy(A, 65001);
    client.rr_client = true;
    r.set_policy(A, client);
    // From client A: reflected to non-client B with ORIGINATOR_ID and CLUSTER_LIST, next hop kept.
    r.apply_update(A, &announce(&["10.65.3.0/26"], "10.0.0.2", &[], |_| {}));
    let to_b = r
        .advertised(B, &net("10.65.3.0/26"))
        .expect("reflected to non-client");
    assert_eq!(to_b.path.originator_id, Some(Ipv4Addr::new(10, 0, 0, 2)));
    assert_eq!(to_b.path.cluster_list, vec![cluster]);
    assert_eq!(to_b.next_hop, ip("10.0.0.2"));
    // From non-client B: reflected to client A only.
    r.apply_update(B, &announce(&["10.65.4.0/26"], "10.0.0.3", &[], |_| {}));
    assert!(r.advertised(A, &net("10.65.4.0/26")).is_some());
    // eBGP peers never see ORIGINATOR_ID / CLUSTER_LIST.
    let to_tor = r.advertised(TOR, &net("10.65.3.0/26")).expect("to ebgp");
    assert_eq!(
        (to_tor.path.originator_id, to_tor.path.cluster_list.len()),
        (None, 0)
    );
}

#[test]
fn a_peer_made_route_reflector_client_has_its_routes_reflected_at_once() {
    let cluster = Ipv4Addr::new(10, 0, 0, 100);
    let mut r = rib(Some(cluster));
    r.apply_update(A, &announce(&["10.65.6.0/26"], "10.0.0.2", &[], |_| {}));
    assert!(
        r.advertised(B, &net("10.65.6.0/26")).is_none(),
        "non-client to non-client: not reflected"
    );
    let mut client = common::rib::policy(A, 65001);
    client.rr_client = true;
    let out = r.set_policy(A, client);
    assert_eq!(
        announced_to(&out, B).len(),
        1,
        "the new export of A's route goes out with the policy change: {out:?}"
    );
    let to_b = r
        .advertised(B, &net("10.65.6.0/26"))
        .expect("reflected now");
    assert_eq!(to_b.path.originator_id, Some(Ipv4Addr::new(10, 0, 0, 2)));
    // And back: B is told to forget it.
    let out = r.set_policy(A, common::rib::policy(A, 65001));
    assert!(out.adverts.contains(&(
        B,
        Advert::Withdraw {
            prefix: net("10.65.6.0/26"),
            path_id: 0
        }
    )));
    assert_eq!(r.advertised_count(B), 0);
}

#[test]
fn reflected_route_coming_back_with_our_cluster_id_is_rejected() {
    let cluster = Ipv4Addr::new(10, 0, 0, 100);
    let mut r = rib(Some(cluster));
    let out = r.apply_update(
        B,
        &announce(&["10.65.5.0/26"], "10.0.0.3", &[], |a| {
            a.cluster_list = vec![cluster]
        }),
    );
    assert!(out.fib.is_empty());
    assert!(r.selected(&net("10.65.5.0/26")).is_empty());
}

#[test]
fn well_known_communities_limit_where_routes_go() {
    let mut r = rib(None);
    r.apply_update(
        TOR,
        &announce(&["10.66.0.0/24"], "192.0.2.1", &[65100], |a| {
            a.communities = vec![NO_EXPORT]
        }),
    );
    assert!(
        r.advertised(A, &net("10.66.0.0/24")).is_some(),
        "NO_EXPORT still goes to iBGP"
    );
    assert!(
        r.advertised(TOR2, &net("10.66.0.0/24")).is_none(),
        "NO_EXPORT never to eBGP"
    );
    r.apply_update(
        TOR,
        &announce(&["10.67.0.0/24"], "192.0.2.1", &[65100], |a| {
            a.communities = vec![NO_ADVERTISE]
        }),
    );
    for peer in [A, B, TOR2] {
        assert!(
            r.advertised(peer, &net("10.67.0.0/24")).is_none(),
            "NO_ADVERTISE to nobody"
        );
    }
    assert!(
        !r.selected(&net("10.67.0.0/24")).is_empty(),
        "but still used locally"
    );
}

#[test]
fn per_peer_local_as_is_prepended_and_med_is_not_passed_between_ases() {
    let mut r = rib(None);
    let mut p = common::rib::policy(TOR2, 65200);
    p.local_as = 65010;
    r.set_policy(TOR2, p);
    r.apply_update(
        TOR,
        &announce(&["10.68.0.0/24"], "192.0.2.1", &[65100], |a| {
            a.med = Some(7)
        }),
    );
    let sent = r.advertised(TOR2, &net("10.68.0.0/24")).unwrap();
    assert_eq!(
        sent.path.as_path.asns().collect::<Vec<_>>(),
        vec![65010, 65100]
    );
    assert_eq!(sent.path.med, None);
}

#[test]
fn exceeding_max_prefixes_closes_the_session_with_cease_subcode_1() {
    let mut r = rib(None);
    let mut p = common::rib::policy(TOR, 65100);
    p.max_prefixes = Some(2);
    r.set_policy(TOR, p);
    let ok = r.apply_update(
        TOR,
        &announce(
            &["10.1.0.0/24", "10.2.0.0/24"],
            "192.0.2.1",
            &[65100],
            |_| {},
        ),
    );
    assert!(ok.close.is_empty());
    let out = r.apply_update(
        TOR,
        &announce(&["10.3.0.0/24"], "192.0.2.1", &[65100], |_| {}),
    );
    let (peer, n) = out.close.first().expect("close");
    assert_eq!((*peer, n.code, n.subcode), (TOR, 6, 1));
    assert_eq!(n.data, vec![0, 1, 1, 0, 0, 0, 2]);
}

#[test]
fn graceful_restart_keeps_routes_until_end_of_rib_then_sweeps_the_stale_ones() {
    let mut r = rib(None);
    r.apply_update(
        TOR,
        &announce(
            &["10.70.0.0/24", "10.71.0.0/24"],
            "192.0.2.1",
            &[65100],
            |_| {},
        ),
    );
    let down = r.peer_down(TOR, true);
    assert!(
        down.fib.is_empty(),
        "forwarding continues while the peer restarts"
    );
    assert_eq!(
        down.timers,
        vec![StaleTimer::Start {
            peer: TOR,
            secs: 120
        }]
    );
    r.peer_up(TOR, &common::rib::session(TOR, 65100, true));
    r.apply_update(
        TOR,
        &announce(&["10.70.0.0/24"], "192.0.2.1", &[65100], |_| {}),
    );
    let eor = r.apply_update(
        TOR,
        &bgpd::wire::Update::end_of_rib_marker(bgpd::wire::Afi::Ipv4),
    );
    assert_eq!(
        eor.fib,
        vec![FibDelta::Remove {
            prefix: net("10.71.0.0/24")
        }]
    );
    assert!(eor.timers.contains(&StaleTimer::Stop { peer: TOR }));
    assert!(!r.selected(&net("10.70.0.0/24")).is_empty());
}

#[test]
fn stale_timer_expiry_removes_routes_of_a_peer_that_never_came_back() {
    let mut r = rib(None);
    r.apply_update(
        TOR,
        &announce(&["10.72.0.0/24"], "192.0.2.1", &[65100], |_| {}),
    );
    r.peer_down(TOR, true);
    let out = r.stale_timer_expired(TOR);
    assert_eq!(
        out.fib,
        vec![FibDelta::Remove {
            prefix: net("10.72.0.0/24")
        }]
    );
}

#[test]
fn non_graceful_session_loss_removes_routes_at_once() {
    let mut r = rib(None);
    r.apply_update(
        TOR,
        &announce(&["10.73.0.0/24"], "192.0.2.1", &[65100], |_| {}),
    );
    let out = r.peer_down(TOR, false);
    assert_eq!(
        out.fib,
        vec![FibDelta::Remove {
            prefix: net("10.73.0.0/24")
        }]
    );
    assert!(
        out.adverts
            .iter()
            .any(|(p, a)| *p == A && matches!(a, Advert::Withdraw { .. }))
    );
}

#[test]
fn treat_as_withdraw_update_removes_the_route() {
    let mut r = rib(None);
    r.apply_update(
        TOR,
        &announce(&["10.74.0.0/24"], "192.0.2.1", &[65100], |_| {}),
    );
    let mut bad = announce(&["10.74.0.0/24"], "192.0.2.1", &[65100], |_| {});
    bad.errors.push(AttrError {
        code: Some(1),
        action: Action::TreatAsWithdraw,
        reason: "test".into(),
    });
    let out = r.apply_update(TOR, &bad);
    assert_eq!(
        out.fib,
        vec![FibDelta::Remove {
            prefix: net("10.74.0.0/24")
        }]
    );
}

#[test]
fn equal_paths_from_two_tors_are_installed_as_ecmp_and_shrink_on_withdraw() {
    let mut r = rib(None);
    r.apply_update(
        TOR,
        &announce(&["0.0.0.0/0"], "192.0.2.1", &[65100], |_| {}),
    );
    let out = r.apply_update(
        TOR2,
        &announce(&["0.0.0.0/0"], "192.0.2.2", &[65200], |_| {}),
    );
    assert_eq!(
        out.fib,
        vec![FibDelta::Replace {
            prefix: net("0.0.0.0/0"),
            next_hops: vec![ip("192.0.2.1"), ip("192.0.2.2")]
        }]
    );
    let out = r.apply_update(TOR, &withdraw(&["0.0.0.0/0"]));
    assert_eq!(
        out.fib,
        vec![FibDelta::Replace {
            prefix: net("0.0.0.0/0"),
            next_hops: vec![ip("192.0.2.2")]
        }]
    );
}

#[test]
fn originated_blocks_are_advertised_but_not_installed() {
    let mut r = rib(None);
    let out = r.set_originated(bgpd::rib::originated(
        &[net("10.65.9.0/26")],
        &[net("10.65.9.3/32"), net("10.99.0.7/32")],
    ));
    assert!(out.fib.is_empty());
    let to_tor = r.advertised(TOR, &net("10.65.9.0/26")).unwrap();
    assert_eq!(
        (
            to_tor.path.as_path.asns().collect::<Vec<_>>(),
            to_tor.next_hop
        ),
        (vec![65001], ip("192.0.2.10"))
    );
    assert_eq!(
        r.advertised(A, &net("10.65.9.0/26")).unwrap().next_hop,
        ip("10.0.0.1")
    );
    assert!(
        r.advertised(TOR, &net("10.65.9.3/32")).is_none(),
        "covered /32 suppressed"
    );
    assert!(
        r.advertised(TOR, &net("10.99.0.7/32")).is_some(),
        "borrowed /32 advertised"
    );
    let out = r.set_originated(vec![]);
    assert!(out.adverts.iter().any(|(p, a)| *p == TOR
        && *a
            == Advert::Withdraw {
                prefix: net("10.65.9.0/26"),
                path_id: 0
            }));
}

#[test]
fn adverts_pack_into_updates_that_encode_within_the_size_limit() {
    let mut r = rib(None);
    let prefixes: Vec<String> = (0..2000u32)
        .map(|i| format!("10.{}.{}.0/24", 100 + i / 256, i % 256))
        .collect();
    let refs: Vec<&str> = prefixes.iter().map(String::as_str).collect();
    let out = r.apply_update(TOR, &announce(&refs, "192.0.2.1", &[65100], |_| {}));
    let to_a: Vec<Advert> = out
        .adverts
        .iter()
        .filter(|(p, _)| *p == A)
        .map(|(_, a)| a.clone())
        .collect();
    let ctx = CodecContext {
        four_octet_as: true,
        ..CodecContext::default()
    };
    let updates = pack(&to_a, &ctx);
    assert!(updates.len() > 1, "2000 prefixes need several updates");
    let mut seen = 0;
    for u in updates {
        let bytes = wire::encode(&Message::Update(u), &ctx).expect("fits");
        let Message::Update(back) = wire::decode(&bytes, &ctx).unwrap() else {
            panic!()
        };
        seen += back.nlri.len();
    }
    assert_eq!(seen, 2000);
}

#[test]
fn routes_with_equal_attributes_share_one_interned_set() {
    let mut r = rib(None);
    let prefixes: Vec<String> = (0..1000u32)
        .map(|i| format!("10.200.{}.{}/32", i / 256, i % 256))
        .collect();
    let refs: Vec<&str> = prefixes.iter().map(String::as_str).collect();
    let before = r.interned_sets();
    r.apply_update(TOR, &announce(&refs, "192.0.2.1", &[65100], |_| {}));
    // Received set, imported set (LOCAL_PREF added), and one export set per other peer.
    let added = r.interned_sets() - before;
    assert!(added <= 5, "1000 routes added {added} attribute sets");
    let a = r.selected(&net("10.200.0.1/32"))[0].attrs.clone();
    let b = r.selected(&net("10.200.3.200/32"))[0].attrs.clone();
    assert!(std::sync::Arc::ptr_eq(&a, &b));
}

#[test]
fn add_path_send_advertises_every_ecmp_path_with_its_own_identifier() {
    use bgpd::wire::{AddPathFamily, Afi};
    let mut r = rib(None);
    let mut s = common::rib::session(A, 65001, true);
    s.add_path = vec![AddPathFamily {
        afi: Afi::Ipv4,
        receive: false,
        send: true,
    }];
    r.peer_up(A, &s);
    r.apply_update(
        TOR,
        &announce(&["10.90.0.0/24"], "192.0.2.1", &[65100], |_| {}),
    );
    r.apply_update(
        TOR2,
        &announce(&["10.90.0.0/24"], "192.0.2.2", &[65200], |_| {}),
    );
    let paths = r.advertised_paths(A, &net("10.90.0.0/24"));
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert_ne!(paths[0].0, paths[1].0, "distinct path identifiers");
    // Only the best path goes to a peer without ADD-PATH.
    assert_eq!(r.advertised_paths(B, &net("10.90.0.0/24")).len(), 1);
    // The identifiers reach the wire and survive decoding.
    let ctx = CodecContext {
        four_octet_as: true,
        add_path_send: vec![Afi::Ipv4],
        add_path_receive: vec![Afi::Ipv4],
        ..CodecContext::default()
    };
    let adverts: Vec<Advert> = paths
        .iter()
        .map(|(id, a)| Advert::Announce {
            prefix: net("10.90.0.0/24"),
            path_id: *id,
            attrs: std::sync::Arc::new((*a).clone()),
        })
        .collect();
    let mut ids = Vec::new();
    for u in pack(&adverts, &ctx) {
        let bytes = wire::encode(&Message::Update(u), &ctx).unwrap();
        let Message::Update(back) = wire::decode(&bytes, &ctx).unwrap() else {
            panic!()
        };
        ids.extend(back.nlri.iter().map(|n| n.path_id.unwrap()));
    }
    ids.sort();
    let mut want: Vec<u32> = paths.iter().map(|(id, _)| *id).collect();
    want.sort();
    assert_eq!(ids, want);
    // Withdrawing one path withdraws exactly its identifier.
    let gone = paths
        .iter()
        .find(|(_, a)| a.path.as_path.asns().any(|x| x == 65200))
        .unwrap()
        .0;
    let out = r.apply_update(TOR2, &withdraw(&["10.90.0.0/24"]));
    assert!(out.adverts.contains(&(
        A,
        Advert::Withdraw {
            prefix: net("10.90.0.0/24"),
            path_id: gone
        }
    )));
}

#[test]
fn igp_cost_to_the_next_hop_breaks_an_ibgp_tie() {
    let mut r = rib(None);
    r.apply_update(
        A,
        &announce(&["10.95.0.0/24"], "10.0.0.2", &[65300], |_| {}),
    );
    r.apply_update(
        B,
        &announce(&["10.95.0.0/24"], "10.0.0.3", &[65300], |_| {}),
    );
    let ecmp = r.selected(&net("10.95.0.0/24")).len();
    assert_eq!(ecmp, 2, "equal without costs");
    let costs = [(ip("10.0.0.2"), 20), (ip("10.0.0.3"), 10)]
        .into_iter()
        .collect();
    let out = r.set_igp_costs(costs);
    assert_eq!(
        out.fib,
        vec![FibDelta::Replace {
            prefix: net("10.95.0.0/24"),
            next_hops: vec![ip("10.0.0.3")]
        }]
    );
}
