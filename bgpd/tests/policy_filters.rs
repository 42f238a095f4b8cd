//! Import checks and per-peer filters as tables.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr};

use bgpd::rib::policy::{Filter, Match, PrefixMatch, Rule, RuleAction, Verdict};
use bgpd::rib::{ImportReject, PeerPolicy, RibConfig, import};
use bgpd::wire::{AsPath, LargeCommunity, Origin, PathAttrs};
use ipnet::IpNet;

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

fn attrs(path: &[u32], communities: &[u32]) -> PathAttrs {
    PathAttrs {
        origin: Some(Origin::Igp),
        as_path: AsPath::sequence(path.to_vec()),
        communities: communities.to_vec(),
        ..PathAttrs::default()
    }
}

fn rib_config() -> RibConfig {
    RibConfig {
        router_id: Ipv4Addr::new(10, 0, 0, 1),
        local_as: 65001,
        cluster_id: Some(Ipv4Addr::new(10, 0, 0, 100)),
        max_paths: 1,
    }
}

#[test]
fn import_loop_checks_reject_what_the_rfcs_say() {
    let ebgp = PeerPolicy::new(65100, 65001, vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10))]);
    let ibgp = PeerPolicy::new(65001, 65001, vec![]);
    let allow_one = PeerPolicy {
        allow_local_as: 1,
        ..ebgp.clone()
    };
    let local_as = PeerPolicy {
        local_as: 65010,
        ..ebgp.clone()
    };
    let p = net("10.0.0.0/24");
    let with_originator = PathAttrs {
        originator_id: Some(Ipv4Addr::new(10, 0, 0, 1)),
        ..attrs(&[], &[])
    };
    let with_cluster = PathAttrs {
        cluster_list: vec![Ipv4Addr::new(10, 0, 0, 100)],
        ..attrs(&[], &[])
    };
    let table: Vec<(&str, &PeerPolicy, PathAttrs, Result<(), ImportReject>)> = vec![
        (
            "clean ebgp route is accepted",
            &ebgp,
            attrs(&[65100], &[]),
            Ok(()),
        ),
        (
            "our as in the path is a loop",
            &ebgp,
            attrs(&[65100, 65001], &[]),
            Err(ImportReject::AsPathLoop),
        ),
        (
            "allow-local-as 1 accepts one occurrence",
            &allow_one,
            attrs(&[65100, 65001], &[]),
            Ok(()),
        ),
        (
            "allow-local-as 1 rejects two occurrences",
            &allow_one,
            attrs(&[65100, 65001, 65001], &[]),
            Err(ImportReject::AsPathLoop),
        ),
        (
            "per-peer local as is also a loop",
            &local_as,
            attrs(&[65100, 65010], &[]),
            Err(ImportReject::AsPathLoop),
        ),
        (
            "leftmost as must be the peer's",
            &ebgp,
            attrs(&[65999], &[]),
            Err(ImportReject::FirstAsMismatch),
        ),
        (
            "originator_id of ours is rejected",
            &ibgp,
            with_originator,
            Err(ImportReject::OriginatorIsUs),
        ),
        (
            "our cluster id in cluster_list is rejected",
            &ibgp,
            with_cluster,
            Err(ImportReject::ClusterLoop),
        ),
    ];
    for (name, peer, a, want) in table {
        assert_eq!(
            import(&p, &a, peer, &rib_config()).map(|_| ()),
            want,
            "{name}"
        );
    }
}

#[test]
fn ebgp_import_sets_the_default_local_pref() {
    let ebgp = PeerPolicy::new(65100, 65001, vec![]);
    let got = import(
        &net("10.0.0.0/24"),
        &attrs(&[65100], &[]),
        &ebgp,
        &rib_config(),
    )
    .unwrap();
    assert_eq!(got.local_pref, Some(100));
}

fn rule(when: Match, verdict: Verdict) -> Rule {
    Rule {
        when,
        then: RuleAction {
            verdict,
            ..RuleAction::default()
        },
    }
}

#[test]
fn filters_match_prefix_ranges_communities_and_as_path_prefixes() {
    let pods = Match {
        prefix: Some(PrefixMatch::up_to(net("10.65.0.0/16"), 26)),
        ..Match::default()
    };
    let tagged = Match {
        community: Some(0xFDE9_0064),
        ..Match::default()
    };
    let large = Match {
        large_community: Some(LargeCommunity(65001, 1, 2)),
        ..Match::default()
    };
    let from_tor = Match {
        as_path_prefix: Some(vec![65100, 65200]),
        ..Match::default()
    };
    let only = |m: &Match| Filter {
        rules: vec![rule(m.clone(), Verdict::Accept)],
        default: Verdict::Reject,
    };
    let with_large = PathAttrs {
        large_communities: vec![LargeCommunity(65001, 1, 2)],
        ..attrs(&[], &[])
    };
    let table: Vec<(&str, Filter, &str, PathAttrs, bool)> = vec![
        (
            "block inside the range",
            only(&pods),
            "10.65.1.0/26",
            attrs(&[], &[]),
            true,
        ),
        (
            "the range's own prefix",
            only(&pods),
            "10.65.0.0/16",
            attrs(&[], &[]),
            true,
        ),
        (
            "too specific for le 26",
            only(&pods),
            "10.65.1.1/32",
            attrs(&[], &[]),
            false,
        ),
        (
            "outside the range",
            only(&pods),
            "10.66.0.0/26",
            attrs(&[], &[]),
            false,
        ),
        (
            "community present",
            only(&tagged),
            "1.0.0.0/8",
            attrs(&[], &[0xFDE9_0064]),
            true,
        ),
        (
            "community absent",
            only(&tagged),
            "1.0.0.0/8",
            attrs(&[], &[1]),
            false,
        ),
        (
            "large community present",
            only(&large),
            "1.0.0.0/8",
            with_large,
            true,
        ),
        (
            "as path starts with the prefix",
            only(&from_tor),
            "1.0.0.0/8",
            attrs(&[65100, 65200, 7], &[]),
            true,
        ),
        (
            "as path differs",
            only(&from_tor),
            "1.0.0.0/8",
            attrs(&[65100, 7], &[]),
            false,
        ),
        (
            "reject rule wins when first",
            Filter {
                rules: vec![rule(pods.clone(), Verdict::Reject)],
                default: Verdict::Accept,
            },
            "10.65.1.0/26",
            attrs(&[], &[]),
            false,
        ),
        (
            "default accept when nothing matches",
            Filter::accept_all(),
            "192.0.2.0/24",
            attrs(&[], &[]),
            true,
        ),
    ];
    for (name, f, prefix, a, accepted) in table {
        assert_eq!(
            f.apply(&net(prefix), &a, 65001).is_some(),
            accepted,
            "{name}"
        );
    }
}

#[test]
fn accepting_rules_add_communities_and_prepend() {
    let f = Filter {
        rules: vec![Rule {
            when: Match::default(),
            then: RuleAction {
                verdict: Verdict::Accept,
                add_communities: vec![0xFDE9_0001],
                add_large_communities: vec![LargeCommunity(65001, 0, 1)],
                prepend: 2,
            },
        }],
        default: Verdict::Reject,
    };
    let out = f
        .apply(&net("10.0.0.0/24"), &attrs(&[65100], &[7]), 65001)
        .unwrap();
    assert_eq!(out.communities, vec![7, 0xFDE9_0001]);
    assert_eq!(out.large_communities, vec![LargeCommunity(65001, 0, 1)]);
    assert_eq!(
        out.as_path.asns().collect::<Vec<_>>(),
        vec![65001, 65001, 65100]
    );
}
