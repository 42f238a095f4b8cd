//! The BGP decision process, RFC 4271 §9.1.2.2, with RFC 4456 §9 additions, and ECMP.
//!
//! Steps run as filters over the candidate set, as the RFC describes them (MED is only
//! comparable between paths from the same neighbouring AS, so it cannot be a sort key).
//! The candidates left after the IGP-cost step are equal for multipath; the remaining
//! tie-breakers only order them to pick the single best.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::hash::BuildHasher;

use smallvec::SmallVec;

use super::types::{Candidate, PeerId, PeerInfo};
use crate::wire::{Origin, PathAttrs};

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
    // Candidates of unknown peers take no part; `known` maps views back to `cands`.
    let mut known: Vec<usize> = Vec::with_capacity(cands.len());
    let views: SmallVec<[PathView<'_>; 4]> = cands
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let info = peers.get(&c.peer)?;
            known.push(i);
            Some(PathView {
                info,
                local: c.peer == PeerId::LOCAL,
                attrs: &c.attrs.path,
                igp_cost: c.igp_cost.unwrap_or(0),
                path_id: c.path_id,
            })
        })
        .collect();
    let order = select_views(&views, max_paths);
    let paths: Vec<usize> = order
        .iter()
        .filter_map(|&v| known.get(v).copied())
        .collect();
    (!paths.is_empty()).then_some(Selection { paths })
}

/// What the decision process looks at in one path.
#[derive(Debug, Clone, Copy)]
pub(super) struct PathView<'a> {
    /// The peer it came from.
    pub info: &'a PeerInfo,
    /// Originated by us.
    pub local: bool,
    /// Attributes after import policy.
    pub attrs: &'a PathAttrs,
    /// Interior cost to the next hop; 0 when unknown (§9.1.2.2 (e)).
    pub igp_cost: u32,
    /// ADD-PATH identifier, the last tie-breaker between paths of one peer.
    pub path_id: u32,
}

/// The decision process over `views`: indexes of the selected paths, best first, at
/// most `max_paths` (at least one); empty only when `views` is.
pub(super) fn select_views(views: &[PathView<'_>], max_paths: usize) -> SmallVec<[usize; 4]> {
    let mut set: SmallVec<[usize; 4]> = (0..views.len()).collect();
    let v = |i: usize| &views[i];
    let attrs = |i: usize| v(i).attrs;

    // Terrace policy before §9.1.2.2: our own origination wins (like a "weight").
    keep_best(&mut set, |i| v(i).local);
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
    set.retain(|i| {
        let nas = attrs(*i).as_path.first_as();
        !snapshot
            .iter()
            .any(|&j| attrs(j).as_path.first_as() == nas && med(j) < med(*i))
    });
    // (d) eBGP-learned over iBGP-learned.
    keep_best(&mut set, |i| v(i).info.ebgp);
    // (e) lowest interior cost to the next hop, when known.
    keep_best(&mut set, |i| Reverse(v(i).igp_cost));
    // Tie-breakers: (f) lowest BGP Identifier, ORIGINATOR_ID if present (RFC 4456 §9);
    // shortest CLUSTER_LIST (RFC 4456 §9); (g) lowest peer address.
    set.sort_by_key(|&i| {
        let id = attrs(i).originator_id.unwrap_or(v(i).info.router_id);
        (
            id,
            attrs(i).cluster_list.len(),
            v(i).info.addr,
            v(i).path_id,
        )
    });
    set.truncate(max_paths.max(1));
    set
}

/// Keep only the candidates with the greatest `key`.
fn keep_best<K: Ord>(set: &mut SmallVec<[usize; 4]>, key: impl Fn(usize) -> K) {
    let Some(best) = set.iter().map(|&i| key(i)).max() else {
        return;
    };
    set.retain(|i| key(*i) == best);
}
