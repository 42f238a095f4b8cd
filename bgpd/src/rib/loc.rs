//! Loc-RIB (RFC 4271 §3.2) with the Adj-RIBs-In folded in: per prefix, every path the
//! peers sent ([`StoredPath`]: as received and after import policy), the selected ones
//! first in selection order, then the others, including the ineligible ones (rejected
//! by import policy or with an unresolvable next hop) that re-import runs from.
//!
//! One table per family, sharded ([`super::shards`]); per-peer counters of received,
//! accepted and stale paths are kept as paths come and go, so neither counting nor a
//! sweep of a peer without stale routes walks the table.

mod entry;

use std::collections::hash_map::Entry as MapEntry;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use smallvec::SmallVec;

use super::fib::delta;
use super::path::StoredPath;
use super::peer_index::PeerIdx;
use super::shards::{ShardKey, Shards};
use crate::wire::Afi;
use entry::Entry;
pub(super) use entry::{BestChange, Decide, Selected, Selection, fib_next_hops, selection_of};
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
