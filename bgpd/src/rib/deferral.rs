//! Graceful Restart, restarting side (RFC 4724 §4.1): after our own restart the kernel
//! still forwards with the routes installed before; the RIB learns from its peers but
//! holds back FIB changes and advertisements until every Graceful-Restart peer has sent
//! End-of-RIB, or the selection deferral timer fires. Then it emits the whole result
//! once, so the FIB moves from the old table to the new one without a gap.

use std::collections::HashSet;

use super::fib::FibDelta;
use super::loc::{fib_next_hops, selection_of};
use super::speaker::{Rib, RibOutput};
use super::types::PeerId;
use crate::wire::Afi;

/// Deferral bookkeeping.
#[derive(Debug, Default)]
pub(super) struct Deferral {
    /// Deferring now.
    pub active: bool,
    /// (peer, family) pairs whose End-of-RIB we still wait for.
    pub pending: HashSet<(PeerId, Afi)>,
}

impl Rib {
    /// Enter deferral mode after a restart. The driver arms the selection deferral timer
    /// and calls [`Rib::deferral_timer_expired`] when it fires.
    pub fn start_deferral(&mut self) {
        self.deferral.active = true;
        self.deferral.pending.clear();
        // Nothing is told while deferring, so nobody keeps what it was told in step
        // with the table; everyone gets the whole table when the results are released.
        self.told.reset_all();
    }

    /// True while best-path results are being held back.
    pub fn deferring(&self) -> bool {
        self.deferral.active
    }

    /// The selection deferral timer fired: stop waiting for missing End-of-RIBs.
    pub fn deferral_timer_expired(&mut self) -> RibOutput {
        self.finish_deferral()
    }

    /// A peer came up while deferring: wait for its End-of-RIB per family if `wait`.
    pub(super) fn defer_peer(&mut self, id: PeerId, families: &[Afi], wait: bool) {
        if wait {
            self.deferral
                .pending
                .extend(families.iter().map(|f| (id, *f)));
        }
    }

    /// End-of-RIB from a peer while deferring; finishes when nothing is pending.
    pub(super) fn deferred_end_of_rib(&mut self, id: PeerId, afi: Afi) -> RibOutput {
        self.deferral.pending.remove(&(id, afi));
        if self.deferral.pending.is_empty() {
            return self.finish_deferral();
        }
        RibOutput::default()
    }

    fn finish_deferral(&mut self) -> RibOutput {
        let mut out = RibOutput::default();
        if !self.deferral.active {
            return out;
        }
        self.deferral.active = false;
        self.deferral.pending.clear();
        // The kernel shell reconciles: an Add for a prefix it already has is a replace.
        for (prefix, selected) in self.loc.best_routes() {
            let next_hops = fib_next_hops(&selection_of(selected));
            if !next_hops.is_empty() {
                out.fib.push(FibDelta::Add { prefix, next_hops });
            }
        }
        let established: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, p)| p.session.is_some())
            .map(|(id, _)| *id)
            .collect();
        for id in established {
            self.full_export(id, &mut out);
        }
        out
    }
}
