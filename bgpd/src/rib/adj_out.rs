//! Adj-RIB-Out (RFC 4271 §3.2): what each peer has been told, per prefix and, with
//! ADD-PATH (RFC 7911), per path identifier; changes come out as [`Advert`]s.
//!
//! Almost every prefix is told as one path with identifier 0 (no ADD-PATH), so those
//! are kept as a bare attribute pointer in their own map: 32 octets a prefix instead of
//! 56 with a small vector, which matters with a full table per peer.

use std::collections::HashMap;

// Faster than SipHash on the per-route tables, still seeded per process against
// crafted collisions from peers.
use foldhash::quality::RandomState;
use std::sync::Arc;

use ipnet::IpNet;
use smallvec::SmallVec;

use super::advert::Advert;
use super::types::{PeerId, RibAttrs};

/// Paths advertised for one prefix: (path identifier, attributes). Without ADD-PATH there
/// is one entry with identifier 0.
pub type OutPaths = SmallVec<[(u32, Arc<RibAttrs>); 1]>;

/// One peer's Adj-RIB-Out.
#[derive(Debug, Default)]
pub struct AdjRibOut {
    /// Prefixes told as one path with identifier 0.
    single: HashMap<IpNet, Arc<RibAttrs>, RandomState>,
    /// Prefixes told under other or several identifiers (ADD-PATH send).
    multi: HashMap<IpNet, OutPaths, RandomState>,
}

impl AdjRibOut {
    /// The paths told for `prefix` (none if it was not told).
    pub fn paths(&self, prefix: &IpNet) -> SmallVec<[(u32, &Arc<RibAttrs>); 1]> {
        if let Some(a) = self.single.get(prefix) {
            return SmallVec::from_buf([(0, a)]);
        }
        self.multi
            .get(prefix)
            .map(|paths| paths.iter().map(|(i, a)| (*i, a)).collect())
            .unwrap_or_default()
    }

    /// Whether `prefix` was told under `path_id`.
    pub fn has(&self, prefix: &IpNet, path_id: u32) -> bool {
        match self.single.get(prefix) {
            Some(_) => path_id == 0,
            None => self
                .multi
                .get(prefix)
                .is_some_and(|paths| paths.iter().any(|(i, _)| *i == path_id)),
        }
    }

    fn take(&mut self, prefix: &IpNet) -> OutPaths {
        if let Some(a) = self.single.remove(prefix) {
            return SmallVec::from_buf([(0, a)]);
        }
        self.multi.remove(prefix).unwrap_or_default()
    }

    fn put(&mut self, prefix: IpNet, mut paths: OutPaths) {
        match paths.as_slice() {
            [] => {}
            [(0, _)] => {
                if let Some((_, a)) = paths.pop() {
                    self.single.insert(prefix, a);
                }
            }
            _ => {
                self.multi.insert(prefix, paths);
            }
        }
    }

    /// Prefixes told.
    pub fn len(&self) -> usize {
        self.single.len() + self.multi.len()
    }

    /// True when nothing was told.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forget everything (the session ended).
    pub fn clear(&mut self) {
        self.single = HashMap::default();
        self.multi = HashMap::default();
    }

    /// Forget everything, returning each prefix with the identifiers it was told under.
    pub fn drain(&mut self) -> Vec<(IpNet, SmallVec<[u32; 1]>)> {
        let mut out: Vec<(IpNet, SmallVec<[u32; 1]>)> = std::mem::take(&mut self.single)
            .into_keys()
            .map(|p| (p, SmallVec::from_buf([0])))
            .collect();
        out.extend(
            std::mem::take(&mut self.multi)
                .into_iter()
                .map(|(p, paths)| (p, paths.iter().map(|(i, _)| *i).collect())),
        );
        out
    }
}

/// Make `prefix` in `adj_out` equal `wanted`, recording announcements and withdrawals.
pub fn update(
    adj_out: &mut AdjRibOut,
    target: PeerId,
    prefix: IpNet,
    wanted: OutPaths,
    adverts: &mut Vec<(PeerId, Advert)>,
) {
    let single = matches!(wanted.as_slice(), [] | [(0, _)]);
    if single && adj_out.multi.is_empty() {
        update_single(adj_out, target, prefix, wanted.into_iter().next(), adverts);
        return;
    }
    let current = adj_out.take(&prefix);
    for (path_id, attrs) in &wanted {
        let unchanged = current
            .iter()
            .any(|(id, a)| id == path_id && Arc::ptr_eq(a, attrs));
        if !unchanged {
            let attrs = Arc::clone(attrs);
            adverts.push((
                target,
                Advert::Announce {
                    prefix,
                    path_id: *path_id,
                    attrs,
                },
            ));
        }
    }
    for (path_id, _) in &current {
        if !wanted.iter().any(|(id, _)| id == path_id) {
            adverts.push((
                target,
                Advert::Withdraw {
                    prefix,
                    path_id: *path_id,
                },
            ));
        }
    }
    adj_out.put(prefix, wanted);
}

/// The common case, no ADD-PATH anywhere on this session: one map lookup per change.
fn update_single(
    adj_out: &mut AdjRibOut,
    target: PeerId,
    prefix: IpNet,
    wanted: Option<(u32, Arc<RibAttrs>)>,
    adverts: &mut Vec<(PeerId, Advert)>,
) {
    use std::collections::hash_map::Entry;
    let announce = |attrs: &Arc<RibAttrs>| Advert::Announce {
        prefix,
        path_id: 0,
        attrs: Arc::clone(attrs),
    };
    match (wanted, adj_out.single.entry(prefix)) {
        (Some((_, attrs)), Entry::Occupied(mut told)) => {
            if !Arc::ptr_eq(told.get(), &attrs) {
                adverts.push((target, announce(&attrs)));
                told.insert(attrs);
            }
        }
        (Some((_, attrs)), Entry::Vacant(slot)) => {
            adverts.push((target, announce(&attrs)));
            slot.insert(attrs);
        }
        (None, Entry::Occupied(told)) => {
            told.remove();
            adverts.push((target, Advert::Withdraw { prefix, path_id: 0 }));
        }
        (None, Entry::Vacant(_)) => {}
    }
}
