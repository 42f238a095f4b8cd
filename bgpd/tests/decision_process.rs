//! RFC 4271 §9.1.2.2 decision process and ECMP, one row per rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use bgpd::rib::decision::select;
use bgpd::rib::{Candidate, PeerId, PeerInfo, RibAttrs};
use bgpd::wire::{AsPath, AsSegment, Origin, PathAttrs, SegmentKind};

/// A candidate from peer 10.0.0.`n` with attributes tweaked by `f`.
struct Row {
    peer: u8,
    ebgp: bool,
    router_id: u8,
    attrs: PathAttrs,
    igp_cost: Option<u32>,
}

fn base(path: &[u32]) -> PathAttrs {
    PathAttrs {
        origin: Some(Origin::Igp),
        as_path: AsPath::sequence(path.to_vec()),
        local_pref: Some(100),
        ..PathAttrs::default()
    }
}

fn row(peer: u8, attrs: PathAttrs) -> Row {
    Row {
        peer,
        ebgp: true,
        router_id: peer,
        attrs,
        igp_cost: None,
    }
}

fn peer_addr(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, n))
}

/// Winner (peer number) and the ECMP set (peer numbers, best first).
fn decide(rows: Vec<Row>, max_paths: usize) -> (u8, Vec<u8>) {
    let mut peers = HashMap::new();
    let cands: Vec<Candidate> = rows
        .iter()
        .map(|r| {
            let id = PeerId(peer_addr(r.peer));
            peers.insert(
                id,
                PeerInfo {
                    addr: id.0,
                    router_id: Ipv4Addr::new(1, 1, 1, r.router_id),
                    ebgp: r.ebgp,
                    rr_client: false,
                    asn: r.attrs.as_path.first_as().unwrap_or(0),
                },
            );
            Candidate {
                peer: id,
                path_id: 0,
                attrs: Arc::new(RibAttrs {
                    path: r.attrs.clone(),
                    next_hop: id.0,
                }),
                igp_cost: r.igp_cost,
            }
        })
        .collect();
    let sel = select(&cands, &peers, max_paths).unwrap();
    let num = |i: usize| rows[i].peer;
    (
        num(sel.paths[0]),
        sel.paths.iter().map(|&i| num(i)).collect(),
    )
}

#[test]
fn each_decision_step_picks_the_rfc_winner() {
    let with = |f: &dyn Fn(&mut PathAttrs), path: &[u32]| {
        let mut a = base(path);
        f(&mut a);
        a
    };
    let table: Vec<(&str, Vec<Row>, u8)> = vec![
        (
            "highest local_pref wins over a shorter path",
            vec![
                row(1, base(&[65001])),
                row(2, with(&|a| a.local_pref = Some(200), &[65002, 65003])),
            ],
            2,
        ),
        (
            "shortest as_path wins",
            vec![row(1, base(&[65001, 65005])), row(2, base(&[65002]))],
            2,
        ),
        (
            "an as_set counts as one",
            vec![
                row(
                    1,
                    PathAttrs {
                        as_path: AsPath {
                            segments: vec![
                                AsSegment {
                                    kind: SegmentKind::Sequence,
                                    asns: vec![65001],
                                },
                                AsSegment {
                                    kind: SegmentKind::Set,
                                    asns: vec![1, 2, 3, 4],
                                },
                            ],
                        },
                        ..base(&[])
                    },
                ),
                row(2, base(&[65002, 65003, 65004])),
            ],
            1,
        ),
        (
            "lowest origin wins",
            vec![
                row(1, with(&|a| a.origin = Some(Origin::Incomplete), &[65001])),
                row(2, with(&|a| a.origin = Some(Origin::Egp), &[65002])),
            ],
            2,
        ),
        (
            "lowest med wins within the same neighbour as",
            vec![
                row(1, with(&|a| a.med = Some(50), &[65001])),
                row(2, with(&|a| a.med = Some(10), &[65001])),
            ],
            2,
        ),
        (
            "med is ignored across neighbour ases, router id decides",
            vec![
                row(1, with(&|a| a.med = Some(50), &[65001])),
                row(2, with(&|a| a.med = Some(10), &[65002])),
            ],
            1,
        ),
        (
            "missing med counts as zero",
            vec![
                row(1, with(&|a| a.med = Some(1), &[65001])),
                row(2, base(&[65001])),
            ],
            2,
        ),
        (
            "ebgp wins over ibgp",
            vec![
                Row {
                    ebgp: false,
                    ..row(1, base(&[65001]))
                },
                row(2, base(&[65002])),
            ],
            2,
        ),
        (
            "lowest igp cost wins",
            vec![
                Row {
                    igp_cost: Some(20),
                    ..row(1, base(&[65001]))
                },
                Row {
                    igp_cost: Some(10),
                    ..row(2, base(&[65002]))
                },
            ],
            2,
        ),
        (
            "lowest router id wins",
            vec![
                Row {
                    router_id: 9,
                    ..row(1, base(&[65001]))
                },
                Row {
                    router_id: 3,
                    ..row(2, base(&[65002]))
                },
            ],
            2,
        ),
        (
            "originator_id replaces the router id",
            vec![
                Row {
                    router_id: 1,
                    ..row(
                        1,
                        with(
                            &|a| a.originator_id = Some(Ipv4Addr::new(9, 9, 9, 9)),
                            &[65001],
                        ),
                    )
                },
                Row {
                    router_id: 5,
                    ..row(2, base(&[65002]))
                },
            ],
            2,
        ),
        (
            "shorter cluster_list wins",
            vec![
                Row {
                    router_id: 1,
                    ..row(
                        1,
                        with(
                            &|a| {
                                a.cluster_list =
                                    vec![Ipv4Addr::new(1, 0, 0, 1), Ipv4Addr::new(1, 0, 0, 2)]
                            },
                            &[65001],
                        ),
                    )
                },
                Row {
                    router_id: 1,
                    ..row(
                        2,
                        with(
                            &|a| a.cluster_list = vec![Ipv4Addr::new(1, 0, 0, 3)],
                            &[65002],
                        ),
                    )
                },
            ],
            2,
        ),
        (
            "lowest peer address is the last tie-breaker",
            vec![
                Row {
                    router_id: 1,
                    ..row(7, base(&[65001]))
                },
                Row {
                    router_id: 1,
                    ..row(4, base(&[65002]))
                },
            ],
            4,
        ),
    ];
    for (name, rows, want) in table {
        assert_eq!(decide(rows, 1).0, want, "{name}");
    }
}

#[test]
fn equal_paths_form_an_ecmp_set_up_to_max_paths() {
    let rows = || {
        vec![
            row(3, base(&[65003])),
            row(1, base(&[65001])),
            row(2, base(&[65002])),
            row(4, base(&[65004, 1])),
        ]
    };
    assert_eq!(decide(rows(), 8), (1, vec![1, 2, 3]));
    assert_eq!(decide(rows(), 2), (1, vec![1, 2]));
    assert_eq!(decide(rows(), 1), (1, vec![1]));
}
