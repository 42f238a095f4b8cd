//! Invariants of the Loc-RIB with the Adj-RIBs-In folded in.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use super::*;
use crate::rib::decision::select;
use crate::rib::fib::FibDelta;
use crate::rib::peer_index::PeerIndex;
use crate::rib::types::{Candidate, PeerId, PeerInfo, RibAttrs};
use crate::wire::{AsPath, PathAttrs};

fn peer_id(n: u8) -> PeerId {
    PeerId(IpAddr::V4(Ipv4Addr::new(10, 0, 0, n)))
}

fn attrs(local_pref: u32, next_hop: u8) -> Arc<RibAttrs> {
    Arc::new(RibAttrs {
        path: PathAttrs {
            local_pref: Some(local_pref),
            as_path: AsPath::sequence(vec![65100]),
            ..PathAttrs::default()
        },
        next_hop: IpAddr::V4(Ipv4Addr::new(192, 0, 2, next_hop)),
    })
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

/// Three peers whose sessions came up, plus one configured but never up.
struct World {
    index: PeerIndex,
    peers: Vec<PeerIdx>,
    igp: HashMap<IpAddr, u32>,
}

impl World {
    fn new() -> World {
        let mut index = PeerIndex::new(PeerInfo::local(Ipv4Addr::new(10, 0, 0, 1), 65001));
        let mut peers = Vec::new();
        for n in 2..=5u8 {
            let idx = index.assign(peer_id(n)).unwrap();
            if n < 5 {
                index.set_info(
                    idx,
                    PeerInfo {
                        addr: peer_id(n).0,
                        router_id: Ipv4Addr::new(10, 0, 0, n),
                        ebgp: true,
                        rr_client: false,
                        asn: 65100,
                    },
                );
            }
            peers.push(idx);
        }
        World {
            index,
            peers,
            igp: HashMap::new(),
        }
    }

    fn ctx(&self) -> Decide<'_> {
        Decide {
            peers: &self.index,
            max_paths: 2,
            igp_costs: &self.igp,
        }
    }
}

fn path(peer: PeerIdx, imported: Option<Arc<RibAttrs>>, eligible: bool) -> StoredPath {
    StoredPath::new(peer, 0, attrs(1, 1), imported, eligible)
}

#[test]
fn a_bucket_of_the_ipv4_table_takes_40_octets() {
    // 5 octets of prefix padded to 8, a path inline: the per-prefix cost that replaced
    // 80 (Loc-RIB) + 32 (Adj-RIB-In) + 32 per peer (Adj-RIB-Out).
    assert_eq!(std::mem::size_of::<(Ipv4Net, Entry)>(), 40);
}

#[test]
fn a_rejected_route_is_kept_counted_as_received_and_never_selected() {
    let w = World::new();
    let mut loc = LocRib::default();
    let a = w.peers[0];
    let change = loc.store(net("10.1.0.0/24"), path(a, None, false), true, &w.ctx());
    assert!(change.is_none());
    assert_eq!(
        loc.counts(a),
        PeerCounts {
            received: 1,
            accepted: 0,
            stale: 0
        }
    );
    assert!(loc.selected(&net("10.1.0.0/24")).is_empty());
    assert_eq!(loc.len(), 0, "not in the Loc-RIB proper");
    assert!(
        loc.path(&net("10.1.0.0/24"), a, 0).is_some(),
        "kept for re-import"
    );

    // Re-import accepts it now: selected, with a change for the FIB.
    let change = loc
        .store(
            net("10.1.0.0/24"),
            path(a, Some(attrs(100, 1)), true),
            false,
            &w.ctx(),
        )
        .expect("now selected");
    assert!(change.before.is_empty() && change.after.len() == 1);
    assert!(matches!(change.fib, Some(FibDelta::Add { .. })));
    assert_eq!((loc.counts(a).accepted, loc.len()), (1, 1));

    let change = loc
        .remove(net("10.1.0.0/24"), a, 0, &w.ctx())
        .expect("gone");
    assert!(change.after.is_empty());
    assert_eq!(loc.counts(a), PeerCounts::default());
    assert!(loc.path(&net("10.1.0.0/24"), a, 0).is_none());
}

#[test]
fn a_reimport_keeps_the_stale_mark_and_a_new_announcement_clears_it() {
    let w = World::new();
    let mut loc = LocRib::default();
    let a = w.peers[0];
    let i = attrs(100, 1);
    loc.store(
        net("10.1.0.0/24"),
        path(a, Some(i.clone()), true),
        true,
        &w.ctx(),
    );
    loc.mark_stale(a);
    assert_eq!(loc.counts(a).stale, 1);
    assert_eq!(loc.paths_of(a, None, true), vec![(net("10.1.0.0/24"), 0)]);

    let again = loc.store(
        net("10.1.0.0/24"),
        path(a, Some(i.clone()), true),
        false,
        &w.ctx(),
    );
    assert!(again.is_none(), "same import result: no change");
    assert_eq!(loc.counts(a).stale, 1, "re-import keeps the mark");

    loc.store(net("10.1.0.0/24"), path(a, Some(i), true), true, &w.ctx());
    assert_eq!(loc.counts(a).stale, 0, "the peer sent it again");
    assert!(loc.paths_of(a, None, true).is_empty());
}

