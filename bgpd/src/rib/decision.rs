//! The BGP decision process, RFC 4271 §9.1.2.2, with RFC 4456 §9 additions, and ECMP.
//!
//! Steps run as filters over the candidate set, as the RFC describes them (MED is only
//! comparable between paths from the same neighbouring AS, so it cannot be a sort key).
//! The candidates left after the IGP-cost step are equal for multipath; the remaining
//! tie-breakers only order them to pick the single best.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::hash::BuildHasher;

use super::types::{Candidate, PeerId, PeerInfo};
use crate::wire::Origin;

/// LOCAL_PREF assumed when absent (the common default; RFC 4271 leaves it to policy).
pub const DEFAULT_LOCAL_PREF: u32 = 100;

/// Result of the decision process for one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Indexes into the candidate slice: best first, then the other equal-cost paths,
    /// at most `max_paths` in total.
    pub paths: Vec<usize>,
}

/// Run the decision process. `peers` must hold every candidate's peer.
pub fn select<S: BuildHasher>(
    cands: &[Candidate],
    peers: &HashMap<PeerId, PeerInfo, S>,
    max_paths: usize,
) -> Option<Selection> {
    let info = |c: &Candidate| peers.get(&c.peer).copied();
    let mut set: Vec<usize> = (0..cands.len())
        .filter(|i| info(&cands[*i]).is_some())
        .collect();
    let attrs = |i: usize| &cands[i].attrs.path;

    // Terrace policy before §9.1.2.2: our own origination wins (like a "weight").
    keep_best(&mut set, |i| cands[i].peer == PeerId::LOCAL);
    // (a) highest LOCAL_PREF; (a) shortest AS_PATH, an AS_SET counting 1.
    keep_best(&mut set, |i| {
        attrs(i).local_pref.unwrap_or(DEFAULT_LOCAL_PREF)
    });
    keep_best(&mut set, |i| Reverse(attrs(i).as_path.decision_len()));
    // (b) lowest ORIGIN.
    keep_best(&mut set, |i| {
        Reverse(attrs(i).origin.unwrap_or(Origin::Incomplete))
    });
    // (c) lowest MED among paths from the same neighbouring AS; missing MED is 0.
    let med = |i: usize| attrs(i).med.unwrap_or(0);
    let snapshot = set.clone();
    set.retain(|&i| {
        let nas = attrs(i).as_path.first_as();
        !snapshot
            .iter()
            .any(|&j| attrs(j).as_path.first_as() == nas && med(j) < med(i))
    });
    // (d) eBGP-learned over iBGP-learned.
    keep_best(&mut set, |i| info(&cands[i]).is_some_and(|p| p.ebgp));
    // (e) lowest interior cost to the next hop, when known.
    keep_best(&mut set, |i| Reverse(cands[i].igp_cost.unwrap_or(0)));
    // Tie-breakers: (f) lowest BGP Identifier, ORIGINATOR_ID if present (RFC 4456 §9);
    // shortest CLUSTER_LIST (RFC 4456 §9); (g) lowest peer address.
    set.sort_by_key(|&i| {
        let p = info(&cands[i]);
        let id = attrs(i).originator_id.or(p.map(|p| p.router_id));
        (
            id,
            attrs(i).cluster_list.len(),
            p.map(|p| p.addr),
            cands[i].path_id,
        )
    });
    set.truncate(max_paths.max(1));
    (!set.is_empty()).then_some(Selection { paths: set })
}

/// Keep only the candidates with the greatest `key`.
fn keep_best<K: Ord>(set: &mut Vec<usize>, key: impl Fn(usize) -> K) {
    let Some(best) = set.iter().map(|&i| key(i)).max() else {
        return;
    };
    set.retain(|&i| key(i) == best);
}
