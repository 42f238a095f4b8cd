//! Read-only views of the RIB for the management API, metrics and tests: selected
//! paths, per-peer counts and what a peer is being told.

use std::sync::Arc;

use ipnet::IpNet;

use super::Rib;
use crate::rib::loc::selection_of;
use crate::rib::path::StoredPath;
use crate::rib::peer_index::PeerIdx;
use crate::rib::peer_policy::RibConfig;
use crate::rib::types::{Candidate, PeerId, RibAttrs};

impl Rib {
    /// Our configuration.
    pub fn config(&self) -> &RibConfig {
        &self.config
    }

    /// The selected paths for a prefix, best first.
    pub fn selected(&self, prefix: &IpNet) -> Vec<Candidate> {
        self.candidates(self.loc.selected(prefix))
    }

    /// Every prefix with its selected paths (best first), for queries.
    pub fn best_routes(&self) -> impl Iterator<Item = (IpNet, Vec<Candidate>)> + '_ {
        self.loc
            .best_routes()
            .map(|(p, selected)| (p, self.candidates(selected)))
    }

    /// Stored paths as the public candidate type.
    fn candidates(&self, paths: &[StoredPath]) -> Vec<Candidate> {
        paths
            .iter()
            .filter_map(|p| {
                let attrs = Arc::clone(p.usable()?);
                Some(Candidate {
                    peer: self.peers.index().id(p.peer)?,
                    path_id: p.path_id,
                    igp_cost: self.igp_costs.get(&attrs.next_hop).copied(),
                    attrs,
                })
            })
            .collect()
    }

    /// Number of prefixes in the Loc-RIB (with a selected path).
    pub fn loc_rib_len(&self) -> usize {
        self.loc.len()
    }

    /// Routes received from a peer and kept (its Adj-RIB-In, the max-prefix count).
    pub fn received_count(&self, id: PeerId) -> usize {
        self.peers
            .get(&id)
            .map_or(0, |p| self.loc.counts(p.idx()).received)
    }

    /// Routes from a peer in the Loc-RIB: accepted by import policy, next hop resolvable.
    pub fn accepted_count(&self, id: PeerId) -> usize {
        self.peers
            .get(&id)
            .map_or(0, |p| self.loc.counts(p.idx()).accepted)
    }

    /// Prefixes currently advertised to a peer (its Adj-RIB-Out).
    pub fn advertised_count(&self, id: PeerId) -> usize {
        self.peers
            .get(&id)
            .filter(|p| p.session.is_some())
            .map_or(0, |p| self.told.get(p.idx()).prefixes)
    }

    /// What we currently advertise to a peer for a prefix (the best path's export).
    pub fn advertised(&self, id: PeerId, prefix: &IpNet) -> Option<RibAttrs> {
        self.advertised_paths(id, prefix)
            .into_iter()
            .next()
            .map(|(_, a)| a)
    }

    /// Every path we advertise to a peer for a prefix, with its ADD-PATH identifier.
    pub fn advertised_paths(&self, id: PeerId, prefix: &IpNet) -> Vec<(u32, RibAttrs)> {
        let Some(peer) = self.peers.get(&id) else {
            return Vec::new();
        };
        if !self.told.get(peer.idx()).synced {
            return Vec::new();
        }
        let selection = selection_of(self.loc.selected(prefix));
        let info = |idx: PeerIdx| self.peers.index().info(idx).copied();
        self.exports()
            .wanted_with(id, prefix, &selection, &peer.policy, &info)
            .into_iter()
            .map(|(i, a)| (i, RibAttrs::clone(&a)))
            .collect()
    }

    /// Distinct interned attribute sets (memory diagnostics).
    pub fn interned_sets(&self) -> usize {
        self.interner.len()
    }
}
