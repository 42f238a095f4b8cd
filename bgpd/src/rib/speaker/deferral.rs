//! The RIB's side of Graceful Restart selection deferral (RFC 4724 §4.1, see
//! [`crate::rib::deferral`]): while deferring, [`Rib::propagate`] holds results back;
//! when the last End-of-RIB arrives or the timer fires, the whole table goes to the FIB
//! and to every established peer at once.

use super::{Rib, RibOutput};
use crate::rib::fib::FibDelta;
use crate::rib::loc::{fib_next_hops, selection_of};
use crate::rib::types::PeerId;
use crate::wire::Afi;

impl Rib {
    /// Enter deferral mode after a restart. The driver arms the selection deferral timer
    /// and calls [`Rib::deferral_timer_expired`] when it fires.
    pub fn start_deferral(&mut self) {
        self.deferral.start();
        // Nothing is told while deferring, so nobody keeps what it was told in step
        // with the table; everyone gets the whole table when the results are released.
        self.told.reset_all();
    }

    /// True while best-path results are being held back.
    pub fn deferring(&self) -> bool {
        self.deferral.is_active()
    }

    /// The selection deferral timer fired: stop waiting for missing End-of-RIBs.
    pub fn deferral_timer_expired(&mut self) -> RibOutput {
        self.finish_deferral()
    }

    /// A peer came up while deferring: wait for its End-of-RIB per family if `wait`.
    pub(super) fn defer_peer(&mut self, id: PeerId, families: &[Afi], wait: bool) {
        if wait {
            self.deferral.wait_for(id, families);
        }
    }

    /// End-of-RIB from a peer while deferring; finishes when nothing is pending.
    pub(super) fn deferred_end_of_rib(&mut self, id: PeerId, afi: Afi) -> RibOutput {
        if self.deferral.end_of_rib(id, afi) {
            return self.finish_deferral();
        }
        RibOutput::default()
    }

    fn finish_deferral(&mut self) -> RibOutput {
        let mut out = RibOutput::default();
        if !self.deferral.finish() {
            return out;
        }
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
