//! Adj-RIB-In (RFC 4271 §3.2): the routes one peer sent us, before import policy, so a
//! policy change can be re-applied without asking the peer again. Graceful Restart
//! (RFC 4724 §4.2) marks them stale while the peer restarts.
//!
//! The stale marks live in their own set, which is empty except while a peer restarts,
//! so a route costs its key and one attribute pointer.

use std::collections::{HashMap, HashSet};

// Faster than SipHash on the per-route tables, still seeded per process against
// crafted collisions from peers.
use foldhash::quality::RandomState;
use std::sync::Arc;

use ipnet::IpNet;

use super::types::RibAttrs;
use crate::wire::Afi;

/// Routes from one peer, keyed by prefix and ADD-PATH identifier (0 without ADD-PATH).
#[derive(Debug, Default)]
pub struct AdjRibIn {
    /// Attributes as received (interned).
    routes: HashMap<(IpNet, u32), Arc<RibAttrs>, RandomState>,
    /// Kept from before the peer restarted; removed at End-of-RIB or on timer expiry.
    stale: HashSet<(IpNet, u32), RandomState>,
}

impl AdjRibIn {
    /// Store a received route (clearing its stale mark). Returns true if it changed.
    pub fn insert(&mut self, prefix: IpNet, path_id: u32, attrs: Arc<RibAttrs>) -> bool {
        let key = (prefix, path_id);
        let was_stale = !self.stale.is_empty() && self.stale.remove(&key);
        let old = self.routes.insert(key, Arc::clone(&attrs));
        was_stale || old.is_none_or(|o| o != attrs)
    }

    /// Forget a route. Returns true if it was there.
    pub fn remove(&mut self, prefix: IpNet, path_id: u32) -> bool {
        let key = (prefix, path_id);
        if !self.stale.is_empty() {
            self.stale.remove(&key);
        }
        self.routes.remove(&key).is_some()
    }

    /// Mark every route stale (the peer went down gracefully, RFC 4724 §4.2).
    pub fn mark_all_stale(&mut self) {
        self.stale = self.routes.keys().copied().collect();
    }

    /// Remove and return the stale routes of `afi` (`None`: every family).
    pub fn sweep_stale(&mut self, afi: Option<Afi>) -> Vec<(IpNet, u32)> {
        let gone: Vec<(IpNet, u32)> = self
            .stale
            .iter()
            .filter(|(p, _)| afi.is_none_or(|a| Afi::of(p) == a))
            .copied()
            .collect();
        for k in &gone {
            self.stale.remove(k);
            self.routes.remove(k);
        }
        if self.stale.is_empty() {
            // Give the memory of a full table's marks back.
            self.stale = HashSet::default();
        }
        gone
    }

    /// True if any stale route remains.
    pub fn has_stale(&self) -> bool {
        !self.stale.is_empty()
    }

    /// Remove everything, returning the keys.
    pub fn clear(&mut self) -> Vec<(IpNet, u32)> {
        self.stale = HashSet::default();
        std::mem::take(&mut self.routes).into_keys().collect()
    }

    /// All routes with their attributes as received.
    pub fn iter(&self) -> impl Iterator<Item = (&(IpNet, u32), &Arc<RibAttrs>)> {
        self.routes.iter()
    }

    /// Number of routes (the max-prefix count).
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}
