//! Adj-RIB-In (RFC 4271 §3.2): the routes one peer sent us, before import policy, so a
//! policy change can be re-applied without asking the peer again. Graceful Restart
//! (RFC 4724 §4.2) marks them stale while the peer restarts.

use std::collections::HashMap;

// Faster than SipHash on the per-route tables, still seeded per process against
// crafted collisions from peers.
use foldhash::quality::RandomState;
use std::sync::Arc;

use ipnet::IpNet;

use super::types::RibAttrs;
use crate::wire::Afi;

/// One received route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InRoute {
    /// Attributes as received (interned).
    pub attrs: Arc<RibAttrs>,
    /// Kept from before the peer restarted; removed at End-of-RIB or on timer expiry.
    pub stale: bool,
}

/// Routes from one peer, keyed by prefix and ADD-PATH identifier (0 without ADD-PATH).
#[derive(Debug, Default)]
pub struct AdjRibIn {
    routes: HashMap<(IpNet, u32), InRoute, RandomState>,
}

impl AdjRibIn {
    /// Store a received route (clearing its stale mark). Returns true if it changed.
    pub fn insert(&mut self, prefix: IpNet, path_id: u32, attrs: Arc<RibAttrs>) -> bool {
        let route = InRoute {
            attrs,
            stale: false,
        };
        self.routes.insert((prefix, path_id), route.clone()) != Some(route)
    }

    /// Forget a route. Returns true if it was there.
    pub fn remove(&mut self, prefix: IpNet, path_id: u32) -> bool {
        self.routes.remove(&(prefix, path_id)).is_some()
    }

    /// Mark every route stale (the peer went down gracefully, RFC 4724 §4.2).
    pub fn mark_all_stale(&mut self) {
        for r in self.routes.values_mut() {
            r.stale = true;
        }
    }

    /// Remove and return the stale routes of `afi` (`None`: every family).
    pub fn sweep_stale(&mut self, afi: Option<Afi>) -> Vec<(IpNet, u32)> {
        let gone: Vec<(IpNet, u32)> = self
            .routes
            .iter()
            .filter(|((p, _), r)| r.stale && afi.is_none_or(|a| Afi::of(p) == a))
            .map(|(k, _)| *k)
            .collect();
        for k in &gone {
            self.routes.remove(k);
        }
        gone
    }

    /// True if any stale route remains.
    pub fn has_stale(&self) -> bool {
        self.routes.values().any(|r| r.stale)
    }

    /// Remove everything, returning the keys.
    pub fn clear(&mut self) -> Vec<(IpNet, u32)> {
        self.routes.drain().map(|(k, _)| k).collect()
    }

    /// All routes.
    pub fn iter(&self) -> impl Iterator<Item = (&(IpNet, u32), &InRoute)> {
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
