//! Loc-RIB (RFC 4271 §3.2) with the Adj-RIBs-In folded in: per prefix, every path the
//! peers sent ([`StoredPath`]: as received and after import policy), the selected ones
//! first in selection order, then the others, including the ineligible ones (rejected
//! by import policy or with an unresolvable next hop) that re-import runs from.
//!
//! One table per family, sharded ([`super::shards`]); per-peer counters of received,
//! accepted and stale paths are kept as paths come and go, so neither counting nor a
//! sweep of a peer without stale routes walks the table.

use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use smallvec::SmallVec;

use super::decision::{PathView, select_views};
use super::fib::{FibDelta, delta};
use super::path::StoredPath;
use super::peer_index::{PeerIdx, PeerIndex};
use super::shards::{ShardKey, Shards};
use super::types::RibAttrs;
use crate::wire::Afi;

/// A selected path, as exports and the FIB see it.
#[derive(Debug, Clone)]
pub(super) struct Selected {
    pub peer: PeerIdx,
    pub path_id: u32,
    /// Attributes after import policy.
    pub attrs: Arc<RibAttrs>,
}

impl Selected {
    fn of(p: &StoredPath) -> Option<Selected> {
        Some(Selected {
            peer: p.peer,
            path_id: p.path_id,
            attrs: Arc::clone(p.usable()?),
        })
    }
}

/// The selected paths of a prefix, best first; inline for the usual single path.
pub(super) type Selection = SmallVec<[Selected; 1]>;

/// The selection made of stored selected paths.
pub(super) fn selection_of(selected: &[StoredPath]) -> Selection {
    selected.iter().filter_map(Selected::of).collect()
}

/// What changed for one prefix: the selection before and after, and the forwarding
/// change. Exports derive what a peer was told from `before`.
#[derive(Debug, Clone)]
pub(super) struct BestChange {
    pub prefix: IpNet,
    pub before: Selection,
    pub after: Selection,
    pub fib: Option<FibDelta>,
}

/// What the decision process needs besides the paths.
#[derive(Debug, Clone, Copy)]
pub(super) struct Decide<'a> {
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

/// Paths of one peer in the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct PeerCounts {
    /// Every path it sent that is stored (its Adj-RIB-In; the max-prefix count).
    pub received: usize,
    /// Eligible paths: accepted by import policy, next hop resolvable.
    pub accepted: usize,
    /// Paths kept stale from before it restarted.
    pub stale: usize,
}

/// Counters per peer number.
#[derive(Debug, Default)]
struct Counts(Vec<PeerCounts>);

impl Counts {
    fn of(&mut self, peer: PeerIdx) -> &mut PeerCounts {
        let i = peer.slot();
        if self.0.len() <= i {
            self.0.resize(i + 1, PeerCounts::default());
        }
        // Just resized to hold `i`.
        &mut self.0[i]
    }

    fn add(&mut self, p: &StoredPath) {
        let c = self.of(p.peer);
        c.received += 1;
        c.accepted += usize::from(p.eligible());
        c.stale += usize::from(p.stale());
    }

    fn remove(&mut self, p: &StoredPath) {
        let c = self.of(p.peer);
        c.received = c.received.saturating_sub(1);
        c.accepted = c.accepted.saturating_sub(usize::from(p.eligible()));
        c.stale = c.stale.saturating_sub(usize::from(p.stale()));
    }
}

/// Paths of one prefix, the selected ones first (in selection order).
#[derive(Debug, Default)]
struct Entry {
    /// Most prefixes have one path: inline instead of in a heap allocation.
    paths: SmallVec<[StoredPath; 1]>,
}

impl Entry {
    fn selected(&self) -> &[StoredPath] {
        let n = self.paths.iter().take_while(|p| p.selected()).count();
        self.paths.get(..n).unwrap_or_default()
    }

    fn selection(&self) -> Selection {
        selection_of(self.selected())
    }

