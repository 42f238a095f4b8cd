//! Soft reconfiguration without resetting sessions: re-running import policy over a
//! peer's Adj-RIB-In (the paths it sent, as received), re-sending its Adj-RIB-Out
//! through export policy, and swapping a peer's filters in place (a configuration
//! reload that only changed filters).

use super::{Rib, RibOutput};
use crate::rib::fib;
use crate::rib::policy::Filter;
use crate::rib::types::PeerId;
use crate::wire::Afi;

impl Rib {
    /// Replace a peer's import and export filters and apply them to what it already sent
    /// and what it has been told, keeping its session (a reload that changed filters).
    pub fn set_filters(&mut self, id: PeerId, import: Filter, export: Filter) -> RibOutput {
        let mut out = RibOutput::default();
        let Some(peer) = self.peers.get_mut(&id) else {
            return out;
        };
        let old = peer.policy.clone();
        peer.policy.import = import;
        peer.policy.export = export;
        let idx = peer.idx();
        self.export_cache.retain(|key, _| key.0 != idx);
        // Only differences are sent, then End-of-RIB: first what the new export filter
        // changes, then what the new import filter does to the selection.
        self.reexport_target(id, &old, &mut out);
        self.soft_reset_in(id, &mut out);
        self.end_of_rib(id, None, &mut out);
        out.fib = fib::coalesce(std::mem::take(&mut out.fib));
        out
    }

    /// Inbound soft reset from the stored Adj-RIB-In: every route the peer sent runs
    /// through import policy again. Returns the output and how many routes were re-run.
    pub fn soft_reset_inbound(&mut self, id: PeerId) -> (RibOutput, usize) {
        let mut out = RibOutput::default();
        let n = self.soft_reset_in(id, &mut out);
        out.fib = fib::coalesce(std::mem::take(&mut out.fib));
        (out, n)
    }

    fn soft_reset_in(&mut self, id: PeerId, out: &mut RibOutput) -> usize {
        let n = self.received_count(id);
        self.reimport(id, out);
        n
    }

    /// Outbound soft reset: send the whole table through the peer's export policy
    /// again, then End-of-RIB. Returns the output and how many prefixes were announced;
    /// nothing if the session is down.
    pub fn soft_reset_outbound(&mut self, id: PeerId) -> (RibOutput, usize) {
        let mut out = RibOutput::default();
        let Some(idx) = self.peers.established(id) else {
            return (out, 0);
        };
        // What it was told is what export makes of the table now (see `adj_out`), so
        // there is nothing it was told that export now refuses.
        self.export_cache.retain(|key, _| key.0 != idx);
        let announced = self.announce_again(id, None, &mut out);
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
}
