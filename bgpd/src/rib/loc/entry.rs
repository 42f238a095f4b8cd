//! The paths of one prefix and the decision over them: selected paths first, in
//! selection order, each flagged; what a change of selection looks like.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use smallvec::SmallVec;

use crate::rib::decision::{PathView, select_views};
use crate::rib::fib::{FibDelta, delta};
use crate::rib::path::StoredPath;
use crate::rib::peer_index::{PeerIdx, PeerIndex};
use crate::rib::types::RibAttrs;

/// A selected path, as exports and the FIB see it.
#[derive(Debug, Clone)]
pub(in crate::rib) struct Selected {
    pub peer: PeerIdx,
    pub path_id: u32,
    /// Attributes after import policy.
    pub attrs: Arc<RibAttrs>,
}

impl Selected {
    pub fn of(p: &StoredPath) -> Option<Selected> {
        Some(Selected {
            peer: p.peer,
            path_id: p.path_id,
            attrs: Arc::clone(p.usable()?),
        })
    }
}

/// The selected paths of a prefix, best first; inline for the usual single path.
pub(in crate::rib) type Selection = SmallVec<[Selected; 1]>;

/// The selection made of stored selected paths.
pub(in crate::rib) fn selection_of(selected: &[StoredPath]) -> Selection {
    selected.iter().filter_map(Selected::of).collect()
}

/// What changed for one prefix: the selection before and after, and the forwarding
/// change. Exports derive what a peer was told from `before`.
#[derive(Debug, Clone)]
pub(in crate::rib) struct BestChange {
    pub prefix: IpNet,
    pub before: Selection,
    pub after: Selection,
    pub fib: Option<FibDelta>,
}

/// What the decision process needs besides the paths.
#[derive(Debug, Clone, Copy)]
pub(in crate::rib) struct Decide<'a> {
    pub peers: &'a PeerIndex,
    pub max_paths: usize,
    /// Interior cost per next hop (§9.1.2.2 (e)); absent ones cost 0.
    pub igp_costs: &'a HashMap<IpAddr, u32>,
}

impl Decide<'_> {
    fn igp_cost(&self, next_hop: IpAddr) -> u32 {
        if self.igp_costs.is_empty() {
            return 0;
        }
        self.igp_costs.get(&next_hop).copied().unwrap_or(0)
    }
}

/// Paths of one prefix, the selected ones first (in selection order).
#[derive(Debug, Default)]
pub(super) struct Entry {
    /// Most prefixes have one path: inline instead of in a heap allocation.
    pub paths: SmallVec<[StoredPath; 1]>,
}

impl Entry {
    pub fn selected(&self) -> &[StoredPath] {
        let n = self.paths.iter().take_while(|p| p.selected()).count();
        self.paths.get(..n).unwrap_or_default()
    }

    pub fn selection(&self) -> Selection {
        selection_of(self.selected())
    }

    pub fn position(&self, peer: PeerIdx, path_id: u32) -> Option<usize> {
        self.paths
            .iter()
            .position(|p| p.peer == peer && p.path_id == path_id)
    }

    /// Run the decision process and move the selected paths to the front, in order.
    fn reorder(&mut self, ctx: &Decide<'_>) {
        let mut at: SmallVec<[usize; 4]> = SmallVec::new();
        let views: SmallVec<[PathView<'_>; 4]> = self
            .paths
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let attrs = p.usable()?;
                let info = ctx.peers.info(p.peer)?;
                at.push(i);
                Some(PathView {
                    info,
                    local: p.peer == PeerIdx::LOCAL,
                    attrs: &attrs.path,
                    igp_cost: ctx.igp_cost(attrs.next_hop),
                    path_id: p.path_id,
                })
            })
            .collect();
        let order: SmallVec<[(PeerIdx, u32); 4]> = select_views(&views, ctx.max_paths)
            .iter()
            .filter_map(|&v| at.get(v))
            .filter_map(|&i| self.paths.get(i).map(|p| (p.peer, p.path_id)))
            .collect();
        drop(views);
        for p in &mut self.paths {
            p.set_selected(false);
        }
        // Swap each selected path into place: the k-th is found at k or after, since
        // the places before k hold the k-1 selected before it.
        for (k, key) in order.iter().enumerate() {
            let found = self.paths.iter().position(|p| (p.peer, p.path_id) == *key);
            if let Some(pos) = found {
                self.paths.swap(k, pos);
                if let Some(p) = self.paths.get_mut(k) {
                    p.set_selected(true);
                }
            }
        }
    }

    /// Decide again after a change; the change, if the selection moved.
    pub fn reselect(
        &mut self,
        prefix: IpNet,
        before: Selection,
        ctx: &Decide<'_>,
    ) -> Option<BestChange> {
        self.reorder(ctx);
        let after = self.selection();
        if same_paths(&before, &after) {
            return None;
        }
        let fib = delta(prefix, &fib_next_hops(&before), &fib_next_hops(&after));
        Some(BestChange {
            prefix,
            before,
            after,
            fib,
        })
    }
}

/// Identity of a selection: same peers, path ids and interned attributes, in order.
fn same_paths(a: &[Selected], b: &[Selected]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.peer == y.peer && x.path_id == y.path_id && Arc::ptr_eq(&x.attrs, &y.attrs)
        })
}

/// Next hops to install: learned paths only (our own blocks are felix's blackholes).
pub(in crate::rib) fn fib_next_hops(selected: &[Selected]) -> Vec<IpAddr> {
    if selected.first().is_none_or(|s| s.peer == PeerIdx::LOCAL) {
        return Vec::new();
    }
    let mut nhs: Vec<IpAddr> = selected.iter().map(|s| s.attrs.next_hop).collect();
    nhs.sort();
    nhs.dedup();
    nhs
}