    fn position(&self, peer: PeerIdx, path_id: u32) -> Option<usize> {
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
    fn reselect(
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
pub(super) fn fib_next_hops(selected: &[Selected]) -> Vec<IpAddr> {
    if selected.first().is_none_or(|s| s.peer == PeerIdx::LOCAL) {
        return Vec::new();
    }
    let mut nhs: Vec<IpAddr> = selected.iter().map(|s| s.attrs.next_hop).collect();
    nhs.sort();
    nhs.dedup();
    nhs
}

/// The Loc-RIB and the Adj-RIBs-In.
#[derive(Debug, Default)]
pub(super) struct LocRib {
    v4: Shards<Ipv4Net, Entry>,
    v6: Shards<Ipv6Net, Entry>,
    counts: Counts,
    /// Prefixes with at least one selected path.
    routed: usize,
}

impl LocRib {
    /// Store `path` (insert, or replace the path with its peer and path id). A
    /// replaced path keeps its stale mark unless `clear_stale` (the peer sent it again).
    pub fn store(
        &mut self,
        prefix: IpNet,
        path: StoredPath,
        clear_stale: bool,
        ctx: &Decide<'_>,
    ) -> Option<BestChange> {
        let change = match prefix {
            IpNet::V4(k) => store(&mut self.v4, &mut self.counts, k, path, clear_stale, ctx),
            IpNet::V6(k) => store(&mut self.v6, &mut self.counts, k, path, clear_stale, ctx),
        };
        self.track(change)
    }

    /// Remove the path of `peer` with `path_id`.
    pub fn remove(
        &mut self,
        prefix: IpNet,
        peer: PeerIdx,
        path_id: u32,
        ctx: &Decide<'_>,
    ) -> Option<BestChange> {
        let change = match prefix {
            IpNet::V4(k) => remove(&mut self.v4, &mut self.counts, k, peer, path_id, ctx),
            IpNet::V6(k) => remove(&mut self.v6, &mut self.counts, k, peer, path_id, ctx),
        };
        self.track(change)
    }

    /// Run the decision process again for `prefix` (interior costs changed).
    pub fn reselect(&mut self, prefix: IpNet, ctx: &Decide<'_>) -> Option<BestChange> {
        let entry = match prefix {
            IpNet::V4(k) => self.v4.get_mut(&k),
            IpNet::V6(k) => self.v6.get_mut(&k),
        }?;
        let before = entry.selection();
        let change = entry.reselect(prefix, before, ctx);
        self.track(change)
    }

    fn track(&mut self, change: Option<BestChange>) -> Option<BestChange> {
        if let Some(c) = &change {
            match (c.before.is_empty(), c.after.is_empty()) {
                (true, false) => self.routed += 1,
                (false, true) => self.routed = self.routed.saturating_sub(1),
                _ => {}
            }
        }
        change
    }

    /// Mark every path of `peer` stale (its session went down gracefully).
    pub fn mark_stale(&mut self, peer: PeerIdx) {
        let mut marked = 0;
        let v4 = self.v4.iter_mut().map(|(_, e)| e);
        for e in v4.chain(self.v6.iter_mut().map(|(_, e)| e)) {
            for p in e.paths.iter_mut().filter(|p| p.peer == peer) {
                marked += usize::from(!p.stale());
                p.set_stale(true);
            }
        }
        self.counts.of(peer).stale += marked;
    }

    /// Prefix and path id of every path of `peer` (of `afi` only, and only stale
    /// ones, if asked), to act on one by one.
    pub fn paths_of(&self, peer: PeerIdx, afi: Option<Afi>, stale_only: bool) -> Vec<(IpNet, u32)> {
        let counts = self.counts(peer);
        if counts.received == 0 || (stale_only && counts.stale == 0) {
            return Vec::new();
        }
        let v4 = afi.is_none_or(|a| a == Afi::Ipv4);
        let v6 = afi.is_none_or(|a| a == Afi::Ipv6);
        let mut out = Vec::new();
        let mut collect = |prefix: IpNet, e: &Entry| {
            let mine = e
                .paths
                .iter()
                .filter(|p| p.peer == peer && (p.stale() || !stale_only));
            out.extend(mine.map(|p| (prefix, p.path_id)));
        };
        if v4 {
            self.v4.iter().for_each(|(k, e)| collect((*k).into(), e));
        }
        if v6 {
            self.v6.iter().for_each(|(k, e)| collect((*k).into(), e));
        }
        out
    }

    /// The stored path of `peer` with `path_id` for `prefix`.
    pub fn path(&self, prefix: &IpNet, peer: PeerIdx, path_id: u32) -> Option<&StoredPath> {
        let e = self.entry(prefix)?;
        e.paths.get(e.position(peer, path_id)?)
    }

    /// Selected paths for a prefix, best first.
    pub fn selected(&self, prefix: &IpNet) -> &[StoredPath] {
        self.entry(prefix).map(Entry::selected).unwrap_or_default()
    }

    /// Every prefix with a selection, with its selected paths.
    pub fn best_routes(&self) -> impl Iterator<Item = (IpNet, &[StoredPath])> {
        self.entries()
            .map(|(p, e)| (p, e.selected()))
            .filter(|(_, s)| !s.is_empty())
    }

    /// Every stored path.
    pub fn all_paths(&self) -> impl Iterator<Item = (IpNet, &StoredPath)> {
        self.entries()
            .flat_map(|(p, e)| e.paths.iter().map(move |path| (p, path)))
    }

    /// Prefixes where more than one path is eligible: the only ones a change of
    /// interior costs can affect.
    pub fn contested(&self) -> Vec<IpNet> {
        self.entries()
            .filter(|(_, e)| e.paths.iter().filter(|p| p.eligible()).count() > 1)
            .map(|(p, _)| p)
            .collect()
    }

    /// Paths of `peer` in the table.
    pub fn counts(&self, peer: PeerIdx) -> PeerCounts {
        self.counts.0.get(peer.slot()).copied().unwrap_or_default()
    }

    /// Forget the counters of a peer number about to be reused (it has no paths).
    pub fn forget_peer(&mut self, peer: PeerIdx) {
        if let Some(c) = self.counts.0.get_mut(peer.slot()) {
            *c = PeerCounts::default();
        }
    }

    /// Prefixes with a selection (the Loc-RIB proper).
    pub fn len(&self) -> usize {
        self.routed
    }

    fn entry(&self, prefix: &IpNet) -> Option<&Entry> {
        match prefix {
            IpNet::V4(k) => self.v4.get(k),
            IpNet::V6(k) => self.v6.get(k),
        }
    }

    fn entries(&self) -> impl Iterator<Item = (IpNet, &Entry)> {
        let v4 = self.v4.iter().map(|(k, e)| (IpNet::V4(*k), e));
        v4.chain(self.v6.iter().map(|(k, e)| (IpNet::V6(*k), e)))
    }
}

fn store<K: ShardKey>(
    table: &mut Shards<K, Entry>,
    counts: &mut Counts,
    key: K,
    mut path: StoredPath,
    clear_stale: bool,
    ctx: &Decide<'_>,
) -> Option<BestChange> {
    let prefix: IpNet = key.into();
    let entry = match table.entry(key)? {
        MapEntry::Vacant(slot) => {
            // A new prefix with one path, the bulk of a table arriving: selected if it
            // is eligible and its peer known, without the general reselection.
            counts.add(&path);
            let known = ctx.peers.info(path.peer).is_some();
            let after: Selection = Selected::of(&path).filter(|_| known).into_iter().collect();
            path.set_selected(!after.is_empty());
            slot.insert(Entry {
                paths: SmallVec::from_buf([path]),
            });
            if after.is_empty() {
                return None;
            }
            let fib = delta(prefix, &[], &fib_next_hops(&after));
            return Some(BestChange {
                prefix,
                before: Selection::new(),
                after,
                fib,
            });
        }
        MapEntry::Occupied(e) => e.into_mut(),
    };
    let before = entry.selection();
    match entry.position(path.peer, path.path_id) {
        Some(i) => {
            let old = entry.paths.get_mut(i)?;
            let keep_stale = old.stale() && !clear_stale;
            let unchanged = old.same_candidate(&path) || !(old.eligible() || path.eligible());
            path.set_stale(keep_stale);
            path.set_selected(old.selected());
            counts.remove(old);
            counts.add(&path);
            *old = path;
            if unchanged {
                return None;
            }
        }
        None => {
            counts.add(&path);
            let eligible = path.eligible();
            entry.paths.push(path);
            if !eligible {
                return None;
            }
        }
    }
    entry.reselect(prefix, before, ctx)
}

fn remove<K: ShardKey>(
    table: &mut Shards<K, Entry>,
    counts: &mut Counts,
    key: K,
    peer: PeerIdx,
    path_id: u32,
    ctx: &Decide<'_>,
) -> Option<BestChange> {
    let prefix: IpNet = key.into();
    let entry = table.get_mut(&key)?;
    let at = entry.position(peer, path_id)?;
    let before = entry.selection();
    let gone = entry.paths.remove(at);
    counts.remove(&gone);
    let change = if gone.eligible() {
        // Even an unselected path can change the result: MED compares only within
        // one neighbouring AS (§9.1.2.2 (c)), so the steps do not form an order.
        entry.reselect(prefix, before, ctx)
    } else {
        // The decision process never saw it.
        None
    };
    if entry.paths.is_empty() {
        table.remove(&key);
    }
    change
}

#[cfg(test)]
mod tests;