#[test]
fn paths_of_peers_whose_session_never_came_up_are_stored_but_not_selected() {
    let w = World::new();
    let mut loc = LocRib::default();
    let never_up = w.peers[3];
    let change = loc.store(
        net("10.1.0.0/24"),
        path(never_up, Some(attrs(100, 9)), true),
        true,
        &w.ctx(),
    );
    assert!(change.is_none());
    assert!(loc.selected(&net("10.1.0.0/24")).is_empty());
    assert_eq!(loc.counts(never_up).accepted, 1);
}

#[test]
fn the_change_carries_the_selection_before_and_after() {
    let w = World::new();
    let mut loc = LocRib::default();
    let (a, b) = (w.peers[0], w.peers[1]);
    let p = net("10.1.0.0/24");
    loc.store(p, path(a, Some(attrs(100, 1)), true), true, &w.ctx());
    let better = attrs(200, 2);
    let c = loc
        .store(p, path(b, Some(better.clone()), true), true, &w.ctx())
        .expect("b wins on LOCAL_PREF");
    let ids = |s: &Selection| s.iter().map(|x| x.peer).collect::<Vec<_>>();
    assert_eq!((ids(&c.before), ids(&c.after)), (vec![a], vec![b]));
    assert!(Arc::ptr_eq(&c.after[0].attrs, &better));
    assert_eq!(
        c.fib,
        Some(FibDelta::Replace {
            prefix: p,
            next_hops: vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2))]
        })
    );
    // A path that loses changes nothing; removing it does not either.
    assert!(
        loc.store(
            p,
            path(w.peers[2], Some(attrs(50, 3)), true),
            true,
            &w.ctx()
        )
        .is_none()
    );
    assert!(loc.remove(p, w.peers[2], 0, &w.ctx()).is_none());
    assert_eq!(loc.selected(&p).len(), 1);
}

/// xorshift64*: a fixed sequence, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % below
    }
}

/// Everything the table promises, recomputed from the stored paths.
fn check(loc: &LocRib, w: &World, step: usize) {
    let mut counts: HashMap<PeerIdx, PeerCounts> = HashMap::new();
    let mut routed = 0;
    let mut by_prefix: HashMap<IpNet, Vec<&StoredPath>> = HashMap::new();
    for (prefix, p) in loc.all_paths() {
        let c = counts.entry(p.peer).or_default();
        c.received += 1;
        c.accepted += usize::from(p.eligible());
        c.stale += usize::from(p.stale());
        by_prefix.entry(prefix).or_default().push(p);
    }
    for (prefix, paths) in &by_prefix {
        assert!(
            !paths.is_empty(),
            "step {step}: empty entry kept for {prefix}"
        );
        let selected = loc.selected(prefix);
        let n = paths.iter().filter(|p| p.selected()).count();
        assert_eq!(
            n,
            selected.len(),
            "step {step}: selected paths not all at the front"
        );
        assert!(selected.iter().all(StoredPath::eligible), "step {step}");
        routed += usize::from(!selected.is_empty());
        // The same choice as the public decision process over the eligible candidates.
        let cands: Vec<Candidate> = paths
            .iter()
            .filter_map(|p| {
                Some(Candidate {
                    peer: w.index.id(p.peer)?,
                    path_id: p.path_id,
                    attrs: Arc::clone(p.usable()?),
                    igp_cost: None,
                })
            })
            .collect();
        let infos: HashMap<PeerId, PeerInfo> = w
            .peers
            .iter()
            .filter_map(|i| Some((w.index.id(*i)?, *w.index.info(*i)?)))
            .collect();
        let want: Vec<PeerId> = select(&cands, &infos, 2)
            .map(|s| s.paths.iter().map(|&i| cands[i].peer).collect())
            .unwrap_or_default();
        let got: Vec<PeerId> = selected.iter().filter_map(|p| w.index.id(p.peer)).collect();
        assert_eq!(got, want, "step {step}: selection for {prefix}");
    }
    for idx in &w.peers {
        let want = counts.get(idx).copied().unwrap_or_default();
        assert_eq!(loc.counts(*idx), want, "step {step}: counts of {idx:?}");
    }
    assert_eq!(loc.len(), routed, "step {step}: routed prefixes");
}

#[test]
fn counts_selection_and_order_hold_through_a_random_sequence_of_changes() {
    let w = World::new();
    let mut loc = LocRib::default();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let prefixes: Vec<IpNet> = (0..6u8)
        .map(|i| net(&format!("10.{i}.0.0/16")))
        .chain([net("2001:db8::/48"), net("2001:db8:1::/48")])
        .collect();
    let sets: Vec<Arc<RibAttrs>> = (0..4u8)
        .map(|i| attrs(100 + u32::from(i % 2) * 50, i))
        .collect();
    for step in 0..4_000 {
        let prefix = prefixes[rng.next(prefixes.len() as u64) as usize];
        let peer = w.peers[rng.next(w.peers.len() as u64) as usize];
        let path_id = rng.next(2) as u32;
        match rng.next(10) {
            0..=5 => {
                let imported = (rng.next(4) > 0).then(|| sets[rng.next(4) as usize].clone());
                let p = StoredPath::new(peer, path_id, sets[0].clone(), imported, rng.next(5) > 0);
                loc.store(prefix, p, rng.next(2) == 0, &w.ctx());
            }
            6..=8 => {
                loc.remove(prefix, peer, path_id, &w.ctx());
            }
            _ => loc.mark_stale(peer),
        }
        check(&loc, &w, step);
    }
}
