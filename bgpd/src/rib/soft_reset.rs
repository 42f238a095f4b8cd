//! Soft reconfiguration without resetting sessions: re-running import policy over a
//! peer's Adj-RIB-In, re-sending its Adj-RIB-Out through export policy, and swapping a
//! peer's filters in place (a configuration reload that only changed filters).

use super::advert::Advert;
use super::policy::Filter;
use super::speaker::{Rib, RibOutput};
use super::types::PeerId;
use crate::wire::Afi;

impl Rib {
    /// Replace a peer's import and export filters and apply them to what it already sent
    /// and what it has been told, keeping its session (a reload that changed filters).
    pub fn set_filters(&mut self, id: PeerId, import: Filter, export: Filter) -> RibOutput {
        let mut out = RibOutput::default();
        let Some(peer) = self.peers.get_mut(&id) else {
            return out;
        };
        peer.policy.import = import;
        peer.policy.export = export;
        self.export_cache.retain(|key, _| key.0 != id);
        self.soft_reset_in(id, &mut out);
        // Only differences are sent (then End-of-RIB): the Adj-RIB-Out is kept.
        self.full_export(id, None, &mut out);
        out.fib = super::fib::coalesce(std::mem::take(&mut out.fib));
        out
    }

    /// Inbound soft reset from the stored Adj-RIB-In: every route the peer sent runs
    /// through import policy again. Returns the output and how many routes were re-run.
    pub fn soft_reset_inbound(&mut self, id: PeerId) -> (RibOutput, usize) {
        let mut out = RibOutput::default();
        let n = self.soft_reset_in(id, &mut out);
        out.fib = super::fib::coalesce(std::mem::take(&mut out.fib));
        (out, n)
    }

    fn soft_reset_in(&mut self, id: PeerId, out: &mut RibOutput) -> usize {
        let n = self.received_count(id);
        self.reimport(id, out);
        n
    }

    /// Outbound soft reset: forget what the peer has been told and send the whole table
    /// through its export policy again (announcements, then withdrawals of what export
    /// now refuses, then End-of-RIB). Returns the output and how many prefixes were
    /// announced; nothing if the session is down.
    pub fn soft_reset_outbound(&mut self, id: PeerId) -> (RibOutput, usize) {
        let mut out = RibOutput::default();
        if !self.peer_established(id) {
            return (out, 0);
        }
        self.export_cache.retain(|key, _| key.0 != id);
        let Some(peer) = self.peers.get_mut(&id) else {
            return (out, 0);
        };
        let told = peer.adj_out.drain();
        self.full_export(id, None, &mut out);
        let announced = out
            .adverts
            .iter()
            .filter(|(_, a)| matches!(a, Advert::Announce { .. }))
            .count();
        let Some(peer) = self.peers.get(&id) else {
            return (out, announced);
        };
        // Withdrawals go before the End-of-RIB markers `full_export` appended.
        let eors = out
            .adverts
            .split_off(out.adverts.len().saturating_sub(self.families(id).len()));
        for (prefix, ids) in told {
            for path_id in ids {
                if !peer.adj_out.has(&prefix, path_id) {
                    out.adverts.push((id, Advert::Withdraw { prefix, path_id }));
                }
            }
        }
        out.adverts.extend(eors);
        (out, announced)
    }

    /// Whether the peer's session is up.
    pub fn peer_established(&self, id: PeerId) -> bool {
        self.peers.get(&id).is_some_and(|p| p.session.is_some())
    }

    /// Families for which the peer accepts ROUTE-REFRESH (RFC 2918 §4: only send it to
    /// a peer that advertised the capability); empty if it did not or the session is down.
    pub fn route_refresh_families(&self, id: PeerId) -> Vec<Afi> {
        match self.peers.get(&id).and_then(|p| p.session.as_ref()) {
            Some(s) if s.route_refresh => s.families.clone(),
            _ => Vec::new(),
        }
    }

    /// Prefixes currently advertised to a peer (its Adj-RIB-Out).
    pub fn advertised_count(&self, id: PeerId) -> usize {
        self.peers.get(&id).map_or(0, |p| p.adj_out.len())
    }
}
