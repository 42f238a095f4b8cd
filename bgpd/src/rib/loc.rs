//! Loc-RIB (RFC 4271 §3.2): every accepted candidate per prefix and the selected paths.

use std::collections::HashMap;
use std::hash::BuildHasher;

// Faster than SipHash on the per-route tables, still seeded per process against
// crafted collisions from peers.
use foldhash::quality::RandomState;
use std::net::IpAddr;

use ipnet::IpNet;
use smallvec::SmallVec;

use super::decision::select;
use super::fib::{FibDelta, delta};
use super::types::{Candidate, FastMap, PeerId, PeerInfo, RibAttrs};

/// Candidates of one prefix. The selected paths are kept at the front, best first, so
/// no second list is stored per prefix.
#[derive(Debug, Clone, Default)]
struct Entry {
    /// Most prefixes have one path: keep it inline instead of in a heap allocation.
    cands: SmallVec<[Candidate; 1]>,
    /// How many of the leading `cands` are selected (u32: the entry stays 8 octets
    /// smaller than with a usize, times every prefix).
    selected: u32,
}

impl Entry {
    fn selected(&self) -> &[Candidate] {
        let n = usize::try_from(self.selected).unwrap_or(usize::MAX);
        self.cands.get(..n).unwrap_or_default()
    }
}

/// What changed for one prefix after an insert or removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BestChange {
    /// The prefix.
    pub prefix: IpNet,
    /// New selection, best first; empty when the prefix became unreachable.
    pub selected: Vec<Candidate>,
    /// Forwarding change, if any.
    pub fib: Option<FibDelta>,
}

/// The Loc-RIB.
#[derive(Debug, Default)]
pub struct LocRib {
    table: HashMap<IpNet, Entry, RandomState>,
    /// Candidates per peer (the peer's accepted routes).
    per_peer: FastMap<PeerId, usize>,
}

impl LocRib {
    /// Insert or replace the candidate of (`peer`, `path_id`) for `prefix`.
    pub fn upsert<S: BuildHasher>(
        &mut self,
        prefix: IpNet,
        cand: Candidate,
        peers: &HashMap<PeerId, PeerInfo, S>,
        max_paths: usize,
    ) -> Option<BestChange> {
        let entry = match self.table.entry(prefix) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                // A new prefix with one candidate, the bulk of a table arriving: it is
                // selected if its peer is known, without the general reselection.
                *self.per_peer.entry(cand.peer).or_default() += 1;
                let known = max_paths > 0 && peers.contains_key(&cand.peer);
                let selected = if known {
                    vec![cand.clone()]
                } else {
                    Vec::new()
                };
                slot.insert(Entry {
                    cands: SmallVec::from_buf([cand]),
                    selected: u32::from(known),
                });
                if !known {
                    return None;
                }
                let fib = delta(prefix, &[], &fib_next_hops(&selected));
                return Some(BestChange {
                    prefix,
                    selected,
                    fib,
                });
            }
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        };
        let before = Before::of(entry);
        match entry
            .cands
            .iter_mut()
            .find(|c| c.peer == cand.peer && c.path_id == cand.path_id)
        {
            Some(existing) if *existing == cand => return None,
            Some(existing) => *existing = cand,
            None => {
                *self.per_peer.entry(cand.peer).or_default() += 1;
                entry.cands.push(cand);
            }
        }
        self.reselect(prefix, before, peers, max_paths)
    }

    /// Remove the candidate of (`peer`, `path_id`) for `prefix`.
    pub fn remove<S: BuildHasher>(
        &mut self,
        prefix: IpNet,
        peer: PeerId,
        path_id: u32,
        peers: &HashMap<PeerId, PeerInfo, S>,
        max_paths: usize,
    ) -> Option<BestChange> {
        let entry = self.table.get_mut(&prefix)?;
        let before = Before::of(entry);
        let count = entry.cands.len();
        entry
            .cands
            .retain(|c| !(c.peer == peer && c.path_id == path_id));
        if entry.cands.len() == count {
            return None;
        }
        if let Some(n) = self.per_peer.get_mut(&peer) {
            *n = n.saturating_sub(count - entry.cands.len());
        }
        self.reselect(prefix, before, peers, max_paths)
    }

    fn reselect<S: BuildHasher>(
        &mut self,
        prefix: IpNet,
        before: Before,
        peers: &HashMap<PeerId, PeerInfo, S>,
        max_paths: usize,
    ) -> Option<BestChange> {
        let entry = self.table.get_mut(&prefix)?;
        let Before {
            keys: old,
            next_hops: old_nhs,
        } = before;
        let order = select(&entry.cands, peers, max_paths)
            .map(|s| s.paths)
            .unwrap_or_default();
        // Move the selected candidates to the front, in selection order.
        let mut rest: Vec<Option<Candidate>> = std::mem::take(&mut entry.cands)
            .into_iter()
            .map(Some)
            .collect();
        let mut cands: SmallVec<[Candidate; 1]> = order
            .iter()
            .filter_map(|&i| rest.get_mut(i)?.take())
            .collect();
        entry.selected = u32::try_from(cands.len()).unwrap_or(u32::MAX);
        cands.extend(rest.into_iter().flatten());
        entry.cands = cands;
        let new: Vec<(PeerId, u32, *const RibAttrs)> = entry.selected().iter().map(key).collect();
        if old == new {
            return None;
        }
        let selected = entry.selected().to_vec();
        let fib = delta(prefix, &old_nhs, &fib_next_hops(&selected));
        if entry.cands.is_empty() {
            self.table.remove(&prefix);
        }
        Some(BestChange {
            prefix,
            selected,
            fib,
        })
    }

    /// Selected paths for a prefix, best first.
    pub fn selected(&self, prefix: &IpNet) -> &[Candidate] {
        self.table
            .get(prefix)
            .map(Entry::selected)
            .unwrap_or_default()
    }

    /// All prefixes with a selection, for a full-table export.
    pub fn best_routes(&self) -> impl Iterator<Item = (&IpNet, &[Candidate])> {
        self.table
            .iter()
            .filter(|(_, e)| e.selected > 0)
            .map(|(p, e)| (p, e.selected()))
    }

    /// Candidates from `peer`: its routes that passed import policy and have a
    /// resolvable next hop.
    pub fn candidates_from(&self, peer: PeerId) -> usize {
        self.per_peer.get(&peer).copied().unwrap_or(0)
    }

    /// Number of prefixes present.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

/// Next hops to install: learned paths only (our own blocks are felix's blackholes).
pub(super) fn fib_next_hops(selected: &[Candidate]) -> Vec<IpAddr> {
    if selected.first().is_none_or(|c| c.peer == PeerId::LOCAL) {
        return Vec::new();
    }
    let mut nhs: Vec<IpAddr> = selected.iter().map(|c| c.attrs.next_hop).collect();
    nhs.sort();
    nhs.dedup();
    nhs
}

/// The selection of an entry before a change, taken before the candidates move.
struct Before {
    keys: Vec<(PeerId, u32, *const RibAttrs)>,
    next_hops: Vec<IpAddr>,
}

impl Before {
    fn of(entry: &Entry) -> Before {
        Before {
            keys: entry.selected().iter().map(key).collect(),
            next_hops: fib_next_hops(entry.selected()),
        }
    }
}

/// Identity of a selected path: same peer, same path id, same interned attributes.
fn key(c: &Candidate) -> (PeerId, u32, *const RibAttrs) {
    (c.peer, c.path_id, std::sync::Arc::as_ptr(&c.attrs))
}
